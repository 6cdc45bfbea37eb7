"""Elementwise primitives: arithmetic, exp/log/sqrt/abs, activations, where, clip, dropout.

Forwards take plain values (numpy/cupy arrays or Python floats) and broadcast as numpy
does; VJPs may return broadcast-shaped gradients, which the tape sums back to each
input's shape. Comparisons, ``sign``, ``floor`` and ``round`` are not differentiable:
on traced inputs they return plain arrays, stopping the gradient.

>>> import numpy as np
>>> exp(np.zeros(2)).tolist(), float(relu(-3.0))
([1.0, 1.0], 0.0)
"""

from __future__ import annotations

import operator

import numpy as np

from toolkit.nn.device import array_module, shape_of
from toolkit.nn.tape import (
    FUNCTIONS,
    UFUNCS,
    Tracked,
    apply,
    apply1,
    apply2,
    operators,
    plain,
    register,
)

# ---------------------------------------------------------------------------- arithmetic
# Reached through Python's operators on traced values (installed at the end of this file).


def _mul_vjp(node, g):
    a, b = node.xs
    return g * b, g * a


def _div_vjp(node, g):
    a, b = node.xs
    ga = g / b
    return ga, (-ga * node.out.data if node.needs(1) else None)


def _pow_vjp(node, g):
    a, b = node.xs
    ga = g * b * a ** (b - 1) if node.needs(0) else None
    gb = None
    if node.needs(1):
        gb = g * node.out.data * np.log(np.where(a > 0, a, 1))
    return ga, gb


def _pick(g, first):
    """Route the gradient to the first input where ``first``, else to the second."""
    return g * first, g * np.logical_not(first)


ADD = register("add", operator.add, lambda node, g: (g, g))
SUB = register("sub", operator.sub, lambda node, g: (g, -g))
MUL = register("mul", operator.mul, _mul_vjp)
DIV = register("div", operator.truediv, _div_vjp)
POW = register("pow", operator.pow, _pow_vjp)
NEG = register("neg", operator.neg, lambda node, g: (-g,))
MAXIMUM = register("maximum", np.maximum, lambda node, g: _pick(g, node.xs[0] >= node.xs[1]))
MINIMUM = register("minimum", np.minimum, lambda node, g: _pick(g, node.xs[0] <= node.xs[1]))


def maximum(a, b):
    """maximum(a, b) -> elementwise maximum, broadcasting (ties send the gradient to a).

    >>> maximum(np.array([1.0, 5.0]), 2.0).tolist()
    [2.0, 5.0]
    """
    return apply2(MAXIMUM, a, b)


def minimum(a, b):
    """minimum(a, b) -> elementwise minimum, broadcasting (ties send the gradient to a).

    >>> minimum(np.array([1.0, 5.0]), 2.0).tolist()
    [1.0, 2.0]
    """
    return apply2(MINIMUM, a, b)


# ---------------------------------------------------------------------------- functions

EXP = register("exp", np.exp, lambda node, g: (g * node.out.data,))
LOG = register("log", np.log, lambda node, g: (g / node.xs[0],))
SQRT = register("sqrt", np.sqrt, lambda node, g: (g * 0.5 / node.out.data,))
ABS = register("abs", np.abs, lambda node, g: (g * np.sign(node.xs[0]),))


def exp(x):
    """exp(x) -> e**x, elementwise.

    >>> float(exp(0.0))
    1.0
    """
    return apply1(EXP, x)


def log(x):
    """log(x) -> the natural logarithm, elementwise.

    >>> float(log(1.0))
    0.0
    """
    return apply1(LOG, x)


def sqrt(x):
    """sqrt(x) -> the square root, elementwise.

    >>> float(sqrt(4.0))
    2.0
    """
    return apply1(SQRT, x)


def abs(x):  # noqa: A001  (numpy's name)
    """abs(x) -> |x|, elementwise (gradient sign(x)).

    >>> float(abs(-2.0))
    2.0
    """
    return apply1(ABS, x)


# ---------------------------------------------------------------------------- activations


def _sigmoid(x):
    return 0.5 * np.tanh(0.5 * x) + 0.5  # tanh form: no overflow for large |x|


def _leakyrelu(x, a=0.01):
    return np.where(x > 0, x, a * x)


def _leakyrelu_vjp(node, g):
    a = (node.kw or {}).get("a", 0.01)
    return (np.where(node.xs[0] > 0, g, a * g),)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_vjp(node, g):
    alpha = (node.kw or {}).get("alpha", 1.0)
    return (np.where(node.xs[0] > 0, g, g * (node.out.data + alpha)),)


_GELU_C = float(np.sqrt(2 / np.pi))


def _gelu(x):
    t = np.tanh(_GELU_C * (x + 0.044715 * x**3))
    return 0.5 * x * (1 + t), t


def _gelu_vjp(node, g):
    x, t = node.xs[0], node.res
    inner = _GELU_C * (1 + 3 * 0.044715 * x * x)
    return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner),)


TANH = register("tanh", np.tanh, lambda node, g: (g * (1 - node.out.data**2),))
SIGMOID = register("sigmoid", _sigmoid, lambda node, g: (g * node.out.data * (1 - node.out.data),))
RELU = register("relu", lambda x: np.maximum(x, 0), lambda node, g: (g * (node.out.data > 0),))
LEAKYRELU = register("leakyrelu", _leakyrelu, _leakyrelu_vjp)
ELU = register("elu", _elu, _elu_vjp)
GELU = register("gelu", _gelu, _gelu_vjp, residual=True)
SOFTPLUS = register(
    "softplus", lambda x: np.logaddexp(x, 0), lambda node, g: (g * _sigmoid(node.xs[0]),)
)


def identity(x):
    """identity(x) -> x, unchanged (the activation that does nothing).

    >>> identity(3.0)
    3.0
    """
    return x


def tanh(x):
    """tanh(x) -> the hyperbolic tangent.

    >>> float(tanh(0.0))
    0.0
    """
    return apply1(TANH, x)


def sigmoid(x):
    """sigmoid(x) -> 1 / (1 + exp(-x)), computed stably (Flux's ``σ``).

    >>> float(sigmoid(0.0))
    0.5
    """
    return apply1(SIGMOID, x)


def relu(x):
    """relu(x) -> max(x, 0).

    >>> float(relu(-3.0))
    0.0
    """
    return apply1(RELU, x)


def leakyrelu(x, a: float = 0.01):
    """leakyrelu(x, a=0.01) -> x where x > 0, else a·x.

    >>> float(leakyrelu(-2.0, 0.1))
    -0.2
    """
    return apply1(LEAKYRELU, x, {"a": a})


def elu(x, alpha: float = 1.0):
    """elu(x, alpha=1.0) -> x where x > 0, else alpha·(exp(x) - 1).

    >>> float(elu(0.0))
    0.0
    """
    return apply1(ELU, x, {"alpha": alpha})


def gelu(x):
    """gelu(x) -> x·Φ(x), in the tanh approximation (Flux's).

    >>> float(gelu(0.0))
    0.0
    """
    return apply1(GELU, x)


def softplus(x):
    """softplus(x) -> log(1 + exp(x)), computed stably.

    >>> float(softplus(0.0))
    0.693...
    """
    return apply1(SOFTPLUS, x)


# ---------------------------------------------------------------------------- selection


def _clip_vjp(node, g):
    x, lo, hi = node.xs[0], node.kw["lo"], node.kw["hi"]
    inside = True if lo is None else x >= lo
    if hi is not None:
        inside = inside & (x <= hi)
    return (g * inside,)


WHERE = register(
    "where",
    np.where,
    lambda node, g: (None, np.where(node.xs[0], g, 0), np.where(node.xs[0], 0, g)),
)
CLIP = register("clip", lambda x, lo, hi: np.clip(x, lo, hi), _clip_vjp)
ASTYPE = register(
    "astype", lambda x, dtype: x.astype(dtype), lambda node, g: (g.astype(node.xs[0].dtype),)
)


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
    return apply(WHERE, cond, a, b)


def clip(x, lo=None, hi=None):
    """clip(x, lo=None, hi=None) -> x limited to [lo, hi] (gradient 0 outside).

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    return apply1(CLIP, x, {"lo": lo, "hi": hi})


def astype(x, dtype):
    """astype(x, dtype) -> x converted to ``dtype`` (the gradient converted back).

    >>> astype(np.ones(2, np.float32), np.float64).dtype
    dtype('float64')
    """
    return apply1(ASTYPE, x, {"dtype": np.dtype(dtype)})


# ---------------------------------------------------------------------------- not differentiable

LT = register("lt", operator.lt, differentiable=False)
LE = register("le", operator.le, differentiable=False)
GT = register("gt", operator.gt, differentiable=False)
GE = register("ge", operator.ge, differentiable=False)
EQ = register("eq", operator.eq, differentiable=False)
NE = register("ne", operator.ne, differentiable=False)
SIGN = register("sign", np.sign, differentiable=False)
FLOOR = register("floor", np.floor, differentiable=False)
ROUND = register("round", np.round, differentiable=False)


def sign(x):
    """sign(x) -> -1, 0 or 1, elementwise (not differentiable).

    >>> float(sign(-2.0))
    -1.0
    """
    return apply1(SIGN, x)


def floor(x):
    """floor(x) -> x rounded down (not differentiable).

    >>> float(floor(1.5))
    1.0
    """
    return apply1(FLOOR, x)


def round(x):  # noqa: A001  (numpy's name)
    """round(x) -> x rounded to the nearest integer, half to even (not differentiable).

    >>> float(round(2.5))
    2.0
    """
    return apply1(ROUND, x)


# ---------------------------------------------------------------------------- dropout

DROPOUT = register("dropout", lambda x, mask: x * mask, lambda node, g: (g * node.kw["mask"],))


def dropout_mask(shape, p: float, rng, dtype=np.float32, like=None):
    """dropout_mask(shape, p, rng, dtype=float32, like=None) -> 0 or 1/(1-p) per element.

    ``rng`` is a ``numpy.random.Generator`` (or an int seed); with ``like`` a cupy
    array the mask is drawn on its device from a seed taken from ``rng``.

    >>> m = dropout_mask((1000,), 0.5, np.random.default_rng(0))
    >>> sorted(set(m.tolist())), 400 < int((m > 0).sum()) < 600
    ([0.0, 2.0], True)
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1); got {p}")
    if isinstance(rng, int | np.integer):
        rng = np.random.default_rng(int(rng))
    xp = array_module(like)
    if xp is not np:
        rng = xp.random.default_rng(int(rng.integers(2**63)))
    keep = rng.random(shape, dtype=np.float32) >= p
    return keep.astype(dtype) * dtype(1.0 / (1.0 - p))


def dropout(x, p: float, rng, *, training: bool = True):
    """dropout(x, p, rng, *, training=True) -> x with elements zeroed with probability ``p``.

    Kept elements are scaled by 1/(1-p); the mask comes from ``rng`` (a Generator or a
    seed: no global RNG). Outside training, or with p == 0, returns ``x`` unchanged.

    >>> y = dropout(np.ones(6, np.float32), 0.5, np.random.default_rng(1))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    """
    if not training or p == 0:
        return x
    data = x.data if type(x) is Tracked else x
    mask = dropout_mask(shape_of(data), p, rng, data.dtype.type, like=data)
    return apply(DROPOUT, x, mask=mask)


# ---------------------------------------------------------------------------- on traced values


def _negative(a):
    return apply1(NEG, a)


def _compare(prim):
    return lambda a, b: apply(prim, a, b)


Tracked.__add__, Tracked.__radd__ = operators(ADD)
Tracked.__sub__, Tracked.__rsub__ = operators(SUB)
Tracked.__mul__, Tracked.__rmul__ = operators(MUL)
Tracked.__truediv__, Tracked.__rtruediv__ = operators(DIV)
Tracked.__pow__, Tracked.__rpow__ = operators(POW)
Tracked.__neg__, Tracked.__abs__, Tracked.astype = _negative, abs, astype
Tracked.__lt__, Tracked.__le__ = _compare(LT), _compare(LE)
Tracked.__gt__, Tracked.__ge__ = _compare(GT), _compare(GE)
Tracked.__eq__, Tracked.__ne__ = _compare(EQ), _compare(NE)
UFUNCS.update({
    np.add: ADD, np.subtract: SUB, np.multiply: MUL, np.true_divide: DIV, np.power: POW,
    np.negative: NEG, np.maximum: MAXIMUM, np.minimum: MINIMUM, np.exp: EXP, np.log: LOG,
    np.sqrt: SQRT, np.absolute: ABS, np.tanh: TANH, np.sign: SIGN, np.floor: FLOOR,
    np.less: LT, np.less_equal: LE, np.greater: GT, np.greater_equal: GE, np.equal: EQ,
    np.not_equal: NE,
})  # fmt: skip
FUNCTIONS.update({np.where: where, np.clip: clip})
