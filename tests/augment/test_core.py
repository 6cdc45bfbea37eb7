"""Transform and Pipeline: composition, equality, apply's contract and its refusals."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.augment import (
    Blur,
    CenterCrop,
    HorizontalFlip,
    Pipeline,
    Rotate,
    TransformError,
    VerticalFlip,
)
from toolkit.errors import ShapeError, ToolkitError, UnknownNameError

IMAGE = np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3)


def test_or_builds_a_flat_pipeline_with_a_readable_repr():
    aug = HorizontalFlip(p=0.5) | Rotate(limit=20)
    assert isinstance(aug, Pipeline) and len(aug) == 2
    assert repr(aug) == "HorizontalFlip(p=0.5) | Rotate(limit=20, p=0.5)"
    a, b, c, d = HorizontalFlip(), VerticalFlip(), Blur(), Rotate()
    assert list(a | (b | c)) == [a, b, c]
    assert list((a | b) | (c | d)) == [a, b, c, d]
    assert list(Pipeline([a, Pipeline([b, c])])) == [a, b, c]
    assert Pipeline(a) == Pipeline([a])


def test_pipeline_indexing_and_slicing():
    aug = HorizontalFlip() | VerticalFlip() | Blur()
    assert aug[0] == HorizontalFlip() and aug[-1] == Blur()
    assert aug[1:] == VerticalFlip() | Blur() and isinstance(aug[1:], Pipeline)
    with pytest.raises(IndexError):
        aug[3]


def test_empty_pipeline_is_the_identity():
    empty = Pipeline()
    assert len(empty) == 0 and repr(empty) == "Pipeline([])" and empty.to_dict() == []
    np.testing.assert_array_equal(empty.apply(IMAGE, 0), IMAGE)


def test_or_with_something_else_is_a_type_error():
    with pytest.raises(TypeError):
        HorizontalFlip() | "Rotate"
    with pytest.raises(TransformError, match="expected transforms, got 'Rotate'"):
        Pipeline([HorizontalFlip(), "Rotate"])


def test_equality_and_hashing_follow_the_parameters():
    assert Rotate(limit=20) == Rotate(limit=20, p=0.5)
    assert Rotate(limit=20) != Rotate(limit=21) and Rotate() != HorizontalFlip()
    assert HorizontalFlip() | Blur() != Blur() | HorizontalFlip()
    assert Pipeline([Rotate()]) != Rotate()
    assert len({Rotate(limit=[-5, 5]), Rotate(limit=(-5, 5)), Rotate(limit=5)}) == 2


def test_params_keep_defaults_and_to_dict_writes_what_matters():
    r = Rotate(limit=[-10, 30])
    assert r.params == {"limit": (-10, 30), "interpolation": "linear",
                        "border_mode": "constant", "fill": 0, "p": 0.5}
    assert r.to_dict() == {"Rotate": {"limit": [-10, 30], "p": 0.5}}
    assert r.name == "Rotate"


def test_keyword_arguments_only_and_unknown_ones_are_refused():
    with pytest.raises(TransformError, match="takes keyword arguments only"):
        Rotate(20)
    with pytest.raises(UnknownNameError, match=r"Rotate: unknown keyword 'limt'; did you mean "
                       r"'limit'\? Valid keywords: border_mode, fill, interpolation, limit, p"):
        Rotate(limt=20)
    with pytest.raises(TransformError, match="missing required parameter"):
        CenterCrop(height=3)


def test_call_is_apply_and_seeds_make_it_repeatable():
    aug = HorizontalFlip() | Rotate(limit=40, p=1.0)
    outs = {s: aug.apply(IMAGE, s) for s in range(8)}
    for s in reversed(range(8)):  # call order does not matter
        np.testing.assert_array_equal(aug(IMAGE, seed=s), outs[s])
    np.testing.assert_array_equal(aug.apply(IMAGE, np.int64(3)), outs[3])
    assert sum(not np.array_equal(outs[0], outs[s]) for s in range(1, 8)) == 7
    assert aug.apply(IMAGE, -5).shape == IMAGE.shape  # any integer seed works


def test_equal_steps_draw_different_values():
    """The steps share one random stream, so HorizontalFlip twice sometimes flips once."""
    twice = HorizontalFlip(p=0.5) | HorizontalFlip(p=0.5)
    flipped = np.fliplr(IMAGE)
    results = [np.array_equal(twice.apply(IMAGE, s), flipped) for s in range(40)]
    assert 5 < sum(results) < 35


def test_bad_seeds_and_images_are_refused():
    flip = HorizontalFlip()
    for seed in (1.5, "1", None, True):
        with pytest.raises(TransformError, match=r"HorizontalFlip: seed must be an integer"):
            flip.apply(IMAGE, seed)
    with pytest.raises(TransformError, match="expected a numpy array image"):
        flip.apply(IMAGE.tolist(), 0)
    with pytest.raises(ShapeError, match=r"image of shape \(H, W, C\).*\(2, 32, 32, 3\)"):
        flip.apply(np.stack([IMAGE, IMAGE]), 0)
    with pytest.raises(ShapeError):
        flip.apply(np.zeros((0, 4, 3), np.uint8), 0)
    with pytest.raises(TransformError, match="expected a uint8 or float32 image, got float64"):
        flip.apply(IMAGE.astype(np.float64), 0)


def test_grey_images_keep_their_channel_axis_and_2d_stays_2d():
    grey = IMAGE[..., :1].copy()
    aug = Rotate(limit=30, p=1.0) | Blur(p=1.0)
    assert aug.apply(grey, 1).shape == (32, 32, 1)
    flat = aug.apply(grey[..., 0], 1)
    assert flat.shape == (32, 32)
    np.testing.assert_array_equal(flat, aug.apply(grey, 1)[..., 0])


def test_float32_images_are_accepted():
    image = IMAGE.astype(np.float32) / 255
    out = (HorizontalFlip(p=1.0) | Rotate(limit=10)).apply(image, 0)
    assert out.dtype == np.float32 and out.shape == image.shape


def test_failures_inside_albumentations_name_the_pipeline():
    aug = HorizontalFlip() | CenterCrop(height=40, width=40)
    with pytest.raises(TransformError, match=r"HorizontalFlip\(p=0.5\) \| CenterCrop\(height=40"
                       r".*image of shape \(32, 32, 3\)"):
        aug.apply(IMAGE, 0)
    assert issubclass(TransformError, ToolkitError)


def test_per_channel_values_must_match_the_channels():
    grey = IMAGE[..., :1].copy()
    with pytest.raises(ShapeError, match=r"Rotate: fill has 3 values but the image has 1 channel"):
        Rotate(fill=[1, 2, 3]).apply(grey, 0)
    with pytest.raises(ShapeError, match=r"fill has 2 values but the image has 3 channel"):
        (HorizontalFlip() | Rotate(fill=[1, 2])).apply(IMAGE, 0)
    assert Rotate(limit=[45, 45], fill=[7], p=1.0).apply(grey, 0)[0, 0, 0] == 7


def test_transforms_are_immutable_values_under_copy():
    import copy

    aug = HorizontalFlip() | Rotate(limit=[-5, 5])
    assert copy.deepcopy(aug) is aug and copy.copy(aug[1]) is aug[1]


def test_negative_seeds_differ_from_their_absolute_value():
    aug = HorizontalFlip() | VerticalFlip() | Rotate(limit=40)
    differ = sum(not np.array_equal(aug.apply(IMAGE, s), aug.apply(IMAGE, -s)) for s in range(1, 9))
    assert differ >= 6
