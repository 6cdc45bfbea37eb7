"""Crops, pads and resizes: sizes, exact windows and refusals."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from toolkit.augment import (
    CenterCrop,
    PadIfNeeded,
    RandomCrop,
    RandomResizedCrop,
    Resize,
    TransformError,
)

IMAGE = np.random.default_rng(0).integers(0, 256, (32, 30, 3), dtype=np.uint8)


def test_center_crop_is_the_central_window():
    out = CenterCrop(height=24, width=20).apply(IMAGE, 0)
    np.testing.assert_array_equal(out, IMAGE[4:28, 5:25])


def test_random_crop_is_a_window_of_the_image_that_moves_with_the_seed():
    corners = set()
    for seed in range(20):
        out = RandomCrop(height=8, width=8).apply(IMAGE, seed)
        hits = [(y, x) for y in range(25) for x in range(23)
                if np.array_equal(IMAGE[y:y + 8, x:x + 8], out)]
        assert hits
        corners.add(hits[0])
    assert len(corners) > 10


def test_crop_larger_than_the_image():
    with pytest.raises(TransformError, match="CenterCrop.*exceeds image dimensions"):
        CenterCrop(height=40, width=40).apply(IMAGE, 0)
    out = RandomCrop(height=40, width=40, pad_if_needed=True, fill=3).apply(IMAGE, 0)
    assert out.shape == (40, 40, 3) and out[0, 0, 0] == 3


def test_pad_if_needed_centres_the_image_and_fills_the_rest():
    out = PadIfNeeded(min_height=36, min_width=36, fill=[1, 2, 3]).apply(IMAGE, 0)
    assert out.shape == (36, 36, 3)
    np.testing.assert_array_equal(out[2:34, 3:33], IMAGE)
    assert out[0, 0].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(PadIfNeeded(min_height=8, min_width=8).apply(IMAGE, 0), IMAGE)


def test_random_resized_crop_sizes_and_seeds():
    aug = RandomResizedCrop(size=12)
    assert aug.apply(IMAGE, 0).shape == (12, 12, 3)
    outs = [aug.apply(IMAGE, s) for s in range(5)]
    assert all(not np.array_equal(outs[0], o) for o in outs[1:])
    whole = RandomResizedCrop(size=[32, 30], scale=[1, 1], ratio=[30 / 32, 30 / 32])
    np.testing.assert_array_equal(whole.apply(IMAGE, 0), IMAGE)


def test_resize_matches_cv2():
    out = Resize(height=16, width=10, interpolation="area").apply(IMAGE, 0)
    np.testing.assert_array_equal(out, cv2.resize(IMAGE, (10, 16), interpolation=cv2.INTER_AREA))


def test_bad_sizes_are_refused():
    with pytest.raises(TransformError, match=r"RandomResizedCrop: size must be a positive integer"):
        RandomResizedCrop(size=[0, 4])
    with pytest.raises(TransformError, match=r"RandomResizedCrop: scale must be .*in \[0.001, 1\]"):
        RandomResizedCrop(size=4, scale=[0.5, 2])
    with pytest.raises(TransformError, match="PadIfNeeded: position must be one of"):
        PadIfNeeded(min_height=4, min_width=4, position="middle")
