"""The model registry, generated from the installed scikit-learn.

Nothing here is copied by hand: the estimators come from
``sklearn.utils.all_estimators()``, their hyper-parameters and defaults from
their ``__init__`` signatures, and what they accept from their tags
(``sklearn.utils.get_tags``), so the registry follows scikit-learn's versions.

How a row is derived (``tk.models()`` columns):

- ``kind``: the ``estimator_type`` tag (``classifier``, ``regressor``,
  ``clusterer``); an estimator with no type that has ``transform`` and takes a
  2-D table is a ``transformer``.
- ``probabilistic``: a classifier whose default instance has ``predict_proba``
  (``SVC()`` has not: it needs ``probability=True``).
- ``input_scitypes``: ``Continuous`` and ``Count`` for every estimator
  (scikit-learn casts numeric columns to float); plus ``Multiclass``,
  ``OrderedFactor`` and ``Binary`` when the ``input_tags.categorical`` tag is set,
  and ``Textual`` when ``input_tags.string`` is set.
- ``missing``: the ``input_tags.allow_nan`` tag (missing values accepted).
- ``target_scitypes``: classifiers learn ``Multiclass``, ``OrderedFactor``,
  ``Binary`` targets and also integer (``Count``) and string (``Textual``) labels,
  as scikit-learn users expect; regressors ``Continuous`` and ``Count``;
  transformers and clusterers none, unless the ``target_tags.required`` tag says
  they need one.
- ``multi_output``: the ``target_tags.multi_output`` tag; ``needs_2d_target``
  when ``target_tags.single_output`` is false (the ``MultiTask*`` models).

Every entry lives in the ``models`` family of :mod:`toolkit.registry`: the scikit-learn
types are added lazily (on the first lookup), and toolkit's own models register
themselves with ``@register("models")`` and a ``model_traits`` class attribute (kind,
input scitypes, missing values, probabilistic) — ``NeuralNetworkClassifier``,
``NeuralNetworkRegressor``, ``FillImputer`` and ``Standardizer`` (``tk.OneHotEncoder`` is
not: in the registry that name is scikit-learn's ``OneHotEncoder``). A user's own model
registers the same way; ``tk.load_model`` returns the classes.

Estimators left out, with the reason (see :func:`skipped`): meta-estimators
with mandatory constructor arguments (``Pipeline``, ``VotingClassifier``,
``OneVsRestClassifier`` ...: build them from scikit-learn yourself and use them
in a machine directly, which accepts any scikit-learn estimator); deprecated
estimators; outlier detectors and density estimators; estimators whose input is
not a table (text, dicts, label vectors); estimators that neither predict nor
transform.

>>> import toolkit as tk
>>> row = tk.models().filter(name="DecisionTreeClassifier").row(0, named=True)
>>> row["kind"], row["probabilistic"], row["missing"]
('classifier', True, True)
>>> tk.load_model("DecisionTreeClassifier")(max_depth=3).max_depth
3
"""

from __future__ import annotations

import functools
import inspect
import types
from dataclasses import dataclass

import polars as pl

from toolkit.errors import UnknownNameError
from toolkit.models._inputs import FINITE, NUMERIC
from toolkit.registry import registry

_MODELS = registry("models")

KINDS = ("classifier", "regressor", "clusterer", "transformer")


@dataclass(frozen=True)
class Entry:
    """One registered scikit-learn estimator and what it accepts."""

    name: str
    model_class: type
    kind: str
    probabilistic: bool
    input_scitypes: tuple[str, ...]
    missing: bool
    target_scitypes: tuple[str, ...]
    multi_output: bool
    needs_2d_target: bool
    package: str
    docs: str

    @property
    def hyperparameters(self) -> dict:
        """Hyper-parameter names and their defaults, in signature order."""
        return _defaults(self.model_class)


def _defaults(cls) -> dict:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return {p.name: p.default for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def _mandatory(cls) -> list[str]:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.default is p.empty and p.kind in plain]


def _deprecated(cls) -> bool:
    wrapped = vars(cls).get("__new__")
    qualname = getattr(wrapped, "__qualname__", "")
    return "deprecated" in qualname or hasattr(cls.__init__, "deprecated_original")


def _public_module(cls) -> str:
    parts = cls.__module__.split(".")
    return ".".join(
        p for p in parts[: next((i for i, p in enumerate(parts) if p.startswith("_")), len(parts))]
    )


def _kind(tags, instance) -> str | None:
    if tags.estimator_type in ("classifier", "regressor", "clusterer"):
        return tags.estimator_type
    if (
        tags.estimator_type is None
        and hasattr(instance, "transform")
        and tags.input_tags.two_d_array
    ):
        return "transformer"
    return None


def _skip_reason(cls) -> str | None:
    mandatory = _mandatory(cls)
    if mandatory:
        needs = ", ".join(mandatory)
        return f"meta-estimator: needs {needs}; use the scikit-learn object in tk.machine directly"
    if _deprecated(cls):
        return "deprecated by scikit-learn"
    return None


def _input_scitypes(tags) -> tuple[str, ...]:
    extra = FINITE if tags.input_tags.categorical else ()
    return (*NUMERIC, *extra, *(("Textual",) if tags.input_tags.string else ()))


def _target_scitypes(kind: str, tags) -> tuple[str, ...]:
    if kind == "classifier":
        return (*FINITE, "Count", "Textual")
    if kind == "regressor":
        return NUMERIC
    return ("Continuous", "Count", *FINITE) if tags.target_tags.required else ()


def _entry(name: str, cls) -> Entry | str:
    from sklearn.utils import get_tags

    reason = _skip_reason(cls)
    if reason:
        return reason
    try:
        instance = cls()
        tags = get_tags(instance)
    except Exception as error:  # an estimator whose defaults cannot even build its tags
        return f"cannot be built with its defaults ({type(error).__name__})"
    kind = _kind(tags, instance)
    if kind is None:
        what = tags.estimator_type or (
            "its input is not a 2-D table"
            if hasattr(instance, "transform")
            else "it neither predicts nor transforms"
        )
        return f"outside the four kinds: {what}"
    package = _public_module(cls)
    return Entry(
        name=name,
        model_class=cls,
        kind=kind,
        probabilistic=kind == "classifier" and hasattr(instance, "predict_proba"),
        input_scitypes=_input_scitypes(tags),
        missing=bool(tags.input_tags.allow_nan),
        target_scitypes=_target_scitypes(kind, tags),
        multi_output=bool(tags.target_tags.multi_output),
        needs_2d_target=not tags.target_tags.single_output,
        package=package,
        docs=f"https://scikit-learn.org/stable/modules/generated/{package}.{name}.html",
    )


@functools.cache
def _sklearn() -> tuple[dict[str, Entry], dict[str, str]]:
    """The scikit-learn estimators derived from the installed release, and those left out."""
    from sklearn.utils import all_estimators

    entries, skipped = {}, {}
    for name, cls in all_estimators():
        result = _entry(name, cls)
        if isinstance(result, Entry):
            entries[name] = result
        else:
            skipped[name] = result
    return entries, skipped


def _generated_types() -> dict[str, type]:
    """{name: toolkit's model type} for every scikit-learn entry: the registry's lazy part."""
    from toolkit.models.types import model_type

    return {name: model_type(name) for name in _sklearn()[0]}


_MODELS.register_lazy(_generated_types)


def _build() -> tuple[dict[str, Entry], dict[str, str]]:
    """(entries by name, skipped by name): scikit-learn's, then the self-registered models."""
    entries, skipped = _sklearn()
    own = {}
    for name in _MODELS.names():
        cls = _MODELS.get(name)
        if name not in entries and isinstance(getattr(cls, "model_traits", None), dict):
            own[name] = _own_entry(name, cls, **cls.model_traits)
    return {**entries, **own}, skipped


def _own_entry(name: str, cls, kind: str, inputs, missing: bool, probabilistic=False) -> Entry:
    """The row of a model that registered itself with ``model_traits``."""
    targets = _target_scitypes(kind, None) if kind in ("classifier", "regressor") else ()
    return Entry(
        name=name, model_class=cls, kind=kind, probabilistic=probabilistic,
        input_scitypes=tuple(inputs), missing=missing, target_scitypes=targets,
        multi_output=kind == "regressor", needs_2d_target=False,
        package=cls.__module__.rpartition(".")[0] or cls.__module__, docs=f"help(tk.{name})",
    )  # fmt: skip


def entry(name: str) -> Entry:
    """``entry(name) -> Entry``: the registry row of one model; unknown names refused."""
    entries, skipped = _build()
    if name in entries:
        return entries[name]
    if name in skipped:
        msg = f"scikit-learn's {name} is not in toolkit's model registry: {skipped[name]}"
        raise UnknownNameError(msg)
    _MODELS.get(name)  # refuses the name with a did-you-mean
    msg = f"{name} is registered but declares no model_traits (kind, inputs, missing)"
    raise UnknownNameError(msg)


def skipped() -> dict[str, str]:
    """``skipped() -> dict``: scikit-learn estimators left out of the registry, with the reason.

    >>> "Pipeline" in skipped()
    True
    """
    return dict(_build()[1])


def entries() -> list[Entry]:
    """``entries() -> list[Entry]``: every registered model, sorted by name."""
    return [e for _, e in sorted(_build()[0].items())]


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
    from toolkit.data.scitypes import as_polars
    from toolkit.models import _inputs

    if getattr(type(X), "_toolkit_table", False):  # a toolkit table brings its target
        X, y = X.X, (X.y if y is None else y)
    df = as_polars(X)
    kinds, missing = set(), False
    for name in df.columns:
        column = df.get_column(name)
        scitype = _inputs.scitype_name(column)
        kinds.add("Continuous" if _inputs._fits(column, scitype, NUMERIC) else scitype)
        missing |= bool(column.null_count() or (column.dtype.is_float() and column.is_nan().any()))
    if y is None:
        return Matching(frozenset(kinds), missing, None, 0)
    target = _inputs.as_polars(y)
    n_targets = target.width if hasattr(target, "width") else 1
    column = target.to_series(0) if hasattr(target, "width") else target
    return Matching(frozenset(kinds), missing, _target_scitype(column), n_targets)


def _target_scitype(column: pl.Series) -> str:
    from toolkit.models import _inputs

    if column.dtype.is_float():
        values = column.drop_nulls()
        return "Count" if values.len() and (values == values.round()).all() else "Continuous"
    return "Count" if column.dtype.is_integer() else _inputs.scitype_name(column)


def models(filter=None) -> pl.DataFrame:
    """``models(filter=None) -> polars.DataFrame``: the registered models, one row each.

    Columns: name, kind, probabilistic, input_scitypes, missing, target_scitypes,
    multi_output, package. ``filter`` is ``tk.matching(X, y)`` or any function of a
    registry entry returning a bool. The derivation of each column from
    scikit-learn's tags is in this module's docstring; see :func:`skipped` for the
    estimators left out.

    >>> import toolkit as tk
    >>> table = tk.models()
    >>> table.columns[:4], table.height > 100
    (['name', 'kind', 'probabilistic', 'input_scitypes'], True)
    """
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
    name, so ``tk.models`` must be both the package (``import toolkit.models.frames``,
    ``tk.models.registry``) and the function listing models: the package's module
    object is given this class, and ``tk.models(filter)`` calls :func:`models`.
    """

    def __call__(self, filter=None) -> pl.DataFrame:
        return models(filter)
