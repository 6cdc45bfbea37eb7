"""Every registered transform through the same contract: serialization, determinism,
shapes and dtypes on RGB and grey images, thread safety, parameter checks."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import yaml

import toolkit.augment as ta
from toolkit.augment import TransformError, from_dict, from_yaml
from toolkit.errors import UnknownNameError
from toolkit.registry import registry

TRANSFORMS = registry("transforms")

# One non-trivial instance of each transform (p=1.0 where that makes it act every time).
EXAMPLES = {
    "Affine": dict(scale=[0.9, 1.1], translate_percent=0.1, rotate=15, shear=5, p=1.0),
    "Blur": dict(blur_limit=5, p=1.0),
    "CenterCrop": dict(height=24, width=20),
    "CoarseDropout": dict(num_holes_range=[1, 3], hole_height_range=[0.1, 0.3],
                          hole_width_range=[0.05, 0.2], fill=7, p=1.0),
    "ColorJitter": dict(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.1, p=1.0),
    "GaussNoise": dict(std_range=[0.05, 0.1], p=1.0),
    "GaussianBlur": dict(sigma_limit=[0.5, 1.5], p=1.0),
    "HorizontalFlip": dict(p=0.5),
    "MedianBlur": dict(blur_limit=[3, 5], p=1.0),
    "Normalize": dict(mean=0.5, std=0.25),
    "PadIfNeeded": dict(min_height=40, min_width=36, border_mode="reflect"),
    "RandomBrightnessContrast": dict(brightness_limit=0.3, contrast_limit=[-0.1, 0.3], p=1.0),
    "RandomCrop": dict(height=20, width=24),
    "RandomGamma": dict(gamma_limit=[70, 130], p=1.0),
    "RandomResizedCrop": dict(size=[16, 24], scale=[0.3, 1.0]),
    "Resize": dict(height=16, width=20, interpolation="area"),
    "Rotate": dict(limit=30, border_mode="reflect101", p=1.0),
    "ShiftScaleRotate": dict(shift_limit=0.1, scale_limit=[-0.2, 0.1], rotate_limit=20, p=1.0),
    "ToGray": dict(p=1.0),
    "VerticalFlip": dict(p=0.5),
}
OUTPUT_HW = {"CenterCrop": (24, 20), "PadIfNeeded": (40, 36), "RandomCrop": (20, 24),
             "RandomResizedCrop": (16, 24), "Resize": (16, 20)}
SEEDS = range(12)


def make(name: str):
    return TRANSFORMS.get(name)(**EXAMPLES[name])


def image(channels: int) -> np.ndarray:
    """A smooth image with detail, so that every transform visibly changes it."""
    y, x = np.mgrid[0:32, 0:32]
    planes = [(x * 7 + y * 3 + 40 * c) % 256 for c in range(channels)]
    return np.stack(planes, axis=-1).astype(np.uint8)


def test_every_registered_transform_has_an_example():
    assert set(EXAMPLES) == set(TRANSFORMS.names())


def test_registry_names_are_the_exported_classes():
    for name, cls in ((n, TRANSFORMS.get(n)) for n in TRANSFORMS.names()):
        assert cls.__name__ == name and getattr(ta, name) is cls and name in ta.__all__
        assert cls.__doc__.startswith(f"{name}(*"), f"{name}'s docstring should open with its call"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_dict_round_trip(name):
    t = make(name)
    spec = t.to_dict()
    assert json.loads(json.dumps(spec)) == spec  # plain values only
    assert list(spec) == [name]
    assert from_dict(spec) == t
    assert from_dict([spec]) == ta.Pipeline([t])
    assert from_yaml(yaml.safe_dump(spec)) == t
    assert from_yaml(t.to_yaml()) == t
    assert from_yaml((t | t).to_yaml()) == t | t
    assert eval(repr(t), vars(ta)) == t  # the repr is the Python that builds it
    assert hash(from_dict(spec)) == hash(t)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("channels", [3, 1])
def test_shape_dtype_and_determinism(name, channels):
    t, img = make(name), image(channels)
    before = img.copy()
    outputs = [t.apply(img, seed) for seed in SEEDS]
    h, w = OUTPUT_HW.get(name, (32, 32))
    dtype = np.float32 if name == "Normalize" else np.uint8
    for seed, out in zip(SEEDS, outputs, strict=True):
        assert out.shape == (h, w, channels) and out.dtype == dtype
        np.testing.assert_array_equal(t.apply(img, seed), out)
        np.testing.assert_array_equal(t(img, seed=seed), out)
        np.testing.assert_array_equal(from_dict(t.to_dict()).apply(img, seed), out)
    np.testing.assert_array_equal(img, before)  # the input is never modified


@pytest.fixture
def eager_thread_switching():
    """Switch threads every microsecond: a shared albumentations Compose then fails this
    test (checked by hand), where the default 5 ms interval would hide the race."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_threads_give_the_sequential_results(name, eager_thread_switching):
    t, img = make(name), image(3)
    pipeline = t | ta.HorizontalFlip(p=0.5)
    seeds = list(range(32))
    for aug in (t, pipeline):
        sequential = [aug.apply(img, s) for s in seeds]
        with ThreadPoolExecutor(4) as pool:
            threaded = list(pool.map(lambda s, aug=aug: aug.apply(img, s), reversed(seeds)))
        for expected, got in zip(sequential, reversed(threaded), strict=True):
            np.testing.assert_array_equal(expected, got)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_unknown_parameter_is_refused_with_the_valid_ones(name):
    cls = TRANSFORMS.get(name)
    with pytest.raises(UnknownNameError) as err:
        from_dict({name: {**EXAMPLES[name], "bogus": 1}})
    message = str(err.value)
    assert "'bogus'" in message and name in message and "Valid keywords:" in message
    for param in cls(**EXAMPLES[name]).params:
        assert param in message
    with pytest.raises(UnknownNameError, match="Valid keywords:"):
        cls(**EXAMPLES[name], bogus=1)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_bad_probability_and_wrong_types_are_refused(name):
    cls, example = TRANSFORMS.get(name), EXAMPLES[name]
    params = cls(**example).params
    if "p" in params:
        with pytest.raises(TransformError, match=rf"^{name}: p must lie in \[0, 1\], got 1.5$"):
            cls(**{**example, "p": 1.5})
    for param in params:
        with pytest.raises(TransformError, match=rf"{name}: {param} must .*, got 'a string'"):
            cls(**{**example, param: "a string"})


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("channels", [3, 1])
def test_apply_equals_an_albumentations_compose(name, channels, albumentations_compose):
    """Native kernels and the per-step runner give exactly albumentations' results."""
    img = image(channels)
    for aug in (make(name), make(name) | ta.HorizontalFlip(p=0.5) | make(name)):
        for seed in SEEDS:
            np.testing.assert_array_equal(aug.apply(img, seed),
                                          albumentations_compose(aug, img, seed))
