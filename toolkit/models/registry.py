"""Finding models: ``tk.models()``, ``tk.matching(X, y)``, ``tk.info`` and ``tk.load_model``.

Every model lives in the ``models`` family of :mod:`toolkit.registry`: scikit-learn's
as generated wrappers (:mod:`toolkit.models.types` registers them, lazily, on the
first lookup), and toolkit's own models registering themselves with
``@register("models")`` and a ``model_traits`` class attribute —
``NeuralNetworkClassifier``, ``NeuralNetworkRegressor``, ``FillImputer`` and
``Standardizer`` (``tk.OneHotEncoder`` is not: in the registry that name is
scikit-learn's ``OneHotEncoder``). A user's own model registers the same way;
``tk.load_model`` returns the classes. What each model accepts, and how that is derived
from scikit-learn's tags, is its :class:`~toolkit.models.catalog.Entry` (see
:mod:`toolkit.models.catalog`, which also lists the estimators left out and why).

>>> import toolkit as tk
>>> row = tk.models().filter(name="DecisionTreeClassifier").row(0, named=True)
>>> row["kind"], row["probabilistic"], row["missing"]
('classifier', True, True)
>>> tk.load_model("DecisionTreeClassifier")(max_depth=3).max_depth
3
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import polars as pl

from toolkit.data.frames import as_polars, as_polars_vector
from toolkit.models.catalog import Entry, entries, entry
from toolkit.models.inputs import NUMERIC, fits, scitype_name
from toolkit.registry import registry

_MODELS = registry("models")


@dataclass(frozen=True)
class Matching:
    """``Matching``: the scientific types of a data set, for :func:`models` to filter on.

    Made by :func:`matching`; calling it on a registry :class:`Entry` says whether that
    model accepts the data.
    """

    input_scitypes: frozenset
    missing: bool
    target_scitype: str | None
    n_targets: int

    def __call__(self, entry: Entry) -> bool:
        if not self.input_scitypes <= set(entry.input_scitypes) or (
            self.missing and not entry.missing
        ):
            return False
        if self.target_scitype is None:
            return entry.kind in ("clusterer", "transformer") and not entry.target_scitypes
        if (
            entry.kind not in ("classifier", "regressor")
            or self.target_scitype not in entry.target_scitypes
        ):
            return False
        return entry.multi_output if self.n_targets > 1 else not entry.needs_2d_target


def matching(X, y=None) -> Matching:
    """``matching(X, y=None) -> Matching``: a filter for :func:`models` fitting this data.

    With ``y``, the supervised models (classifiers, regressors) that accept ``X``'s
    column scitypes, its missing values and ``y``'s scitype; without, the
    unsupervised ones (transformers, clusterers). A toolkit table with a target
    (``tk.CSV(path, target=...)``) may come alone.

    >>> import toolkit as tk, polars as pl
    >>> X = pl.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, 2.0, 3.0]})
    >>> names = tk.models(tk.matching(X, pl.Series("y", ["u", "v", "u"])))["name"].to_list()
    >>> "HistGradientBoostingClassifier" in names, "SVC" in names, "Ridge" in names
    (True, False, False)
    """
    if getattr(type(X), "_toolkit_table", False):  # a toolkit table brings its target
        X, y = X.X, (X.y if y is None else y)
    df = as_polars(X)
    kinds, missing = set(), False
    for name in df.columns:
        column = df.get_column(name)
        scitype = scitype_name(column)
        kinds.add("Continuous" if fits(column, scitype, NUMERIC) else scitype)
        missing |= bool(column.null_count() or (column.dtype.is_float() and column.is_nan().any()))
    if y is None:
        return Matching(frozenset(kinds), missing, None, 0)
    target = as_polars_vector(y)
    n_targets = target.width if hasattr(target, "width") else 1
    column = target.to_series(0) if hasattr(target, "width") else target
    return Matching(frozenset(kinds), missing, _target_scitype(column), n_targets)


def _target_scitype(column: pl.Series) -> str:
    if column.dtype.is_float():
        values = column.drop_nulls()
        return "Count" if values.len() and (values == values.round()).all() else "Continuous"
    return "Count" if column.dtype.is_integer() else scitype_name(column)


def models(filter=None) -> pl.DataFrame:
    """``models(filter=None) -> polars.DataFrame``: the registered models, one row each.

    Columns: name, kind, probabilistic, input_scitypes, missing, target_scitypes,
    multi_output, package. ``filter`` is ``tk.matching(X, y)``, any function of a
    registry entry returning a bool, or a string: the models whose name holds it,
    ignoring case (MLJ's ``models("Forest")``). The derivation of each column from
    scikit-learn's tags is in :mod:`toolkit.models.catalog`'s docstring, as is
    ``skipped()``, the estimators left out.

    >>> import toolkit as tk
    >>> table = tk.models()
    >>> table.columns[:4], table.height > 100
    (['name', 'kind', 'probabilistic', 'input_scitypes'], True)
    >>> models("forest")["name"].to_list()
    ['RandomForestClassifier', 'RandomForestRegressor']
    """
    if isinstance(filter, str):
        text = filter.lower()
        filter = lambda entry: text in entry.name.lower()  # noqa: E731
    rows = [e for e in entries() if filter is None or filter(e)]
    return pl.DataFrame(
        {
            "name": [e.name for e in rows],
            "kind": [e.kind for e in rows],
            "probabilistic": [e.probabilistic for e in rows],
            "input_scitypes": [list(e.input_scitypes) for e in rows],
            "missing": [e.missing for e in rows],
            "target_scitypes": [list(e.target_scitypes) for e in rows],
            "multi_output": [e.multi_output for e in rows],
            "package": [e.package for e in rows],
        },
        schema_overrides={
            "input_scitypes": pl.List(pl.String),
            "target_scitypes": pl.List(pl.String),
        },
    )


@dataclass(frozen=True)
class ModelInfo:
    """What :func:`info` returns: a model's registry entry, hyper-parameters and docs link."""

    entry: Entry

    @property
    def hyperparameters(self) -> dict:
        """Hyper-parameter names mapped to their defaults."""
        return self.entry.hyperparameters

    def __repr__(self) -> str:
        e = self.entry
        lines = [
            f"{e.name} ({e.kind}{', probabilistic' if e.probabilistic else ''}) from {e.package}",
            f"  input scitypes:  {', '.join(e.input_scitypes)}"
            + (" (missing values allowed)" if e.missing else ""),
            f"  target scitypes: {', '.join(e.target_scitypes) or 'none (unsupervised)'}",
            "  hyper-parameters (default):",
            *(f"    {k} = {v!r}" for k, v in self.hyperparameters.items()),
            f"  docs: {e.docs}",
        ]
        return "\n".join(lines)


def info(name: str) -> ModelInfo:
    """``info(name) -> ModelInfo``: hyper-parameters with defaults, scitypes and docs link.

    >>> import toolkit as tk
    >>> print(tk.info("Ridge"))  # doctest: +ELLIPSIS
    Ridge (regressor) from sklearn.linear_model
      input scitypes:  Continuous, Count
    ...
        alpha = 1.0
    ...
      docs: https://scikit-learn.org/stable/modules/generated/sklearn.linear_model.Ridge.html
    """
    return ModelInfo(entry(name))


def load_model(name: str) -> type:
    """``load_model(name) -> type``: the model type (class) of a registered model.

    Unknown names are refused with the closest valid one.

    >>> import toolkit as tk
    >>> Tree = tk.load_model("DecisionTreeClassifier")
    >>> Tree(max_depth=3)
    DecisionTreeClassifier(max_depth=3)
    >>> tk.load_model("DecisionTreeClasifier")
    Traceback (most recent call last):
    ...
    toolkit.errors.UnknownNameError: unknown model 'DecisionTreeClasifier'; did you mean ...
    """

    entry(name)  # refuses the skipped estimators with the reason
    return _MODELS.get(name)


class CallablePackage(types.ModuleType):
    """The class of the ``toolkit.models`` package: calling it is :func:`models`.

    ``toolkit/__init__.py`` re-exports public names over the subpackages of the same
    name, so ``tk.models`` must be both the package (``import toolkit.models.machine``,
    ``tk.models.registry``) and the function listing models: the package's module
    object is given this class, and ``tk.models(filter)`` calls :func:`models`.
    """

    def __call__(self, filter=None) -> pl.DataFrame:
        return models(filter)
