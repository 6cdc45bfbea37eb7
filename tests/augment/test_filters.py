"""Blur, noise and dropout: effects, determinism and refusals."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from toolkit.augment import (
    Blur,
    CoarseDropout,
    GaussianBlur,
    GaussNoise,
    MedianBlur,
    TransformError,
)

IMAGE = np.random.default_rng(2).integers(0, 256, (32, 32, 3), dtype=np.uint8)
FLAT = np.full((16, 16, 1), 90, np.uint8)


def test_blurs_keep_a_flat_image_flat_and_smooth_a_noisy_one():
    for blur in (Blur(p=1.0), MedianBlur(p=1.0), GaussianBlur(p=1.0)):
        np.testing.assert_array_equal(blur.apply(FLAT, 0), FLAT)
        assert blur.apply(IMAGE, 0).astype(float).std() < IMAGE.std()


def test_blur_with_one_kernel_size_matches_cv2():
    out = Blur(blur_limit=[5, 5], p=1.0).apply(IMAGE, 0)
    np.testing.assert_array_equal(out, cv2.blur(IMAGE, (5, 5)))


def test_gauss_noise_changes_pixels_repeatably():
    noise = GaussNoise(std_range=[0.1, 0.1], p=1.0)
    a, b = noise.apply(FLAT, 0), noise.apply(FLAT, 1)
    np.testing.assert_array_equal(a, noise.apply(FLAT, 0))
    assert not np.array_equal(a, b)
    assert 15 < a.astype(float).std() < 35  # 0.1 * 255 = 25.5


def test_coarse_dropout_cuts_holes_of_the_fill_value():
    out = CoarseDropout(num_holes_range=[2, 2], hole_height_range=[4, 4],
                        hole_width_range=[4, 4], fill=0, p=1.0).apply(FLAT, 3)
    assert 16 <= (out == 0).sum() <= 32 and set(np.unique(out)) <= {0, 90}


def test_refusals():
    with pytest.raises(TransformError, match=r"Blur: blur_limit must be an odd kernel size >= 3"):
        Blur(blur_limit=4)
    with pytest.raises(TransformError, match=r"GaussNoise: std_range must be .*in \[0, 1\]"):
        GaussNoise(std_range=[0.1, 2])
    with pytest.raises(TransformError, match="both be pixel counts"):
        CoarseDropout(hole_height_range=[2, 4], hole_width_range=[0.1, 0.2])
    with pytest.raises(TransformError, match=r"fractions of the size \(decimals in \(0, 1\)"):
        CoarseDropout(hole_height_range=[0.5, 1.0])
