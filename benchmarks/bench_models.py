"""tk.evaluate vs scikit-learn's cross_validate on the same 5 folds.

Run under the shared benchmark lock:

    flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        .venv/bin/python benchmarks/bench_models.py

Two workloads, as issue 4 asks: a random forest of 100 trees on the digits, and a
logistic regression on the wine data. Both tools get the same (train, test) pairs,
the same model and the same two measures (accuracy, log loss), and run one after
the other, alternating, several times; the medians and their ratio are printed
(target: tk.evaluate ≤ 1.05× cross_validate), with whether every per-fold score
is identical; the CPU time of this process is compared too. A third line fits a
DummyClassifier, which costs nothing to fit, to show each tool's own per-fold
overhead alone.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from threadpoolctl import threadpool_info

import toolkit as tk


def _blas() -> str:
    pools = [
        f"{p['internal_api']} {p.get('version')} ({p['num_threads']} threads)"
        for p in threadpool_info()
    ]
    return "; ".join(pools) or "none found"


def _time(fn) -> tuple[float, float, object]:
    """``(wall seconds, CPU seconds of this process, result)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def bench(name: str, model, X, y, repeats: int) -> None:
    """Time both tools on the same folds, alternating, and print medians, ratio and equality."""
    pairs = tk.CV(nfolds=5, shuffle=True, seed=0).pairs(len(y))
    measures = [tk.accuracy, tk.log_loss]
    runs = {
        "ours": lambda: tk.evaluate(model, X, y, resampling=pairs, measures=measures),
        "theirs": lambda: cross_validate(
            model, X, y, cv=pairs, scoring=["accuracy", "neg_log_loss"]
        ),
    }
    out = {key: run() for key, run in runs.items()}  # warm caches and imports for both
    wall, cpu = {"ours": [], "theirs": []}, {"ours": [], "theirs": []}
    for i in range(repeats):  # alternate which goes first, so that neither always runs warmer
        for key in ("ours", "theirs") if i % 2 == 0 else ("theirs", "ours"):
            w, c, out[key] = _time(runs[key])
            wall[key].append(w)
            cpu[key].append(c)
    ev, cv = out["ours"], out["theirs"]
    same = np.array_equal(ev.per_fold[0], cv["test_accuracy"])
    same = same and np.array_equal(ev.per_fold[1], -cv["test_neg_log_loss"])
    a, b = statistics.median(wall["ours"]), statistics.median(wall["theirs"])
    ca, cb = statistics.median(cpu["ours"]), statistics.median(cpu["theirs"])
    print(
        f"{name:<34} {a:>10.3f} s {b:>14.3f} s {a / b:>8.3f}x {ca / cb:>10.3f}x"
        f"   {'yes' if same else 'NO'}"
    )


def main() -> None:
    print(f"BLAS: {_blas()}")
    head = f"{'workload (5 folds, median)':<34} {'tk.evaluate':>12} {'cross_validate':>16}"
    print(f"{head} {'ratio':>9} {'CPU ratio':>11}   identical")
    X, y = load_digits(return_X_y=True)
    forest = RandomForestClassifier(100, random_state=0)
    bench("RandomForest(100 trees), digits", forest, X, y, repeats=9)
    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # unscaled, lbfgs needs ~3,000 iterations (2 s a fit)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # it must converge for a fair timing
        logistic = LogisticRegression(max_iter=1000)
        bench("LogisticRegression, wine (scaled)", logistic, X, y, repeats=31)
    # a model that costs nothing to fit: what remains is each tool's own per-fold overhead
    bench("DummyClassifier, wine (overhead)", DummyClassifier(strategy="prior"), X, y, repeats=61)
    print("target: ratio <= 1.05. Wall-clock medians; the CPU-time ratio (this process only)")
    print("is less swayed by other work on a shared machine.")


if __name__ == "__main__":
    main()
