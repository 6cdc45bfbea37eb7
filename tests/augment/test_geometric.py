"""Flips, rotation and affine warps: exact results where they are known, and p's frequency."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from toolkit.augment import Affine, HorizontalFlip, Rotate, ShiftScaleRotate, VerticalFlip

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
