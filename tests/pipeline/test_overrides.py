"""--set overrides: values read as YAML, set at their key path, marked for messages."""

from __future__ import annotations

import pytest

from toolkit.errors import InvalidConfigError
from toolkit.pipeline.overrides import apply
from toolkit.pipeline.source import read

BASE = "train: {epochs: 5}\nmodel:\n  chain:\n    - Flatten\n    - Dense: {out: 10}\n"


def test_values_are_yaml():
    src = apply(read(BASE, "p.yaml"), ["train.epochs=2", "train.optimiser={Adam: {lr: 0.1}}",
                                       "seed=7", "out=null"])
    assert src.data["train"] == {"epochs": 2, "optimiser": {"Adam": {"lr": 0.1}}}
    assert src.data["seed"] == 7 and src.data["out"] is None


def test_lists_are_indexed_and_a_bare_name_gains_parameters():
    src = apply(read(BASE, "p.yaml"), ["model.chain[1].Dense.out=3", "model.chain[0].Flatten.x=1"])
    assert src.data["model"]["chain"] == [{"Flatten": {"x": 1}}, {"Dense": {"out": 3}}]


def test_the_file_is_left_as_it_was():
    src = read(BASE, "p.yaml")
    apply(src, ["train.epochs=2"])
    assert src.data["train"]["epochs"] == 5


def test_an_override_is_marked_with_itself():
    src = apply(read(BASE, "p.yaml"), ["train.loss.mse.agg=sum"])
    assert str(src.mark(("train", "loss"))) == "--set train.loss.mse.agg=sum"
    assert str(src.mark(("model", "chain", 1))) == "p.yaml:5:7"


@pytest.mark.parametrize("item, message", [
    ("train.epochs", "expected KEY.PATH=VALUE"),
    ("=3", "expected KEY.PATH=VALUE"),
    ("model.chain[5].Dense.out=3", "index 5 is past the end of the list"),
    ("train.epochs.x=3", "train.epochs holds 5, which a key cannot reach into"),
    ("train.epochs=[1", "YAML syntax error"),
    ("seed=!!python/name:os.system", "the YAML tag"),
])
def test_bad_overrides_are_refused_naming_themselves(item, message):
    with pytest.raises(InvalidConfigError) as err:
        apply(read(BASE, "p.yaml"), [item])
    assert message in str(err.value) and f"--set {item}" in str(err.value)
