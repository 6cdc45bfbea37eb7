"""numpy-like functions that work on plain arrays and, inside ``gradient``, on traced values.

Each function applies one primitive of the registry
(:data:`toolkit.nn.autodiff.PRIMITIVES`; forwards and VJPs in
:mod:`toolkit.nn.primitives` and :mod:`toolkit.nn.fused`). On plain numpy/cupy arrays
or Python floats they just compute and return plain values; on traced values they
record themselves on the tape. Broadcasting follows numpy.

This module also gives traced values their Python operators (``+ - * / ** @``,
comparisons, indexing, ``.T``, ``.reshape``, ``.sum`` ...) and routes numpy ufuncs and
functions called on them (``np.exp(x)``, ``np.sum(x)``) to the primitives; a numpy
function with no primitive raises GradientError instead of silently losing the gradient.

>>> import numpy as np
>>> softmax(np.array([0.0, 0.0])).tolist()
[0.5, 0.5]
>>> from toolkit.nn.autodiff import gradient
>>> gradient(lambda x: sum(exp(x)), np.zeros(2))[0].tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from toolkit.nn import primitives as P
from toolkit.nn.autodiff import _apply1, _apply2, apply
from toolkit.nn.device import array_module
from toolkit.nn.tracked import Tracked, plain

__all__ = [
    "abs", "argmax", "argmin", "clip", "concatenate", "elu", "exp", "floor", "gelu",
    "leakyrelu", "log", "logsoftmax", "logsumexp", "matmul", "max", "maximum", "mean",
    "min", "minimum", "relu", "reshape", "round", "sigmoid", "sign", "softmax", "softplus",
    "sqrt", "stack", "sum", "tanh", "transpose", "where", "getitem", "identity",
]  # fmt: skip


def _unary(prim, doc):
    def op(x):
        return _apply1(prim, x)

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


exp = _unary(P.EXP, "exp(x) -> e**x, elementwise.\n\n>>> float(exp(0.0))\n1.0\n")
log = _unary(P.LOG, "log(x) -> natural logarithm, elementwise.\n\n>>> float(log(1.0))\n0.0\n")
sqrt = _unary(P.SQRT, "sqrt(x) -> square root, elementwise.\n\n>>> float(sqrt(4.0))\n2.0\n")
abs = _unary(P.ABS, "abs(x) -> |x|, elementwise (gradient sign(x)).\n\n>>> float(abs(-2.0))\n2.0\n")
tanh = _unary(P.TANH, "tanh(x) -> hyperbolic tangent.\n\n>>> float(tanh(0.0))\n0.0\n")
sigmoid = _unary(
    P.SIGMOID, "sigmoid(x) -> 1 / (1 + exp(-x)), stable.\n\n>>> float(sigmoid(0.0))\n0.5\n"
)
relu = _unary(P.RELU, "relu(x) -> max(x, 0).\n\n>>> float(relu(-3.0))\n0.0\n")
gelu = _unary(
    P.GELU, "gelu(x) -> x·Φ(x), tanh approximation (Flux's).\n\n>>> float(gelu(0.0))\n0.0\n"
)
softplus = _unary(
    P.SOFTPLUS, "softplus(x) -> log(1 + exp(x)), stable.\n\n>>> float(softplus(0.0))\n0.693...\n"
)
sign = _unary(
    P.SIGN, "sign(x) -> -1, 0 or 1 (not differentiable).\n\n>>> float(sign(-2.0))\n-1.0\n"
)
floor = _unary(
    P.FLOOR, "floor(x) -> rounded down (not differentiable).\n\n>>> float(floor(1.5))\n1.0\n"
)


def identity(x):
    """identity(x) -> x, unchanged (the activation that does nothing).

    >>> identity(3.0)
    3.0
    """
    return x


def round(x):  # noqa: A001  (numpy's name)
    """round(x) -> rounded to the nearest integer, half to even (not differentiable).

    >>> float(round(2.5))
    2.0
    """
    return _apply1(P.ROUND, x)


def leakyrelu(x, a: float = 0.01):
    """leakyrelu(x, a=0.01) -> x where x > 0, else a·x.

    >>> float(leakyrelu(-2.0, 0.1))
    -0.2
    """
    return _apply1(P.LEAKYRELU, x, {"a": a})


def elu(x, alpha: float = 1.0):
    """elu(x, alpha=1.0) -> x where x > 0, else alpha·(exp(x) - 1).

    >>> float(elu(0.0))
    0.0
    """
    return _apply1(P.ELU, x, {"alpha": alpha})


def matmul(a, b):
    """matmul(a, b) -> a @ b (numpy's matmul rules, batched over leading axes).

    >>> matmul(np.eye(2), np.ones(2)).tolist()
    [1.0, 1.0]
    """
    return _apply2(P.MATMUL, a, b)


def maximum(a, b):
    """maximum(a, b) -> elementwise maximum, broadcasting (ties send the gradient to a).

    >>> maximum(np.array([1.0, 5.0]), 2.0).tolist()
    [2.0, 5.0]
    """
    return _apply2(P.MAXIMUM, a, b)


def minimum(a, b):
    """minimum(a, b) -> elementwise minimum, broadcasting (ties send the gradient to a).

    >>> minimum(np.array([1.0, 5.0]), 2.0).tolist()
    [1.0, 2.0]
    """
    return _apply2(P.MINIMUM, a, b)


def _reduction(prim, x, axis, keepdims):
    if axis is None and not keepdims:
        return _apply1(prim, x)
    return _apply1(prim, x, {"axis": axis, "keepdims": keepdims})


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001
    """sum(x, axis=None, keepdims=False) -> the sum over ``axis`` (int, tuple or all).

    >>> sum(np.ones((2, 3)), axis=1).tolist()
    [3.0, 3.0]
    """
    return _reduction(P.SUM, x, axis, keepdims)


def mean(x, axis=None, keepdims: bool = False):
    """mean(x, axis=None, keepdims=False) -> the mean over ``axis``.

    >>> float(mean(np.array([1.0, 3.0])))
    2.0
    """
    return _reduction(P.MEAN, x, axis, keepdims)


def max(x, axis=None, keepdims: bool = False):  # noqa: A001
    """max(x, axis=None, keepdims=False) -> the maximum over ``axis`` (ties share the gradient).

    >>> max(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=0).tolist()
    [3.0, 4.0]
    """
    return _reduction(P.MAX, x, axis, keepdims)


def min(x, axis=None, keepdims: bool = False):  # noqa: A001
    """min(x, axis=None, keepdims=False) -> the minimum over ``axis`` (ties share the gradient).

    >>> float(min(np.array([1.0, -4.0])))
    -4.0
    """
    return _reduction(P.MIN, x, axis, keepdims)


def logsumexp(x, axis=None, keepdims: bool = False):
    """logsumexp(x, axis=None, keepdims=False) -> log(sum(exp(x))), computed stably.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # 1000 + log(2)
    1000.693...
    """
    return _reduction(P.LOGSUMEXP, x, axis, keepdims)


def softmax(x, axis: int = -1):
    """softmax(x, axis=-1) -> exp(x) / sum(exp(x)) along ``axis``, numerically stable.

    >>> softmax(np.array([1000.0, 1000.0])).tolist()
    [0.5, 0.5]
    """
    return _apply1(P.SOFTMAX, x, {"axis": axis})


def logsoftmax(x, axis: int = -1):
    """logsoftmax(x, axis=-1) -> x - logsumexp(x) along ``axis``, numerically stable.

    >>> np.round(np.exp(logsoftmax(np.array([0.0, 0.0]))), 3).tolist()
    [0.5, 0.5]
    """
    return _apply1(P.LOGSOFTMAX, x, {"axis": axis})


def reshape(x, shape):
    """reshape(x, shape) -> the same values in a new shape (one entry may be -1).

    >>> reshape(np.arange(6.0), (2, 3)).shape
    (2, 3)
    """
    return _apply1(P.RESHAPE, x, {"shape": shape})


def transpose(x, axes=None):
    """transpose(x, axes=None) -> axes permuted (reversed when None).

    >>> transpose(np.zeros((2, 3, 4)), (0, 2, 1)).shape
    (2, 4, 3)
    """
    return _apply1(P.TRANSPOSE, x, {"axes": axes})


def _plain_index(index):
    """An index with traced entries replaced by their values (indices are constants)."""
    if type(index) is Tracked:
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if type(i) is Tracked else i for i in index)
    return index


def getitem(x, index):
    """getitem(x, index) -> x[index]: basic or advanced indexing, slicing, boolean masks.

    >>> getitem(np.arange(5.0), slice(1, 3)).tolist()
    [1.0, 2.0]
    """
    return _apply1(P.GETITEM, x, {"index": _plain_index(index)})


def concatenate(xs, axis: int = 0):
    """concatenate(xs, axis=0) -> the arrays of ``xs`` joined along ``axis``.

    >>> concatenate([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    return apply(P.CONCATENATE, *xs, axis=axis)


def stack(xs, axis: int = 0):
    """stack(xs, axis=0) -> the arrays of ``xs`` stacked along a new ``axis``.

    >>> stack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    return apply(P.STACK, *xs, axis=axis)


def where(cond, a, b):
    """where(cond, a, b) -> a where cond else b, broadcasting; ``cond`` is a constant.

    A numpy ``cond`` follows ``a`` and ``b`` to their GPU when they are cupy arrays.

    >>> where(np.array([True, False]), 1.0, np.array([5.0, 6.0])).tolist()
    [1.0, 6.0]
    """
    cond = plain(cond)
    xp = array_module(plain(a), plain(b))
    if xp is not np and isinstance(cond, np.ndarray):  # cupy refuses host arrays in its kernels
        cond = xp.asarray(cond)
    return apply(P.WHERE, cond, a, b)


def clip(x, lo=None, hi=None):
    """clip(x, lo=None, hi=None) -> x limited to [lo, hi] (gradient 0 outside).

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    return _apply1(P.CLIP, x, {"lo": lo, "hi": hi})


def argmax(x, axis=None):
    """argmax(x, axis=None) -> indices of the maxima (not differentiable).

    >>> int(argmax(np.array([1.0, 3.0, 2.0])))
    1
    """
    return _apply1(P.ARGMAX, x, {"axis": axis})


def argmin(x, axis=None):
    """argmin(x, axis=None) -> indices of the minima (not differentiable).

    >>> int(argmin(np.array([1.0, 3.0, -2.0])))
    2
    """
    return _apply1(P.ARGMIN, x, {"axis": axis})


from toolkit.nn import _tracked_ops  # noqa: E402, F401  (installs Tracked's operators)
