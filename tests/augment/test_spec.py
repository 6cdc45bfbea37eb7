"""The registry and from_dict / from_yaml: valid specs rebuild, invalid ones are refused
with the position, the transform, the parameter and the valid choices named."""

from __future__ import annotations

import math

import pytest

import toolkit as tk
from toolkit.augment import (
    HorizontalFlip,
    Pipeline,
    Rotate,
    Transform,
    TransformError,
    from_dict,
    from_yaml,
)
from toolkit.errors import ConfigError, UnknownNameError
from toolkit.registry import register, registry

TRANSFORMS = registry("transforms")
names, lookup = TRANSFORMS.names, TRANSFORMS.get

REQUIRED = {"HorizontalFlip", "VerticalFlip", "Rotate", "ShiftScaleRotate", "RandomResizedCrop",
            "CenterCrop", "RandomCrop", "PadIfNeeded", "RandomBrightnessContrast", "Blur",
            "GaussianBlur", "GaussNoise", "Normalize"}


def test_names_cover_the_issue_and_are_sorted():
    assert REQUIRED <= set(names())
    assert names() == sorted(names()) == list(TRANSFORMS)
    assert lookup("Rotate") is Rotate


def test_augment_names_stay_out_of_the_top_level_namespace():
    assert tk.augment.Rotate is Rotate
    assert not hasattr(tk, "Rotate") and "from_dict" not in tk.__all__


def test_the_design_example_round_trips():
    aug = from_yaml("- Rotate: {limit: 10, p: 0.5}\n")
    assert aug == Pipeline([Rotate(limit=10, p=0.5)])
    assert aug.to_dict() == [{"Rotate": {"limit": 10, "p": 0.5}}]
    spec = (HorizontalFlip(p=0.5) | Rotate(limit=20)).to_dict()
    assert spec == [{"HorizontalFlip": {"p": 0.5}}, {"Rotate": {"limit": 20, "p": 0.5}}]


def test_short_forms_give_the_defaults():
    assert from_yaml("- HorizontalFlip\n- Rotate:\n") == HorizontalFlip() | Rotate()
    assert from_dict([]) == Pipeline()


def test_unknown_transform_names_list_the_valid_ones():
    with pytest.raises(UnknownNameError) as err:
        from_dict([{"HorizontalFlip": {}}, {"Rotat": {"limit": 10}}], where="augment")
    message = str(err.value)
    assert message.startswith("augment[1]: unknown transform 'Rotat'; did you mean 'Rotate'?")
    assert all(name in message for name in names())
    with pytest.raises(UnknownNameError, match="unknown transform 'Nope'"):
        lookup("Nope")
    assert isinstance(err.value, KeyError)  # UnknownNameError is also a KeyError


def test_unknown_and_bad_parameters_name_the_place():
    with pytest.raises(UnknownNameError, match=r"^augment\[0\]\.Rotate: unknown keyword 'angle'; "
                       r"Valid keywords: border_mode, fill, interpolation, limit, p$"):
        from_dict([{"Rotate": {"angle": 10}}], where="augment")
    with pytest.raises(ConfigError, match=r"^spec\[0\]\.Rotate: limit must be .*got 'ten'$"):
        from_dict([{"Rotate": {"limit": "ten"}}])
    with pytest.raises(ConfigError, match=r"^spec\.Rotate: border_mode must be one of "
                       r"'constant', 'replicate', 'reflect', 'reflect101', 'wrap', got 'mirror'$"):
        from_dict({"Rotate": {"border_mode": "mirror"}})
    with pytest.raises(ConfigError, match="missing required keyword.*size"):
        from_dict({"RandomResizedCrop": {}})


@pytest.mark.parametrize("spec", [
    {"HorizontalFlip": {}, "Rotate": {}},     # two transforms in one entry
    42,
    {"Rotate": [10]},                          # parameters not a mapping
    {"Rotate": {1: 10}},
])
def test_malformed_entries_are_refused(spec):
    with pytest.raises(ConfigError, match="^spec"):
        from_dict(spec)


def test_invalid_yaml_is_refused():
    with pytest.raises(TransformError, match="augment YAML: not valid YAML"):
        from_yaml("- Rotate: {limit: [10\n")


def test_a_second_transform_under_a_taken_name_is_refused():
    class Rotate(Transform):  # noqa: F811 - deliberately clashes with the registered one
        """Rotate(*, p=0.5) — a clash."""

        def __init__(self, *, p=0.5):
            super().__init__(p=p)

    with pytest.raises(ConfigError, match="two transforms are registered as 'Rotate'"):
        register("transforms", Rotate)
    assert lookup("Rotate") is tk.augment.Rotate


@pytest.mark.parametrize("name", tk.augment.__all__)
def test_public_names_resolve_and_document_themselves(name):
    obj = getattr(tk.augment, name)
    assert obj.__doc__ and obj.__doc__.strip()


def test_import_is_lazy_and_the_update_check_off():
    """``import toolkit`` does not load albumentations (seconds); the first transform does,
    with its network update check off. (Its import raising no warning is checked by the
    first test that builds a transform: warnings are errors here.)"""
    import os
    import subprocess
    import sys

    code = ("import sys, toolkit; "
            "assert 'albumentations' not in sys.modules, 'import toolkit loaded albumentations'")
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)
    tk.augment.ShiftScaleRotate()
    assert os.environ["NO_ALBUMENTATIONS_UPDATE"] == "1"


def _pairs(lo, hi):
    from hypothesis import strategies as st

    number = st.floats(lo, hi, allow_nan=False) | st.integers(math.ceil(lo), math.floor(hi))
    return st.tuples(number, number).map(sorted)


def test_round_trip_holds_for_any_valid_values():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    probability = st.floats(0, 1)

    @settings(max_examples=25, deadline=None)
    @given(limit=st.floats(0, 360) | _pairs(-360, 360), p=probability,
           scale=st.floats(0.01, 100) | _pairs(0.01, 100), fill=st.integers(0, 255),
           size=st.integers(1, 64) | st.tuples(st.integers(1, 64), st.integers(1, 64)))
    def check(limit, p, scale, fill, size):
        aug = (Rotate(limit=limit, p=p, fill=fill) | tk.augment.Affine(scale=scale, rotate=limit)
               | tk.augment.RandomResizedCrop(size=size, p=p))
        assert from_dict(aug.to_dict()) == aug
        assert from_yaml(aug.to_yaml()) == aug

    check()
