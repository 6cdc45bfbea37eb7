"""Loss functions in Flux's shape: ``loss(ŷ, y, *, agg=mean)``.

``ŷ`` is the model output, ``y`` the target; both are batch-first. ``agg`` reduces the
per-element (or, for cross-entropies, per-sample) losses: ``mean`` (the default),
``sum``, ``None`` for no reduction, or any function. Targets may be integer class
labels where that makes sense: for ``ŷ`` of shape ``(N, K)`` an integer ``y`` of shape
``(N,)`` is read as one-hot labels; a ``y`` of shape ``(N,)`` against ``ŷ`` of shape
``(N, 1)`` is read as a column. Any other shape mismatch raises ShapeError (no silent
broadcasting of ``(N, 1)`` against ``(N,)`` into ``(N, N)``).

On plain numpy arrays a reduced loss is a Python float, so losses double as
evaluation measures; on cupy it stays a 0-d array on the device.

>>> import numpy as np
>>> mse(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
2.0
>>> round(logitcrossentropy(np.zeros((2, 3)), np.array([0, 2])), 4)  # log(3)
1.0986
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import ShapeError, UnknownNameError, did_you_mean
from toolkit.nn import ops
from toolkit.nn.device import array_module, shape_of
from toolkit.nn.tape import Tracked, plain
from toolkit.registry import register

mean = ops.mean  # the default aggregation, as Flux's ``agg=mean``
_BUILTIN_AGG = ((ops.mean, "mean"), (np.mean, "mean"), (ops.sum, "sum"), (np.sum, "sum"))


def _reduction_kind(agg):
    """ "mean", "sum" or "none" for the built-in aggregations; None for other functions."""
    if agg is None or isinstance(agg, str):
        if agg not in (None, "mean", "sum", "none"):
            raise UnknownNameError(
                f"unknown agg {agg!r}; {did_you_mean(agg, ['mean', 'sum', 'none'])}"
            )
        return agg or "none"
    for fn, kind in _BUILTIN_AGG:
        if agg is fn:
            return kind
    if not callable(agg):
        raise ShapeError(f"agg must be mean, sum, None or a function; got {agg!r}")
    return None


def _aggregate(losses, agg):
    kind = _reduction_kind(agg)
    if kind == "none":
        return losses
    if kind is not None:
        return _number(ops.mean(losses) if kind == "mean" else ops.sum(losses))
    return _number(agg(losses))


def _number(value):
    """numpy scalars become Python floats; traced and device values stay as they are."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return float(value)
    return value


def _target(yhat, y, name: str, classes_axis: bool = True):
    """``y`` as an array shaped like ``ŷ`` (one-hot from labels, a column from a vector)."""
    if type(y) is Tracked:
        y_shape, kind = y.shape, y.dtype.kind
    else:
        y = array_module(plain(yhat)).asarray(y)
        y_shape, kind = y.shape, y.dtype.kind
    shape = shape_of(plain(yhat))
    if y_shape == shape:
        return y.astype(plain(yhat).dtype) if kind in "iub" else y
    if len(shape) == len(y_shape) + 1 and y_shape == shape[:-1]:
        if shape[-1] == 1:
            return (
                y.reshape(shape).astype(plain(yhat).dtype) if kind in "iub" else y.reshape(shape)
            )
        if classes_axis and kind in "iu":
            return array_module(y).eye(shape[-1], dtype=plain(yhat).dtype)[y]
    msg = (
        f"{name}: the target's shape {y_shape} does not fit the prediction's shape {shape}; "
        f"pass targets of shape {shape}"
        + (f", or integer labels of shape {shape[:-1]}" if classes_axis and len(shape) > 1 else "")
    )
    raise ShapeError(msg)


@register("losses")
def mse(ŷ, y, *, agg=mean):
    """mse(ŷ, y, *, agg=mean) -> agg((ŷ - y)²), the mean squared error.

    >>> mse(np.array([[0.0], [1.0]]), np.array([1.0, 1.0]))  # (N, 1) against (N,)
    0.5
    """
    diff = ŷ - _target(ŷ, y, "mse")
    return _aggregate(diff * diff, agg)


@register("losses")
def mae(ŷ, y, *, agg=mean):
    """mae(ŷ, y, *, agg=mean) -> agg(|ŷ - y|), the mean absolute error.

    >>> mae(np.array([1.0, 2.0]), np.array([2.0, 4.0]))
    1.5
    """
    return _aggregate(ops.abs(ŷ - _target(ŷ, y, "mae")), agg)


@register("losses")
def huber(ŷ, y, *, agg=mean, delta: float = 1.0):
    """huber(ŷ, y, *, agg=mean, delta=1.0) -> agg(½e² where |e| ≤ δ, else δ(|e| - ½δ)).

    >>> huber(np.array([0.0, 0.0]), np.array([0.5, 3.0]), agg=None).tolist()
    [0.125, 2.5]
    """
    if delta <= 0:
        raise ShapeError(f"huber: delta must be positive; got {delta}")
    err = ops.abs(ŷ - _target(ŷ, y, "huber"))
    small = plain(err) <= delta
    return _aggregate(ops.where(small, 0.5 * err * err, delta * (err - 0.5 * delta)), agg)


def _eps(x) -> float:
    return float(np.finfo(getattr(plain(x), "dtype", np.float64)).eps)


@register("losses")
def crossentropy(ŷ, y, *, agg=mean, eps=None):
    """crossentropy(ŷ, y, *, agg=mean, eps=machine epsilon) -> agg(-Σ y·log(ŷ + eps)) per sample.

    ``ŷ`` holds probabilities (after softmax) with classes on the last axis; ``y`` is
    one-hot / probabilities of the same shape, or integer labels.

    >>> round(crossentropy(np.array([[0.5, 0.5]]), np.array([0])), 4)
    0.6931
    """
    eps = _eps(ŷ) if eps is None else eps
    target = _target(ŷ, y, "crossentropy")
    return _aggregate(-ops.sum(target * ops.log(ŷ + eps), axis=-1), agg)


@register("losses")
def logitcrossentropy(ŷ, y, *, agg=mean):
    """logitcrossentropy(ŷ, y, *, agg=mean) -> crossentropy(softmax(ŷ), y), fused and stable.

    ``ŷ`` are logits (N, K); ``y`` one-hot (N, K) or integer labels (N,). One primitive
    with a hand-written gradient (softmax(ŷ) - y).

    >>> logitcrossentropy(np.array([[100.0, 0.0]]), np.array([[1.0, 0.0]]))
    0.0
    """
    kind = _reduction_kind(agg)
    if kind is not None:
        return _number(ops.logitcrossentropy(ŷ, y, reduction=kind))
    return _aggregate(ops.logitcrossentropy(ŷ, y, reduction="none"), agg)


@register("losses")
def binarycrossentropy(ŷ, y, *, agg=mean, eps=None):
    """binarycrossentropy(ŷ, y, *, agg=mean, eps=machine epsilon) -> the binary cross-entropy.

    ``agg(-y·log(ŷ + ε) - (1 - y)·log(1 - ŷ + ε))`` elementwise.

    ``ŷ`` holds probabilities (after sigmoid); ``y`` 0/1 labels or probabilities.

    >>> round(binarycrossentropy(np.array([0.5, 0.5]), np.array([0, 1])), 4)
    0.6931
    """
    eps = _eps(ŷ) if eps is None else eps
    target = _target(ŷ, y, "binarycrossentropy", classes_axis=False)
    losses = -(target * ops.log(ŷ + eps) + (1 - target) * ops.log(1 - ŷ + eps))
    return _aggregate(losses, agg)


@register("losses")
def logitbinarycrossentropy(ŷ, y, *, agg=mean):
    """logitbinarycrossentropy(ŷ, y, *, agg=mean) -> binarycrossentropy(sigmoid(ŷ), y), stable.

    ``ŷ`` are logits; computed as (1 - y)·ŷ + softplus(-ŷ).

    >>> round(logitbinarycrossentropy(np.array([0.0]), np.array([1])), 4)
    0.6931
    """
    target = _target(ŷ, y, "logitbinarycrossentropy", classes_axis=False)
    return _aggregate((1 - target) * ŷ + ops.softplus(-ŷ), agg)


#: name -> loss function, for training configured by name.
LOSSES = {f.__name__: f for f in (mse, mae, huber, crossentropy, logitcrossentropy,
                                  binarycrossentropy, logitbinarycrossentropy)}  # fmt: skip

__all__ = list(LOSSES)
