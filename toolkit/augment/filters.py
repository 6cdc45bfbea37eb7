"""Blur, noise and dropout: transforms that change pixels but not the geometry.

>>> import numpy as np
>>> image = np.full((8, 8, 3), 100, np.uint8)
>>> bool((Blur(p=1.0).apply(image, seed=0) == 100).all())  # a flat image stays flat
True
"""

from __future__ import annotations

from toolkit.augment import params as P
from toolkit.augment._albu import albumentations
from toolkit.augment.core import Transform
from toolkit.errors import TransformError
from toolkit.registry import register


@register("transforms")
class Blur(Transform):
    """Blur(*, blur_limit=(3, 7), p=0.5) — box blur with an odd kernel size drawn from
    ``blur_limit`` (``k`` means 3..k).

    >>> Blur(blur_limit=5)
    Blur(blur_limit=5, p=0.5)
    """

    def __init__(self, *, blur_limit=(3, 7), p=0.5):
        super().__init__(blur_limit=P.kernel("Blur", "blur_limit", blur_limit),
                         p=P.probability("Blur", p))

    def _build(self):
        params = self._params
        return albumentations().Blur(blur_limit=P.kernel_range(params["blur_limit"]),
                                     p=params["p"])


@register("transforms")
class MedianBlur(Transform):
    """MedianBlur(*, blur_limit=(3, 7), p=0.5) — median filter, odd kernel size from
    ``blur_limit``.

    >>> MedianBlur(blur_limit=[3, 5]).to_dict()
    {'MedianBlur': {'blur_limit': [3, 5], 'p': 0.5}}
    """

    def __init__(self, *, blur_limit=(3, 7), p=0.5):
        super().__init__(blur_limit=P.kernel("MedianBlur", "blur_limit", blur_limit),
                         p=P.probability("MedianBlur", p))

    def _build(self):
        params = self._params
        return albumentations().MedianBlur(blur_limit=P.kernel_range(params["blur_limit"]),
                                           p=params["p"])


@register("transforms")
class GaussianBlur(Transform):
    """GaussianBlur(*, blur_limit=0, sigma_limit=(0.5, 3.0), p=0.5)

    Gaussian blur with sigma drawn from ``sigma_limit`` and an odd kernel size from
    ``blur_limit`` (0: sized from sigma).

    >>> GaussianBlur(sigma_limit=[0.5, 1.5])
    GaussianBlur(sigma_limit=(0.5, 1.5), p=0.5)
    """

    def __init__(self, *, blur_limit=0, sigma_limit=(0.5, 3.0), p=0.5):
        owner = "GaussianBlur"
        super().__init__(blur_limit=P.kernel(owner, "blur_limit", blur_limit, allow_zero=True),
                         sigma_limit=P.span(owner, "sigma_limit", sigma_limit, low=0.01),
                         p=P.probability(owner, p))

    def _build(self):
        params = self._params
        sigma = params["sigma_limit"]
        return albumentations().GaussianBlur(
            blur_limit=P.kernel_range(params["blur_limit"]),
            sigma_limit=(sigma, sigma) if isinstance(sigma, (int, float)) else sigma,
            p=params["p"])


@register("transforms")
class GaussNoise(Transform):
    """GaussNoise(*, std_range=(0.2, 0.44), mean_range=(0.0, 0.0), per_channel=True, p=0.5)

    Add Gaussian noise whose standard deviation (a fraction of the maximum value,
    255 for uint8) is drawn from ``std_range`` and mean from ``mean_range``;
    ``per_channel`` draws each channel's noise separately.

    >>> GaussNoise(std_range=[0.05, 0.1])
    GaussNoise(std_range=(0.05, 0.1), p=0.5)
    """

    def __init__(self, *, std_range=(0.2, 0.44), mean_range=(0.0, 0.0), per_channel=True, p=0.5):
        owner = "GaussNoise"
        super().__init__(std_range=P.pair(owner, "std_range", std_range, low=0, high=1),
                         mean_range=P.pair(owner, "mean_range", mean_range, low=-1, high=1),
                         per_channel=P.flag(owner, "per_channel", per_channel),
                         p=P.probability(owner, p))

    def _build(self):
        return albumentations().GaussNoise(**self._params)


def _hole_range(owner: str, name: str, value) -> tuple:
    """A pair of pixel counts (ints >= 1) or of fractions of the size (floats in (0, 1))."""
    lo, hi = P.pair(owner, name, value, low=0)
    pixels = isinstance(lo, int) and isinstance(hi, int) and lo >= 1
    fractions = isinstance(lo, float) and isinstance(hi, float) and 0 < lo and hi < 1
    if not (pixels or fractions):
        msg = (f"{owner}: {name} must be a pair of pixel counts (integers >= 1) or of "
               f"fractions of the size (decimals in (0, 1), e.g. [0.1, 0.2]), got {value!r}")
        raise TransformError(msg)
    return (lo, hi)


def _same_kind(owner: str, height: tuple, width: tuple) -> None:
    """albumentations reads both ranges as pixels or both as fractions, judged by height."""
    if isinstance(height[0], int) != isinstance(width[0], int):
        msg = (f"{owner}: hole_height_range {list(height)} and hole_width_range {list(width)} "
               "must both be pixel counts (integers) or both fractions (decimals)")
        raise TransformError(msg)


@register("transforms")
class CoarseDropout(Transform):
    """CoarseDropout(*, num_holes_range=(1, 2), hole_height_range=(0.1, 0.2),
    hole_width_range=(0.1, 0.2), fill=0, p=0.5)

    Cut rectangular holes filled with ``fill``: their number drawn from
    ``num_holes_range``, their sizes in pixels (integers) or fractions of the image
    (decimals) from the hole ranges.

    >>> CoarseDropout(num_holes_range=[2, 4], hole_height_range=[2, 4], hole_width_range=[3, 5])
    CoarseDropout(num_holes_range=(2, 4), hole_height_range=(2, 4), hole_width_range=(3, 5), p=0.5)
    """

    def __init__(self, *, num_holes_range=(1, 2), hole_height_range=(0.1, 0.2),
                 hole_width_range=(0.1, 0.2), fill=0, p=0.5):
        owner = "CoarseDropout"
        height = _hole_range(owner, "hole_height_range", hole_height_range)
        width = _hole_range(owner, "hole_width_range", hole_width_range)
        _same_kind(owner, height, width)
        super().__init__(num_holes_range=P.pair(owner, "num_holes_range", num_holes_range,
                                                low=1, integer=True),
                         hole_height_range=height,
                         hole_width_range=width,
                         fill=P.values(owner, "fill", fill),
                         p=P.probability(owner, p))

    def _build(self):
        return albumentations().CoarseDropout(**self._params)
