"""Activation functions inside layers: by name or as the function, saved by name.

A layer stores the function; its configuration (printing, weights files, YAML)
stores the name. The names are those of the ``activations`` family of the registry
(:mod:`toolkit.nn.activations` registers the built-ins), plus ``None`` for identity.

>>> from toolkit.nn import ops
>>> resolve("relu") is ops.relu, name_of(ops.relu), resolve(None), resolve("σ") is ops.sigmoid
(True, 'relu', None, True)
"""

from __future__ import annotations

from toolkit.registry import registry

_ACTIVATIONS = registry("activations")


def resolve(activation):
    """resolve(activation) -> the function for a name, a function, or None (identity)."""
    if activation is None or activation == "identity":
        return None
    if callable(activation):
        return None if _ACTIVATIONS.name_of(activation) == "identity" else activation
    return _ACTIVATIONS.get(activation)


def name_of(fn) -> str | None:
    """name_of(fn) -> the registered name of an activation function (None for identity).

    An unregistered function gets its ``__name__`` prefixed with ``<`` ``>`` (printable,
    but a weights file refuses to save it).
    """
    if fn is None:
        return None
    name = _ACTIVATIONS.name_of(fn)
    return name if name is not None else f"<{getattr(fn, '__name__', type(fn).__name__)}>"
