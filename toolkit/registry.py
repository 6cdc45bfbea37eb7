"""The one registry of named parts: what Python, YAML, the CLI and the docs build by name.

Every family of named parts — transforms, layers, activations, losses, optimiser rules,
schedules, callbacks, measures, resampling strategies, models, data sources, executors,
weight initialisers — is one :class:`Registry`. A family is filled by the modules that
define its parts (each registers itself with ``@register(family)``); the registry imports
those modules the first time the family is asked for a name, so this module, at the
bottom of the package, imports none of them.

>>> import toolkit as tk
>>> "layers" in tk.registry()
True
>>> layers = tk.registry("layers")
>>> layers.build({"Dense": {"out": 10}}, where="model.chain[3]")
Dense(? => 10)
>>> layers.build("Dense", {"outs": 10}, where="model.chain[3]")
Traceback (most recent call last):
...
toolkit.errors.UnknownNameError: model.chain[3].Dense: unknown keyword 'outs'; did you ...
>>> layers.to_config(layers.build("Dense", {"out": 10}))
{'Dense': {'in_': None, 'out': 10, 'activation': None, 'bias': True, 'init': 'glorot_uniform'}}

A user's own part joins a family with ``@tk.register(family)`` and then works wherever
a built-in name works (YAML pipelines, ``toolkit list``, the docs)::

    @tk.register("layers")
    class Scale(tk.Module): ...
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass
from importlib import import_module

from toolkit.errors import ConfigError, ToolkitError, UnknownNameError, closest, did_you_mean

REQUIRED = inspect.Parameter.empty
"""The default of a parameter that has none (it must be given)."""


@dataclass(frozen=True)
class Param:
    """Param(name, annotation, default, doc): one configurable parameter of an entry.

    ``annotation`` is the type as written in the signature (a string, "" if none),
    ``default`` is :data:`REQUIRED` when the parameter must be given.
    """

    name: str
    annotation: str
    default: object
    doc: str

    @property
    def required(self) -> bool:
        """Whether the parameter has no default."""
        return self.default is REQUIRED


class Registry:
    """Registry(family, noun, providers=()): named parts of one family.

    ``noun`` names one entry in messages ("layer"); ``providers`` are the modules that
    register the family's entries when imported (imported on first lookup).

    >>> shapes = Registry("shapes", "shape")
    >>> @shapes.register(aliases=("sq",))
    ... def square(x, *, scale=1.0):
    ...     '''square(x, *, scale=1.0): x² times a factor.
    ...
    ...     ``scale`` is the factor.
    ...     '''
    ...     return scale * x * x
    >>> shapes.get("sq") is square, shapes.names()
    (True, ['square'])
    >>> shapes.build("square", {"scale": 2.0})(3.0)
    18.0
    >>> shapes.params("square")
    [Param(name='scale', annotation='', default=1.0, doc='``scale`` is the factor.')]
    """

    def __init__(self, family: str, noun: str, providers: tuple[str, ...] = ()):
        self.family, self.noun = family, noun
        self._providers = tuple(providers)
        self._fillers: list[Callable[[], Mapping[str, object]]] = []
        self._lookups: list[Callable[[str], object | None]] = []
        self._entries: dict[str, object] = {}
        self._aliases: dict[str, str] = {}
        self._imported = self._loading = self._filled = False
        self._lock = threading.RLock()

    # --- registering ----------------------------------------------------------------------

    def register(self, obj=None, *, name: str | None = None, aliases=()):
        """register(obj, name=None, aliases=()) -> obj; ``@register`` or ``@register(name=...)``.

        A registered class refuses a misspelt keyword with a did-you-mean (its
        ``__init__`` is checked); a name taken by another object is refused.
        """
        if obj is None:
            return functools.partial(self.register, name=name, aliases=aliases)
        key = name or obj.__name__
        with self._lock:
            self._claim(key, obj)
            self._entries[key] = obj
            for alias in aliases:
                self._claim(alias, obj)
                self._aliases[alias] = key
        if inspect.isclass(obj):
            check_keywords(obj)
        return obj

    def register_lazy(self, fill: Callable[[], Mapping[str, object]], lookup=None) -> None:
        """register_lazy(fill, lookup=None): ``fill() -> {name: entry}`` runs on the first
        listing, or on the first lookup of a name that ``lookup(name) -> entry | None`` (a
        cheaper way to one entry, where the family has one) does not find.

        For families generated from another library (the scikit-learn models).
        """
        self._fillers.append(fill)
        if lookup is not None:
            self._lookups.append(lookup)
        if self._filled and not self._loading:  # already filled: this one runs now
            self._run_filler(fill)

    def _run_filler(self, fill) -> None:
        for key, obj in fill().items():
            self._entries.setdefault(key, obj)

    def _claim(self, key: str, obj) -> None:
        taken = self._entries.get(self._aliases.get(key, key))
        if taken is not None and taken is not obj and not _redefinition(taken, obj):
            msg = (f"two {self.noun}s are registered as {key!r} ({_qualname(taken)} and "
                   f"{_qualname(obj)}); register one of them under another name")
            raise ConfigError(msg)

    def _load(self) -> None:
        self._import_providers()
        if self._filled:
            return
        with self._lock:
            if not self._filled:
                self._filled = True
                for fill in self._fillers:
                    self._run_filler(fill)

    def _import_providers(self) -> None:
        if self._imported:
            return
        with self._lock:
            if self._imported:
                return
            self._imported = True  # first: a provider may look names up while it registers
            self._loading = True  # a provider's register_lazy waits for its module to finish
            try:
                for module in self._providers:
                    import_module(module)
            finally:
                self._loading = False

    def _look_up(self, name: str) -> bool:
        """Whether the lazy part has ``name``, found one by one where it can be (then kept)."""
        for lookup in self._lookups:
            obj = lookup(name)
            if obj is not None:
                with self._lock:
                    self._entries.setdefault(name, obj)
                return True
        return False

    # --- looking up -----------------------------------------------------------------------

    def names(self, aliases: bool = False) -> list[str]:
        """names(aliases=False) -> the sorted names (with the aliases, if asked)."""
        self._load()
        return sorted({*self._entries, *(self._aliases if aliases else ())})

    def __contains__(self, name) -> bool:
        if not isinstance(name, str):
            return False
        self._import_providers()
        if name in self._entries or name in self._aliases or self._look_up(name):
            return True
        self._load()
        return name in self._entries or name in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def canonical(self, name: str, where: str = "") -> str:
        """canonical(name, where="") -> the registered name for a name or an alias."""
        if name not in self:
            valid = self.names(aliases=True)
            problem = f"unknown {self.noun} {name!r}; {did_you_mean(name, valid)}"
            raise UnknownNameError(problem, where=where, choices=self.names(),
                                   suggestion=closest(name, valid))
        return self._aliases.get(name, name)

    def get(self, name: str, where: str = ""):
        """get(name, where="") -> the entry; an unknown name is refused with a did-you-mean."""
        return self._entries[self.canonical(name, where)]

    def name_of(self, obj) -> str | None:
        """name_of(obj) -> the name ``obj`` (an entry, or an instance of one) is registered as."""
        self._load()
        for key, entry in self._entries.items():
            if entry is obj:
                return key
        for key, entry in self._entries.items():
            if inspect.isclass(entry) and type(obj) is entry:
                return key
        return None

    def __repr__(self) -> str:
        return f"Registry({self.family!r}: {len(self)} {self.noun}s)"

    # --- parameters, checking, building ---------------------------------------------------

    def params(self, name: str) -> list[Param]:
        """params(name) -> each configurable parameter: name, type, default, one-line doc."""
        return list(_params(self.get(name)))

    def split(self, spec, config=None, where: str = "") -> tuple[str, dict]:
        """split(spec, config=None, where="") -> (name, config) of "Name" or {Name: config}."""
        if isinstance(spec, Mapping):
            if len(spec) != 1 or config is not None:
                problem = (f"expected one {self.noun} as Name or {{Name: {{keyword: value}}}}, "
                           f"got a mapping with {len(spec)} keys")
                raise ConfigError(problem, where=where)
            ((spec, config),) = spec.items()
        if not isinstance(spec, str):
            problem = f"expected a {self.noun} name (a string), got {type(spec).__name__} {spec!r}"
            raise ConfigError(problem, where=where, choices=self.names())
        config = {} if config is None else config
        if not isinstance(config, Mapping):
            problem = (f"expected the keywords of {spec} as a mapping {{keyword: value}}, "
                       f"got {type(config).__name__} {config!r}")
            raise ConfigError(problem, where=_join(where, spec))
        for key in config:
            if not isinstance(key, str):
                problem = f"keywords are names (strings), got {type(key).__name__} {key!r}"
                raise ConfigError(problem, where=_join(where, spec))
        return self.canonical(spec, where), dict(config)

    def check(self, spec, config=None, where: str = "") -> list[ConfigError]:
        """check(spec, config=None, where="") -> every problem of one component, none built.

        Unknown keywords, missing required ones and values that do not fit the
        annotations, each a :class:`~toolkit.errors.ConfigError` whose ``where`` is the
        key path of the value at fault.
        """
        try:
            name, config = self.split(spec, config, where)
        except ConfigError as err:
            return [err]
        entry, at = self._entries[name], _join(where, _label(spec))
        children, _ = _take_children(entry, config)
        problems = [p for key, kids in children.items()
                    for child, path in _each_child(kids, _join(at, key))
                    for p in self.check(child, where=path)]
        return problems + _problems(entry, config, at)[0]

    def build(self, spec, config=None, where: str = ""):
        """build(spec, config=None, where="") -> the component ``spec`` names, built and checked.

        ``spec`` is ``"Name"``, ``{"Name": {keyword: value}}``, or ``"Name"`` with
        ``config``. Classes are called with the keywords; functions with keywords
        given come back as ``functools.partial``; a plain function without them as
        itself. ``where`` (the YAML key path) leads every message.
        """
        name, config = self.split(spec, config, where)
        entry, at = self._entries[name], _join(where, _label(spec))
        children, _ = _take_children(entry, config)
        problems, values = _problems(entry, config, at)
        if problems:
            raise problems[0]
        built = {key: _map_children(kids, lambda child, path: self.build(child, where=path),
                                    _join(at, key))
                 for key, kids in children.items()}
        try:
            return entry.from_children(built, **values) if built else _construct(entry, values)
        except ConfigError as err:
            raise err.located(at) from None
        except (ToolkitError, ValueError, TypeError) as err:
            problem = str(err).removeprefix(f"{name}: ")  # the path names the entry already
            raise ConfigError(problem, where=at) from err

    def to_config(self, obj):
        """to_config(obj) -> ``"Name"`` or ``{"Name": {keyword: value}}``; ``build`` rebuilds it.

        Every keyword is written out, defaults included (a resolved config).
        """
        if isinstance(obj, functools.partial) and not obj.args:
            name = self.name_of(obj.func)
            if name is not None:
                return {name: _plain(dict(obj.keywords))}
        name = self.name_of(obj)
        if name is None:
            problem = (f"{obj!r} is not a registered {self.noun}; register it with "
                       f"@tk.register({self.family!r}) to write it in a config")
            raise UnknownNameError(problem, choices=self.names())
        entry = self._entries[name]
        if entry is obj and not inspect.isclass(obj):
            return name
        children = {key: _map_children(getattr(obj, key), lambda c, _: self.to_config(c), "")
                    for key in _children_keys(entry)}
        return {name: {**_plain(_config_of(obj)), **children}}


# --- the families -----------------------------------------------------------------------------

_FAMILIES: dict[str, Registry] = {}
_FAMILY_LOCK = threading.Lock()

# family -> (noun, modules that register its entries). The table names modules as
# strings and imports them only on first lookup: the registry sits at the bottom.
_PROVIDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "transforms": ("transform", ("toolkit.augment",)),
    "layers": ("layer", ("toolkit.nn.layers", "toolkit.nn.ode")),
    "activations": ("activation", ("toolkit.nn.activations",)),
    "inits": ("initialiser", ("toolkit.nn.layers.init",)),
    "losses": ("loss", ("toolkit.nn.losses",)),
    "rules": ("optimiser rule", ("toolkit.nn.rules",)),
    "schedules": ("schedule", ("toolkit.nn.schedules",)),
    "callbacks": ("callback", ("toolkit.nn.callbacks",)),
    "measures": ("measure", ("toolkit.models.measures",)),
    "resampling": ("resampling strategy", ("toolkit.models.resampling",)),
    "tuning": ("tuning strategy", ("toolkit.models.ranges",)),
    "models": ("model", ("toolkit.models",)),
    "sources": ("data source", ("toolkit.data",)),
    "executors": ("executor", ("toolkit.models.executors", "toolkit.distributed.executor")),
}


def registry(family: str | None = None):
    """registry(family=None) -> the :class:`Registry` of ``family``; without one, the families.

    >>> registry("rules").get("Adam").__name__
    'Adam'
    >>> registry("layer")
    Traceback (most recent call last):
    ...
    toolkit.errors.UnknownNameError: unknown registry family 'layer'; did you mean 'layers'? ...
    """
    if family is None:
        return sorted({*_PROVIDERS, *_FAMILIES})
    with _FAMILY_LOCK:
        found = _FAMILIES.get(family)
        if found is None:
            if family not in _PROVIDERS:
                valid = sorted({*_PROVIDERS, *_FAMILIES})
                problem = f"unknown registry family {family!r}; {did_you_mean(family, valid)}"
                raise UnknownNameError(problem, choices=valid, suggestion=closest(family, valid))
            noun, providers = _PROVIDERS[family]
            found = _FAMILIES[family] = Registry(family, noun, providers)
    return found


def register(family: str, obj=None, *, name: str | None = None, aliases=()):
    """register(family, obj=None, *, name=None, aliases=()) — add ``obj`` to a family.

    As a decorator: ``@register("layers")`` or ``@register("losses", name="my_loss")``.

    >>> @register("losses", name="doctest_halfsquare")
    ... def halfsquare(yhat, y, *, agg="mean"):
    ...     return 0.5 * ((yhat - y) ** 2).mean()
    >>> registry("losses").get("doctest_halfsquare") is halfsquare
    True
    """
    return registry(family).register(obj, name=name, aliases=aliases)


# --- keywords, checked once -------------------------------------------------------------------


def check_keywords(cls: type) -> type:
    """check_keywords(cls) -> cls, whose ``__init__`` refuses a misspelt keyword by name.

    The one keyword check: registering a class applies it, and any other class may use
    it as a decorator. Python's own ``TypeError`` becomes an
    :class:`~toolkit.errors.UnknownNameError` with a did-you-mean.

    >>> @check_keywords
    ... class Loader:
    ...     def __init__(self, data, *, batch_size=32, workers=0):
    ...         self.batch_size = batch_size
    >>> Loader([], batchsize=8)
    Traceback (most recent call last):
    ...
    toolkit.errors.UnknownNameError: Loader: unknown keyword 'batchsize'; did you mean ...? ...
    """
    init = cls.__dict__.get("__init__")
    if init is None or getattr(init, "_keywords_checked", False):
        return cls

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)
        except TypeError:
            _refuse_unknown(type(self), init, kwargs)  # a subclass is named as itself
            raise

    __init__._keywords_checked = True
    cls.__init__ = __init__
    return cls


def unknown_keyword(key: str, valid, where: str = "") -> UnknownNameError:
    """unknown_keyword(key, valid, where="") -> the one error for a keyword not accepted.

    >>> str(unknown_keyword("lmit", ["limit", "p"], where="Rotate"))
    "Rotate: unknown keyword 'lmit'; did you mean 'limit'? Valid keywords: limit, p"
    """
    valid = sorted(valid)
    problem = (f"unknown keyword {key!r}; {did_you_mean(key, valid, 'keywords')}"
               if valid else f"unknown keyword {key!r}; it takes no keywords")
    return UnknownNameError(problem, where=where, choices=valid, suggestion=closest(key, valid))


def _refuse_unknown(cls, init, kwargs) -> None:
    params = inspect.signature(init).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    valid = [k for k, p in params.items()
             if k != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in kwargs:
        if key not in valid:
            raise unknown_keyword(key, valid, cls.__name__) from None


# --- how an entry is read ---------------------------------------------------------------------


def _params(entry) -> tuple[Param, ...]:
    own = getattr(entry, "__config_params__", None)
    if own is not None and not inspect.isclass(entry):
        return tuple(own())
    children = _children_keys(entry)
    if children:
        kids = tuple(Param(key, "components", REQUIRED, f"the {entry.__name__}'s {key}")
                     for key in children)
        return kids + tuple(p for p in _signature_params(entry.from_children)
                            if p.name != "children")
    return _signature_params(entry)


def _children_keys(entry) -> tuple[str, ...]:
    """The keywords of a container class that hold components of its own family."""
    return tuple(getattr(entry, "config_children", ())) if inspect.isclass(entry) else ()


def _take_children(entry, config: dict) -> tuple[dict, dict]:
    """({child keyword: spec(s)}, the other keywords) of a container's configuration."""
    keys = _children_keys(entry)
    return ({k: v for k, v in config.items() if k in keys},
            {k: v for k, v in config.items() if k not in keys})


def _each_child(kids, where: str):
    """(spec, key path) of each child in one child keyword: a list, a mapping or one."""
    if isinstance(kids, list | tuple):
        return [(kid, f"{where}[{i}]") for i, kid in enumerate(kids)]
    if isinstance(kids, Mapping) and not (len(kids) == 1 and _is_spec(kids)):
        return [(kid, f"{where}.{key}") for key, kid in kids.items()]
    return [(kids, where)]


def _map_children(kids, fn, where: str):
    """The same shape of children (list, mapping or one) with ``fn(child, path)`` applied."""
    if isinstance(kids, list | tuple):
        return [fn(kid, f"{where}[{i}]") for i, kid in enumerate(kids)]
    if isinstance(kids, Mapping) and not (len(kids) == 1 and _is_spec(kids)):
        return {key: fn(kid, f"{where}.{key}") for key, kid in kids.items()}
    return fn(kids, where)


def _is_spec(mapping) -> bool:
    """Whether a one-key mapping is a component spec {Name: {...}} (a name starts upper-case)."""
    key = next(iter(mapping))
    return isinstance(key, str) and key[:1].isupper()


@functools.cache
def _signature_params(entry) -> tuple[Param, ...]:
    try:
        signature = inspect.signature(entry)  # a class: its __init__ without self
    except (TypeError, ValueError):
        return ()
    docs = _param_docs(inspect.getdoc(entry) or "")
    out = []
    for key, p in signature.parameters.items():
        if key == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            continue
        if not inspect.isclass(entry) and p.default is REQUIRED and p.kind is not p.KEYWORD_ONLY:
            continue  # a function's inputs (ŷ, y, x) are not configuration
        annotation = p.annotation if isinstance(p.annotation, str) else _type_name(p.annotation)
        out.append(Param(key, "" if p.annotation is REQUIRED else annotation, p.default,
                         docs.get(key, "")))
    return tuple(out)


def _type_name(annotation) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


_NUMPYDOC = re.compile(r"^(\w+)\s*:.*\n((?:[ \t]+.+\n?)+)", re.MULTILINE)


def _param_docs(doc: str) -> dict[str, str]:
    """{parameter: one-line doc} from a numpydoc section, else the first sentence naming it."""
    out: dict[str, str] = {}
    section = re.search(r"^Parameters\n-+\n(.*?)(?:\n\n\w|\Z)", doc, re.MULTILINE | re.DOTALL)
    if section:
        for match in _NUMPYDOC.finditer(section.group(1) + "\n"):
            out[match.group(1)] = " ".join(match.group(2).split())
    prose = " ".join(line for line in doc.split("\n")[1:] if not line.lstrip().startswith(">>>"))
    for sentence in _SENTENCE.split(" ".join(prose.split())):
        for name in re.findall(r"``(\w+)``", sentence):
            out.setdefault(name, sentence)
    return out


_SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[A-Z`(])")


def _hints(entry) -> dict:
    target = entry.__init__ if inspect.isclass(entry) else entry
    target = getattr(target, "__wrapped__", target)
    try:
        return typing.get_type_hints(target)
    except Exception:  # an annotation that names a type only a type checker sees
        return {}


def _problems(entry, config: dict, where: str) -> tuple[list[ConfigError], dict]:
    """(problems, values): each keyword checked against the entry's parameters."""
    params = {p.name: p for p in _params(entry)}
    open_ended = _takes_any_keyword(entry)
    problems, values = [], {}
    children = _children_keys(entry)
    for key, value in config.items():
        if key in children:
            continue
        if key not in params and not open_ended:
            problems.append(unknown_keyword(key, params, where))
            continue
        checked = _check_value(entry, key, value, _join(where, key))
        if isinstance(checked, ConfigError):
            problems.append(checked)
        else:
            values[key] = checked
    for p in params.values():
        if p.required and p.name not in config and inspect.isclass(entry):
            problems.append(ConfigError(f"missing required keyword {p.name!r}", where=where))
    return problems, values


def _takes_any_keyword(entry) -> bool:
    if getattr(entry, "__config_params__", None) is not None and not inspect.isclass(entry):
        return False
    if _children_keys(entry):
        return False
    try:
        parameters = inspect.signature(entry).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is p.VAR_KEYWORD for p in parameters)


def _check_value(entry, key: str, value, where: str):
    """The value as the annotation reads it (lists to tuples...), or the ConfigError."""
    hint = _hints(entry).get(key)
    if hint is None or hint is typing.Any:
        return value
    adapter = _adapter(hint)
    if adapter is None:
        return value
    from pydantic import ValidationError

    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError:
        pass
    try:
        converted = adapter.validate_python(value)
    except ValidationError as err:
        return ConfigError(f"{_reason(err)}, got {type(value).__name__} {value!r}", where=where)
    if isinstance(value, str) and not isinstance(converted, str):  # no "10" for 10
        return ConfigError(f"expected {_type_name(hint)}, got the string {value!r}", where=where)
    return converted


@functools.lru_cache(maxsize=1024)
def _adapter(hint):
    from pydantic import ConfigDict, TypeAdapter

    try:
        return TypeAdapter(hint, config=ConfigDict(arbitrary_types_allowed=True))
    except Exception:  # a type pydantic cannot check (a protocol, a forward reference)
        return None


def _reason(err) -> str:
    first = err.errors()[0]
    return first["msg"][0].lower() + first["msg"][1:]


def _construct(entry, values: dict):
    own = getattr(entry, "__config_build__", None)
    if own is not None and not inspect.isclass(entry):
        return own(**values)
    if inspect.isclass(entry):
        return entry(**values)
    return functools.partial(entry, **values) if values else entry


def _config_of(obj) -> dict:
    """The keywords that rebuild ``obj``: config(), to_config(), dataclass fields or attributes."""
    for method in ("config", "get_params"):
        found = getattr(obj, method, None)
        if callable(found):
            return dict(found() if method == "config" else found(deep=False))
    if is_dataclass(obj):
        return {f.name: getattr(obj, f.name) for f in fields(obj) if f.init}
    return {p.name: getattr(obj, p.name) for p in _signature_params(type(obj))
            if hasattr(obj, p.name)}


def _plain(value):
    """Tuples to lists, recursively: the form YAML and JSON write."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _label(spec) -> str:
    if isinstance(spec, Mapping) and len(spec) == 1:
        return str(next(iter(spec)))
    return str(spec)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _qualname(obj) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _redefinition(old, new) -> bool:
    """A class or function defined again (a notebook cell run twice) may take its name back."""
    return (getattr(old, "__module__", None) == getattr(new, "__module__", 0)
            and getattr(old, "__qualname__", None) == getattr(new, "__qualname__", 0))
