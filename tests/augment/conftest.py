"""The reference the augment tests compare against: albumentations itself."""

from __future__ import annotations

import pytest


def _albumentations_compose(aug, image, seed):
    """What albumentations computes for ``aug``: a Compose of its transforms, given the
    random state that ``apply`` derives from ``seed``."""
    from toolkit.augment import Pipeline
    from toolkit.augment._albu import albumentations
    from toolkit.augment.core import numpy_random, python_random

    steps = list(Pipeline(aug))
    compose = albumentations().Compose([step._build() for step in steps], p=1.0)
    compose.set_random_state(numpy_random(seed), python_random(seed))
    out = compose(image=image)["image"]
    return out[..., None] if image.ndim == 3 and out.ndim == 2 else out


@pytest.fixture
def albumentations_compose():
    """albumentations_compose(aug, image, seed) -> albumentations' own result for ``aug``."""
    return _albumentations_compose
