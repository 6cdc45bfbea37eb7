"""Performance measures: named, oriented, and called MLJ's way, ``measure(ŷ, y)``.

Each measure knows its name, whether lower or higher is better, and what it needs
from a model: class ``"labels"`` (``predict``), class ``"probabilities"``
(``predict_proba``) or continuous ``"values"`` (``predict`` of a regressor). The
numbers are scikit-learn's own metric functions, so they equal
``sklearn.metrics`` and ``cross_validate``'s scorers exactly (where a scorer is
"neg_...", its value is the negative of ours).

Probabilities arrive as an ``(N, K)`` array whose columns follow ``classes``
(a fitted model's ``classes_``; default: the sorted labels of ``y``), as a table
with one column per class, or, for two classes, as the ``(N,)`` probability of
the second ("positive") class, which is also scikit-learn's ``pos_label``.

>>> import numpy as np
>>> accuracy(["a", "b", "b"], ["a", "b", "a"])
0.6666666666666666
>>> rmse(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
1.4142135623730951
>>> log_loss.orientation, log_loss.needs
('lower', 'probabilities')
>>> f1(average="macro").name
'f1_macro'
>>> measure("mae")(np.array([1.0, 2.0]), np.array([2.0, 2.0]))
0.5
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
from sklearn import metrics

from toolkit.data.frames import column_names, table_kind, to_numpy
from toolkit.errors import DataError, UnknownNameError
from toolkit.registry import Param, registry, unknown_keyword

_MEASURES = registry("measures")

NEEDS = ("labels", "probabilities", "values")
ORIENTATIONS = ("lower", "higher")


class Measure:
    """``Measure(name, function, *, orientation, needs, doc, options=None)``: a named measure.

    ``function(ŷ, y, classes, **options) -> float`` computes it; ``orientation`` is
    ``"lower"`` or ``"higher"`` (which is better); ``needs`` is ``"labels"``,
    ``"probabilities"`` or ``"values"``. Call it as ``m(ŷ, y)`` (``classes=`` names
    the columns of a probability matrix); call it with options alone to get a
    variant, ``f1(average="macro")``.

    >>> import numpy as np
    >>> half = Measure("max_error", lambda yhat, y, classes: float(np.max(np.abs(yhat - y))),
    ...                orientation="lower", needs="values", doc="The largest absolute error.")
    >>> half(np.array([1.0, 5.0]), np.array([1.0, 2.0]))
    3.0
    """

    def __init__(self, name, function, *, orientation, needs, doc, options=None, variants=None):
        if orientation not in ORIENTATIONS:
            raise DataError(
                f"measure {name!r}: orientation must be one of {ORIENTATIONS}, got {orientation!r}"
            )
        if needs not in NEEDS:
            raise DataError(f"measure {name!r}: needs must be one of {NEEDS}, got {needs!r}")
        self.name, self.function = name, function
        self.orientation, self.needs = orientation, needs
        self.options = dict(options or {})
        self._variants = variants  # {option name: valid values} that __call__ accepts
        self.description = doc
        self.__doc__ = _measure_doc(name, doc, orientation, needs)

    @property
    def greater_is_better(self) -> bool:
        """scikit-learn's spelling of the orientation."""
        return self.orientation == "higher"

    def __call__(self, yhat=None, y=None, *, classes=None, **options):
        if yhat is None and y is None:
            return self._variant(**options)
        if options:
            raise UnknownNameError(
                f"{self.name}(ŷ, y) takes only classes= as a keyword, got {sorted(options)}"
            )
        y = _labels(y)
        if self.needs == "probabilities":
            yhat, classes = _probabilities(yhat, y, classes)
        else:
            yhat = _labels(yhat)
            if yhat.shape[0] != y.shape[0]:
                raise DataError(f"{self.name}: ŷ has {yhat.shape[0]} rows but y has {y.shape[0]}")
        return float(self.function(yhat, y, classes, **self.options))

    def _variant(self, **options) -> Measure:
        if not options:
            return self
        valid = self._variants or {}
        for key, value in options.items():
            if key not in valid:
                raise unknown_keyword(key, valid, self.name)
            if value not in valid[key]:
                raise DataError(f"{self.name}: {key}={value!r} is not one of {valid[key]}")
        merged = {**self.options, **options}
        name = "f1" + "".join(
            f"_{v}" for v in merged.values() if v != "binary"
        )  # f1: the one family
        return _registered(name) or Measure(
            name, self.function, orientation=self.orientation, needs=self.needs,
            doc=self.description, options=merged, variants=self._variants,
        )  # fmt: skip

    def __repr__(self) -> str:
        better = "higher" if self.greater_is_better else "lower"
        return f"Measure({self.name}, {better} is better, needs {self.needs})"

    def __reduce_ex__(self, protocol):
        if _registered(self.name) is self:  # registered measures travel to workers by name
            return (measure, (self.name,))
        return super().__reduce_ex__(protocol)

    def __config_params__(self) -> list[Param]:
        """The options a variant may set (the registry's ``params``): f1's ``average``."""
        return [Param(key, "str", self.options.get(key, values[0]),
                      f"one of {', '.join(map(repr, values))}")
                for key, values in (self._variants or {}).items()]

    def __config_build__(self, **options) -> Measure:
        """The variant with these options (the registry's ``build``)."""
        return self._variant(**options)


_EXAMPLE_INPUTS = {
    "labels": "[0, 1, 1, 0], [0, 1, 0, 0]",
    "probabilities": "[[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], [0, 1, 1]",
    "values": "[1.0, 2.5, 3.0], [1.5, 2.0, 3.0]",
}


def _measure_doc(name: str, doc: str, orientation: str, needs: str) -> str:
    """The docstring of a measure: its call, what it measures, and a runnable example."""
    return (f"{name}(ŷ, y, *, classes=None) -> float: {doc} ({orientation} is better; "
            f"ŷ holds {needs}).\n\n"
            f">>> import numpy as np, toolkit as tk\n"
            f">>> m = tk.measure({name!r})\n"
            f">>> value = m(*map(np.array, ({_EXAMPLE_INPUTS[needs]})))\n"
            f">>> m.greater_is_better\n{orientation == 'higher'}\n")


def _labels(y) -> np.ndarray:
    y = to_numpy(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"expected a column of targets of shape (N,), got shape {y.shape}")
    return y


def _probabilities(yhat, y, classes):
    """``(P, classes)``: an ``(N, K)`` float matrix and the class of each of its columns."""
    if isinstance(yhat, pl.DataFrame) or table_kind(yhat) == "pandas":
        names = column_names(yhat)
        classes = np.asarray(names).astype(y.dtype) if y.dtype.kind in "iufb" else np.asarray(names)
    P = np.asarray(to_numpy(yhat), dtype=np.float64)
    classes = np.unique(y) if classes is None else np.asarray(classes)
    if P.ndim == 1:
        if len(classes) != 2:
            raise DataError(f"a (N,) vector of probabilities needs two classes, got {len(classes)}")
        P = np.column_stack([1.0 - P, P])
    if P.ndim != 2 or P.shape[1] != len(classes) or P.shape[0] != y.shape[0]:
        msg = (
            f"probabilities of shape {P.shape} do not fit {y.shape[0]} targets of "
            f"{len(classes)} classes; pass classes=model.classes_ to name the columns"
        )
        raise DataError(msg)
    return P, classes


def _positive(classes, y, yhat, name):
    found = np.unique(np.concatenate([y, yhat])) if classes is None else np.asarray(classes)
    if len(found) > 2:
        msg = (
            f"{name} is for two classes but found {len(found)}; use f1(average='macro') or f1_micro"
        )
        raise DataError(msg)
    return found[-1]


def _f1(yhat, y, classes, average="binary"):
    if average == "binary":
        return metrics.f1_score(
            y, yhat, average="binary", pos_label=_positive(classes, y, yhat, "f1")
        )
    return metrics.f1_score(y, yhat, average=average)


def _auc(P, y, classes):
    if len(classes) == 2:
        return metrics.roc_auc_score(y == classes[1], P[:, 1])
    return metrics.roc_auc_score(y, P, multi_class="ovr", labels=classes)


def _brier(P, y, classes):
    if len(classes) == 2:  # scikit-learn's binary form: the positive column, halved scale
        return metrics.brier_score_loss(y, P[:, 1], pos_label=classes[1])
    return metrics.brier_score_loss(y, P, labels=classes)


def _registered(name: str) -> Measure | None:
    return _MEASURES.get(name) if name in _MEASURES else None


_ALIASES = {
    "accuracy_score": "accuracy", "balanced_accuracy_score": "balanced_accuracy",
    "misclassification": "misclassification_rate", "error_rate": "misclassification_rate",
    "zero_one_loss": "misclassification_rate", "cross_entropy": "log_loss",
    "brier_score_loss": "brier_score", "brier": "brier_score", "f1_score": "f1",
    "roc_auc": "auc", "roc_auc_score": "auc", "root_mean_squared_error": "rmse",
    "mean_squared_error": "mse", "mean_absolute_error": "mae", "l1": "mae", "l2": "mse",
    "r2_score": "r2", "rsquared": "r2",
}  # fmt: skip


def _register(name, function, orientation, needs, doc, **options) -> Measure:
    variants = (
        {"average": ("binary", "macro", "micro", "weighted")} if name.startswith("f1") else None
    )
    m = Measure(
        name,
        function,
        orientation=orientation,
        needs=needs,
        doc=doc,
        options=options,
        variants=variants,
    )
    aliases = tuple(alias for alias, target in _ALIASES.items() if target == name)
    return _MEASURES.register(m, name=name, aliases=aliases)


def _truth_first(metric: Callable) -> Callable:
    """_truth_first(metric) -> ``function(ŷ, y, classes)`` calling ``metric(y, ŷ)``.

    For the scikit-learn metrics that need neither the classes nor any option.

    >>> float(_truth_first(metrics.mean_absolute_error)(np.array([1.0]), np.array([3.0]), None))
    2.0
    """

    def function(yhat, y, classes):
        return metric(y, yhat)

    function.__name__ = function.__qualname__ = f"_{metric.__name__}"
    return function


_accuracy = _truth_first(metrics.accuracy_score)
_balanced_accuracy = _truth_first(metrics.balanced_accuracy_score)
_misclassification_rate = _truth_first(metrics.zero_one_loss)
_rmse = _truth_first(metrics.root_mean_squared_error)
_mse = _truth_first(metrics.mean_squared_error)
_mae = _truth_first(metrics.mean_absolute_error)
_r2 = _truth_first(metrics.r2_score)


def _log_loss(P, y, c):
    return metrics.log_loss(y, P, labels=c)


_HI, _LO = "higher", "lower"
accuracy = _register("accuracy", _accuracy, _HI, "labels", "the fraction of labels predicted right")
balanced_accuracy = _register(
    "balanced_accuracy", _balanced_accuracy, _HI, "labels", "the mean of the recalls of the classes"
)
misclassification_rate = _register(
    "misclassification_rate", _misclassification_rate, _LO, "labels", "the fraction predicted wrong"
)
log_loss = _register(
    "log_loss", _log_loss, _LO, "probabilities", "mean negative log-probability of the true class"
)
brier_score = _register(
    "brier_score", _brier, _LO, "probabilities", "scikit-learn's brier_score_loss (binary: halved)"
)
f1 = _register(
    "f1",
    _f1,
    _HI,
    "labels",
    "F1 of the second class; f1(average='macro') for more",
    average="binary",
)
f1_macro = _register("f1_macro", _f1, _HI, "labels", "the mean of per-class F1", average="macro")
f1_micro = _register(
    "f1_micro", _f1, _HI, "labels", "F1 of counts pooled over classes", average="micro"
)
auc = _register(
    "auc", _auc, _HI, "probabilities", "area under the ROC curve (one-vs-rest if K > 2)"
)
rmse = _register("rmse", _rmse, _LO, "values", "root mean squared error")
_register("mse", _mse, _LO, "values", "mean squared error")  # tk.mse is the model core's loss
_register("mae", _mae, _LO, "values", "mean absolute error")  # tk.mae likewise
r2 = _register("r2", _r2, _HI, "values", "coefficient of determination R²")


def _from_callable(fn: Callable) -> Measure | None:
    name = getattr(fn, "__name__", "")
    module = getattr(fn, "__module__", "") or ""
    if module.startswith("toolkit.nn") and name in ("mae", "mse"):  # the model core's losses
        return _MEASURES.get(name)
    if module.startswith("sklearn.metrics"):
        return _registered(name)
    return None


def measure(m) -> Measure:
    """``measure(m) -> Measure``: a measure from a Measure, a name or a known function.

    Names are those of :func:`measures` and a few aliases (``"mean_absolute_error"``,
    ``"roc_auc"``...). The model core's losses ``tk.mae`` / ``tk.mse`` and
    scikit-learn metric functions (``accuracy_score``...) map to the measures of
    the same meaning. Anything else is refused; wrap a custom function in
    :class:`Measure`.

    >>> from sklearn.metrics import r2_score
    >>> measure(r2_score).name, measure("mean_squared_error").name
    ('r2', 'mse')
    """
    if isinstance(m, Measure):
        return m
    if isinstance(m, str):
        key = m.strip().lower()
        return _MEASURES.get(key if key in _MEASURES else m)
    found = _from_callable(m) if callable(m) else None
    if found is None:
        msg = (
            f"cannot use {m!r} as a measure; pass a name ({', '.join(_MEASURES)}), or wrap a "
            "function in tk.Measure(name, fn, orientation=..., needs=..., doc=...)"
        )
        raise UnknownNameError(msg)
    return found


def measures() -> pl.DataFrame:
    """``measures() -> polars.DataFrame``: every registered measure with its orientation and needs.

    >>> "auc" in measures()["name"].to_list()
    True
    """
    found = [_MEASURES.get(name) for name in _MEASURES]
    rows = [(m.name, m.orientation, m.needs, m.description) for m in found]
    return pl.DataFrame(rows, schema=["name", "orientation", "needs", "description"], orient="row")
