"""Fused primitives for layers: dense, batchnorm, layernorm, dropout, logitcrossentropy.

Each is one tape entry with a hand-written VJP, so a layer costs a few BLAS calls and
no Python-level graph of small operations. Layouts are batch-first, features last:
``dense`` takes ``x`` of shape ``(..., in)`` and ``W`` of shape ``(in, out)``.
Convolution and pooling (NHWC) are in :mod:`toolkit.nn.fused_conv`.

>>> import numpy as np
>>> x, W, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32), np.zeros(4, np.float32)
>>> dense(x, W, b, "relu").shape
(2, 4)
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import ShapeError, UnknownNameError, did_you_mean
from toolkit.nn import ops
from toolkit.nn.activations import activation as lookup_activation
from toolkit.nn.autodiff import apply, register
from toolkit.nn.device import array_module, check_same_device, shape_of
from toolkit.nn.tracked import Tracked, plain

# ---------------------------------------------------------------------------- fused activations


def _act_forward(z, kind):
    """Apply an activation to a fresh array ``z`` in place."""
    if kind == "relu":
        np.maximum(z, 0, out=z)
    elif kind == "tanh":
        np.tanh(z, out=z)
    elif kind == "sigmoid":
        z *= 0.5
        np.tanh(z, out=z)
        z *= 0.5
        z += 0.5
    return z


def _act_backward(g, y, kind):
    """The gradient before the activation, from its output ``y``."""
    if kind == "relu":
        return g * (y > 0)
    if kind == "tanh":
        return g * (1 - y * y)
    if kind == "sigmoid":
        return g * y * (1 - y)
    return g


_FUSABLE = {None: None, ops.identity: None, ops.relu: "relu", ops.tanh: "tanh"}
_FUSABLE[ops.sigmoid] = "sigmoid"


def fusable(activation):
    """fusable(activation) -> (kind, rest): the fused activation name and what is left to apply.

    ``activation`` is None, a function or a name (any of
    the ``activations`` family of the registry); relu, tanh, sigmoid and identity are
    fused into the preceding primitive, anything else comes back as ``rest``.

    >>> fusable("relu"), fusable(None), fusable("elu")[0]
    (('relu', None), (None, None), None)
    """
    if isinstance(activation, str):
        activation = lookup_activation(activation)
    try:
        if activation in _FUSABLE:
            return _FUSABLE[activation], None
    except TypeError:  # an unhashable callable
        pass
    return None, activation


# ---------------------------------------------------------------------------- dense


def _dense_forward(x, W, b, act):
    z = x @ W
    if b is not None:
        z += b
    return _act_forward(z, act)


def _dense_vjp(node, g):
    x, W, b = node.xs
    dz = _act_backward(g, node.out.data, node.kw["act"])
    dz2 = dz.reshape(-1, dz.shape[-1])
    dx = dz @ W.T if node.needs(0) else None
    dW = x.reshape(-1, x.shape[-1]).T @ dz2 if node.needs(1) else None
    db = dz2.sum(0) if node.needs(2) else None
    return dx, dW, db


DENSE = register("dense", _dense_forward, _dense_vjp)


def dense(x, W, b=None, activation=None):
    """dense(x, W, b=None, activation=None) -> activation(x @ W + b), one primitive.

    ``x`` (..., in), ``W`` (in, out), ``b`` (out,) or None; relu/tanh/sigmoid/identity
    are fused (applied in place), other activations are applied after.

    >>> import numpy as np
    >>> dense(np.ones((1, 2)), np.ones((2, 3)), np.full(3, -5.0), "relu").tolist()
    [[0.0, 0.0, 0.0]]
    """
    kind, rest = fusable(activation)
    check_same_device("dense", plain(x), plain(W))
    if shape_of(x)[-1] != shape_of(W)[0]:
        msg = (
            f"dense: x has {shape_of(x)[-1]} features (shape {shape_of(x)}) but W has "
            f"{shape_of(W)[0]} input rows (shape {shape_of(W)})"
        )
        raise ShapeError(msg)
    y = apply(DENSE, x, W, b, act=kind)
    return y if rest is None else rest(y)


# ---------------------------------------------------------------------------- normalisation


def _norm_forward(x, gamma, beta, mean, var, eps, axes, param_axes, training):
    invstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * invstd
    y = xhat * gamma if gamma is not None else xhat.copy()
    if beta is not None:
        y += beta
    return y, (xhat, invstd)


def _norm_vjp(node, g):
    x, gamma, beta = node.xs
    xhat, invstd = node.res
    kw = node.kw
    dgamma = np.sum(g * xhat, axis=kw["param_axes"]) if node.needs(1) else None
    dbeta = np.sum(g, axis=kw["param_axes"]) if node.needs(2) else None
    dx = None
    if node.needs(0):
        gx = g * gamma if gamma is not None else g
        if kw["training"]:  # the statistics depend on x too
            mean_g = np.mean(gx, axis=kw["axes"], keepdims=True)
            mean_gx = np.mean(gx * xhat, axis=kw["axes"], keepdims=True)
            dx = (gx - mean_g - xhat * mean_gx) * invstd
        else:
            dx = gx * invstd
    return dx, dgamma, dbeta


#: Normalisation by given statistics: batchnorm (over the batch axes) and layernorm
#: (over the trailing axes) differ only in which axes the statistics and parameters span.
NORMALISE = register("normalise", _norm_forward, _norm_vjp, residual=True)


def batchnorm(x, gamma, beta, running_mean, running_var, *, training, momentum=0.1, eps=1e-5):
    """batchnorm(x, gamma, beta, running_mean, running_var, *, training, momentum=0.1, eps=1e-5).

    Normalises over every axis but the last (channels-last) and returns
    ``(y, new_running_mean, new_running_var)``. Training uses the batch statistics and
    moves the running ones by ``momentum`` (the variance unbiased, as Flux and PyTorch);
    otherwise the running statistics are used and returned unchanged. ``gamma``/``beta``
    (C,) may be None; the running statistics are plain arrays, never traced.

    >>> import numpy as np
    >>> x = np.array([[1.0], [3.0]])
    >>> y, m, v = batchnorm(x, None, None, np.zeros(1), np.ones(1), training=True)
    >>> np.round(y.ravel(), 3).tolist(), m.tolist(), v.tolist()
    ([-1.0, 1.0], [0.2], [1.1])
    """
    data = plain(x)
    axes = tuple(range(data.ndim - 1))
    if training:
        mean, var = data.mean(axis=axes), data.var(axis=axes)
        n = data.size // data.shape[-1]
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * (n / max(n - 1, 1))
    else:
        mean, var, new_mean, new_var = running_mean, running_var, running_mean, running_var
    kw = {"eps": eps, "axes": axes, "param_axes": axes, "training": training}
    y = apply(NORMALISE, x, gamma, beta, mean=mean, var=var, **kw)
    return y, new_mean, new_var


def layernorm(x, gamma=None, beta=None, *, dims=1, eps=1e-5):
    """layernorm(x, gamma=None, beta=None, *, dims=1, eps=1e-5) -> x normalised over the last axes.

    Statistics span the last ``dims`` axes (one sample's features).

    ``gamma`` and ``beta`` have the shape of those axes (or are None).

    >>> import numpy as np
    >>> np.round(layernorm(np.array([[1.0, 3.0]])), 3).tolist()
    [[-1.0, 1.0]]
    """
    data = plain(x)
    axes = tuple(range(data.ndim - dims, data.ndim))
    mean, var = data.mean(axis=axes, keepdims=True), data.var(axis=axes, keepdims=True)
    kw = {"eps": eps, "axes": axes, "param_axes": tuple(range(data.ndim - dims)), "training": True}
    return apply(NORMALISE, x, gamma, beta, mean=mean, var=var, **kw)


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

    >>> import numpy as np
    >>> y = dropout(np.ones(6, np.float32), 0.5, np.random.default_rng(1))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    """
    if not training or p == 0:
        return x
    data = x.data if type(x) is Tracked else x
    mask = dropout_mask(shape_of(data), p, rng, data.dtype.type, like=data)
    return apply(DROPOUT, x, mask=mask)


# ---------------------------------------------------------------------------- cross-entropy

_REDUCTIONS = ("mean", "sum", "none")


def _xent_forward(logits, target, axis, reduction):
    z = logits - logits.max(axis=axis, keepdims=True)  # methods: numpy's wrappers cost more
    p = np.exp(z)
    total = p.sum(axis=axis, keepdims=True)
    p /= total  # the softmax: the backward pass starts from it
    log_total = np.log(total)
    lsm = None
    if target.dtype.kind not in "iu":
        lsm = z if z.dtype.kind == "f" else z.astype(p.dtype)  # integer logits: float
        lsm -= log_total
        losses = -np.sum(target * lsm, axis=axis)
    elif z.ndim == 2 and axis in (1, -1):  # (batch, classes): one entry per row, no full logsoftmax
        losses = log_total[:, 0] - z[_rows(z), target]
    else:
        picked = np.take_along_axis(z, np.expand_dims(target, axis), axis)
        losses = np.squeeze(log_total - picked, axis)
    if reduction == "mean":
        return losses.mean(), (p, lsm)
    return (losses.sum(), (p, lsm)) if reduction == "sum" else (losses, (p, lsm))


def _rows(x):
    """0, 1, ..., len(x) - 1 on the device of ``x``, to index one entry per row."""
    return array_module(x).arange(x.shape[0])


def _xent_vjp(node, g):
    logits, target = node.xs
    (p, lsm), axis, reduction = node.res, node.kw["axis"], node.kw["reduction"]
    if reduction == "mean":
        g = g / (p.size // p.shape[axis])
    g = g if reduction != "none" else np.expand_dims(g, axis)
    dlogits = None
    if node.needs(0):
        dlogits = p  # the forward's softmax, finished in place: a tape is run backward once
        if target.dtype.kind not in "iu":
            dlogits *= np.sum(target, axis=axis, keepdims=True)
            dlogits -= target
        elif p.ndim == 2 and axis in (1, -1):
            dlogits[_rows(p), target] -= 1
        else:
            dlogits -= _onehot(target, p.shape, axis)
        dlogits *= g
    dtarget = -lsm * g if node.needs(1) else None
    return dlogits, dtarget


def _onehot(labels, shape, axis):
    """A boolean one-hot array of ``shape`` with ``labels`` along ``axis`` (numpy or cupy)."""
    axis = axis % len(shape)
    classes = (
        array_module(labels)
        .arange(shape[axis])
        .reshape([shape[axis] if i == axis else 1 for i in range(len(shape))])
    )
    return np.expand_dims(labels, axis) == classes


LOGITCROSSENTROPY = register("logitcrossentropy", _xent_forward, _xent_vjp, residual=True)


def _check_xent_target(logits, target, axis):
    shape, tshape = shape_of(plain(logits)), shape_of(plain(target))
    data = plain(target)
    if getattr(data, "dtype", np.dtype(float)).kind in "iu":
        expected = shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
        if tshape != expected:
            msg = (
                f"logitcrossentropy: integer labels must have shape {expected} for logits of "
                f"shape {shape}; got {tshape}"
            )
            raise ShapeError(msg)
        if array_module(data) is np and data.size and (data.min() < 0 or data.max() >= shape[axis]):
            msg = (
                f"logitcrossentropy: labels must lie in [0, {shape[axis]}) for {shape[axis]} "
                f"classes; got values from {data.min()} to {data.max()}"
            )
            raise ShapeError(msg)
    elif tshape != shape:
        msg = (
            f"logitcrossentropy: targets of shape {tshape} do not match logits of shape "
            f"{shape}; pass one-hot targets of the same shape or integer labels"
        )
        raise ShapeError(msg)


def logitcrossentropy(logits, target, *, axis: int = -1, reduction: str = "mean"):
    """logitcrossentropy(logits, target, *, axis=-1, reduction="mean") -> the fused loss.

    ``-sum(target * logsoftmax(logits), axis)`` per sample, then the mean, the sum, or
    (``"none"``) no reduction. ``target`` is one-hot / probabilities of the logits'
    shape, or integer class labels with the class axis left out. Numerically stable.

    >>> import numpy as np
    >>> round(float(logitcrossentropy(np.zeros((2, 4)), np.array([0, 3]))), 4)  # log(4)
    1.3863
    """
    if reduction not in _REDUCTIONS:
        raise UnknownNameError(
            f"unknown reduction {reduction!r}; {did_you_mean(reduction, _REDUCTIONS)}"
        )
    _check_xent_target(logits, target, axis)
    if type(target) is not Tracked:  # labels from a CPU loader follow the logits' device
        target = array_module(plain(logits)).asarray(target)
    return apply(LOGITCROSSENTROPY, logits, target, axis=axis, reduction=reduction)
