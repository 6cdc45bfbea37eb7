"""Reductions: sum, mean, max, min, logsumexp; softmax and logsoftmax along an axis; argmax.

``axis`` is None (every axis), an int or a tuple, and ``keepdims`` keeps the reduced
axes with length 1, as in numpy. The VJPs broadcast the output gradient back over the
reduced axes; ``max`` and ``min`` share it between tied elements.

>>> import numpy as np
>>> sum(np.ones((2, 3)), axis=1).tolist(), float(mean(np.array([1.0, 3.0])))
([3.0, 3.0], 2.0)
"""

from __future__ import annotations

import numpy as np

from toolkit.nn.device import shape_of, size_of
from toolkit.nn.tape import FUNCTIONS, Tracked, apply1, register


def _expand(g, shape, axis, keepdims):
    """Broadcast a reduced gradient back to the input's shape."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _options(node):
    kw = node.kw or {}
    return kw.get("axis"), kw.get("keepdims", False)


def _reduce(prim, x, axis, keepdims):
    if axis is None and not keepdims:
        return apply1(prim, x)
    return apply1(prim, x, {"axis": axis, "keepdims": keepdims})


# ---------------------------------------------------------------------------- sum and mean


def _sum_vjp(node, g):
    return (_expand(g, shape_of(node.xs[0]), *_options(node)),)


def _mean_vjp(node, g):
    scale = size_of(node.out.data) / size_of(node.xs[0])
    return _sum_vjp(node, g * scale)


def _sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


SUM = register("sum", _sum, _sum_vjp)
MEAN = register("mean", _mean, _mean_vjp)


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001  (numpy's name)
    """sum(x, axis=None, keepdims=False) -> the sum over ``axis`` (an int, a tuple or all).

    >>> sum(np.ones((2, 3)), axis=1).tolist()
    [3.0, 3.0]
    """
    return _reduce(SUM, x, axis, keepdims)


def mean(x, axis=None, keepdims: bool = False):
    """mean(x, axis=None, keepdims=False) -> the mean over ``axis``.

    >>> float(mean(np.array([1.0, 3.0])))
    2.0
    """
    return _reduce(MEAN, x, axis, keepdims)


# ---------------------------------------------------------------------------- max and min


def _extremum_vjp(node, g):
    x = node.xs[0]
    axis, keepdims = _options(node)
    y = _expand(node.out.data, shape_of(x), axis, keepdims)
    mask = x == y
    count = np.sum(mask, axis=axis, keepdims=True, dtype=getattr(x, "dtype", None))
    share = mask / count  # ties split the gradient; a count in x's dtype keeps float32 float32
    return (_expand(g, shape_of(x), axis, keepdims) * share,)


def _max(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


MAX = register("max", _max, _extremum_vjp)
MIN = register("min", _min, _extremum_vjp)
ARGMAX = register("argmax", lambda x, axis=None: np.argmax(x, axis=axis), differentiable=False)
ARGMIN = register("argmin", lambda x, axis=None: np.argmin(x, axis=axis), differentiable=False)


def max(x, axis=None, keepdims: bool = False):  # noqa: A001
    """max(x, axis=None, keepdims=False) -> the maximum over ``axis`` (ties share the gradient).

    >>> max(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=0).tolist()
    [3.0, 4.0]
    """
    return _reduce(MAX, x, axis, keepdims)


def min(x, axis=None, keepdims: bool = False):  # noqa: A001
    """min(x, axis=None, keepdims=False) -> the minimum over ``axis`` (ties share the gradient).

    >>> float(min(np.array([1.0, -4.0])))
    -4.0
    """
    return _reduce(MIN, x, axis, keepdims)


def argmax(x, axis=None):
    """argmax(x, axis=None) -> the indices of the maxima (not differentiable).

    >>> int(argmax(np.array([1.0, 3.0, 2.0])))
    1
    """
    return apply1(ARGMAX, x, {"axis": axis})


def argmin(x, axis=None):
    """argmin(x, axis=None) -> the indices of the minima (not differentiable).

    >>> int(argmin(np.array([1.0, 3.0, -2.0])))
    2
    """
    return apply1(ARGMIN, x, {"axis": axis})


# ---------------------------------------------------------------------------- log-sum-exp


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


def _logsumexp_vjp(node, g):
    x = node.xs[0]
    axis, keepdims = _options(node)
    y = _expand(node.out.data, shape_of(x), axis, keepdims)
    return (_expand(g, shape_of(x), axis, keepdims) * np.exp(x - y),)


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(node, g):
    y, axis = node.out.data, (node.kw or {}).get("axis", -1)
    return (y * (g - np.sum(g * y, axis=axis, keepdims=True)),)


def _logsoftmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    log_total = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    if shifted.dtype.kind != "f":  # integer logits: a float result, not an in-place cast
        return shifted - log_total
    shifted -= log_total
    return shifted


def _logsoftmax_vjp(node, g):
    y, axis = node.out.data, (node.kw or {}).get("axis", -1)
    return (g - np.exp(y) * np.sum(g, axis=axis, keepdims=True),)


LOGSUMEXP = register("logsumexp", _logsumexp, _logsumexp_vjp)
SOFTMAX = register("softmax", _softmax, _softmax_vjp)
LOGSOFTMAX = register("logsoftmax", _logsoftmax, _logsoftmax_vjp)


def logsumexp(x, axis=None, keepdims: bool = False):
    """logsumexp(x, axis=None, keepdims=False) -> log(sum(exp(x))), computed stably.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # 1000 + log(2)
    1000.693...
    """
    return _reduce(LOGSUMEXP, x, axis, keepdims)


def softmax(x, axis: int = -1):
    """softmax(x, axis=-1) -> exp(x) / sum(exp(x)) along ``axis``, numerically stable.

    >>> softmax(np.array([1000.0, 1000.0])).tolist()
    [0.5, 0.5]
    """
    return apply1(SOFTMAX, x, {"axis": axis})


def logsoftmax(x, axis: int = -1):
    """logsoftmax(x, axis=-1) -> x - logsumexp(x) along ``axis``, numerically stable.

    >>> np.round(np.exp(logsoftmax(np.array([0.0, 0.0]))), 3).tolist()
    [0.5, 0.5]
    """
    return apply1(LOGSOFTMAX, x, {"axis": axis})


# ---------------------------------------------------------------------------- on traced values

Tracked.sum, Tracked.mean, Tracked.max, Tracked.min = sum, mean, max, min
Tracked.argmax, Tracked.argmin = argmax, argmin
FUNCTIONS.update({
    np.sum: sum, np.mean: mean, np.max: max, np.min: min, np.argmax: argmax, np.argmin: argmin,
})  # fmt: skip
