"""Colour and intensity transforms: brightness, contrast, jitter, gamma, grey, normalize.

>>> import numpy as np
>>> image = np.full((4, 4, 3), 255, np.uint8)
>>> Normalize(mean=0.5, std=0.25).apply(image, seed=0)[0, 0].tolist()
[2.0, 2.0, 2.0]
"""

from __future__ import annotations

import functools

from toolkit.augment import params as P
from toolkit.augment._albu import albumentations
from toolkit.augment.core import Transform
from toolkit.errors import ShapeError
from toolkit.registry import register


def _channels(shape: tuple) -> int:
    return shape[2] if len(shape) == 3 else 1


@register("transforms")
class RandomBrightnessContrast(Transform):
    """RandomBrightnessContrast(*, brightness_limit=0.2, contrast_limit=0.2,
    brightness_by_max=True, p=0.5)

    Shift brightness by a fraction drawn from [-brightness_limit, brightness_limit]
    (of the maximum value, or of the image mean when ``brightness_by_max`` is false)
    and scale contrast by ``1 + c``, c drawn from [-contrast_limit, contrast_limit];
    each limit may also be a pair ``[lo, hi]``.

    >>> RandomBrightnessContrast(brightness_limit=0.1)
    RandomBrightnessContrast(brightness_limit=0.1, p=0.5)
    """

    def __init__(self, *, brightness_limit=0.2, contrast_limit=0.2, brightness_by_max=True,
                 p=0.5):
        owner = "RandomBrightnessContrast"
        super().__init__(
            brightness_limit=P.limit(owner, "brightness_limit", brightness_limit, high=1),
            contrast_limit=P.limit(owner, "contrast_limit", contrast_limit, high=1),
            brightness_by_max=P.flag(owner, "brightness_by_max", brightness_by_max),
            p=P.probability(owner, p))

    def _build(self):
        params = self._params
        return albumentations().RandomBrightnessContrast(
            brightness_limit=P.symmetric(params["brightness_limit"]),
            contrast_limit=P.symmetric(params["contrast_limit"]),
            brightness_by_max=params["brightness_by_max"], p=params["p"])


def _factor_range(value) -> tuple:
    """A jitter amount x as the factor range [max(0, 1 - x), 1 + x]; a pair passes through."""
    return (max(0.0, 1.0 - value), 1.0 + value) if isinstance(value, (int, float)) else value


@register("transforms")
class ColorJitter(Transform):
    """ColorJitter(*, brightness=0.2, contrast=0.2, saturation=0.2, hue=0.0, p=0.5)

    torchvision's jitter: brightness, contrast and saturation factors drawn from
    [1 - x, 1 + x] (or a pair of factors), hue shifted by a fraction of the colour
    wheel drawn from [-hue, hue] (hue at most 0.5). Grey images ignore saturation
    and hue.

    >>> ColorJitter(brightness=0.4, hue=0.1)
    ColorJitter(brightness=0.4, hue=0.1, p=0.5)
    """

    def __init__(self, *, brightness=0.2, contrast=0.2, saturation=0.2, hue=0.0, p=0.5):
        owner = "ColorJitter"
        super().__init__(brightness=P.span(owner, "brightness", brightness, low=0),
                         contrast=P.span(owner, "contrast", contrast, low=0),
                         saturation=P.span(owner, "saturation", saturation, low=0),
                         hue=P.limit(owner, "hue", hue, high=0.5),
                         p=P.probability(owner, p))

    def _build(self):
        params = self._params
        return albumentations().ColorJitter(
            brightness=_factor_range(params["brightness"]),
            contrast=_factor_range(params["contrast"]),
            saturation=_factor_range(params["saturation"]),
            hue=P.symmetric(params["hue"]), p=params["p"])


@register("transforms")
class RandomGamma(Transform):
    """RandomGamma(*, gamma_limit=(80, 120), p=0.5) — gamma curve with gamma/100 drawn from
    ``gamma_limit``.

    >>> RandomGamma(gamma_limit=[90, 110]).to_dict()
    {'RandomGamma': {'gamma_limit': [90, 110], 'p': 0.5}}
    """

    def __init__(self, *, gamma_limit=(80, 120), p=0.5):
        super().__init__(gamma_limit=P.pair("RandomGamma", "gamma_limit", gamma_limit, low=1),
                         p=P.probability("RandomGamma", p))

    def _build(self):
        params = self._params
        return albumentations().RandomGamma(gamma_limit=params["gamma_limit"], p=params["p"])


@functools.cache
def _to_gray_class():
    """albumentations' ToGray, passing grey images through (it would warn) and
    keeping the channel count of colour images."""

    class KeepChannelsToGray(albumentations().ToGray):
        def apply(self, img, **params):
            if img.ndim == 2 or img.shape[-1] == 1:
                return img
            return super().apply(img, **params)

    return KeepChannelsToGray


@register("transforms")
class ToGray(Transform):
    """ToGray(*, p=0.5) — turn an RGB image grey, keeping its 3 channels; grey images pass.

    >>> import numpy as np
    >>> rgb = np.zeros((2, 2, 3), np.uint8); rgb[..., 0] = 255
    >>> ToGray(p=1.0).apply(rgb, seed=0)[0, 0].tolist()
    [76, 76, 76]
    """

    def __init__(self, *, p=0.5):
        super().__init__(p=P.probability("ToGray", p))

    def _check(self, shape: tuple) -> None:
        if _channels(shape) not in (1, 3):
            msg = (f"ToGray: expected an RGB (H, W, 3) or grey (H, W, 1) image, got shape "
                   f"{shape}; load the images with color='rgb'")
            raise ShapeError(msg)

    def _build(self):
        return _to_gray_class()(num_output_channels=3, p=self._params["p"])


@register("transforms")
class Normalize(Transform):
    """Normalize(*, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), max_pixel_value=255.0)

    ``(image / max_pixel_value - mean) / std`` per channel, as float32; always
    applied (a batch cannot mix scaled and unscaled images), and best placed last.
    ``mean`` and ``std`` are one number, or one per channel (the defaults are
    ImageNet's RGB statistics: use single numbers for grey images).

    >>> Normalize(mean=0.5, std=0.5)
    Normalize(mean=0.5, std=0.5)
    """

    def __init__(self, *, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 max_pixel_value=255.0):
        super().__init__(mean=P.values("Normalize", "mean", mean),
                         std=P.values("Normalize", "std", std, positive=True),
                         max_pixel_value=P.number("Normalize", "max_pixel_value",
                                                  max_pixel_value, low=1e-12))

    _per_channel = ("mean", "std")

    def _build(self):
        params = self._params
        return albumentations().Normalize(mean=params["mean"], std=params["std"],
                                          max_pixel_value=params["max_pixel_value"], p=1.0)
