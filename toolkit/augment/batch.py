"""apply_batch: flips and Normalize over a whole batch at once, on numpy or cupy arrays.

Images already on a GPU (cupy) stay there: the flips and the normalisation run as a
few whole-batch array operations instead of one albumentations call per image. The
random choices are drawn exactly as ``apply`` draws them, so image ``i`` of the
result equals ``transform.apply(images[i], seeds[i])``.

>>> import numpy as np
>>> from toolkit.augment import HorizontalFlip, Normalize
>>> aug = HorizontalFlip(p=0.5) | Normalize(mean=0.5, std=0.5)
>>> images = np.arange(2 * 4 * 4 * 1, dtype=np.uint8).reshape(2, 4, 4, 1)
>>> out = apply_batch(aug, images, seeds=[0, 1])
>>> out.shape, out.dtype.name
((2, 4, 4, 1), 'float32')
>>> bool(np.allclose(out[1], aug.apply(images[1], 1)))
True
"""

from __future__ import annotations

import importlib.util

import numpy as np

from toolkit.augment.core import Pipeline, Transform, python_random
from toolkit.augment.geometric import acts
from toolkit.errors import ShapeError, TransformError


def _flip(axis: int):
    def flip(xp, images, chosen, params):
        picked = xp.nonzero(chosen)[0]
        out = images.copy()
        out[picked] = xp.flip(images[picked], axis=axis)
        return out

    return flip


def _normalize(xp, images, chosen, params):
    scale = params["max_pixel_value"]
    mean = xp.asarray(params["mean"], dtype=xp.float32) * scale
    std = xp.asarray(params["std"], dtype=xp.float32) * scale
    out = images.astype(xp.float32)  # a copy: the subtraction and division run in place
    out -= mean
    out /= std
    return out


BATCH_OPS = {"HorizontalFlip": _flip(2), "VerticalFlip": _flip(1), "Normalize": _normalize}


def _array_module(images):
    if importlib.util.find_spec("cupy") is not None:
        import cupy

        return cupy.get_array_module(images)
    return np


def _choices(steps: list[Transform], seeds) -> np.ndarray:
    """Which steps act on which image, drawn as albumentations 2.0 draws them in ``apply``:
    one draw for the Compose, then one per step whose p lies strictly inside (0, 1)."""
    chosen = np.empty((len(seeds), len(steps)), dtype=bool)
    for i, seed in enumerate(seeds):
        draws = python_random(seed)
        draws.random()
        for j, step in enumerate(steps):
            chosen[i, j] = acts(step.params.get("p", 1.0), draws)
    return chosen


def _check(steps: list[Transform], images, seeds) -> None:
    unsupported = [s.name for s in steps if s.name not in BATCH_OPS]
    if unsupported:
        msg = (f"apply_batch: {', '.join(unsupported)} cannot run on a whole batch; it supports "
               f"{', '.join(sorted(BATCH_OPS))}. Apply the others per image with .apply()")
        raise TransformError(msg)
    if getattr(images, "ndim", None) != 4:
        shape = getattr(images, "shape", type(images).__name__)
        raise ShapeError(f"apply_batch: expected images of shape (N, H, W, C), got {shape}")
    if len(seeds) != images.shape[0]:
        raise ShapeError(f"apply_batch: {images.shape[0]} images but {len(seeds)} seeds")
    for step in steps:
        step._check(images.shape[1:])


def apply_batch(transform, images, seeds):
    """apply_batch(transform, images, seeds) -> the batch transformed, image by image as
    ``transform.apply(images[i], seeds[i])`` would, with whole-batch operations.

    ``transform``: a Transform or Pipeline of HorizontalFlip, VerticalFlip and
    Normalize. ``images``: (N, H, W, C) uint8 or float32, numpy or cupy (the result
    lives where the input does). ``seeds``: N integers.
    """
    steps = list(transform) if isinstance(transform, Pipeline) else [transform]
    if not all(isinstance(s, Transform) for s in steps):
        raise TransformError(f"apply_batch: expected a transform or pipeline, got {transform!r}")
    _check(steps, images, seeds)
    xp = _array_module(images)
    chosen = _choices(steps, seeds)
    out = images
    for j, step in enumerate(steps):
        out = BATCH_OPS[step.name](xp, out, xp.asarray(chosen[:, j]), step.params)
    return out
