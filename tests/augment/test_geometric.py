"""Flips, rotation and affine warps: exact results where they are known, and p's frequency."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from toolkit.augment import (
    Affine,
    HorizontalFlip,
    Pipeline,
    Rotate,
    ShiftScaleRotate,
    VerticalFlip,
)

IMAGE = (np.arange(9 * 9 * 3) * 7 % 256).astype(np.uint8).reshape(9, 9, 3)
SEEDS = range(200)


def _flipped(transform, expected) -> list[bool]:
    outs = [transform.apply(IMAGE, s) for s in SEEDS]
    for out in outs:  # every output is either the image or its flip
        assert np.array_equal(out, IMAGE) or np.array_equal(out, expected)
    return [np.array_equal(out, expected) for out in outs]


def test_horizontal_flip_p_half_flips_about_half():
    assert 70 <= sum(_flipped(HorizontalFlip(p=0.5), np.fliplr(IMAGE))) <= 130  # mean 100, sd 7


def test_p_zero_never_and_p_one_always():
    assert sum(_flipped(HorizontalFlip(p=0.0), np.fliplr(IMAGE))) == 0
    assert all(_flipped(HorizontalFlip(p=1.0), np.fliplr(IMAGE)))
    assert all(_flipped(VerticalFlip(p=1.0), np.flipud(IMAGE)))
    assert 10 <= sum(_flipped(VerticalFlip(p=0.1), np.flipud(IMAGE))) <= 35  # mean 20, sd 4


@pytest.mark.parametrize("p", [0.0, 0.5])
def test_rotate_probability(p):
    changed = sum(not np.array_equal(Rotate(limit=[10, 40], p=p).apply(IMAGE, s), IMAGE)
                  for s in range(100))
    assert changed == 0 if p == 0 else 30 <= changed <= 70


def test_exact_rotations():
    np.testing.assert_array_equal(Rotate(limit=[180, 180], p=1.0).apply(IMAGE, 0),
                                  IMAGE[::-1, ::-1])
    np.testing.assert_array_equal(Rotate(limit=[90, 90], p=1.0).apply(IMAGE, 0),
                                  np.rot90(IMAGE))  # positive angles turn counter-clockwise


def test_identity_warps_leave_the_image_alone():
    np.testing.assert_array_equal(Affine(p=1.0).apply(IMAGE, 3), IMAGE)
    still = ShiftScaleRotate(shift_limit=0, scale_limit=0, rotate_limit=0, p=1.0)
    np.testing.assert_array_equal(still.apply(IMAGE, 3), IMAGE)


def test_shift_scale_rotate_raises_no_deprecation_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aug = ShiftScaleRotate(p=1.0)
        aug.apply(IMAGE, 0)
        Rotate(fill=[1, 2, 3]).apply(IMAGE, 0)


def test_border_modes_fill_the_corners():
    ones = np.full((16, 16, 1), 200, np.uint8)
    constant = Rotate(limit=[45, 45], fill=9, p=1.0).apply(ones, 0)
    assert constant[0, 0, 0] == 9 and constant[8, 8, 0] == 200
    replicate = Rotate(limit=[45, 45], border_mode="replicate", p=1.0).apply(ones, 0)
    assert (replicate == 200).all()


@pytest.mark.parametrize("shape", [(9, 13, 3), (12, 7, 1), (10, 10), (8, 11, 5)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_native_kernels_equal_albumentations(shape, dtype, albumentations_compose):
    rng = np.random.default_rng(sum(shape))
    img = rng.integers(0, 256, shape).astype(dtype)
    # albumentations cannot take a per-channel fill beyond 4 channels (tested below)
    fill = 17 if len(shape) == 2 or shape[2] > 4 else list(range(10, 10 + shape[2]))
    pipelines = [
        HorizontalFlip(p=0.3) | VerticalFlip(p=0.6) | Rotate(limit=[-30, 50]),
        Rotate(limit=180, fill=fill, border_mode="constant", interpolation="nearest", p=0.8),
        Rotate(limit=[-1e-4, 1e-4], p=1.0) | Rotate(limit=[359.9999, 360], p=1.0),
        Rotate(limit=0, p=1.0) | Rotate(limit=[90, 90], border_mode="wrap", p=1.0),
        Rotate(limit=25, border_mode="reflect101", interpolation="cubic", p=1.0),
    ]
    for aug in pipelines:
        assert all(step._fast for step in Pipeline(aug))
        for seed in range(12):
            np.testing.assert_array_equal(aug.apply(img, seed),
                                          albumentations_compose(aug, img, seed))


def test_per_channel_fill_beyond_four_channels():
    img = np.full((8, 8, 6), 200, np.uint8)
    out = Rotate(limit=[45, 45], fill=[1, 2, 3, 4, 5, 6], p=1.0).apply(img, 0)
    assert out[0, 0].tolist() == [1, 2, 3, 4, 5, 6] and (out[4, 4] == 200).all()
