"""The elementwise, reduction and shape primitives: forward and VJP side by side.

Each ``register`` call adds one entry to :data:`toolkit.nn.autodiff.PRIMITIVES`. The
public functions over them are in :mod:`toolkit.nn.ops`. Forwards take plain values
(numpy/cupy arrays or Python floats) and static options as keywords; VJPs read the
tape :class:`~toolkit.nn.autodiff.Node` and may return broadcast-shaped gradients,
which the tape sums back to each input's shape.

Comparisons, ``argmax``/``argmin``, ``sign``, ``floor`` and ``round`` are registered
as not differentiable: on traced inputs they return plain arrays, stopping the gradient.

>>> import numpy as np
>>> SOFTMAX.forward(np.array([0.0, 0.0])).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import builtins
import operator

import numpy as np

from toolkit.nn.autodiff import register
from toolkit.nn.device import scatter_add, shape_of, size_of

# ---------------------------------------------------------------------------- arithmetic


def _add_vjp(node, g):
    return g, g


def _sub_vjp(node, g):
    return g, -g


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


def _matmul_vjp(node, g):
    a, b = node.xs
    ga = _matmul_grad_a(g, a, b) if node.needs(0) else None
    gb = _matmul_grad_b(g, a, b) if node.needs(1) else None
    return ga, gb


def _matmul_grad_a(g, a, b):
    if b.ndim == 1:
        return g[..., None] * b if a.ndim > 1 else g * b
    if a.ndim == 1:
        return (b @ g[..., None])[..., 0] if b.ndim > 2 else b @ g
    return g @ b.swapaxes(-1, -2)


def _matmul_grad_b(g, a, b):
    if a.ndim == 1:
        return a[:, None] * g[..., None, :] if b.ndim > 1 else g * a
    if b.ndim == 1:
        return (a * g[..., None]).reshape(-1, a.shape[-1]).sum(0)
    return a.swapaxes(-1, -2) @ g


def _pick(g, first):
    """Route the gradient to the first input where ``first``, else to the second."""
    return g * first, g * np.logical_not(first)


ADD = register("add", operator.add, _add_vjp)
SUB = register("sub", operator.sub, _sub_vjp)
MUL = register("mul", operator.mul, _mul_vjp)
DIV = register("div", operator.truediv, _div_vjp)
POW = register("pow", operator.pow, _pow_vjp)
MATMUL = register("matmul", operator.matmul, _matmul_vjp)
NEG = register("neg", operator.neg, lambda node, g: (-g,))
MAXIMUM = register("maximum", np.maximum, lambda node, g: _pick(g, node.xs[0] >= node.xs[1]))
MINIMUM = register("minimum", np.minimum, lambda node, g: _pick(g, node.xs[0] <= node.xs[1]))

# ---------------------------------------------------------------------------- elementwise


def _sigmoid(x):
    return 0.5 * np.tanh(0.5 * x) + 0.5  # tanh form: no overflow for large |x|


def _leakyrelu(x, a=0.01):
    return np.where(x > 0, x, a * x)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _leakyrelu_vjp(node, g):
    a = (node.kw or {}).get("a", 0.01)
    return (np.where(node.xs[0] > 0, g, a * g),)


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


EXP = register("exp", np.exp, lambda node, g: (g * node.out.data,))
LOG = register("log", np.log, lambda node, g: (g / node.xs[0],))
SQRT = register("sqrt", np.sqrt, lambda node, g: (g * 0.5 / node.out.data,))
ABS = register("abs", np.abs, lambda node, g: (g * np.sign(node.xs[0]),))
TANH = register("tanh", np.tanh, lambda node, g: (g * (1 - node.out.data**2),))
SIGMOID = register("sigmoid", _sigmoid, lambda node, g: (g * node.out.data * (1 - node.out.data),))
RELU = register("relu", lambda x: np.maximum(x, 0), lambda node, g: (g * (node.out.data > 0),))
LEAKYRELU = register("leakyrelu", _leakyrelu, _leakyrelu_vjp)
ELU = register("elu", _elu, _elu_vjp)
GELU = register("gelu", _gelu, _gelu_vjp, residual=True)
SOFTPLUS = register(
    "softplus", lambda x: np.logaddexp(x, 0), lambda node, g: (g * _sigmoid(node.xs[0]),)
)

# ---------------------------------------------------------------------------- reductions


def _expand(g, shape, axis, keepdims):
    """Broadcast a reduced gradient back to the input's shape."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


def _sum_vjp(node, g):
    kw = node.kw or {}
    return (_expand(g, shape_of(node.xs[0]), kw.get("axis"), kw.get("keepdims", False)),)


def _mean_vjp(node, g):
    x = node.xs[0]
    scale = size_of(node.out.data) / size_of(x)
    return (_sum_vjp(node, g * scale)[0],)


def _extremum_vjp(node, g):
    x = node.xs[0]
    kw = node.kw or {}
    axis, keepdims = kw.get("axis"), kw.get("keepdims", False)
    y = _expand(node.out.data, shape_of(x), axis, keepdims)
    mask = x == y
    count = np.sum(mask, axis=axis, keepdims=True, dtype=getattr(x, "dtype", None))
    share = mask / count  # ties split the gradient; a count in x's dtype keeps float32 float32
    return (_expand(g, shape_of(x), axis, keepdims) * share,)


def _max(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


def _logsumexp_vjp(node, g):
    x = node.xs[0]
    kw = node.kw or {}
    axis, keepdims = kw.get("axis"), kw.get("keepdims", False)
    y = _expand(node.out.data, shape_of(x), axis, keepdims)
    return (_expand(g, shape_of(x), axis, keepdims) * np.exp(x - y),)


SUM = register("sum", _sum, _sum_vjp)
MEAN = register("mean", _mean, _mean_vjp)
MAX = register("max", _max, _extremum_vjp)
MIN = register("min", _min, _extremum_vjp)
LOGSUMEXP = register("logsumexp", _logsumexp, _logsumexp_vjp)


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


SOFTMAX = register("softmax", _softmax, _softmax_vjp)
LOGSOFTMAX = register("logsoftmax", _logsoftmax, _logsoftmax_vjp)

# ---------------------------------------------------------------------------- shapes


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return builtins.all(
        i is None
        or i is Ellipsis
        or isinstance(i, int | slice | np.integer)
        or getattr(i, "dtype", None) == np.bool_
        for i in items
    )


def _getitem_vjp(node, g):
    x, index = node.xs[0], node.kw["index"]
    out = np.zeros_like(x)
    if _is_basic_index(index):
        out[index] = g
    else:
        scatter_add(out, index, g)
    return (out,)


def _split_vjp(node, g):
    axis = node.kw["axis"]
    sizes = np.cumsum([shape_of(x)[axis] for x in node.xs])[:-1]
    return tuple(np.split(g, sizes.tolist(), axis=axis))


def _stack_vjp(node, g):
    axis = node.kw["axis"]
    return tuple(np.moveaxis(g, axis, 0))


def _transpose_vjp(node, g):
    axes = node.kw and node.kw.get("axes")
    return (np.transpose(g, None if axes is None else tuple(np.argsort(axes).tolist())),)


def _clip_vjp(node, g):
    x, lo, hi = node.xs[0], node.kw["lo"], node.kw["hi"]
    inside = True if lo is None else x >= lo
    if hi is not None:
        inside = inside & (x <= hi)
    return (g * inside,)


RESHAPE = register(
    "reshape",
    lambda x, shape: np.reshape(x, shape),
    lambda node, g: (np.reshape(g, node.xs[0].shape),),
)
TRANSPOSE = register("transpose", lambda x, axes=None: np.transpose(x, axes), _transpose_vjp)
GETITEM = register("getitem", lambda x, index: x[index], _getitem_vjp)
CONCATENATE = register("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), _split_vjp)
STACK = register("stack", lambda *xs, axis: np.stack(xs, axis=axis), _stack_vjp)
WHERE = register(
    "where",
    np.where,
    lambda node, g: (None, np.where(node.xs[0], g, 0), np.where(node.xs[0], 0, g)),
)
CLIP = register("clip", lambda x, lo, hi: np.clip(x, lo, hi), _clip_vjp)
ASTYPE = register(
    "astype", lambda x, dtype: x.astype(dtype), lambda node, g: (g.astype(node.xs[0].dtype),)
)

# ---------------------------------------------------------------------------- not differentiable

LT = register("lt", operator.lt, differentiable=False)
LE = register("le", operator.le, differentiable=False)
GT = register("gt", operator.gt, differentiable=False)
GE = register("ge", operator.ge, differentiable=False)
EQ = register("eq", operator.eq, differentiable=False)
NE = register("ne", operator.ne, differentiable=False)
ARGMAX = register("argmax", lambda x, axis=None: np.argmax(x, axis=axis), differentiable=False)
ARGMIN = register("argmin", lambda x, axis=None: np.argmin(x, axis=axis), differentiable=False)
SIGN = register("sign", np.sign, differentiable=False)
FLOOR = register("floor", np.floor, differentiable=False)
ROUND = register("round", np.round, differentiable=False)
