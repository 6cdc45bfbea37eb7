"""Pipelines rebuilt from plain dicts or YAML, through the registry's ``transforms`` family.

Every transform is registered once, by its class name (``@register("transforms")``);
``from_dict``, the YAML runner and the docs all read that one registry.

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

from toolkit.augment.core import Pipeline, Transform
from toolkit.errors import TransformError
from toolkit.registry import registry


def from_dict(spec, where: str = "spec") -> Transform | Pipeline:
    """from_dict(spec, where="spec") -> the Transform (one mapping) or Pipeline (a list).

    ``spec`` is what ``to_dict()`` wrote; ``where`` names it in error messages
    (the YAML runner passes the key path, e.g. ``"augment"``).

    >>> from toolkit.augment import Rotate
    >>> from_dict([{"Rotate": {"limit": 20}}]) == Pipeline([Rotate(limit=20)])
    True
    """
    transforms = registry("transforms")
    if isinstance(spec, (list, tuple)):
        return Pipeline([transforms.build(item, where=f"{where}[{i}]")
                         for i, item in enumerate(spec)])
    return transforms.build(spec, where=where)


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
