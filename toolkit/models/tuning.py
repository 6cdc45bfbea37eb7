"""``tk.TunedModel``: a model that tunes its inner model's hyper-parameters when fitted.

Fitting a ``TunedModel`` evaluates every candidate point of the ranges on the
same resampling folds (through the same executor as ``tk.evaluate``, so
``workers`` spreads candidates × folds over local processes), keeps the best by
the measure's orientation (the first on ties, as ``GridSearchCV`` does), and
refits it on all rows. It is an ordinary scikit-learn estimator, so it works in
``tk.machine``, ``cross_validate``, and in ``tk.evaluate`` — which then gives
nested resampling.

After fitting: ``best_model_`` (fitted), ``best_params_``, ``best_score_`` (the
mean measurement, in the measure's own orientation), ``best_index_``,
``history_`` (a polars DataFrame: one row per candidate) and ``report_`` (a dict
of those, which ``tk.report(mach)`` shows).

>>> from sklearn.datasets import load_iris
>>> from sklearn.tree import DecisionTreeClassifier
>>> from toolkit.models.ranges import Grid, hp_range
>>> from toolkit.models.resampling import CV
>>> X, y = load_iris(return_X_y=True)
>>> tree = DecisionTreeClassifier(random_state=0)
>>> tuned = TunedModel(tree, range=hp_range(tree, "max_depth", lower=1, upper=4),
...                    tuning=Grid(resolution=4), resampling=CV(3, seed=1), measure="accuracy")
>>> tuned.fit(X, y).best_params_
{'max_depth': 4}
>>> tuned.history_.height, tuned.predict(X[:2]).tolist()
(4, [0, 0])
"""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if

from toolkit.data.frames import n_rows
from toolkit.errors import DataError, NotTrainedError, ToolkitError
from toolkit.models.compose import Composable
from toolkit.models.executors import as_executor, run_tasks
from toolkit.models.folds import as_inputs, check_fits, choose_measures, run_fold
from toolkit.models.measures import Measure
from toolkit.models.measures import measure as as_measure
from toolkit.models.params import StrictParams
from toolkit.models.ranges import Grid, as_ranges, hp_range
from toolkit.models.resampling import default_resampling, resample
from toolkit.models.trust import trust
from toolkit.registry import check_keywords


def _inner_has(method: str):
    return lambda self: hasattr(self.model, method)


@trust
@check_keywords
class TunedModel(Composable, StrictParams, BaseEstimator):
    """``TunedModel(model; range, tuning=Grid(), resampling=None, measure=None, workers=1)``.

    ``range`` is one ``tk.hp_range(...)``, a list of them, or scikit-learn's
    ``{"name": [values, ...]}``; ``tuning`` is ``tk.Grid``,
    ``tk.RandomSearch`` or ``tk.LatinHypercube``; ``resampling`` anything
    ``tk.evaluate`` accepts (default as there: ``StratifiedCV(6)`` for a classifier,
    ``CV(6)`` otherwise); ``measure`` one measure (default: ``log_loss`` for a
    probabilistic classifier, ``accuracy`` for another, ``rmse`` for a regressor);
    ``executor`` as in ``tk.evaluate``. See the module docs for the fitted attributes.
    """

    def __init__(
        self,
        model=None,
        *,
        range=None,
        tuning=None,
        resampling=None,
        measure=None,
        workers=1,
        executor=None,
    ):
        self.model, self.range, self.tuning = model, range, tuning
        self.resampling, self.measure, self.workers, self.executor = (
            resampling,
            measure,
            workers,
            executor,
        )

    def __sklearn_tags__(self):
        if self.model is None:
            return super().__sklearn_tags__()
        return get_tags(self.model)  # a tuned classifier is a classifier, and so on

    def fit(self, X, y):
        """``fit(X, y) -> self``: tune on the folds, then refit the best on all rows."""
        if self.model is None:
            raise DataError(
                "TunedModel needs a model to tune: TunedModel(model, range=tk.hp_range(model, ...))"
            )
        X, y = as_inputs(X, y)
        history, m = tune(self.model, X, y, self.range, self.tuning, self.resampling, self.measure,
                          self.workers, self.executor)  # fmt: skip
        self.best_index_ = _best_index(history, m)
        self.best_params_ = dict(history[self.best_index_]["params"])
        self.best_score_ = float(history[self.best_index_]["measurement"])
        self.best_model_ = clone(self.model).set_params(**self.best_params_).fit(X, y)
        for name in ("classes_", "n_features_in_", "feature_names_in_"):
            if hasattr(self.best_model_, name):
                setattr(self, name, getattr(self.best_model_, name))
        self.history_ = history_frame(history)
        self.report_ = {
            "best_model": self.best_model_, "best_params": self.best_params_, "measure": m.name,
            "best_measurement": self.best_score_, "history": self.history_,
        }  # fmt: skip
        return self

    def __getstate__(self) -> dict:
        # tk.save writes with skops, which builds only trusted types: the history
        # table travels as plain lists and a registered measure by its name.
        state = dict(super().__getstate__())
        if isinstance(state.get("measure"), Measure) and _registered(state["measure"]):
            state["measure"], state["_measure_name"] = None, state["measure"].name
        if "history_" in state:
            state["history_"] = _frame_state(state["history_"])
            state["report_"] = {**state["report_"], "history": state["history_"]}
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if "_measure_name" in state:
            state["measure"] = as_measure(state.pop("_measure_name"))
        if isinstance(state.get("history_"), dict):
            state["history_"] = _frame_from_state(state["history_"])
            state["report_"] = {**state["report_"], "history": state["history_"]}
        super().__setstate__(state)

    def _best(self):
        if not hasattr(self, "best_model_"):
            raise NotTrainedError(
                "this TunedModel is not fitted yet; call fit(X, y) (or tk.fit(mach)) first"
            )
        return self.best_model_

    def report(self) -> dict:
        """``report() -> dict``: best model, best params, measure, best measurement, history.

        ``tk.report(mach)`` merges this into a machine's report.
        """
        self._best()
        return dict(self.report_)

    def predict(self, X):
        """``predict(X)``: the predictions of the best model, refitted on all rows."""
        return self._best().predict(X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """``predict_proba(X)``: the best model's class probabilities, columns in ``classes_``."""
        return self._best().predict_proba(X)

    @available_if(_inner_has("transform"))
    def transform(self, X):
        """``transform(X)``: the best model's transform."""
        return self._best().transform(X)

    @available_if(_inner_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """``predict_log_proba(X)``: the best model's log class probabilities."""
        return self._best().predict_log_proba(X)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X):
        """``decision_function(X)``: the best model's decision function."""
        return self._best().decision_function(X)

    @available_if(_inner_has("score"))
    def score(self, X, y):
        """``score(X, y)``: the best model's own ``score`` (what ``cross_val_score`` calls)."""
        return self._best().score(X, y)


def _best_index(history: list[dict], m) -> int:
    """The best candidate's index (the first on ties); a NaN measurement is never the best."""
    means = np.array([h["measurement"] for h in history])
    if np.isnan(means).all():
        raise DataError(
            f"every candidate measured NaN by {m.name}; check the folds (enough test rows "
            "and classes in each?) or choose another measure"
        )
    return int(np.nanargmax(means) if m.greater_is_better else np.nanargmin(means))


def tune(model, X, y, ranges, tuning, resampling, measure, workers=1, executor=None):
    """``tune(...) -> (history, measure)``: every candidate measured on the same folds.

    ``history`` is a list of dicts ``{"params", "measurement", "sd", "per_fold"}`` in
    candidate order. The shared engine of :class:`TunedModel` and ``learning_curve``.
    """
    if isinstance(measure, (list, tuple)):
        raise DataError("TunedModel optimises one measure; pass measure=tk.accuracy, not a list")
    m = choose_measures(None, model)[0] if measure is None else as_measure(measure)
    check_fits(type(model).__name__, model, (m,))
    if isinstance(ranges, dict):  # scikit-learn's param_grid spelling: {name: [values]}
        ranges = [hp_range(model, name, values=list(values)) for name, values in ranges.items()]
    points = (Grid() if tuning is None else tuning).candidates(as_ranges(ranges))
    resampling = default_resampling(model, y) if resampling is None else resampling
    pairs = resample(resampling, X, y, n_rows(X))
    tasks = [(clone(model).set_params(**p), X, y, tr, te, (m,)) for p in points for tr, te in pairs]
    labels = [f"fold {j + 1} of {len(pairs)} of candidate {p}" for p in points
              for j in range(len(pairs))]
    results = run_tasks(as_executor(workers, executor), run_fold, tasks, labels)
    k = len(pairs)
    history = []
    for i, point in enumerate(points):
        values = np.array([r[0][0] for r in results[i * k : (i + 1) * k]])
        sd = float(np.std(values, ddof=1)) if k > 1 else float("nan")
        history.append(
            {"params": point, "measurement": float(np.mean(values)), "sd": sd, "per_fold": values}
        )
    return history, m


def history_frame(history: list[dict]) -> pl.DataFrame:
    """``history_frame(history) -> polars.DataFrame``: one column per parameter, then the results.

    A parameter whose values mix types (``None`` and strings and numbers) or are
    objects (kernels, models) becomes text, their ``repr``; ``best_params_`` keeps
    the best one's objects.
    """
    names = list(history[0]["params"])
    columns = {name: _column(name, [h["params"][name] for h in history]) for name in names}
    columns["measurement"] = pl.Series([h["measurement"] for h in history], dtype=pl.Float64)
    columns["sd"] = pl.Series([h["sd"] for h in history], dtype=pl.Float64)
    columns["per_fold"] = pl.Series(
        [h["per_fold"].tolist() for h in history], dtype=pl.List(pl.Float64)
    )
    return pl.DataFrame(columns)


def _registered(m: Measure) -> bool:
    try:
        return as_measure(m.name) is m
    except ToolkitError:
        return False


def _frame_state(frame: pl.DataFrame) -> dict:
    """``_frame_state(history_frame) -> dict``: the table as ``{column: list}`` (and back).

    >>> frame = history_frame([{"params": {"C": 1.0}, "measurement": 0.5, "sd": 0.1,
    ...                         "per_fold": np.array([0.4, 0.6])}])
    >>> _frame_from_state(_frame_state(frame)).equals(frame)
    True
    """
    return {"columns": frame.columns, "values": [frame[c].to_list() for c in frame.columns]}


def _frame_from_state(state: dict) -> pl.DataFrame:
    typed = {"measurement": pl.Float64, "sd": pl.Float64, "per_fold": pl.List(pl.Float64)}
    columns = [
        pl.Series(name, values, dtype=typed[name]) if name in typed else _column(name, values)
        for name, values in zip(state["columns"], state["values"], strict=True)
    ]
    return pl.DataFrame(columns)


def _column(name: str, values: list) -> pl.Series:
    try:
        series = pl.Series(name, values, strict=True)
    except (TypeError, pl.exceptions.PolarsError):
        series = None
    if series is None or series.dtype == pl.Object:  # objects (kernels, models) read as text
        return pl.Series(name, [repr(v) if not isinstance(v, str) else v for v in values])
    return series


class LearningCurve:
    """``LearningCurve``: what :func:`learning_curve` measured, MLJ's named tuple as an object.

    Attributes: ``parameter_name``, ``parameter_scale`` ("linear", "log" or
    "nominal"), ``parameter_values``, ``measurements`` (means over the folds),
    ``sd``, ``per_fold`` and ``measure``. ``to_polars()`` gives them as a table;
    ``plot(ax=None)`` draws them when matplotlib is installed.
    """

    def __init__(self, r, history: list[dict], m):
        self.parameter_name = r.name
        self.parameter_scale = getattr(r, "scale", "nominal")
        self.parameter_values = [h["params"][r.name] for h in history]
        self.measurements = np.array([h["measurement"] for h in history])
        self.sd = np.array([h["sd"] for h in history])
        self.per_fold = [h["per_fold"] for h in history]
        self.measure = m

    def to_polars(self) -> pl.DataFrame:
        """``to_polars()``: one row per parameter value: value, measurement, sd."""
        return pl.DataFrame(
            {
                self.parameter_name: _column(self.parameter_name, self.parameter_values),
                self.measure.name: self.measurements,
                "sd": self.sd,
            }
        )

    def plot(self, ax=None):
        """``plot(ax=None)``: the curve on matplotlib axes (needs matplotlib, an optional extra)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            msg = (
                "LearningCurve.plot needs matplotlib, which is not installed; use curve.to_polars()"
            )
            raise DataError(msg) from None
        ax = plt.gca() if ax is None else ax
        ax.errorbar(self.parameter_values, self.measurements, yerr=self.sd, marker="o")
        if self.parameter_scale == "log":
            ax.set_xscale("log")
        ax.set_xlabel(self.parameter_name)
        ax.set_ylabel(self.measure.name)
        return ax

    def __repr__(self) -> str:
        pairs = ", ".join(
            f"{v!r}: {m:.4g}" for v, m in zip(self.parameter_values, self.measurements, strict=True)
        )
        return f"LearningCurve({self.measure.name} over {self.parameter_name}: {pairs})"


def learning_curve(
    model, X, y, *, range, resolution=10, resampling=None, measure=None, workers=1, executor=None
) -> LearningCurve:
    """``learning_curve(model, X, y; range, resolution=10, resampling=None, measure)``.

    The measurement for each value of one hyper-parameter (a grid of ``resolution``
    points over ``range``, all on the same folds). Default resampling as
    ``tk.evaluate``'s: ``StratifiedCV(6)`` for a classifier, ``CV(6)`` otherwise (an
    unshuffled holdout would test only the last classes of data sorted by class).

    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from toolkit.models.ranges import hp_range
    >>> X, y = load_diabetes(return_X_y=True)
    >>> curve = learning_curve(Ridge(), X, y, range=hp_range(Ridge(), "alpha", lower=1e-3,
    ...                        upper=10.0, scale="log"), resolution=3, measure="rmse")
    >>> curve.parameter_values
    [0.001, 0.1, 10.0]
    >>> bool(curve.measurements[0] < curve.measurements[-1])
    True
    """
    ranges = as_ranges(range)
    if len(ranges) != 1:
        raise DataError(f"learning_curve varies one hyper-parameter; got {len(ranges)} ranges")
    X, y = as_inputs(X, y)
    history, m = tune(model, X, y, ranges, Grid(resolution), resampling, measure, workers, executor)
    return LearningCurve(ranges[0], history, m)
