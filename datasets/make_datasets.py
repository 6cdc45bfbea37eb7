"""Materialise the bundled data sets from data that ships with scikit-learn.

    python datasets/make_datasets.py            # writes into datasets/
    python datasets/make_datasets.py OUTDIR

- ``digits/<0..9>/<n>.png``: the 1,797 handwritten digits (8x8, grey levels 0..16
  scaled to 0..255), one sub-folder per digit.
- ``wine.csv``: the 178 wines, 13 chemical measurements, target column ``cultivar``.
- ``diabetes.csv``: the 442 patients, 10 standardised features, target ``progression``.

The writing is ``toolkit.datasets.materialise`` (what ``tk.datasets.path(name)`` uses
wherever the code runs); this script rewrites all three here. Files are written to a
temporary name and renamed, so an interrupted run leaves no half-written data set behind.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's toolkit

from toolkit.datasets import _FILES, materialise, names  # noqa: E402


def main(outdir: str | None = None) -> None:
    out = Path(outdir) if outdir else Path(__file__).resolve().parent
    for name in names():
        old = out / _FILES[name]
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
        materialise(name, out)
    print(f"wrote {', '.join(_FILES.values())} to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
