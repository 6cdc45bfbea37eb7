"""A 1,000,000-row CSV to a float32 feature matrix: toolkit vs pandas + scikit-learn.

The file (10 float, 5 int and 5 string columns, 1% empty cells, fixed seed) is
generated once into benchmarks/_data/. Each side reads it and prepares it the
same way — mean-impute the numbers, most-frequent-impute and one-hot the
strings, standardize the numbers — in a fresh subprocess for each repeat, the
two sides alternating (so a busy spell on a shared machine hits both alike),
and each side's peak memory (``resource.getrusage(...).ru_maxrss``, the
largest over its processes) is its own:

- toolkit: ``tk.CSV(path)`` then ``tk.FeaturePrep(impute="mean").fit(t).transform(t)``;
- pandas + scikit-learn: ``pd.read_csv(path)`` then a ``ColumnTransformer`` of
  ``SimpleImputer(mean) + StandardScaler`` and ``SimpleImputer(most_frequent) +
  OneHotEncoder(handle_unknown="ignore")``, as float32.

Prints medians of a few repeats of read, transform (fit + transform) and
read + transform, the ratios against the targets (≥ 4× transform, ≥ 2× read +
transform), each side's peak memory (target: toolkit's ≤ pandas + sklearn's),
whether the two matrices agree (same columns up to order), and the BLAS kernel.

Run it under the shared lock:
``flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
.venv/bin/python benchmarks/bench_tables.py``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "_data"
CSV_PATH = DATA / "tables_1m.csv"
ROWS, SEED = 1_000_000, 20240601
FLOATS, INTS = [f"f{i}" for i in range(10)], [f"i{i}" for i in range(5)]
STRINGS = {f"s{i}": n for i, n in enumerate((3, 5, 8, 12, 20))}  # column → number of levels


def generate(path: Path = CSV_PATH, rows: int = ROWS, seed: int = SEED) -> Path:
    """Write the benchmark CSV once (fixed seed); reuse it when it is already there."""
    import polars as pl

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cols = {c: rng.normal(10.0 * i, 1.0 + i, rows) for i, c in enumerate(FLOATS)}
    cols.update({c: rng.integers(0, 100 * (i + 1), rows) for i, c in enumerate(INTS)})
    for c, n in STRINGS.items():
        levels = np.array([f"{c}_level_{k:02d}" for k in range(n)])
        cols[c] = levels[rng.integers(0, n, rows)]
    frame = pl.DataFrame(cols)
    holes = {c: rng.random(rows) < 0.01 for c in frame.columns}  # 1% empty cells per column
    frame = frame.with_columns(
        [pl.when(pl.Series(h)).then(None).otherwise(pl.col(c)).alias(c) for c, h in holes.items()]
    )
    tmp = path.with_suffix(".tmp")
    frame.write_csv(tmp, float_precision=6)
    tmp.rename(path)
    return path


# ---------------------------------------------------------------- the two sides (run in children)


def _toolkit(path: Path):
    import toolkit as tk

    def read():
        return tk.CSV(path)

    def prepare(table):
        prep = tk.FeaturePrep(impute="mean", onehot=True, standardize=True).fit(table)
        return prep.transform(table), prep.feature_names_

    return read, prepare


def _pandas(path: Path):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def read():
        return pd.read_csv(path)

    def prepare(frame):
        numeric = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler())
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32)
        categorical = make_pipeline(SimpleImputer(strategy="most_frequent"), onehot)
        ct = ColumnTransformer(
            [("num", numeric, FLOATS + INTS), ("cat", categorical, list(STRINGS))],
            sparse_threshold=0.0,
        )
        X = ct.fit_transform(frame).astype(np.float32, copy=False)
        names = [_sklearn_name(n) for n in ct.get_feature_names_out()]
        return X, names

    return read, prepare


def _sklearn_name(name: str) -> str:
    kind, rest = name.split("__", 1)
    if kind == "cat":
        col, level = rest.split("_", 1)
        return f"{col}__{level}"
    return rest


def child(side: str, repeats: int, sample_path: Path) -> None:
    """Time ``repeats`` runs of one side; print JSON with times and peak memory; save a sample."""
    read, prepare = (_toolkit if side == "toolkit" else _pandas)(CSV_PATH)
    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reads, transforms = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        data = read()
        t1 = time.perf_counter()
        X, names = prepare(data)
        t2 = time.perf_counter()
        reads.append(t1 - t0)
        transforms.append(t2 - t1)
        shape, sample, sums = (
            X.shape,
            np.ascontiguousarray(X[::997]),
            X.sum(axis=0, dtype=np.float64),
        )
        del data, X
    np.savez(sample_path, sample=sample, sums=sums, names=np.array(names))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "read": reads,
                "transform": transforms,
                "shape": shape,
                "peak_mb": peak_kb / 1024,
                "imports_mb": base_kb / 1024,
            }
        )
    )


# ---------------------------------------------------------------- the parent


def _run_side(side: str, repeats: int) -> dict:
    sample = DATA / f"sample_{side}.npz"
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, "--repeats", str(repeats)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["sample"] = dict(np.load(sample))
    return result


def _interleaved(repeats: int) -> dict:
    """Alternate the sides, one fresh process per repeat, so that a busy spell hits both alike."""
    results: dict = {}
    for _ in range(repeats):
        for side in ("toolkit", "pandas"):
            run = _run_side(side, 1)
            if side not in results:
                results[side] = run
                continue
            for key in ("read", "transform"):
                results[side][key] += run[key]
            for key in ("peak_mb", "imports_mb"):
                results[side][key] = max(results[side][key], run[key])
    return results


def _agree(a: dict, b: dict) -> tuple[bool, float]:
    names_a, names_b = list(a["names"]), list(b["names"])
    if sorted(names_a) != sorted(names_b):
        return False, float("inf")
    order = [names_b.index(n) for n in names_a]
    diff = np.abs(a["sample"] - b["sample"][:, order]).max()
    sums_ok = np.allclose(a["sums"], b["sums"][order], rtol=1e-4, atol=1.0)
    return bool(diff < 1e-4 and sums_ok), float(diff)


def _blas() -> str:
    from threadpoolctl import threadpool_info

    found = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')} kernel, "
        f"{i.get('num_threads')} threads)"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return "; ".join(found) or "none found"


def _print_times(results: dict, repeats: int) -> None:
    med = {
        s: {k: statistics.median(r[k]) for k in ("read", "transform")} for s, r in results.items()
    }
    for s, r in results.items():
        med[s]["both"] = statistics.median(map(sum, zip(r["read"], r["transform"], strict=True)))
    print(f"\nmedians of {repeats} repeats (seconds)   toolkit   pandas+sklearn   ratio   target")
    rows = (("read", "read", None), ("transform", "transform (fit+transform)", 4.0),
            ("both", "read+transform", 2.0))  # fmt: skip
    for key, label, target in rows:
        t, p = med["toolkit"][key], med["pandas"][key]
        verdict = (
            "" if target is None else f"≥{target:.0f}× {'met' if p / t >= target else 'NOT met'}"
        )
        print(f"  {label:<34} {t:7.3f}   {p:14.3f}   {p / t:5.2f}×  {verdict}")


def _print_memory_and_agreement(results: dict) -> None:
    tk_, pd_ = results["toolkit"], results["pandas"]
    verdict = "met" if tk_["peak_mb"] <= pd_["peak_mb"] else "NOT met"
    print(
        f"\npeak memory (ru_maxrss, a fresh process each): toolkit {tk_['peak_mb']:,.0f} MB "
        f"(after imports {tk_['imports_mb']:,.0f} MB), pandas+sklearn {pd_['peak_mb']:,.0f} MB "
        f"(after imports {pd_['imports_mb']:,.0f} MB): target toolkit ≤ pandas+sklearn {verdict}"
    )
    ok, diff = _agree(tk_["sample"], pd_["sample"])
    print(
        f"matrices: toolkit {tuple(tk_['shape'])} vs pandas+sklearn {tuple(pd_['shape'])}; agree "
        f"(same columns up to order, max |diff| on every 997th row {diff:.2e}, column sums): {ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", choices=["toolkit", "pandas"])
    args = parser.parse_args()
    generate()
    if args.child:
        return child(args.child, args.repeats, DATA / f"sample_{args.child}.npz")
    size = CSV_PATH.stat().st_size / 1e6
    print(f"data: {CSV_PATH.relative_to(ROOT)} ({size:.0f} MB, {ROWS:,} rows, "
          "10 float + 5 int + 5 string columns, 1% empty cells)")  # fmt: skip
    print(f"BLAS: {_blas()}")
    results = _interleaved(args.repeats)
    _print_times(results, args.repeats)
    _print_memory_and_agreement(results)


if __name__ == "__main__":
    main()
