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

from time import perf_counter

import numpy as np
import polars as pl
from sklearn.base import clone, is_classifier, is_regressor

from toolkit.errors import DataError
from toolkit.models.evaluation import Evaluation
from toolkit.models.executors import as_executor
from toolkit.models.frames import n_rows, take_rows, to_numpy
from toolkit.models.machine import unpack_table
from toolkit.models.measures import accuracy, log_loss, measure, rmse
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
    X, y = _as_inputs(X, y)
    chosen = _measures(measures, *models.values())
    for name, m in models.items():
        _check_fits(name, m, chosen)
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


def _as_inputs(X, y):
    if isinstance(X, (list, tuple)):
        X = np.asarray(X)
    elif type(X).__module__.split(".")[0] == "pyarrow":
        X = pl.from_arrow(X)  # scikit-learn reads polars but not Arrow; zero-copy where it can
    y = to_numpy(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if n_rows(X) != y.shape[0]:
        raise DataError(f"X has {n_rows(X)} rows but y has {y.shape[0]}; they must match")
    return X, y


def _measures(measures, *models) -> tuple:
    if measures is None:  # the measures every model supports, so that any may be compared
        if not any(is_classifier(m) for m in models):
            return (rmse,)
        probabilistic = all(hasattr(m, "predict_proba") for m in models)
        return (log_loss, accuracy) if probabilistic else (accuracy,)
    if isinstance(measures, (list, tuple)):
        if not measures:
            raise DataError("measures is empty; pass at least one, e.g. measures=[tk.accuracy]")
        return tuple(measure(m) for m in measures)
    return (measure(measures),)


def _check_fits(name: str, model, measures) -> None:
    if not (hasattr(model, "fit") and hasattr(model, "predict")):
        msg = f"model {name!r} ({type(model).__name__}) needs fit and predict to be evaluated"
        raise DataError(f"{msg}; pass a classifier or a regressor")
    for m in measures:
        if m.needs == "probabilities" and not hasattr(model, "predict_proba"):
            raise DataError(
                f"model {name!r} has no predict_proba, which {m.name} needs; use accuracy"
            )
        if m.needs == "values" and is_classifier(model):
            raise DataError(
                f"model {name!r} is a classifier but {m.name} measures regression; use accuracy"
            )
        if m.needs != "values" and is_regressor(model):
            raise DataError(
                f"model {name!r} is not a classifier but {m.name} measures classes; use rmse"
            )


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


def run_fold(model, X, y, train, test, measures) -> tuple[list[float], float, float]:
    """``run_fold(model, X, y, train, test, measures) -> (values, fit_time, predict_time)``.

    One fold: clone, fit on ``train``, predict ``test`` once per kind of output the
    measures need. A pure function of its arguments, so any executor may run it.
    """
    fitted = clone(model)
    start = perf_counter()
    fitted.fit(take_rows(X, train), y[train])
    fit_time = perf_counter() - start
    X_test = take_rows(X, test)
    start = perf_counter()
    outputs = {}
    if any(m.needs != "probabilities" for m in measures):
        outputs["labels"] = outputs["values"] = fitted.predict(X_test)
    if any(m.needs == "probabilities" for m in measures):
        outputs["probabilities"] = fitted.predict_proba(X_test)
    predict_time = perf_counter() - start
    classes = getattr(fitted, "classes_", None)
    if "probabilities" in outputs and classes is not None:
        _check_seen(classes, y[test])
    values = [m(outputs[m.needs], y[test], classes=classes) for m in measures]
    return values, fit_time, predict_time


def _check_seen(classes, y_test) -> None:
    unseen = np.setdiff1d(y_test, classes)
    if unseen.size:
        msg = (
            f"test rows hold classes {unseen.tolist()[:5]} that the training rows of this fold "
            "lack, so they have no probability; use tk.StratifiedCV or shuffle (CV(seed=...))"
        )
        raise DataError(msg)


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
