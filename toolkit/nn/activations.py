"""Activation functions under their plain names and Flux's: ``sigmoid`` is also ``σ``.

They are the primitives of :mod:`toolkit.nn.primitives` themselves — elementwise on numpy or
cupy arrays, traced inside ``gradient`` — so ``Dense(…, relu)`` can fuse them into its
matmul. Each is registered once in the ``activations`` family of the registry, the one
table that layers, the fused primitives, weights files and YAML read; :func:`activation`
looks one up by name.

>>> import numpy as np
>>> σ is sigmoid, float(σ(0.0))
(True, 0.5)
>>> activation("relu") is relu, activation("σ") is activation("sigmoid")
(True, True)
"""

from __future__ import annotations

from toolkit.nn.primitives.elementwise import (
    abs,  # noqa: A004 - the primitive's own name, registered as an activation
    clip,
    elu,
    exp,
    gelu,
    identity,
    leakyrelu,
    relu,
    sigmoid,
    softplus,
    tanh,
)
from toolkit.nn.primitives.reductions import logsoftmax, softmax
from toolkit.registry import registry

σ = sigmoid


def relu6(x):
    """relu6(x) -> min(max(x, 0), 6), elementwise (MobileNet's activation; gradient 0 outside).

    >>> import numpy as np
    >>> relu6(np.array([-1.0, 3.0, 8.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    return clip(x, 0.0, 6.0)


_ACTIVATIONS, _LAYERS = registry("activations"), registry("layers")
# Every activation is a layer too, as in Flux's Chain(Dense(10, 5), relu).
for _fn in (identity, relu, leakyrelu, elu, gelu, tanh, softplus, softmax, logsoftmax, exp, abs,
            relu6):
    _ACTIVATIONS.register(_fn)
    _LAYERS.register(_fn)
_ACTIVATIONS.register(sigmoid, aliases=("σ",))
_LAYERS.register(sigmoid, aliases=("σ",))


def activation(name_or_fn):
    """activation(name_or_fn) -> the activation function named (a callable passes through).

    ``None`` means identity. Unknown names raise UnknownNameError listing the valid ones.

    >>> activation(None) is identity, activation(tanh) is tanh
    (True, True)
    """
    if name_or_fn is None:
        return identity
    if callable(name_or_fn):
        return name_or_fn
    return _ACTIVATIONS.get(name_or_fn)


__all__ = [
    "sigmoid", "σ", "relu", "leakyrelu", "gelu", "elu", "softplus", "tanh", "softmax",
    "logsoftmax", "identity", "activation", "relu6",
]  # fmt: skip
