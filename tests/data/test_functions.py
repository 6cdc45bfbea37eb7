"""Plain functions as transforms: called with the image, or with a seeded Generator too."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.data.functions import FunctionTransform, as_transform
from toolkit.errors import DataError


def test_a_function_of_the_image_is_called_as_it_is():
    t = as_transform(lambda image: image * 2)
    assert isinstance(t, FunctionTransform) and not t.takes_rng
    assert t.apply(np.ones((1, 1, 1), np.uint8), 0).item() == 2


def test_a_function_taking_a_generator_repeats_with_the_seed_and_differs_across_seeds():
    t = as_transform(lambda image, rng: rng.integers(0, 1000, 4))
    assert (t.apply(None, 3) == t.apply(None, 3)).all()
    assert not (t.apply(None, 3) == t.apply(None, 4)).all()


def test_objects_with_apply_pass_through_and_albumentations_is_refused():
    class Own:
        def apply(self, image, seed):
            return image

    own = Own()
    assert as_transform(own) is own and as_transform(None) is None
    import albumentations as A

    with pytest.raises(DataError, match="tk.augment.Blur"):
        as_transform(A.Blur())
