"""The one registry: its API, and one conformance contract that every entry of every family meets.

Every entry builds from its defaults (or the example below); ``build(to_config(x))`` writes
the same config again (and equals ``x`` where the type compares by value); its docstring
opens with its call signature and carries an example that runs; a misspelt keyword is
refused with a did-you-mean naming the right one.
"""

from __future__ import annotations

import doctest
import functools
import inspect

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from tests.augment.test_conformance import EXAMPLES as TRANSFORM_EXAMPLES
from toolkit.errors import ConfigError, UnknownNameError
from toolkit.registry import REQUIRED, Registry, registry

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
DENSE = {"Dense": {"out": 2}}

# Entries that need arguments to build: the smallest meaningful configuration.
EXAMPLES = {
    ("layers", "Dense"): {"out": 3},
    ("layers", "Dropout"): {"p": 0.5},
    ("layers", "Conv"): {"kernel": [3, 3], "out": 2},
    ("layers", "MaxPool"): {"window": [2, 2]},
    ("layers", "MeanPool"): {"window": [2, 2]},
    ("layers", "Chain"): {"layers": [DENSE, "relu", DENSE]},
    ("layers", "SkipConnection"): {"layer": DENSE},
    ("layers", "Parallel"): {"connection": "cat", "layers": [DENSE, DENSE]},
    ("layers", "NeuralODE"): {"f": {"Dense": {"in_": 2, "out": 2}}, "tspan": [0.0, 1.0]},
    ("rules", "OptimiserChain"): {"rules": [{"ClipNorm": {"omega": 1.0}}, "Adam"]},
    ("sources", "CSV"): {"path": str(ROOT / "datasets" / "wine.csv"), "target": "cultivar"},
    ("sources", "ImageFolder"): {"root": str(ROOT / "datasets" / "digits"),
                                 "image_size": [8, 8], "color": "gray"},
    ("sources", "ArrayDataset"): {"X": [[0.0, 1.0], [2.0, 3.0]], "y": ["a", "b"]},
    ("schedules", "OneCycle"): {"max_lr": 0.01},
    ("schedules", "CosineWarmup"): {"warmup": 100},
    ("schedules", "Step"): {"every": 1000},
    ("schedules", "Exponential"): {"gamma": 0.999},
    **{("transforms", name): example for name, example in TRANSFORM_EXAMPLES.items()},
}


@pytest.fixture(scope="module")
def parquet_path(tmp_path_factory, wine_csv):
    path = tmp_path_factory.mktemp("registry") / "wine.parquet"
    pl.read_csv(wine_csv).write_parquet(path)
    return str(path)


def _entries():
    for family in registry():
        for name in registry(family).names():
            yield pytest.param(family, name, id=f"{family}:{name}")


ENTRIES = list(_entries())


def _example(family, name, request):
    if (family, name) == ("sources", "Parquet"):
        return {"path": request.getfixturevalue("parquet_path"), "target": "cultivar"}
    if family == "sources":
        request.getfixturevalue("digits_dir")  # the bundled data, materialised once
    return EXAMPLES.get((family, name), {})


def _compares_by_value(obj) -> bool:
    return type(obj).__eq__ is not object.__eq__ and not isinstance(obj, functools.partial)


@pytest.mark.parametrize(("family", "name"), ENTRIES)
def test_every_entry_builds_and_its_config_round_trips(family, name, request):
    reg = registry(family)
    built = reg.build(name, _example(family, name, request), where="test")
    config = reg.to_config(built)
    rebuilt = reg.build(config)
    assert reg.to_config(rebuilt) == config
    if _compares_by_value(built) and not hasattr(built, "get_params"):
        assert rebuilt == built


@pytest.mark.parametrize(("family", "name"), ENTRIES)
def test_every_entry_documents_its_call_and_an_example_that_runs(family, name):
    entry = registry(family).get(name)
    doc = inspect.getdoc(entry) or ""
    first = doc.split("\n")[0].replace("``", "")
    own = getattr(entry, "__name__", name)
    assert first.startswith((f"{own}(", f"{name}(")), f"{family}:{name}: {first!r}"
    examples = doctest.DocTestParser().get_examples(doc)
    assert examples, f"{family}:{name} has no example"
    if _collected_by_doctest_modules(entry):
        return  # pytest --doctest-modules runs it with the project's doctest options
    test = doctest.DocTest(examples, {"np": np}, name, None, 0, doc)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=lambda text: None)
    assert runner.failures == 0, f"{family}:{name}: its example does not run as written"


def _collected_by_doctest_modules(entry) -> bool:
    """Functions and classes that their module names are found by doctest; generated model
    types and measure objects are not, so the conformance test runs their examples."""
    module = inspect.getmodule(entry)
    found = vars(module).get(getattr(entry, "__name__", "")) if module else None
    return (inspect.isfunction(entry) or inspect.isclass(entry)) and found is entry


@pytest.mark.parametrize(("family", "name"), ENTRIES)
def test_a_misspelt_keyword_is_refused_with_a_did_you_mean(family, name, request):
    reg = registry(family)
    example = _example(family, name, request)
    params = [p.name for p in reg.params(name) if len(p.name) > 2]
    wrong = params[0] + "x" if params else "bogus"
    problems = reg.check(name, {**example, wrong: 1}, where="cfg")
    refused = [p for p in problems if isinstance(p, UnknownNameError)]
    assert len(refused) == 1, problems
    assert refused[0].where == f"cfg.{name}" and repr(wrong) in str(refused[0])
    if params:
        assert refused[0].suggestion == params[0] and f"did you mean {params[0]!r}" in str(
            refused[0]
        )
    with pytest.raises(UnknownNameError):
        reg.build(name, {**example, wrong: 1})


@pytest.mark.parametrize(("family", "name"), ENTRIES)
def test_every_parameter_says_its_name_and_default(family, name):
    for p in registry(family).params(name):
        assert p.name.isidentifier() and (p.default is REQUIRED or p.default is not inspect._empty)


def test_the_families_and_an_unknown_one():
    assert {"transforms", "layers", "activations", "losses", "rules", "measures", "resampling",
            "models", "sources", "executors"} <= set(tk.registry())
    with pytest.raises(UnknownNameError, match="did you mean 'layers'"):
        tk.registry("layer")


def test_an_unknown_name_lists_the_valid_ones_and_the_closest():
    with pytest.raises(UnknownNameError) as err:
        tk.registry("rules").get("Adma", where="train.optimiser")
    assert str(err.value).startswith("train.optimiser: unknown optimiser rule 'Adma'; "
                                     "did you mean 'Adam'? Valid names: ")
    assert err.value.suggestion == "Adam" and "Descent" in err.value.choices


def test_values_are_checked_against_the_annotations_with_the_key_path():
    rules = tk.registry("rules")
    assert rules.build({"Adam": {"beta": [0.8, 0.9]}}).beta == (0.8, 0.9)  # a YAML list
    with pytest.raises(ConfigError, match=r"^train\.optimiser\.Adam\.lr: .*got str 'fast'$"):
        rules.build({"Adam": {"lr": "fast"}}, where="train.optimiser")
    with pytest.raises(ConfigError, match=r"^train\.optimiser\.Adam\.lr: expected float, got the "
                                          r"string '0.1'$"):
        rules.build({"Adam": {"lr": "0.1"}}, where="train.optimiser")
    with pytest.raises(ConfigError, match=r"^train\.optimiser\.Adam: the learning rate cannot be "
                                          r"negative"):
        rules.build({"Adam": {"lr": -1.0}}, where="train.optimiser")


def test_check_reports_every_problem_of_a_nested_config_at_once():
    problems = tk.registry("layers").check(
        {"Chain": {"layers": [{"Dense": {"outs": 4}}, "rellu", {"Conv": {"kernel": [3, 3]}}]}},
        where="model",
    )
    assert [p.where for p in problems] == ["model.Chain.layers[0].Dense", "model.Chain.layers[1]"]
    assert [p.suggestion for p in problems] == ["out", "relu"]


def test_malformed_specs_are_named():
    layers = tk.registry("layers")
    for spec, message in [(42, "expected a layer name"), ({"Dense": [1]}, "as a mapping"),
                          ({"Dense": {}, "Conv": {}}, "a mapping with 2 keys"),
                          ({"Dense": {1: 2}}, "keywords are names")]:
        with pytest.raises(ConfigError, match=message):
            layers.build(spec, where="model")


def test_a_users_own_part_works_wherever_a_builtin_name_works():
    @tk.register("layers")
    class Scale(tk.Module):
        """Scale(factor=2.0): multiply by ``factor``.

        >>> Scale(3.0)(1.0)
        3.0
        """

        _fields = ()

        def __init__(self, factor: float = 2.0):
            self.factor = factor

        def config(self):
            return {"factor": self.factor}

        def __call__(self, x):
            return self.factor * x

    layers = tk.registry("layers")
    chain = layers.build({"Chain": {"layers": [{"Scale": {"factor": 3}}, {"Dense": {"out": 1}}]}})
    assert isinstance(chain[0], Scale) and chain[0].factor == 3.0
    assert layers.to_config(chain)["Chain"]["layers"][0] == {"Scale": {"factor": 3.0}}
    assert "Scale" in layers.names() and layers.params("Scale")[0].annotation == "float"
    with pytest.raises(UnknownNameError, match="did you mean 'factor'"):
        Scale(fctor=2)


def test_registering_another_object_under_a_taken_name_is_refused_but_a_redefinition_is_not():
    reg = Registry("things", "thing")

    def thing(x):
        """thing(x)."""

    reg.register(thing)
    with pytest.raises(ConfigError, match="two things are registered as 'thing'"):
        reg.register(lambda x: x, name="thing")

    def thing(x):  # noqa: F811 - a notebook cell run again
        """thing(x)."""

    assert reg.register(thing) is reg.get("thing")


def test_a_registered_class_keeps_its_signature_for_scikit_learn_and_inspect():
    assert list(inspect.signature(tk.CSV).parameters)[:2] == ["path", "target"]
    Forest = tk.load_model("RandomForestClassifier")
    assert Forest(n_estimators=5).get_params()["n_estimators"] == 5


def test_lazy_families_fill_on_first_lookup():
    reg = Registry("late", "late thing")
    calls = []
    reg.register_lazy(lambda: calls.append(1) or {"a": len})
    assert calls == [] and reg.get("a") is len and reg.names() == ["a"] and calls == [1]


def test_the_models_family_loads_first_in_a_fresh_process():
    # Asking the registry for models before toolkit.models is imported: the provider's
    # register_lazy runs once the package has finished importing, not half-way through.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = "import toolkit as tk; print(len(tk.registry('models').names()) > 100)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert done.stdout.strip() == "True", done.stderr[-2000:]
