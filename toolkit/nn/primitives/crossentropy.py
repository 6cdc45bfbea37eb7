"""The fused logit cross-entropy: softmax and log-likelihood in one primitive.

``logitcrossentropy`` is one tape entry: its forward keeps the softmax, which its VJP
finishes in place into ``softmax - target`` (the whole backward pass of the loss), and
integer labels index one entry per row instead of building a one-hot matrix.
:func:`logitcrossentropy_reference` is ``-sum(target * logsoftmax(logits))`` composed
of small primitives, kept to test the fused one against.

>>> import numpy as np
>>> round(float(logitcrossentropy(np.zeros((2, 4)), np.array([0, 3]))), 4)  # log(4)
1.3863
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import ShapeError, UnknownNameError, did_you_mean
from toolkit.nn.device import array_module, shape_of
from toolkit.nn.primitives.reductions import logsoftmax, mean
from toolkit.nn.primitives.reductions import sum as sum_of
from toolkit.nn.tape import Tracked, apply, plain, register

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


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise UnknownNameError(
            f"unknown reduction {reduction!r}; {did_you_mean(reduction, _REDUCTIONS)}"
        )


def logitcrossentropy(logits, target, *, axis: int = -1, reduction: str = "mean"):
    """logitcrossentropy(logits, target, *, axis=-1, reduction="mean") -> the fused loss.

    ``-sum(target * logsoftmax(logits), axis)`` per sample, then the mean, the sum, or
    (``"none"``) no reduction. ``target`` is one-hot / probabilities of the logits'
    shape, or integer class labels with the class axis left out. Numerically stable.

    >>> round(float(logitcrossentropy(np.zeros((2, 4)), np.array([0, 3]))), 4)  # log(4)
    1.3863
    """
    _check_reduction(reduction)
    _check_xent_target(logits, target, axis)
    if type(target) is not Tracked:  # labels from a CPU loader follow the logits' device
        target = array_module(plain(logits)).asarray(target)
    return apply(LOGITCROSSENTROPY, logits, target, axis=axis, reduction=reduction)


def logitcrossentropy_reference(logits, target, *, axis: int = -1, reduction: str = "mean"):
    """logitcrossentropy_reference(logits, target, *, axis=-1, reduction="mean") -> as fused.

    ``-sum(target * logsoftmax(logits), axis)`` composed of small primitives, integer
    labels turned into one-hot targets first.

    >>> round(float(logitcrossentropy_reference(np.zeros((2, 4)), np.array([0, 3]))), 4)
    1.3863
    """
    _check_reduction(reduction)
    _check_xent_target(logits, target, axis)
    data = plain(target)
    if getattr(data, "dtype", np.dtype(float)).kind in "iu":
        z = plain(logits)
        labels = array_module(z).asarray(data)
        target = _onehot(labels, shape_of(z), axis).astype(np.result_type(z.dtype, np.float32))
    losses = -sum_of(target * logsoftmax(logits, axis), axis=axis)
    if reduction == "none":
        return losses
    return mean(losses) if reduction == "mean" else sum_of(losses)
