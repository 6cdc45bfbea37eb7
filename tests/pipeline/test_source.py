"""The YAML reader: positions for every node, and every refusal a toolkit error, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from toolkit.errors import InvalidConfigError, ToolkitError
from toolkit.pipeline import Pipeline
from toolkit.pipeline.source import MAX_NODES, Mark, read


def test_every_node_has_its_line_and_column():
    src = read("seed: 1\nmodel:\n  chain:\n    - Flatten\n    - Dense: {out: 10}\n", "p.yaml")
    assert src.mark(("model", "chain", 1, "Dense", "out")) == Mark("p.yaml", 5, 20)
    assert src.mark(("model", "chain", 0)) == Mark("p.yaml", 4, 7)
    assert src.mark(("model",), key=True) == Mark("p.yaml", 2, 1)
    assert src.mark(("model", "nope", 3)) == Mark("p.yaml", 2, 1)  # the nearest known ancestor


def test_values_are_plain():
    src = read("a: 1\nb: 2.5\nc: true\nd: null\ne: text\nf: 2020-01-02\ng: [1, x]\n")
    assert src.data == {"a": 1, "b": 2.5, "c": True, "d": None, "e": "text",
                        "f": "2020-01-02", "g": [1, "x"]}


def test_an_empty_file_is_an_empty_mapping():
    assert read("", "p.yaml").data == {}


@pytest.mark.parametrize("text, problem", [
    ("a: 1\nb:\n  c: 1\n  c: 2\n", "p.yaml:4:3: b.c: duplicate key 'c' (first given on line 3)"),
    ("a: !!python/object:os.system x\n", "p.yaml:1:4: a: the YAML tag '!!python/object:os.system'"),
    ("a: !!binary aGk=\n", "p.yaml:1:4: a: the YAML tag '!!binary'"),
    ("a:\n\tb: 1\n", "p.yaml:2:1: (yaml): a tab character"),
    ("a: [1, 2\n", "p.yaml:2:1: (yaml): YAML syntax error"),
    ("a: &a [*a]\n", "(yaml): the YAML expands to more than"),
    ("<<: {a: 1}\n", "p.yaml:1:1: (top): merge keys (<<) are refused"),
    ("? [1, 2]\n: x\n", "p.yaml:1:3: (top): a key must be a plain word"),
    ("[" * 3000, "(yaml): the YAML nests too deeply"),
])
def test_refusals_name_the_place(text, problem):
    with pytest.raises(InvalidConfigError) as err:
        read(text, "p.yaml")
    assert problem in str(err.value)


def test_an_alias_bomb_is_refused_before_it_allocates():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    with pytest.raises(InvalidConfigError, match=f"more than {MAX_NODES} values"):
        read("\n".join(lines) + "\n", "bomb.yaml")


def test_aliases_within_the_bound_are_fine():
    assert read("a: &x [1, 2]\nb: *x\n").data == {"a": [1, 2], "b": [1, 2]}


YAMLISH = st.text(alphabet=st.sampled_from(list("ab:- \n\t[]{},&*!#'\"|>?<%@`0123.")), max_size=80)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
@example("a: &a [*a, *a]\nb: *a\n")
@example("!!python/name:os.system\n")
@example("%YAML 1.1\n---\na: 1\n")
@example("a: 1\n---\nb: 2\n")
@example("\x00")
def test_any_text_is_a_value_or_a_toolkit_error(text):
    try:
        src = read(text, "fuzz.yaml")
    except ToolkitError as err:
        assert str(err).startswith("fuzz.yaml:") and "Traceback" not in str(err)
        return
    try:  # a config from any text is either checked into problems or valid; never a crash
        Pipeline(src).problems(data=False)
    except ToolkitError:
        pass
