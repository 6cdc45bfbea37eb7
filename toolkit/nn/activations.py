"""Activation functions under their plain names and Flux's: ``sigmoid`` is also ``σ``.

They are the primitives of :mod:`toolkit.nn.ops` themselves — elementwise on numpy or
cupy arrays, traced inside ``gradient`` — so ``Dense(…, relu)`` can fuse them into its
matmul. :func:`activation` looks one up by name (as YAML pipelines write it).

>>> import numpy as np
>>> σ is sigmoid, float(σ(0.0))
(True, 0.5)
>>> activation("relu") is relu
True
"""

from __future__ import annotations

from toolkit.errors import UnknownNameError, did_you_mean
from toolkit.nn.ops import (
    clip,
    elu,
    gelu,
    identity,
    leakyrelu,
    logsoftmax,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)

σ = sigmoid


def relu6(x):
    """relu6(x) -> min(max(x, 0), 6), elementwise (MobileNet's activation; gradient 0 outside).

    >>> import numpy as np
    >>> relu6(np.array([-1.0, 3.0, 8.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    return clip(x, 0.0, 6.0)


#: name -> activation function, for layers configured by name.
ACTIVATIONS = {
    "identity": identity, "relu": relu, "leakyrelu": leakyrelu, "elu": elu, "gelu": gelu,
    "sigmoid": sigmoid, "tanh": tanh, "softplus": softplus, "relu6": relu6,
    "softmax": softmax, "logsoftmax": logsoftmax,
}  # fmt: skip


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
    if name_or_fn == "σ":  # Flux's name; the registry keeps one name per function
        return sigmoid
    if name_or_fn not in ACTIVATIONS:
        msg = f"unknown activation {name_or_fn!r}; {did_you_mean(name_or_fn, ACTIVATIONS)}"
        raise UnknownNameError(msg)
    return ACTIVATIONS[name_or_fn]


__all__ = [
    "sigmoid", "σ", "relu", "leakyrelu", "gelu", "elu", "softplus", "tanh", "softmax",
    "logsoftmax", "identity", "relu6",
]  # fmt: skip
