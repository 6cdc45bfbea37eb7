"""Machines: a model bound to data, holding what training learned (MLJBase.jl's machines).

The model holds hyper-parameters only; the machine holds the data and the fitted
state, so one model can sit in many machines and be changed between fits.
``tk.fit(mach)`` trains only when something that matters changed (see
:func:`fit`). Any scikit-learn estimator works as a model, toolkit's own or not.

>>> import toolkit as tk, polars as pl
>>> X = pl.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
>>> y = pl.Series("y", ["lo", "lo", "lo", "hi", "hi", "hi"])
>>> mach = tk.machine(tk.load_model("DecisionTreeClassifier")(max_depth=2), X, y)
>>> tk.fit(mach).n_fits, tk.fit(mach).n_fits   # the second call has nothing to do
(1, 1)
>>> tk.predict_mode(mach, pl.DataFrame({"a": [0.5, 4.5]})).tolist()
['lo', 'hi']
>>> tk.predict_proba(mach, pl.DataFrame({"a": [4.5]}))
shape: (1, 2)
┌─────┬─────┐
│ hi  ┆ lo  │
│ --- ┆ --- │
│ f64 ┆ f64 │
╞═════╪═════╡
│ 1.0 ┆ 0.0 │
└─────┴─────┘
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl
from sklearn.base import clone, is_classifier

from toolkit.data.frames import column_names, n_rows, take_rows
from toolkit.errors import DataError, NotProbabilisticError, NotTrainedError


class Machine:
    """``Machine(model, X=None, y=None)``: use :func:`machine` to make one.

    Attributes: ``model`` (hyper-parameters; change them and :func:`fit` retrains),
    ``args`` (the data), ``fitted_model`` (a fitted copy of the model, or None),
    ``n_fits`` (how many times it trained), ``rows`` (the rows of the last fit).
    """

    def __init__(self, model, X=None, y=None):
        self.model = model
        self.args = tuple(a for a in (X, y) if a is not None)
        self.fitted_model = None
        self.n_fits = 0
        self.rows = None
        self.fit_time = None
        self._trained_with = None

    def __repr__(self) -> str:
        state = (
            f"trained {self.n_fits} time{'s' if self.n_fits != 1 else ''}"
            if self.n_fits
            else "untrained"
        )
        data = "no data" if not self.args else f"{n_rows(self.args[0])} rows"
        return f"Machine({self.model!r}; {state}; {data})"

    def _repr_html_(self) -> str:
        """In a notebook: the repr, then the model's hyper-parameters as a table."""
        import toolkit._html as _html

        params = self.model.get_params(deep=False)
        rows = [[name, repr(value)] for name, value in params.items()]
        return _html.caption(self) + _html.table(["hyper-parameter", "value"], rows)


def machine(model, X=None, y=None) -> Machine:
    """``machine(model, X=None, y=None) -> Machine``: bind a model to data.

    ``X`` is a table (polars, pandas, Arrow) or an array ``(n_samples, n_features)``;
    ``y`` the target ``(n_samples,)`` (omit it for transformers and clusterers).
    A toolkit table with a target (``tk.CSV(path, target="label")``) may come alone:
    its features are ``X`` and its target ``y``, keeping the table's class order.
    Nothing is trained until :func:`fit`.

    >>> import toolkit as tk, numpy as np
    >>> tk.machine(tk.load_model("Ridge")(), np.zeros((4, 2)), np.zeros(4))
    Machine(Ridge(); untrained; 4 rows)
    """
    if not (hasattr(model, "fit") and hasattr(model, "get_params")):
        msg = (
            f"tk.machine needs a model with fit and get_params (scikit-learn's estimator API), "
            f"got {type(model).__name__}; get one with tk.load_model(name)"
        )
        raise DataError(msg)
    if getattr(type(X), "_toolkit_table", False):
        X, y = unpack_table(X, y)
    if X is not None and y is not None and n_rows(X) != n_rows(y):
        raise DataError(f"X has {n_rows(X)} rows but y has {n_rows(y)}; they must match")
    return Machine(model, X, y)


def unpack_table(table, y):
    """``unpack_table(table, y) -> (X, y)``: a toolkit table's features and target.

    ``y`` given wins; the target keeps the table's class order (an Enum).
    """
    if y is not None or table.target is None:
        return table.X, y
    target = table.y
    classes = table.classes
    if classes is not None and (target.dtype == pl.String or target.dtype == pl.Categorical):
        order = pl.Enum([str(c) for c in classes])  # keep the table's class order
        target = target.cast(pl.String).cast(order)
    return table.X, target


def fingerprint(value):
    """``fingerprint(model)``: a comparable picture of hyper-parameters (nested models, arrays).

    What a machine remembers of the model it was trained with, so that ``fit`` retrains
    exactly when a hyper-parameter changed (a loaded machine starts from its model's).

    >>> from sklearn.linear_model import Ridge
    >>> fingerprint(Ridge(alpha=2.0)) == fingerprint(Ridge(alpha=2.0)) != fingerprint(Ridge())
    True
    """
    if hasattr(value, "get_params") and not isinstance(value, type):
        params = value.get_params(deep=False)
        return (type(value), tuple((k, fingerprint(v)) for k, v in sorted(params.items())))
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(fingerprint(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((k, fingerprint(v)) for k, v in sorted(value.items(), key=str)))
    if isinstance(value, float) and value != value:
        return ("nan",)
    return value if _hashable(value) else ("id", id(value))


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _rows(rows, n: int):
    if rows is None:
        return None
    rows = np.asarray(rows)
    rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
    if rows.size and (rows.min() < -n or rows.max() >= n):
        raise DataError(
            f"rows must be indices in [0, {n}); got values from {rows.min()} to {rows.max()}"
        )
    return rows


def _same_rows(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(a, b)


def fit(mach: Machine, rows=None, *, force: bool = False) -> Machine:
    """``fit(mach, rows=None, force=False) -> mach``: train the machine when needed.

    Case by case (as MLJ's ``fit!``):

    - never trained: trains on ``rows`` (all rows when None);
    - ``force=True``: trains again from scratch;
    - ``rows`` differ from the last fit's (None meaning all rows): trains again;
    - the model's hyper-parameters changed since the last fit (``mach.model.max_depth
      = 5``, a nested step's parameter, or ``mach.model`` replaced): trains again —
      unless the fitted model can *update* (MLJ's ``update``): a neural network whose
      only change is more ``epochs`` continues training from where it stopped;
    - otherwise: does nothing and returns the machine as it is.

    Training always starts from a fresh ``sklearn.base.clone`` of the model, so the
    model object itself never holds learned state. A machine without data (one
    loaded from a file) cannot train: bind data with ``tk.machine(mach.model, X, y)``.

    >>> import toolkit as tk, numpy as np
    >>> mach = tk.machine(tk.load_model("Ridge")(), np.arange(8.0).reshape(4, 2), np.arange(4.0))
    >>> first = tk.fit(mach).n_fits
    >>> [first, tk.fit(mach, rows=[0, 1, 2]).n_fits, tk.fit(mach, rows=[0, 1, 2]).n_fits]
    [1, 2, 2]
    >>> mach.model.alpha = 0.5
    >>> tk.fit(mach, rows=[0, 1, 2]).n_fits
    3
    """
    if not mach.args:
        msg = (
            "this machine has no data to train on; "
            "bind data first: mach = tk.machine(mach.model, X, y)"
        )
        raise NotTrainedError(msg)
    rows = _rows(rows, n_rows(mach.args[0]))
    params = fingerprint(mach.model)
    fresh = (
        mach.fitted_model is not None
        and params == mach._trained_with
        and _same_rows(rows, mach.rows)
    )
    if fresh and not force:
        return mach
    data = mach.args if rows is None else _take_pooled(mach.args, rows)
    start = time.perf_counter()
    if (
        mach.fitted_model is not None
        and _same_rows(rows, mach.rows)
        and not force
        and _updatable(mach)
    ):
        model = mach.fitted_model.update(mach.model, *data)
    else:
        model = clone(mach.model)
        model.fit(*data)
    mach.fit_time = time.perf_counter() - start
    mach.fitted_model, mach.rows, mach._trained_with = model, rows, params
    mach.n_fits += 1
    return mach


def _take_pooled(args: tuple, rows) -> tuple:
    """The ``rows`` of each argument; a polars Categorical target keeps all its levels.

    polars Categoricals carry no level set of their own, so the target's rows become
    an ``Enum`` of every level of the whole target (sorted): a classifier trained on
    some rows still knows every class (MLJ keeps a categorical's pool).
    """
    taken = [take_rows(a, rows) for a in args]
    y = args[-1] if len(args) == 2 else None
    if isinstance(y, pl.Series) and y.dtype == pl.Categorical:
        levels = sorted(y.drop_nulls().unique().cast(pl.String).to_list())
        taken[-1] = taken[-1].cast(pl.String).cast(pl.Enum(levels))
    return tuple(taken)


def _updatable(mach: Machine) -> bool:
    can = getattr(mach.fitted_model, "can_update", None)
    return can is not None and can(mach.model)


def _fitted(mach: Machine, action: str):
    if not isinstance(mach, Machine):
        got = type(mach).__name__
        msg = f"tk.{action} needs a machine made by tk.machine(model, X, y), got {got}"
        raise DataError(msg)
    if mach.fitted_model is None:
        msg = f"this machine is not trained yet, so it cannot {action}: call tk.fit(mach) first"
        raise NotTrainedError(msg)
    return mach.fitted_model


def _new_data(mach: Machine, X, rows):
    if X is not None:
        return X
    if not mach.args:
        raise DataError("give the data to predict on: tk.predict(mach, X)")
    return (
        mach.args[0] if rows is None else take_rows(mach.args[0], _rows(rows, n_rows(mach.args[0])))
    )


def predict(mach: Machine, X=None, *, rows=None):
    """``predict(mach, X=None, rows=None) -> (n_samples,) array``: the model's point predictions.

    Labels for classifiers (strings stay strings), numbers for regressors, cluster
    indices for clusterers. Without ``X``, predicts the machine's own data (``rows``
    of it). An untrained machine raises :class:`~toolkit.errors.NotTrainedError`.

    >>> import toolkit as tk, numpy as np
    >>> X = np.arange(4.0)[:, None]
    >>> mach = tk.machine(tk.load_model("LinearRegression")(), X, 2 * X[:, 0])
    >>> tk.predict(tk.fit(mach), np.array([[10.0]])).round(6).tolist()
    [20.0]
    """
    model = _fitted(mach, "predict")
    if not hasattr(model, "predict"):
        name = type(model).__name__
        msg = f"{name} does not predict on new data; see tk.fitted_params(mach) (labels_)"
        raise NotProbabilisticError(msg)
    return model.predict(_new_data(mach, X, rows))


def _probabilities(mach: Machine, X, rows) -> tuple[np.ndarray, np.ndarray]:
    model = _fitted(mach, "predict probabilities")
    if not hasattr(model, "predict_proba"):
        msg = (
            f"{type(model).__name__} does not predict probabilities (not probabilistic with these "
            "hyper-parameters); use tk.predict(mach, X) for labels"
        )
        raise NotProbabilisticError(msg)
    return np.asarray(model.predict_proba(_new_data(mach, X, rows))), np.asarray(model.classes_)


def predict_proba(mach: Machine, X=None, *, rows=None) -> pl.DataFrame:
    """``predict_proba(mach, X=None, rows=None) -> polars.DataFrame``: one column per class.

    Columns are the class labels (as strings) in the training class order
    (``mach.fitted_model.classes_``); each row sums to one.

    >>> import toolkit as tk, numpy as np
    >>> Dummy = tk.load_model("DummyClassifier")
    >>> mach = tk.fit(tk.machine(Dummy(), np.zeros((4, 1)), ["b", "a", "b", "b"]))
    >>> tk.predict_proba(mach, np.zeros((1, 1))).rows()
    [(0.25, 0.75)]
    """
    proba, classes = _probabilities(mach, X, rows)
    return pl.DataFrame(proba, schema=[str(c) for c in classes.tolist()], orient="row")


def predict_mode(mach: Machine, X=None, *, rows=None) -> np.ndarray:
    """``predict_mode(mach, X=None, rows=None) -> (n_samples,) array``: the most probable labels.

    For probabilistic classifiers the class of highest probability (MLJ's mode of
    the predicted distribution); for other classifiers their predicted labels.

    >>> import toolkit as tk, numpy as np
    >>> Dummy = tk.load_model("DummyClassifier")
    >>> mach = tk.fit(tk.machine(Dummy(), np.zeros((3, 1)), ["b", "a", "b"]))
    >>> tk.predict_mode(mach, np.zeros((2, 1))).tolist()
    ['b', 'b']
    """
    model = _fitted(mach, "predict")
    if not is_classifier(model):
        name = type(model).__name__
        msg = f"predict_mode gives class labels, but {name} is not a classifier; use tk.predict"
        raise NotProbabilisticError(msg)
    if not hasattr(model, "predict_proba"):
        return predict(mach, X, rows=rows)
    proba, classes = _probabilities(mach, X, rows)
    return classes[np.argmax(proba, axis=1)]


def transform(mach: Machine, X=None, *, rows=None) -> pl.DataFrame:
    """``transform(mach, X=None, rows=None) -> polars.DataFrame``: the fitted transformation.

    Column names come from the model's ``get_feature_names_out()`` when it has one.

    >>> import toolkit as tk, numpy as np
    >>> mach = tk.fit(tk.machine(tk.load_model("StandardScaler")(), np.array([[1.0], [3.0]])))
    >>> tk.transform(mach, np.array([[2.0]])).rows()
    [(0.0,)]
    """
    model = _fitted(mach, "transform")
    if not hasattr(model, "transform"):
        raise DataError(f"{type(model).__name__} is not a transformer; use tk.predict(mach, X)")
    out = model.transform(_new_data(mach, X, rows))
    if isinstance(out, pl.DataFrame):
        return out
    out = np.asarray(out.toarray() if hasattr(out, "toarray") else out)
    names = _output_names(model, out.shape[1])
    return pl.DataFrame(out, schema=names, orient="row")


def _output_names(model, width: int) -> list[str]:
    try:
        names = [str(n) for n in model.get_feature_names_out()]
    except Exception:  # many sklearn transformers cannot name their outputs
        names = []
    return names if len(names) == width else column_names(np.zeros((0, width)))


def fitted_params(mach: Machine) -> dict:
    """``fitted_params(mach) -> dict``: what training learned (coefficients, trees, classes).

    The model's ``fitted_params()`` when it defines one (pipelines, tuned models,
    neural networks); otherwise the scikit-learn estimator's public attributes
    ending in ``_``.

    >>> import toolkit as tk, numpy as np
    >>> X = np.arange(3.0)[:, None]
    >>> mach = tk.fit(tk.machine(tk.load_model("LinearRegression")(), X, np.arange(3.0)))
    >>> round(float(tk.fitted_params(mach)["coef_"][0]), 6)
    1.0
    """
    model = _fitted(mach, "give fitted parameters")
    if hasattr(model, "fitted_params"):
        return model.fitted_params()
    return learned_attributes(getattr(model, "estimator_", model))


def learned_attributes(estimator) -> dict:
    """``learned_attributes(estimator) -> dict``: public attributes ending in ``_``.

    scikit-learn's convention for what fitting learned.
    """
    return {k: v for k, v in vars(estimator).items() if k.endswith("_") and not k.startswith("_")}


def report(mach: Machine) -> dict:
    """``report(mach) -> dict``: how the last training went.

    Always: model, n_fits, n_rows, fit_time (seconds); classes for classifiers; plus
    whatever the model's own ``report()`` adds (a tuned model's best model and history).

    >>> import toolkit as tk, numpy as np
    >>> mach = tk.fit(tk.machine(tk.load_model("Ridge")(), np.zeros((4, 2)), np.zeros(4)))
    >>> tk.report(mach)["n_rows"]
    4
    """
    model = _fitted(mach, "report")
    out = {
        "model": type(mach.model).__name__,
        "n_fits": mach.n_fits,
        "n_rows": None
        if not mach.args
        else (n_rows(mach.args[0]) if mach.rows is None else len(mach.rows)),
        "fit_time": mach.fit_time,
    }
    if hasattr(model, "classes_"):
        out["classes"] = list(np.asarray(model.classes_).tolist())
    if hasattr(model, "report"):
        out.update(model.report())
    return out
