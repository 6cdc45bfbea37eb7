"""Saving and loading trained machines, without pickles.

scikit-learn models go through skops (``skops.io``): the file is a zip of JSON
and numpy arrays, and loading it builds only types on an allowlist, checked
*before* anything is built, so loading a file can never run code. Neural networks
go through the model core's safetensors files (``toolkit.nn.io``) plus JSON.

The allowlist lives in :mod:`toolkit.models.trust`, each entry with the reason it is
safe: every type skops trusts by default, toolkit's own model types (the generated
wrappers and the classes marked with :func:`trust`), and, named one by one, the
scikit-learn and scipy classes fitted estimators hold (trees, boosting predictors,
KD/ball trees, kernels, losses, splitters ...). After loading, the structure of what
was built is validated (:mod:`toolkit.models.checks`): a tree whose child index
points outside it, a feature index beyond the model's features, a NaN threshold or
arrays of inconsistent lengths are refused before any compiled code reads them.

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

import json
import zipfile
from pathlib import Path

from toolkit.errors import (
    NotTrainedError,
    ToolkitError,
    UnsafeFileError,
    UnsupportedModelError,
    WriteError,
)
from toolkit.models.checks import check_structure
from toolkit.models.machine import Machine
from toolkit.models.trust import FORMAT, VERSION, trust, trusted_type

__all__ = [
    "FORMAT",
    "VERSION",
    "UnsupportedModelError",
    "is_skops_file",
    "load_machine",
    "safetensors_metadata",
    "save_machine",
    "trust",
    "trusted_type",
]


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
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise WriteError(path, error) from None


def is_skops_file(path) -> bool:
    """``is_skops_file(path) -> bool``: whether ``path`` is a zip holding a skops schema."""
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "schema.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):  # an end record over a damaged zip
        return False


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
        except (UnicodeDecodeError, ValueError, RecursionError):
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
    payload = _read_skops(path)
    check_structure(payload, path)
    return _machine_from(payload, path)


def _read_skops(path):
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
        _refuse_untrusted(untrusted, path)
        return sio.load(path, trusted=untrusted)
    except ToolkitError:
        raise
    # A damaged zip can fail anywhere inside skops (bad JSON, a missing array, a wrong
    # node); whatever it raises, the answer is the same: the file is not a machine.
    except Exception as error:
        msg = (
            f"{path}: a damaged or crafted machine file ({type(error).__name__}: {error}); "
            "save the machine again with tk.save"
        )
        raise UnsafeFileError(msg) from None


def _machine_from(payload, path) -> Machine:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise UnsafeFileError(
            f"{path}: a skops file, but not a toolkit machine (no format {FORMAT!r})"
        )
    if payload.get("version") != VERSION:
        raise UnsafeFileError(
            f"{path}: machine file version {payload.get('version')!r}; this toolkit reads {VERSION}"
        )
    missing = sorted({"model", "fitted_model", "n_fits"} - set(payload))
    n_fits = payload.get("n_fits")
    if missing or not isinstance(n_fits, int) or isinstance(n_fits, bool):
        raise UnsafeFileError(
            f"{path}: a damaged machine file: missing {missing}, n_fits {n_fits!r}"
        )
    mach = Machine(payload["model"])
    mach.fitted_model = payload["fitted_model"]
    mach.n_fits = n_fits
    from toolkit.models.machine import fingerprint

    mach._trained_with = fingerprint(mach.model)
    return mach
