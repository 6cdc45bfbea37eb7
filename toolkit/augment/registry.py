"""The transform registry, and pipelines rebuilt from plain dicts or YAML.

Every transform is registered once, by its class name; ``from_dict``, the YAML
runner and the docs all read this one registry.

>>> from toolkit.augment import from_yaml
>>> from_yaml('''
... - HorizontalFlip: {p: 0.5}
... - Rotate: {limit: 10, p: 0.5}
... ''')
HorizontalFlip(p=0.5) | Rotate(limit=10, p=0.5)
>>> from_dict({"Rotat": {"limit": 10}})
Traceback (most recent call last):
...
toolkit.errors.UnknownNameError: spec: unknown transform 'Rotat'; did you mean 'Rotate'? ...
"""

from __future__ import annotations

from collections.abc import Mapping

from toolkit.augment.core import Pipeline, Transform
from toolkit.augment.errors import TransformError
from toolkit.errors import UnknownNameError, did_you_mean

_REGISTRY: dict[str, type[Transform]] = {}


def register(cls: type[Transform]) -> type[Transform]:
    """@register — add a Transform subclass to the registry under its class name."""
    if _REGISTRY.get(cls.__name__, cls) is not cls:
        raise ImportError(f"two transforms are registered as {cls.__name__!r}")
    _REGISTRY[cls.__name__] = cls
    return cls


def registry() -> dict[str, type[Transform]]:
    """registry() -> {name: transform class}, sorted by name.

    >>> registry()["HorizontalFlip"].__name__
    'HorizontalFlip'
    """
    return dict(sorted(_REGISTRY.items()))


def names() -> list[str]:
    """names() -> the sorted names of every registered transform.

    >>> "Rotate" in names() and "Normalize" in names()
    True
    """
    return sorted(_REGISTRY)


def lookup(name: str, where: str = "spec") -> type[Transform]:
    """lookup(name, where="spec") -> the transform class registered as ``name``."""
    if not isinstance(name, str) or name not in _REGISTRY:
        msg = f"{where}: unknown transform {name!r}; {did_you_mean(name, _REGISTRY)}"
        raise UnknownNameError(msg)
    return _REGISTRY[name]


def _entry(item, where: str) -> Transform:
    if isinstance(item, str):  # "- HorizontalFlip" in YAML: the defaults
        item = {item: {}}
    if not isinstance(item, Mapping) or len(item) != 1:
        msg = (f"{where}: expected one transform as {{name: {{param: value}}}}, e.g. "
               f"{{'Rotate': {{'limit': 20}}}}, got {item!r}")
        raise TransformError(msg)
    ((name, params),) = item.items()
    cls = lookup(name, where)
    params = {} if params is None else params
    if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
        raise TransformError(f"{where}.{name}: expected a mapping of parameters, got {params!r}")
    try:
        return cls(**params)
    except UnknownNameError as err:
        raise UnknownNameError(f"{where}: {err}") from None
    except TransformError as err:
        raise TransformError(f"{where}: {err}") from None


def from_dict(spec, where: str = "spec") -> Transform | Pipeline:
    """from_dict(spec, where="spec") -> the Transform (one mapping) or Pipeline (a list).

    ``spec`` is what ``to_dict()`` wrote; ``where`` names it in error messages
    (the YAML runner passes the key path, e.g. ``"augment"``).

    >>> from toolkit.augment import Rotate
    >>> from_dict([{"Rotate": {"limit": 20}}]) == Pipeline([Rotate(limit=20)])
    True
    """
    if isinstance(spec, (list, tuple)):
        return Pipeline([_entry(item, f"{where}[{i}]") for i, item in enumerate(spec)])
    return _entry(spec, where)


def from_yaml(text: str, where: str = "augment YAML") -> Transform | Pipeline:
    """from_yaml(text, where="augment YAML") -> from_dict(yaml.safe_load(text)).

    >>> from toolkit.augment import Blur
    >>> from_yaml(Blur(blur_limit=5).to_yaml())
    Blur(blur_limit=5, p=0.5)
    """
    import yaml

    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise TransformError(f"{where}: not valid YAML: {err}") from None
    return from_dict(spec, where)
