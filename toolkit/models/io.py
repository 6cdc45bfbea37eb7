"""Saving and loading trained machines, without pickles.

scikit-learn models go through skops (``skops.io``): the file is a zip of JSON
and numpy arrays, and loading it builds only types on an allowlist, checked
*before* anything is built, so loading a file can never run code. Neural networks
go through the model core's safetensors files (``toolkit.nn.io``) plus JSON.

The allowlist (:func:`trusted_type`):

- every type skops trusts by default (builtins containers, numpy, scikit-learn's
  estimators);
- toolkit's own model types: the generated wrappers
  (``toolkit.models.types.<Name>`` for registered names) and the classes
  registered with :func:`trust` (pipelines, the table transformers, neural
  networks, tuned models);
- the classes of the few scikit-learn (and scipy) modules that hold fitted state
  skops does not list by default: trees (``sklearn.tree._tree.Tree``),
  histogram-boosting predictors, KD/ball trees and distance metrics, kernels,
  loss objects, optimiser state, calibrators, bisecting k-means trees, B-splines,
  and the cross-validation splitters (``KFold`` ...) a tuned model keeps as its
  resampling (classes only: the module's functions are not trusted).
  Without them a saved decision tree could not be loaded; they are plain data
  holders of scikit-learn itself;
- the functions estimators keep as settings, from an explicit list: scikit-learn's
  univariate scores (``f_classif``, ``chi2`` ...), its k-means steps, ``numpy.dtype``
  and a few numpy reductions (``numpy.mean`` for ``FeatureAgglomeration``).

Anything else (``os.system``, ``builtins.eval``, a class of another package) is
refused with :class:`~toolkit.errors.UnsafeFileError` naming it, and a file that
is not a skops zip (a pickle renamed ``.skops``) is refused before it is read.

>>> import toolkit as tk, numpy as np, tempfile, os
>>> mach = tk.fit(tk.machine(tk.load_model("DecisionTreeClassifier")(max_depth=2),
...                          np.arange(8.0)[:, None], ["a"] * 4 + ["b"] * 4))
>>> path = os.path.join(tempfile.mkdtemp(), "tree.skops")
>>> save_machine(path, mach)
>>> loaded = load_machine(path)
>>> tk.predict(loaded, np.array([[1.0], [6.0]])).tolist()
['a', 'b']
"""

from __future__ import annotations

import importlib
import inspect
import json
import zipfile
from pathlib import Path

from toolkit.errors import NotTrainedError, UnsafeFileError, UnsupportedModelError
from toolkit.models.machine import Machine

FORMAT = "toolkit.machine"
VERSION = 1

_SKLEARN_STATE_MODULES = frozenset(
    {
        "sklearn.tree._tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor",
        "sklearn.ensemble._hist_gradient_boosting.binning",
        "sklearn.neighbors._kd_tree",
        "sklearn.neighbors._ball_tree",
        "sklearn.metrics._dist_metrics",
        "sklearn.gaussian_process.kernels",
        "sklearn.gaussian_process._gpc",
        "sklearn._loss.loss",
        "sklearn._loss.link",
        "sklearn.neural_network._stochastic_optimizers",
        "sklearn.calibration",
        "sklearn.cluster._bisect_k_means",
        "scipy.interpolate._bsplines",
        "sklearn.model_selection._split",  # splitters (KFold ...) as a TunedModel's resampling
    }
)
# Functions that fitted estimators keep as settings (pooling, scoring, the k-means
# step): whole modules of scikit-learn's statistics, and a few named numpy ones.
_SKLEARN_FUNCTION_MODULES = frozenset(
    {
        "sklearn.feature_selection._univariate_selection",
        "sklearn.feature_selection._mutual_info",
        "sklearn.cluster._kmeans",
    }
)
_TRUSTED_NAMES = frozenset(
    {
        "numpy.dtype",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csc.csc_matrix",
        "numpy.mean",
        "numpy.median",
        "numpy.max",
        "numpy.min",
        "numpy.sum",
        "scipy._lib.array_api_compat.numpy._aliases.asarray",
    }
)


def trust(cls: type) -> type:
    """``trust(cls) -> cls``: allow toolkit's own model class ``cls`` in saved machines.

    A class decorator for toolkit model types defined outside the generated wrappers
    (only classes of ``toolkit.*`` modules count; the mark is not inherited).
    """
    cls._toolkit_trusted = cls  # checked by identity, so subclasses are not trusted
    return cls


def _marked_toolkit_class(module: str, attr: str) -> bool:
    obj = _class_of(module, attr)
    return inspect.isclass(obj) and vars(obj).get("_toolkit_trusted") is obj


def _class_of(module: str, name: str):
    try:
        target = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(target, name, None)


def trusted_type(name: str) -> bool:
    """``trusted_type("module.Name") -> bool``: whether a saved file may build this type.

    >>> [trusted_type(t) for t in ("sklearn.tree._tree.Tree", "os.system", "builtins.eval")]
    [True, False, False]
    """
    if name in _TRUSTED_NAMES:
        return True
    module, _, attr = name.rpartition(".")
    if module == "toolkit.models.types":
        from toolkit.models.registry import _build

        found = _build()[0].get(attr)
        return found is not None and found.package.startswith("sklearn")
    if module.startswith("toolkit.") and _marked_toolkit_class(module, attr):
        return True
    if module in _SKLEARN_STATE_MODULES:
        obj = _class_of(module, attr)
        return inspect.isclass(obj) and obj.__module__ == module
    if module in _SKLEARN_FUNCTION_MODULES:
        obj = _class_of(module, attr)
        return inspect.isfunction(obj) and obj.__module__ == module
    return False


def _refuse_untrusted(untrusted, path, saving: bool = False) -> None:
    refused = sorted(t for t in untrusted if not trusted_type(t))
    if not refused:
        return
    if saving:
        msg = (
            f"{path}: not saved, because loading it would be refused: it would hold types that "
            f"are not trusted: {', '.join(refused)}. Machines save scikit-learn's and toolkit's "
            "own model types only (toolkit classes can opt in with toolkit.models.io.trust)"
        )
    else:
        msg = (
            f"{path}: refused to load types that are not trusted: {', '.join(refused)}. "
            "toolkit loads only scikit-learn's and toolkit's own model types; a file naming "
            "anything else may run code when loaded"
        )
    raise UnsafeFileError(msg)


def _payload(mach: Machine) -> dict:
    if not isinstance(mach, Machine):
        raise UnsafeFileError(
            f"save_machine saves machines (tk.machine), got {type(mach).__name__}"
        )
    if mach.fitted_model is None:
        raise NotTrainedError(
            "this machine is not trained, so there is nothing to save: call tk.fit(mach) first"
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": mach.model,
        "fitted_model": mach.fitted_model,
        "n_fits": mach.n_fits,
    }


def save_machine(path, mach: Machine) -> None:
    """``save_machine(path, mach)``: write a trained machine (model and learned state, no data).

    scikit-learn machines become a skops file; neural-network machines a
    safetensors file with JSON metadata. Saving refuses what loading would refuse.
    """
    fitted = mach.fitted_model if isinstance(mach, Machine) else None
    if getattr(type(fitted), "_toolkit_neural", False):
        from toolkit.models import neural

        return neural.save_machine(path, mach)
    import skops.io as sio
    from skops.io.exceptions import UnsupportedTypeException

    try:
        data = sio.dumps(_payload(mach))
    except UnsupportedTypeException as error:
        msg = f"{path}: not saved: skops cannot save this model yet ({error})"
        raise UnsupportedModelError(msg) from None
    _refuse_untrusted(sio.get_untrusted_types(data=data), path, saving=True)
    Path(path).write_bytes(data)


def is_skops_file(path) -> bool:
    """``is_skops_file(path) -> bool``: whether ``path`` is a zip holding a skops schema."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "schema.json" in archive.namelist()


def safetensors_metadata(path) -> dict | None:
    """``safetensors_metadata(path) -> dict | None``: a safetensors file's ``__metadata__``.

    Reads only the JSON header (an 8-byte little-endian length, then JSON); None
    when ``path`` is not a safetensors file.
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
        size = int.from_bytes(head, "little") if len(head) == 8 else 0
        if not 2 <= size <= 100_000_000:
            return None
        try:
            header = json.loads(handle.read(size))
        except (UnicodeDecodeError, ValueError):
            return None
    return header.get("__metadata__", {}) if isinstance(header, dict) else None


def load_machine(path) -> Machine:
    """``load_machine(path) -> Machine``: a trained machine from :func:`save_machine`'s file.

    The machine predicts at once; it holds no data (bind some with
    ``tk.machine(mach.model, X, y)`` to train again). Untrusted types are refused
    with :class:`~toolkit.errors.UnsafeFileError` before anything is built.
    """
    path = Path(path)
    if not path.is_file():
        raise UnsafeFileError(f"{path}: no such file")
    if not is_skops_file(path):
        if (safetensors_metadata(path) or {}).get("format") == FORMAT:
            from toolkit.models import neural

            return neural.load_machine(path)
        msg = (
            f"{path}: not a toolkit machine file (neither a skops zip nor safetensors); "
            "pickles are never loaded"
        )
        raise UnsafeFileError(msg)
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    _refuse_untrusted(untrusted, path)
    payload = sio.load(path, trusted=untrusted)
    return _machine_from(payload, path)


def _machine_from(payload, path) -> Machine:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise UnsafeFileError(
            f"{path}: a skops file, but not a toolkit machine (no format {FORMAT!r})"
        )
    if payload.get("version") != VERSION:
        raise UnsafeFileError(
            f"{path}: machine file version {payload.get('version')!r}; this toolkit reads {VERSION}"
        )
    mach = Machine(payload["model"])
    mach.fitted_model = payload["fitted_model"]
    mach.n_fits = int(payload["n_fits"])
    from toolkit.models.machine import _fingerprint

    mach._trained_with = _fingerprint(mach.model)
    return mach
