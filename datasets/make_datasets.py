"""Materialise the bundled data sets from data that ships with scikit-learn.

    python datasets/make_datasets.py            # writes into datasets/
    python datasets/make_datasets.py OUTDIR

- ``digits/<0..9>/<n>.png``: the 1,797 handwritten digits (8x8, grey levels 0..16
  scaled to 0..255), one sub-folder per digit.
- ``wine.csv``: the 178 wines, 13 chemical measurements, target column ``cultivar``.
- ``diabetes.csv``: the 442 patients, 10 standardised features, target ``progression``.

Files are written to a temporary name and renamed, so an interrupted run leaves no
half-written data set behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np
import polars as pl
from sklearn import datasets as skdata


def write_digits(out: Path) -> None:
    digits = skdata.load_digits()
    tmp = out.with_name(out.name + ".tmp")
    for i, (image, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        folder = tmp / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        pixels = np.round(image * (255.0 / 16.0)).astype(np.uint8)
        cv2.imwrite(str(folder / f"{i:04d}.png"), pixels)
    if out.exists():
        import shutil

        shutil.rmtree(out)
    tmp.rename(out)


def write_table(bunch, target: str, out: Path, labels=None) -> None:
    columns = {name: bunch.data[:, j] for j, name in enumerate(bunch.feature_names)}
    y = bunch.target if labels is None else np.asarray(labels)[bunch.target]
    frame = pl.DataFrame(columns).with_columns(pl.Series(target, y))
    tmp = out.with_name(out.name + ".tmp")
    frame.write_csv(tmp)
    os.replace(tmp, out)


def main(outdir: str | None = None) -> None:
    out = Path(outdir) if outdir else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    write_digits(out / "digits")
    wine = skdata.load_wine()
    write_table(wine, "cultivar", out / "wine.csv", labels=wine.target_names)
    write_table(skdata.load_diabetes(), "progression", out / "diabetes.csv")
    print(f"wrote digits/, wine.csv and diabetes.csv to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
