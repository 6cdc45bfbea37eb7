"""The array functions of the model core, re-exported from their families in one place.

Each works on plain numpy/cupy arrays and Python floats (computing and returning plain
values) and, inside ``gradient``, on traced values (recording itself on the tape).
Broadcasting follows numpy. The forwards, VJPs and docstrings are in
:mod:`toolkit.nn.primitives`, one family a file; the numpy-like ones are public at the
top too (``tk.exp``, ``tk.sum``, ``tk.where``...).

>>> import numpy as np
>>> softmax(np.array([0.0, 0.0])).tolist()
[0.5, 0.5]
>>> from toolkit.nn.autodiff import gradient
>>> gradient(lambda x: sum(exp(x)), np.zeros(2))[0].tolist()
[1.0, 1.0]
"""

# ruff: noqa: F401, A004  (re-exports; sum, max, min, abs, round are numpy's names)

from toolkit.nn.primitives.conv import (
    conv2d,
    global_meanpool,
    grouped_conv2d,
    maxpool2d,
    meanpool2d,
)
from toolkit.nn.primitives.crossentropy import logitcrossentropy
from toolkit.nn.primitives.dense import dense, matmul
from toolkit.nn.primitives.elementwise import (
    abs,
    astype,
    clip,
    dropout,
    elu,
    exp,
    floor,
    gelu,
    identity,
    leakyrelu,
    log,
    maximum,
    minimum,
    relu,
    round,
    sigmoid,
    sign,
    softplus,
    sqrt,
    tanh,
    where,
)
from toolkit.nn.primitives.normalise import batchnorm, layernorm
from toolkit.nn.primitives.reductions import (
    argmax,
    argmin,
    logsoftmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    sum,
)
from toolkit.nn.primitives.shapes import concatenate, getitem, reshape, stack, transpose

__all__ = [
    "abs", "argmax", "argmin", "astype", "batchnorm", "clip", "concatenate", "conv2d", "dense",
    "grouped_conv2d",
    "dropout", "elu", "exp", "floor", "gelu", "getitem", "global_meanpool", "identity",
    "layernorm", "leakyrelu", "log", "logitcrossentropy", "logsoftmax", "logsumexp", "matmul",
    "max", "maximum", "maxpool2d", "mean", "meanpool2d", "min", "minimum", "relu", "reshape",
    "round", "sigmoid", "sign", "softmax", "softplus", "sqrt", "stack", "sum", "tanh",
    "transpose", "where",
]  # fmt: skip
