"""``preview``: an image and a few draws of a transform, as a matplotlib Figure.

>>> import numpy as np
>>> from toolkit.augment.geometric import HorizontalFlip
>>> fig = preview(HorizontalFlip(p=1.0), np.zeros((4, 4, 3), np.uint8), n=2)
>>> [ax.get_title() for ax in fig.axes]
['original', 'seed 0', 'seed 1']
"""

from __future__ import annotations

from toolkit._plot import image_grid


def preview(transform, image, n: int = 8, *, seed: int = 0, ncols: int | None = None):
    """preview(transform, image, n=8, *, seed=0) -> Figure: the image, then ``n`` draws of
    ``transform.apply(image, seed + i)``.
    """
    images = [image] + [transform.apply(image, seed + i) for i in range(n)]
    titles = ["original"] + [f"seed {seed + i}" for i in range(n)]
    return image_grid(images, titles, ncols or min(n + 1, 9))
