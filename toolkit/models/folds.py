"""What evaluation and tuning share: inputs made uniform, measures chosen, one fold run.

``tk.evaluate`` (:mod:`toolkit.models.evaluate`) and tuning (``TunedModel``,
``learning_curve`` in :mod:`toolkit.models.tuning`) measure models on folds the same
way: the inputs are made uniform once (:func:`as_inputs`), the measures chosen and
checked against every model (:func:`choose_measures`, :func:`check_fits`), and each
fold is one call of :func:`run_fold`, a pure function that any executor may run.

>>> import numpy as np
>>> from sklearn.linear_model import Ridge
>>> X, y = as_inputs(np.arange(8.0)[:, None], np.arange(8.0))
>>> values, fit_time, predict_time = run_fold(Ridge(), X, y, np.arange(6), np.arange(6, 8),
...                                           choose_measures("rmse"))
>>> round(values[0], 3)
0.218
"""

from __future__ import annotations

from time import perf_counter

import numpy as np
import polars as pl
from sklearn.base import clone, is_classifier, is_regressor

from toolkit.data.frames import n_rows, table_kind, take_rows, to_numpy
from toolkit.errors import DataError
from toolkit.models.measures import accuracy, log_loss, measure, rmse


def as_inputs(X, y):
    """``as_inputs(X, y) -> (X, y)``: tables stay tables, ``y`` becomes a numpy vector.

    Arrow tables are read as polars and lists become arrays; the row counts must agree.

    >>> X, y = as_inputs([[1.0], [2.0]], [[0], [1]])
    >>> X.shape, y.tolist()
    ((2, 1), [0, 1])
    """
    if isinstance(X, (list, tuple)):
        X = np.asarray(X)
    elif table_kind(X) == "arrow":
        X = pl.from_arrow(X)  # scikit-learn reads polars but not Arrow; zero-copy where it can
    y = to_numpy(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if n_rows(X) != y.shape[0]:
        raise DataError(f"X has {n_rows(X)} rows but y has {y.shape[0]}; they must match")
    return X, y


def choose_measures(measures, *models) -> tuple:
    """``choose_measures(measures, *models) -> tuple of Measure``: the given ones, or the defaults.

    By default, those every model supports: ``log_loss`` and ``accuracy`` when all are
    probabilistic classifiers, ``accuracy`` for classifiers of which some are not,
    ``rmse`` for regressors.

    >>> from sklearn.linear_model import Ridge
    >>> [m.name for m in choose_measures(None, Ridge())], choose_measures("mae")[0].name
    (['rmse'], 'mae')
    """
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


def check_fits(name: str, model, measures) -> None:
    """``check_fits(name, model, measures)``: refuse a model these measures cannot measure."""
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
