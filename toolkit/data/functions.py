"""Plain functions as image transforms, and the fix for a raw albumentations transform.

The loader takes any transform with ``apply(image, seed) -> image``. A plain
function is wrapped by :func:`as_transform`: ``f(image)`` is called as it is,
``f(image, rng)`` gets a numpy Generator drawn from the per-item seed, so its
randomness repeats with the loader's seed, whatever the number of workers. A raw
albumentations transform is refused with the fix: it draws from albumentations'
own random state, which the loader cannot seed per item.

>>> import numpy as np
>>> jitter = as_transform(lambda image, rng: image + rng.integers(0, 2, image.shape, np.uint8))
>>> a = jitter.apply(np.zeros((2, 2, 1), np.uint8), 7)
>>> bool((a == jitter.apply(np.zeros((2, 2, 1), np.uint8), 7)).all()), jitter
(True, FunctionTransform(<lambda>))
"""

from __future__ import annotations

import inspect

import numpy as np

from toolkit._seed import generator
from toolkit.errors import DataError


class FunctionTransform:
    """``FunctionTransform(function)``: ``apply(image, seed)`` calls ``function(image)`` or
    ``function(image, rng)`` (``rng`` a numpy Generator from ``seed``)."""

    def __init__(self, function):
        self.function = function
        self.takes_rng = _positional_count(function) >= 2

    def apply(self, image: np.ndarray, seed: int) -> np.ndarray:
        """``apply(image, seed) -> image``: the function's result as an array."""
        if self.takes_rng:
            return np.asarray(self.function(image, generator(seed, "function")))
        return np.asarray(self.function(image))

    def __repr__(self) -> str:
        return f"FunctionTransform({getattr(self.function, '__name__', repr(self.function))})"


def _positional_count(function) -> int:
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: call it with the image
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params):
        return 2
    return sum(p.kind in kinds for p in params)


def as_transform(obj):
    """``as_transform(obj)``: ``obj`` if it has ``apply(image, seed)``, a plain function
    wrapped in :class:`FunctionTransform`; a raw albumentations transform is refused.
    """
    if obj is None or callable(getattr(obj, "apply", None)) and not _albumentations(obj):
        return obj
    if _albumentations(obj):
        name = type(obj).__name__
        msg = (
            f"transform= got albumentations' own {name}, which draws from albumentations' "
            "global random state, so the loader cannot repeat it per item with its seed; "
            f"use toolkit's transform of the same name (tk.augment.{name}(...), composed with |) "
            "or wrap a function: transform=lambda image, rng: ..."
        )
        raise DataError(msg)
    if callable(obj):
        return FunctionTransform(obj)
    return obj


def _albumentations(obj) -> bool:
    return (type(obj).__module__ or "").split(".")[0] == "albumentations"
