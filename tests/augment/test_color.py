"""Colour transforms: Normalize against the formula, ToGray's channels, p=0 as identity."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.augment import (
    ColorJitter,
    Normalize,
    RandomBrightnessContrast,
    RandomGamma,
    ToGray,
    TransformError,
)
from toolkit.errors import ShapeError, UnknownNameError

RGB = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
GREY = RGB[..., :1].copy()


def test_normalize_matches_the_formula_per_channel():
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = Normalize().apply(RGB, 0)
    expected = (RGB.astype(np.float64) / 255.0 - mean) / std
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_normalize_with_single_numbers_and_another_scale():
    out = Normalize(mean=0.5, std=0.25, max_pixel_value=100.0).apply(GREY, 0)
    np.testing.assert_allclose(out, (GREY / 100.0 - 0.5) / 0.25, rtol=1e-5, atol=1e-5)
    assert out.shape == GREY.shape and out.dtype == np.float32


def test_normalize_refuses_a_channel_mismatch_instead_of_using_the_first_value():
    with pytest.raises(ShapeError, match=r"Normalize: mean has 3 values but the image has 1"):
        Normalize().apply(GREY, 0)
    with pytest.raises(TransformError, match="Normalize: std must be"):
        Normalize(std=0)
    with pytest.raises(UnknownNameError, match="unknown keyword 'p'"):
        Normalize(p=0.5)  # always applied: a batch cannot mix scaled and unscaled images


def test_to_gray_keeps_three_equal_channels_and_passes_grey_through():
    out = ToGray(p=1.0).apply(RGB, 0)
    assert out.shape == RGB.shape
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    weighted = RGB @ np.array([0.299, 0.587, 0.114])
    assert np.abs(out[..., 0] - weighted).max() <= 1
    np.testing.assert_array_equal(ToGray(p=1.0).apply(GREY, 0), GREY)
    with pytest.raises(ShapeError, match=r"ToGray: expected an RGB"):
        ToGray().apply(np.zeros((4, 4, 4), np.uint8), 0)


@pytest.mark.parametrize("transform", [
    RandomBrightnessContrast(p=0.0), ColorJitter(p=0.0), RandomGamma(p=0.0), ToGray(p=0.0)])
def test_p_zero_is_the_identity(transform):
    for seed in range(10):
        np.testing.assert_array_equal(transform.apply(RGB, seed), RGB)


def test_brightness_moves_the_mean_the_asked_way():
    brighter = RandomBrightnessContrast(brightness_limit=[0.2, 0.2], contrast_limit=0, p=1.0)
    darker = RandomBrightnessContrast(brightness_limit=[-0.2, -0.2], contrast_limit=0, p=1.0)
    grey = np.full((8, 8, 3), 100, np.uint8)
    assert (brighter.apply(grey, 0) == 151).all() and (darker.apply(grey, 0) == 49).all()


def test_color_jitter_on_grey_images_raises_no_warning():
    out = ColorJitter(brightness=0.5, saturation=0.5, hue=0.2, p=1.0).apply(GREY, 4)
    assert out.shape == GREY.shape
    with pytest.raises(TransformError, match=r"ColorJitter: hue must be"):
        ColorJitter(hue=0.7)
