"""The trust leaf: the file-format constants, the per-class mark, and the allowlist, every entry
of which names a real class and says why it is safe."""

from __future__ import annotations

import importlib
import inspect

import pytest

import toolkit as tk
from toolkit.models import io, trust


def _entries():
    return [(m, n) for m, names in trust._TRUSTED_CLASSES.items() for n in names]


@pytest.mark.parametrize("module, name", _entries())
def test_every_listed_class_exists_and_has_a_reason(module, name):
    obj = getattr(importlib.import_module(module), name, None)
    if obj is None:
        pytest.skip(f"{module}.{name} is not in this scikit-learn version")
    assert inspect.isclass(obj) and obj.__module__ == module
    assert trust.trusted_type(f"{module}.{name}")
    assert len(trust.why_trusted(f"{module}.{name}")) > 10


@pytest.mark.parametrize(
    "name",
    [
        "sklearn.metrics._dist_metrics.PyFuncDistance64",  # calls a Python function
        "sklearn.metrics._dist_metrics.DistanceMetric64",  # the base class, never fitted
        "sklearn.tree._tree.DepthFirstTreeBuilder",  # a builder, never in a fitted model
        "sklearn.model_selection._split.train_test_split",  # a function
        "sklearn.calibration.CalibrationDisplay",  # holds matplotlib objects
        "os.system",
    ],
)
def test_classes_of_a_trusted_module_are_not_trusted_unless_listed(name):
    assert not trust.trusted_type(name)
    assert trust.why_trusted(name) is None


def test_the_format_constants_are_what_files_carry():
    assert (trust.FORMAT, trust.VERSION) == ("toolkit.machine", 1)


def test_the_mark_is_per_class_and_read_by_the_allowlist():
    @trust.trust
    class Mine:
        pass

    class Sub(Mine):
        pass

    assert vars(Mine)["_toolkit_trusted"] is Mine and "_toolkit_trusted" not in vars(Sub)
    assert io.trusted_type("toolkit.models.neural.NeuralNetworkClassifier")
    assert not io.trusted_type("toolkit.models.compose.TableTransformer")  # unmarked base


def test_saved_files_carry_the_format(tmp_path):
    mach = tk.fit(tk.machine(tk.load_model("Ridge")(), [[0.0], [1.0]], [0.0, 1.0]))
    path = tmp_path / "m.skops"
    io.save_machine(path, mach)
    import skops.io as sio

    payload = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert (payload["format"], payload["version"]) == (trust.FORMAT, trust.VERSION)
