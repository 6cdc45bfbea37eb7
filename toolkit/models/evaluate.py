"""``tk.evaluate``: estimate a model's performance by resampling, MLJ's ``evaluate``.

Each fold clones the model, fits it on the training rows and measures it on the
test rows; ``predict`` and ``predict_proba`` are each called at most once per
fold, and only when a measure needs them. The numbers are those of
scikit-learn's ``cross_validate`` on the same folds (its "neg_..." scorers give
the negatives of our lower-is-better measures).

>>> from sklearn.datasets import load_iris
>>> from sklearn.tree import DecisionTreeClassifier
>>> from toolkit.models.resampling import CV
>>> X, y = load_iris(return_X_y=True)
>>> ev = evaluate(DecisionTreeClassifier(random_state=0), X, y,
...               resampling=CV(nfolds=3, seed=1), measures=["accuracy"])
>>> len(ev.per_fold[0]), round(ev.measurement[0], 2)
(3, 0.91)
"""

from __future__ import annotations

import numpy as np

from toolkit.data.frames import n_rows, take_rows
from toolkit.errors import DataError
from toolkit.models.evaluation import Evaluation
from toolkit.models.executors import as_executor
from toolkit.models.folds import as_inputs, check_fits, choose_measures, run_fold
from toolkit.models.machine import unpack_table
from toolkit.models.resampling import default_resampling, is_random, resample

__all__ = ["evaluate"]


def evaluate(
    model,
    X=None,
    y=None,
    *,
    resampling=None,
    measures=None,
    repeats: int = 1,
    workers: int = 1,
    rows=None,
    executor=None,
) -> Evaluation:
    """``evaluate(model, X, y; resampling=None, measures, repeats=1, workers=1, rows=None)``.

    ``model`` is any scikit-learn-style estimator, or a dict ``{name: model}`` to
    compare several on the same folds. ``resampling`` is ``tk.Holdout``, ``tk.CV``,
    ``tk.StratifiedCV``, ``tk.TimeSeriesCV``, a scikit-learn splitter or a list of
    ``(train_rows, test_rows)``; by default ``tk.StratifiedCV(6)`` for classifiers and
    ``tk.CV(6)`` otherwise, unshuffled, as scikit-learn's ``cross_validate(cv=6)``
    (see ``toolkit.models.resampling.default_resampling``). ``measures`` is one
    measure or a list (objects, names, or the core's ``tk.mae``/``tk.mse``); by
    default those every model given supports: ``log_loss`` and ``accuracy`` when all
    are probabilistic classifiers, ``accuracy`` for classifiers of which some are not,
    ``rmse`` for regressors. ``repeats > 1`` reshuffles the folds (the resampling must
    shuffle). ``rows`` restricts everything to those rows. Folds run on
    ``workers`` local processes, or on ``executor`` ("threads", "processes" or any
    object with ``map(function, tasks)``, see ``toolkit.models.executors``).

    ``X`` may be a numpy array, a polars/pandas DataFrame, an Arrow table (read as
    polars) or a list; tables stay tables so that pipelines see their columns.
    ``evaluate(mach, ...)`` (MLJ's ``evaluate!``) takes the model and data of a
    ``tk.machine``; the machine itself is left as it was.
    """
    if getattr(type(X), "_toolkit_table", False):  # as tk.machine takes it: X and y in one
        X, y = unpack_table(X, y)
        if y is None:
            msg = "evaluate got a table without a target; read it with target=... or pass y"
            raise DataError(msg)
    if X is None and y is None:
        model, X, y = _from_machine(model)
    models = model if isinstance(model, dict) else {type(model).__name__: model}
    if not models:
        raise DataError("evaluate got an empty dict of models; pass at least one model")
    X, y = as_inputs(X, y)
    chosen = choose_measures(measures, *models.values())
    for name, m in models.items():
        check_fits(name, m, chosen)
    if resampling is None:
        resampling = default_resampling(models, y if rows is None else y[np.asarray(rows)])
    pairs = _pairs(resampling, X, y, repeats, rows)
    tasks = [(m, X, y, tr, te, chosen) for m in models.values() for tr, te in pairs]
    results = as_executor(workers, executor).map(run_fold, tasks)
    return _collect(models, chosen, pairs, results, resampling, repeats)


def _from_machine(mach):
    args = getattr(mach, "args", None)
    if not hasattr(mach, "model") or not args or len(args) != 2:
        msg = "evaluate needs data: evaluate(model, X, y, ...) or evaluate(tk.machine(model, X, y))"
        raise DataError(msg)
    return mach.model, args[0], args[1]


def _pairs(resampling, X, y, repeats: int, rows):
    if not isinstance(repeats, int) or repeats < 1:
        raise DataError(f"repeats must be a positive integer, got {repeats!r}")
    if repeats > 1 and not is_random(resampling):
        msg = f"repeats={repeats} with {resampling!r} repeats the same folds; pass shuffle=True"
        raise DataError(msg)
    if rows is None:
        return [p for r in range(repeats) for p in resample(resampling, X, y, n_rows(X), r)]
    rows = np.asarray(rows)
    rows = np.flatnonzero(rows) if rows.dtype == bool else rows
    X_sub, y_sub = (
        (take_rows(X, rows), y[rows]) if hasattr(resampling, "split") else (None, y[rows])
    )
    found = [p for r in range(repeats) for p in resample(resampling, X_sub, y_sub, rows.size, r)]
    return [(rows[tr], rows[te]) for tr, te in found]


def _collect(models, measures, pairs, results, resampling, repeats) -> Evaluation:
    k = len(pairs)
    per_fold, fit_times, predict_times = {}, {}, {}
    for i, name in enumerate(models):
        chunk = results[i * k : (i + 1) * k]
        per_fold[name] = {
            m.name: np.array([r[0][j] for r in chunk]) for j, m in enumerate(measures)
        }
        fit_times[name] = np.array([r[1] for r in chunk])
        predict_times[name] = np.array([r[2] for r in chunk])
    return Evaluation(
        per_fold,
        measures,
        fit_times,
        predict_times,
        pairs=pairs,
        resampling=resampling,
        repeats=repeats,
    )
