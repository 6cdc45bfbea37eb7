"""apply_batch: whole-batch flips and Normalize equal the per-image path, on numpy and
(where a GPU and cupy are present) on cupy."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from toolkit.augment import (
    HorizontalFlip,
    Normalize,
    Rotate,
    TransformError,
    VerticalFlip,
    apply_batch,
)
from toolkit.errors import ShapeError

RNG = np.random.default_rng(5)
PIPELINES = [
    HorizontalFlip(p=0.5),
    HorizontalFlip(p=0.5) | VerticalFlip(p=0.3),
    VerticalFlip(p=1.0) | HorizontalFlip(p=0.0) | Normalize(),
    HorizontalFlip(p=0.7) | HorizontalFlip(p=0.5) | Normalize(mean=0.5, std=0.25),
]


def _per_image(aug, images, seeds):
    return np.stack([aug.apply(image, int(s)) for image, s in zip(images, seeds, strict=True)])


@pytest.mark.parametrize("aug", PIPELINES, ids=repr)
def test_batch_equals_per_image_apply(aug):
    images = RNG.integers(0, 256, (40, 8, 6, 3), dtype=np.uint8)
    seeds = RNG.integers(0, 2**31, 40)
    got, expected = apply_batch(aug, images, seeds), _per_image(aug, images, seeds)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)


def test_batch_on_grey_and_float_images():
    aug = HorizontalFlip() | Normalize(mean=0.4, std=0.2)
    grey = RNG.integers(0, 256, (16, 5, 5, 1), dtype=np.uint8)
    np.testing.assert_allclose(apply_batch(aug, grey, range(16)), _per_image(aug, grey, range(16)),
                               rtol=1e-6, atol=1e-5)
    floats = grey.astype(np.float32) / 255
    flip = HorizontalFlip() | VerticalFlip()
    np.testing.assert_array_equal(apply_batch(flip, floats, range(16)),
                                  _per_image(flip, floats, range(16)))


def test_refusals():
    images = np.zeros((2, 4, 4, 1), np.uint8)
    with pytest.raises(TransformError, match="Rotate cannot run on a whole batch; it supports "
                       "HorizontalFlip, Normalize, VerticalFlip"):
        apply_batch(HorizontalFlip() | Rotate(), images, [0, 1])
    with pytest.raises(ShapeError, match=r"expected images of shape \(N, H, W, C\)"):
        apply_batch(HorizontalFlip(), images[0], [0])
    with pytest.raises(ShapeError, match="2 images but 3 seeds"):
        apply_batch(HorizontalFlip(), images, [0, 1, 2])
    with pytest.raises(ShapeError, match="Normalize: mean has 3 values"):
        apply_batch(Normalize(), images, [0, 1])


def _cuda_available() -> bool:
    if importlib.util.find_spec("cupy") is None:
        return False
    import cupy

    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except cupy.cuda.runtime.CUDARuntimeError:
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_available(), reason="needs cupy and a CUDA device")
@pytest.mark.parametrize("aug", PIPELINES, ids=repr)
def test_cupy_batch_equals_numpy(aug):
    import cupy

    images = RNG.integers(0, 256, (32, 8, 8, 3), dtype=np.uint8)
    seeds = list(range(32))
    on_gpu = apply_batch(aug, cupy.asarray(images), seeds)
    assert isinstance(on_gpu, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(on_gpu), apply_batch(aug, images, seeds),
                               rtol=1e-6, atol=1e-5)
