"""The catalogue of models: what each registered model is and what it accepts.

One :class:`Entry` per model. scikit-learn's come from the installed release:
the estimators from ``sklearn.utils.all_estimators()``, their hyper-parameters and
defaults from their ``__init__`` signatures, and what they accept from their tags
(``sklearn.utils.get_tags``), so the catalogue follows scikit-learn's versions.
toolkit's own models (and a user's) register themselves in the ``models`` family of
:mod:`toolkit.registry` with a ``model_traits`` class attribute (kind, input scitypes,
missing values, probabilistic), which gives their entry.

How an entry is derived from scikit-learn's tags (``tk.models()`` columns):

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

Estimators left out, with the reason (see :func:`skipped`): meta-estimators
with mandatory constructor arguments (``Pipeline``, ``VotingClassifier``,
``OneVsRestClassifier`` ...: build them from scikit-learn yourself and use them
in a machine directly, which accepts any scikit-learn estimator); deprecated
estimators; outlier detectors and density estimators; estimators whose input is
not a table (text, dicts, label vectors); estimators that neither predict nor
transform.

This module sits below the model types (:mod:`toolkit.models.types`, which registers
a wrapper per scikit-learn entry), the listing (:mod:`toolkit.models.registry`) and
saved-file trust (:mod:`toolkit.models.io`), which all read it.

>>> e = entry("DecisionTreeClassifier")
>>> e.kind, e.probabilistic, e.missing, e.hyperparameters["max_depth"]
('classifier', True, True, None)
>>> wraps_sklearn("Ridge"), wraps_sklearn("NeuralNetworkClassifier")
(True, False)
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

from toolkit.errors import UnknownNameError
from toolkit.models.inputs import FINITE, NUMERIC
from toolkit.models.sklearn_index import MODULES, public_module
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
    package = public_module(cls)
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
def sklearn_entries() -> tuple[dict[str, Entry], dict[str, str]]:
    """``sklearn_entries() -> (entries, skipped)``: scikit-learn's estimators, by name.

    Derived once from the installed release; ``skipped`` maps each estimator left
    out to the reason.
    """
    from sklearn.utils import all_estimators

    entries, skipped = {}, {}
    for name, cls in all_estimators():
        result = _entry(name, cls)
        if isinstance(result, Entry):
            entries[name] = result
        else:
            skipped[name] = result
    return entries, skipped


@functools.cache
def sklearn_entry(name: str) -> Entry | None:
    """``sklearn_entry(name) -> Entry | None``: one scikit-learn estimator's row, found through
    :data:`toolkit.models.sklearn_index.MODULES` without importing every scikit-learn module
    (what :func:`sklearn_entries` costs: about 2 s); ``None`` where the index does not lead to
    a registered estimator (then the full catalogue decides, as before)."""
    from importlib import import_module

    module = MODULES.get(name)
    if module is None:
        return None
    try:
        cls = getattr(import_module(module), name, None)
    except ImportError:  # another release: the full catalogue knows where it went
        return None
    if not inspect.isclass(cls):
        return None
    found = _entry(name, cls)
    return found if isinstance(found, Entry) else None


def _build() -> tuple[dict[str, Entry], dict[str, str]]:
    """(entries by name, skipped by name): scikit-learn's, then the self-registered models."""
    entries, skipped = sklearn_entries()
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


def wraps_sklearn(name: str) -> bool:
    """``wraps_sklearn(name) -> bool``: whether model ``name`` wraps a scikit-learn estimator.

    Those are the generated types ``toolkit.models.types.<name>`` (what a saved file may
    name); toolkit's own models and unknown names are not.
    """
    found = sklearn_entry(name) or _build()[0].get(name)
    return found is not None and found.package.startswith("sklearn")


def entry(name: str) -> Entry:
    """``entry(name) -> Entry``: the registry row of one model; unknown names refused."""
    found = sklearn_entry(name)
    if found is not None:
        return found
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
