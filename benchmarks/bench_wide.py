"""``FeaturePrep.fit`` on wide tables: the time per column must not grow with the width.

Tables of 200 rows and 500 / 1,000 / 2,000 / 5,000 float columns (plus one string
column per ten, three levels each), fixed seed. For each width: the median of a
few ``tk.FeaturePrep().fit(frame)`` and ``transform(frame)`` timings, the time per
column, and the ratio of the widest to the narrowest per-column time (linear: ~1;
the quadratic fit this replaces gave ~10 and 97 s at 5,000 columns). Target:
5,000 columns fitted in about a second.

Run it under the shared lock:
``flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
.venv/bin/python benchmarks/bench_wide.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import polars as pl

import toolkit as tk

WIDTHS = (500, 1_000, 2_000, 5_000)
ROWS, REPEATS = 200, 3


def table(width: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    columns = {f"x{i}": rng.normal(size=ROWS) for i in range(width)}
    columns.update({f"c{i}": rng.choice(["a", "b", "c"], ROWS) for i in range(width // 10)})
    return pl.DataFrame(columns)


def median_seconds(call) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    per_column = {}
    print(f"FeaturePrep on {ROWS} rows, median of {REPEATS}")
    for width in WIDTHS:
        frame = table(width)
        fit = median_seconds(lambda frame=frame: tk.FeaturePrep().fit(frame))
        prep = tk.FeaturePrep().fit(frame)
        transform = median_seconds(lambda frame=frame, prep=prep: prep.transform(frame))
        per_column[width] = fit / frame.width
        print(
            f"  {frame.width:>6,} columns: fit {fit:6.3f} s "
            f"({per_column[width] * 1e6:6.1f} us/column), transform {transform:6.3f} s"
        )
    ratio = per_column[WIDTHS[-1]] / per_column[WIDTHS[0]]
    print(
        f"fit time per column, {WIDTHS[-1]:,} / {WIDTHS[0]:,} columns = {ratio:4.2f}x (linear: ~1x)"
    )
    widest = per_column[WIDTHS[-1]] * (WIDTHS[-1] * 11 // 10)
    print(f"fit at {WIDTHS[-1]:,} float columns: {widest:.2f} s (target: about 1 s)")


if __name__ == "__main__":
    main()
