"""The bundled data sets, found or materialised wherever the code runs.

``tk.datasets.path("digits")`` returns the folder of the digits images (``"wine"`` and
``"diabetes"``: the CSV files), so that notebooks, pipelines and scripts work from any
working folder. If the environment variable ``TOOLKIT_DATA`` names a folder, the data
sets live there; otherwise it looks, in order, in

1. the ``datasets/`` folder of a source checkout (beside the ``toolkit`` package);
2. the user cache, ``$XDG_CACHE_HOME/toolkit/datasets`` (``~/.cache/toolkit/datasets``);

and where it finds none, writes the data set into the first of these it may write to
(the data ship inside scikit-learn: nothing is downloaded). Files are written under a
temporary name and renamed, so that two processes materialising at once, or an
interrupted one, never leave a half-written data set.

>>> import toolkit as tk
>>> tk.datasets.path("digits").name, tk.datasets.path("wine").name
('digits', 'wine.csv')
>>> sorted(tk.datasets.names())
['diabetes', 'digits', 'wine']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from toolkit.errors import UnknownNameError, did_you_mean

__all__ = ["path", "names", "materialise"]

_FILES = {"digits": "digits", "wine": "wine.csv", "diabetes": "diabetes.csv"}


def names() -> list[str]:
    """names() -> the bundled data sets."""
    return list(_FILES)


def path(name: str) -> Path:
    """path(name) -> the path of a bundled data set, materialised first if need be."""
    if name not in _FILES:
        raise UnknownNameError(f"no bundled data set {name!r}; {did_you_mean(name, _FILES)}")
    for folder in _folders():
        if (folder / _FILES[name]).exists():
            return folder / _FILES[name]
    for folder in _folders():
        try:
            return materialise(name, folder)
        except OSError:
            continue  # not writable here: try the next place
    raise OSError(f"cannot write the {name} data set to any of {[str(f) for f in _folders()]}; "
                  f"set TOOLKIT_DATA to a writable folder")


def _folders() -> list[Path]:
    if os.environ.get("TOOLKIT_DATA"):
        return [Path(os.environ["TOOLKIT_DATA"])]
    found = []
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "datasets" / "make_datasets.py").exists():
        found.append(checkout / "datasets")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    found.append(cache / "toolkit" / "datasets")
    return found


def materialise(name: str, folder) -> Path:
    """materialise(name, folder) -> the data set written into ``folder`` (atomically)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _FILES[name]
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder))
    try:
        written = _WRITERS[name](tmp)
        try:
            os.rename(written, target)
        except OSError:
            if not target.exists():  # another process won the race: theirs is as good
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _digits(tmp: Path) -> Path:
    import cv2
    from sklearn.datasets import load_digits

    digits = load_digits()
    out = tmp / "digits"
    for i, (image, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        (out / str(label)).mkdir(parents=True, exist_ok=True)
        pixels = np.round(image * (255.0 / 16.0)).astype(np.uint8)
        cv2.imwrite(str(out / str(label) / f"{i:04d}.png"), pixels)
    return out


def _table(bunch, target: str, out: Path, labels=None) -> Path:
    import polars as pl

    columns = {name: bunch.data[:, j] for j, name in enumerate(bunch.feature_names)}
    y = bunch.target if labels is None else np.asarray(labels)[bunch.target]
    pl.DataFrame(columns).with_columns(pl.Series(target, y)).write_csv(out)
    return out


def _wine(tmp: Path) -> Path:
    from sklearn.datasets import load_wine

    wine = load_wine()
    return _table(wine, "cultivar", tmp / "wine.csv", labels=wine.target_names)


def _diabetes(tmp: Path) -> Path:
    from sklearn.datasets import load_diabetes

    return _table(load_diabetes(), "progression", tmp / "diabetes.csv")


_WRITERS = {"digits": _digits, "wine": _wine, "diabetes": _diabetes}
