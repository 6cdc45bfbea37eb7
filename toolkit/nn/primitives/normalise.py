"""Normalisation: ``batchnorm`` and ``layernorm``, one fused primitive between them.

Both compute ``(x - mean) / sqrt(var + eps) * gamma + beta``; they differ only in which
axes the statistics span (batchnorm: every axis but the channels; layernorm: the last
``dims`` axes) and which the parameters span. The fused VJP differentiates through the
statistics when they come from ``x`` (training, and layernorm always).
:func:`batchnorm_reference` and :func:`layernorm_reference` compose the same functions
of small primitives, kept to test the fused one against.

>>> import numpy as np
>>> np.round(layernorm(np.array([[1.0, 3.0]])), 3).tolist()
[[-1.0, 1.0]]
"""

from __future__ import annotations

import numpy as np

from toolkit.nn.primitives.elementwise import sqrt
from toolkit.nn.primitives.reductions import mean as mean_of
from toolkit.nn.tape import apply, plain, register


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


def _running(data, running_mean, running_var, training, momentum):
    """(mean, var, new running mean, new running var) of channels-last ``data``."""
    if not training:
        return running_mean, running_var, running_mean, running_var
    axes = tuple(range(data.ndim - 1))
    mean, var = data.mean(axis=axes), data.var(axis=axes)
    n = data.size // data.shape[-1]
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * var * (n / max(n - 1, 1))
    return mean, var, new_mean, new_var


def batchnorm(x, gamma, beta, running_mean, running_var, *, training, momentum=0.1, eps=1e-5):
    """batchnorm(x, gamma, beta, running_mean, running_var, *, training, momentum=0.1, eps=1e-5).

    Normalises over every axis but the last (channels-last) and returns
    ``(y, new_running_mean, new_running_var)``. Training uses the batch statistics and
    moves the running ones by ``momentum`` (the variance unbiased, as Flux and PyTorch);
    otherwise the running statistics are used and returned unchanged. ``gamma``/``beta``
    (C,) may be None; the running statistics are plain arrays, never traced.

    >>> x = np.array([[1.0], [3.0]])
    >>> y, m, v = batchnorm(x, None, None, np.zeros(1), np.ones(1), training=True)
    >>> np.round(y.ravel(), 3).tolist(), m.tolist(), v.tolist()
    ([-1.0, 1.0], [0.2], [1.1])
    """
    data = plain(x)
    mean, var, new_mean, new_var = _running(data, running_mean, running_var, training, momentum)
    axes = tuple(range(data.ndim - 1))
    kw = {"eps": eps, "axes": axes, "param_axes": axes, "training": training}
    y = apply(NORMALISE, x, gamma, beta, mean=mean, var=var, **kw)
    return y, new_mean, new_var


def layernorm(x, gamma=None, beta=None, *, dims=1, eps=1e-5):
    """layernorm(x, gamma=None, beta=None, *, dims=1, eps=1e-5) -> x normalised over the last axes.

    Statistics span the last ``dims`` axes (one sample's features); ``gamma`` and
    ``beta`` have the shape of those axes (or are None).

    >>> np.round(layernorm(np.array([[1.0, 3.0]])), 3).tolist()
    [[-1.0, 1.0]]
    """
    data = plain(x)
    axes = tuple(range(data.ndim - dims, data.ndim))
    mean, var = data.mean(axis=axes, keepdims=True), data.var(axis=axes, keepdims=True)
    kw = {"eps": eps, "axes": axes, "param_axes": tuple(range(data.ndim - dims)), "training": True}
    return apply(NORMALISE, x, gamma, beta, mean=mean, var=var, **kw)


# ---------------------------------------------------------------------------- references


def _normalise_reference(x, gamma, beta, axes, eps, mean=None, var=None):
    if mean is None:  # statistics of x, differentiated through
        mean = mean_of(x, axes, keepdims=True)
        var = mean_of((x - mean) ** 2, axes, keepdims=True)
    y = (x - mean) / sqrt(var + eps)
    if gamma is not None:
        y = y * gamma
    return y if beta is None else y + beta


def batchnorm_reference(x, gamma, beta, running_mean, running_var, *, training, momentum=0.1,
                        eps=1e-5):  # fmt: skip
    """batchnorm_reference(x, gamma, beta, running_mean, running_var, *, training, ...) -> as fused.

    :func:`batchnorm` composed of small primitives (mean, subtract, divide, sqrt...).

    >>> x = np.array([[1.0], [3.0]])
    >>> y, _, _ = batchnorm_reference(x, None, None, np.zeros(1), np.ones(1), training=True)
    >>> np.round(y.ravel(), 3).tolist()
    [-1.0, 1.0]
    """
    data = plain(x)
    _, _, new_mean, new_var = _running(data, running_mean, running_var, training, momentum)
    axes = tuple(range(data.ndim - 1))
    stats = (None, None) if training else (running_mean, running_var)
    return _normalise_reference(x, gamma, beta, axes, eps, *stats), new_mean, new_var


def layernorm_reference(x, gamma=None, beta=None, *, dims=1, eps=1e-5):
    """layernorm_reference(x, gamma=None, beta=None, *, dims=1, eps=1e-5) -> as layernorm.

    :func:`layernorm` composed of small primitives.

    >>> np.round(layernorm_reference(np.array([[1.0, 3.0]])), 3).tolist()
    [[-1.0, 1.0]]
    """
    ndim = len(np.shape(plain(x)))
    return _normalise_reference(x, gamma, beta, tuple(range(ndim - dims, ndim)), eps)
