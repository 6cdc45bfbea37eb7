"""Activation functions inside layers: by name or as the function, saved by name.

A layer stores the function; its configuration (printing, weights files, YAML)
stores the name. The names are those of :mod:`toolkit.nn.ops` (and of
``toolkit.nn.activations`` when it registers more), plus ``None`` for identity.

>>> from toolkit.nn import ops
>>> resolve("relu") is ops.relu, name_of(ops.relu), resolve(None)
(True, 'relu', None)
"""

from __future__ import annotations

from toolkit.errors import UnknownNameError, did_you_mean
from toolkit.nn import ops

_OPS = ("relu", "sigmoid", "tanh", "gelu", "elu", "leakyrelu", "softplus", "softmax",
        "logsoftmax", "exp", "abs")


def table() -> dict:
    """table() -> {name: function} of every activation a layer may name."""
    out = {name: getattr(ops, name) for name in _OPS}
    try:
        from toolkit.nn import activations
    except ImportError:  # the activations module is optional for layers
        return out
    registry = getattr(activations, "ACTIVATIONS", {})
    out.update(registry)
    return out


def resolve(activation):
    """resolve(activation) -> the function for a name, a function, or None (identity)."""
    known = table()
    if activation is None or activation == "identity" or activation is known.get("identity"):
        return None
    if callable(activation):
        return activation
    if activation not in known:
        msg = f"unknown activation {activation!r}; " + did_you_mean(activation, known)
        raise UnknownNameError(msg)
    return known[activation]


def name_of(fn) -> str | None:
    """name_of(fn) -> the registered name of an activation function (None for identity).

    An unregistered function gets its ``__name__`` prefixed with ``<`` ``>`` (printable,
    but a weights file refuses to save it).
    """
    if fn is None:
        return None
    for name, f in table().items():
        if f is fn:
            return name
    return f"<{getattr(fn, '__name__', type(fn).__name__)}>"
