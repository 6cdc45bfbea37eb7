"""The notebook repr of a transform or pipeline: a sample image before and after it.

A transform holds no image of its own, so it is shown on a fixed test pattern — a
colour gradient with an asymmetric mark, so flips, rotations, crops and colour changes
are all visible — followed by a few draws with different seeds.

>>> from toolkit.augment.geometric import HorizontalFlip
>>> page = transform_html(HorizontalFlip(p=1.0))
>>> page.count("<img"), "before" in page
(5, True)
"""

from __future__ import annotations

import numpy as np

import toolkit._html as _html

DRAWS = 4


def pattern(size: int = 48) -> np.ndarray:
    """pattern(size=48) -> a uint8 (size, size, 3) test image: a gradient and an "L" mark."""
    ramp = np.linspace(40, 220, size, dtype=np.float64)
    image = np.stack([np.add.outer(ramp, 0 * ramp), np.add.outer(0 * ramp, ramp),
                      np.full((size, size), 120.0)], axis=-1)
    s = size // 8
    image[s:size - 2 * s, s:2 * s] = (250, 250, 40)  # the upright of the L, left side
    image[size - 3 * s:size - 2 * s, s:size // 2] = (250, 250, 40)  # its foot, to the right
    return image.astype(np.uint8)


def transform_html(transform) -> str:
    """The repr, then the test pattern before and after ``DRAWS`` seeded draws of it."""
    image = pattern()
    images = [image] + [transform.apply(image, seed) for seed in range(DRAWS)]
    captions = ["before"] + [f"seed {seed}" for seed in range(DRAWS)]
    return _html.caption(transform) + _html.image_grid(images, captions, size=72)
