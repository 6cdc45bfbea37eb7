"""Composition: pipelines with ``>>``, and the table transformers that prepare features.

``tk.FillImputer() >> tk.OneHotEncoder() >> tk.Standardizer() >> Tree()`` is a
:class:`Pipeline`: a model like any other (scikit-learn API, ``clone``-able, works
in machines, ``tk.evaluate``, tuning and ``tk.save``). The three transformers wrap
the data layer's preparation steps (``toolkit/data/prep.py``: ``Imputer``,
``OneHot``, ``Standardize``), take polars tables with missing values and string
columns and give back polars tables.

Hyper-parameters of the steps have nested names, as in scikit-learn: the step's
lower-cased class name, two underscores, the parameter
(``decisiontreeclassifier__max_depth``, ``fillimputer__strategy``); a name used
twice gets a ``-2`` suffix (scikit-learn's ``make_pipeline`` naming).

>>> import toolkit as tk, polars as pl
>>> X = pl.DataFrame({"x": [1.0, 2.0, 3.0, 7.0, 8.0, 9.0], "z": [0.5, None, 0.1, 0.2, None, 0.3],
...                   "c": ["a", None, "b", "a", "b", "a"]})
>>> y = pl.Series("y", ["no", "no", "no", "yes", "yes", "yes"])
>>> Tree = tk.load_model("DecisionTreeClassifier")
>>> pipe = tk.FillImputer() >> tk.OneHotEncoder() >> tk.Standardizer() >> Tree()
>>> [name for name, _ in pipe.steps]
['fillimputer', 'onehotencoder', 'standardizer', 'decisiontreeclassifier']
>>> mach = tk.fit(tk.machine(pipe.set_params(decisiontreeclassifier__max_depth=2), X, y))
>>> tk.predict(mach, X).tolist()
['no', 'no', 'no', 'yes', 'yes', 'yes']
"""

from __future__ import annotations

import json

import polars as pl
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline as _SklearnPipeline
from sklearn.pipeline import make_pipeline

from toolkit.data.frames import as_polars, is_table
from toolkit.data.prep import Imputer, OneHot, Standardize
from toolkit.errors import DataError, ModelNotTrainedError
from toolkit.models.inputs import FINITE, NUMERIC, align, check_X
from toolkit.models.params import StrictParams
from toolkit.models.trust import trust
from toolkit.registry import check_keywords, register

_TABLES = (*NUMERIC, *FINITE, "Textual")


def _is_transformer(step) -> bool:
    return hasattr(step, "transform") or hasattr(step, "fit_transform")


class Composable:
    """Mixin giving models the ``>>`` operator, which builds a :class:`Pipeline`.

    >>> import toolkit as tk
    >>> type(tk.Standardizer() >> tk.load_model("Ridge")()).__name__
    'Pipeline'
    """

    def __rshift__(self, other):
        return pipeline(self, other)

    def __rrshift__(self, other):
        return pipeline(other, self)


def pipeline(*steps) -> Pipeline:
    """``pipeline(*steps) -> Pipeline``: chain models; every step but the last must transform.

    Pipelines given as steps are flattened, so ``a >> b >> c`` has three steps.

    >>> import toolkit as tk
    >>> [n for n, _ in pipeline(tk.Standardizer(), tk.load_model("Ridge")()).steps]
    ['standardizer', 'ridge']
    """
    flat = []
    for step in steps:
        flat.extend(s for _, s in step.steps) if isinstance(
            step, _SklearnPipeline
        ) else flat.append(step)
    for step in flat[:-1]:
        if not _is_transformer(step):
            msg = (
                f"{type(step).__name__} cannot be followed by another step: only the last step of "
                "a pipeline may predict; every earlier one must transform"
            )
            raise DataError(msg)
    return Pipeline(make_pipeline(*flat).steps)


@trust
class Pipeline(Composable, _SklearnPipeline):
    """``Pipeline(steps)``: scikit-learn's ``Pipeline`` with ``>>`` and toolkit's conveniences.

    Build it with ``>>`` or :func:`pipeline`. It is a classifier, regressor or
    transformer as its last step is; ``classes_`` and ``predict_proba`` come from it.
    """

    def fitted_params(self) -> dict:
        """``fitted_params() -> dict``: each step's fitted parameters, by step name."""
        from toolkit.models.machine import learned_attributes

        out = {}
        for name, step in self.steps:
            inner = getattr(step, "estimator_", step)
            out[name] = (
                step.fitted_params()
                if hasattr(step, "fitted_params")
                else learned_attributes(inner)
            )
        return out


class TableTransformer(Composable, StrictParams, TransformerMixin, BaseEstimator):
    """Base of the table transformers: one fitted ``toolkit.data.prep`` step in ``step_``."""

    _step_class = None  # the prep step class

    def fit(self, X, y=None):
        """``fit(X, y=None) -> self``: learn the step's statistics from the rows of ``X``."""
        frame = as_polars(check_X(X, type(self).__name__, fitting=True))
        self.step_ = self._step().fit(frame)
        self.feature_names_in_, self.n_features_in_ = list(frame.columns), frame.width
        return self

    def transform(self, X) -> pl.DataFrame:
        """``transform(X) -> polars.DataFrame``: ``X`` with the fitted step applied."""
        if not hasattr(self, "step_"):
            raise ModelNotTrainedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X) (or tk.fit(mach)) first"
            )
        X = check_X(X, type(self).__name__)
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return self.step_.transform(as_polars(X))
        # A table's columns go by name, as fit saw them; an array's by position.
        frame = as_polars(align(X, names, type(self).__name__))
        if not is_table(X):
            frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
        return self.step_.transform(frame)

    def fitted_params(self) -> dict:
        """``fitted_params() -> dict``: the step's fitted state (fill values, levels, means)."""
        return self.step_.to_dict()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = tags.input_tags.categorical = True
        return tags

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: the object itself keeps its step
        if "step_" in state:  # saved as the step's own JSON, never as a Python object
            state["step_"] = json.dumps(state["step_"].to_dict())
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if isinstance(state.get("step_"), str):
            state["step_"] = self._step_class.from_dict(json.loads(state["step_"]))
        super().__setstate__(state)


def _features(features):
    return None if features is None else list(features)


@register("models")
@trust
class FillImputer(TableTransformer):
    """``FillImputer(*, strategy="median", fill_value=None, features=None)``: fill missing values.

    Numeric columns get their median (``"mean"``, ``"mode"``, ``"constant"`` also),
    categorical ones their mode (or the constant), as MLJ's ``FillImputer``.
    ``features`` limits it to those columns. Wraps ``toolkit.data.prep.Imputer``.

    >>> import polars as pl
    >>> X = pl.DataFrame({"a": [1.0, None, 5.0, 7.0], "s": ["x", None, "x", "y"]})
    >>> FillImputer().fit(X).transform(X).rows()
    [(1.0, 'x'), (5.0, 'x'), (5.0, 'x'), (7.0, 'y')]
    """

    model_traits = {"kind": "transformer", "inputs": _TABLES, "missing": True}

    def __init__(self, *, strategy="median", fill_value=None, features=None):
        self.strategy, self.fill_value, self.features = strategy, fill_value, features

    _step_class = Imputer

    def _step(self):
        return self._step_class(self.strategy, self.fill_value, _features(self.features))

    def get_feature_names_out(self, input_features=None):
        """``get_feature_names_out() -> list[str]``: the same columns it was fitted on."""
        return list(self.feature_names_in_)


@trust
@check_keywords
class OneHotEncoder(TableTransformer):
    """``OneHotEncoder(*, features=None, unseen="error")``: one 0/1 column per level.

    String, Categorical and Enum columns (or ``features``) become ``column__level``
    columns, levels sorted; a level not seen when fitting raises (``unseen="error"``)
    or gives zeros (``"zeros"``). Wraps ``toolkit.data.prep.OneHot``. Not scikit-learn's
    ``OneHotEncoder``, which stays available as ``tk.load_model("OneHotEncoder")``.

    >>> import polars as pl
    >>> encoder = OneHotEncoder().fit(pl.DataFrame({"c": ["b", "a"]}))
    >>> encoder.transform(pl.DataFrame({"c": ["a"]})).rows()
    [(1.0, 0.0)]
    """

    def __init__(self, *, features=None, unseen="error"):
        self.features, self.unseen = features, unseen

    _step_class = OneHot

    def _step(self):
        return self._step_class(_features(self.features), self.unseen)

    def get_feature_names_out(self, input_features=None):
        """``get_feature_names_out() -> list[str]``: the columns with each encoded one expanded."""
        levels = self.step_.levels_
        names = []
        for c in self.feature_names_in_:
            names.extend([f"{c}__{v}" for v in levels[c]] if c in levels else [c])
        return names


@register("models")
@trust
class Standardizer(TableTransformer):
    """``Standardizer(*, features=None)``: centre and scale numeric columns (``ddof=0``).

    Other columns pass through; missing values stay missing. Wraps
    ``toolkit.data.prep.Standardize``.

    >>> import polars as pl
    >>> Standardizer().fit_transform(pl.DataFrame({"a": [1.0, 3.0], "s": ["x", "y"]})).rows()
    [(-1.0, 'x'), (1.0, 'y')]
    """

    model_traits = {"kind": "transformer", "inputs": _TABLES, "missing": True}

    def __init__(self, *, features=None):
        self.features = features

    _step_class = Standardize

    def _step(self):
        return self._step_class(_features(self.features))

    def get_feature_names_out(self, input_features=None):
        """``get_feature_names_out() -> list[str]``: the same columns it was fitted on."""
        return list(self.feature_names_in_)
