"""Crops, pads and resizes: transforms that change the image size.

>>> import numpy as np
>>> image = np.zeros((32, 32, 3), np.uint8)
>>> aug = CenterCrop(height=16, width=8) | PadIfNeeded(min_height=20, min_width=20)
>>> aug.apply(image, seed=0).shape
(20, 20, 3)
"""

from __future__ import annotations

from toolkit.augment import params as P
from toolkit.augment._albu import albumentations
from toolkit.augment.core import Transform
from toolkit.registry import register

_POSITIONS = ("center", "top_left", "top_right", "bottom_left", "bottom_right", "random")


def _crop_options(owner: str, height, width, pad_if_needed, border_mode, fill, p) -> dict:
    return {
        "height": P.number(owner, "height", height, low=1, integer=True),
        "width": P.number(owner, "width", width, low=1, integer=True),
        "pad_if_needed": P.flag(owner, "pad_if_needed", pad_if_needed),
        "border_mode": P.choice(owner, "border_mode", border_mode, P.BORDER_MODES),
        "fill": P.values(owner, "fill", fill),
        "p": P.probability(owner, p),
    }


def _crop_kwargs(params: dict) -> dict:
    return {**params, "border_mode": P.BORDER_MODES[params["border_mode"]]}


@register("transforms")
class RandomResizedCrop(Transform):
    """RandomResizedCrop(*, size, scale=(0.08, 1.0), ratio=(0.75, 4/3), interpolation="linear",
    p=1.0)

    Crop a random area (a fraction of the image drawn from ``scale``, with an
    aspect ratio drawn from ``ratio``) and resize it to ``size`` (an int for a
    square, or ``[height, width]``), as torchvision and Keras do.

    >>> import numpy as np
    >>> RandomResizedCrop(size=[12, 16]).apply(np.zeros((32, 32, 1), np.uint8), seed=3).shape
    (12, 16, 1)
    """

    def __init__(self, *, size, scale=(0.08, 1.0), ratio=(0.75, 4 / 3), interpolation="linear",
                 p=1.0):
        owner = "RandomResizedCrop"
        super().__init__(size=P.size(owner, "size", size),
                         scale=P.pair(owner, "scale", scale, low=0.001, high=1),
                         ratio=P.pair(owner, "ratio", ratio, low=0.001, high=1000),
                         interpolation=P.choice(owner, "interpolation", interpolation,
                                                P.INTERPOLATIONS),
                         p=P.probability(owner, p))

    def _build(self):
        params = self._params
        return albumentations().RandomResizedCrop(
            size=P.hw(params["size"]), scale=params["scale"], ratio=params["ratio"],
            interpolation=P.INTERPOLATIONS[params["interpolation"]], p=params["p"])


@register("transforms")
class CenterCrop(Transform):
    """CenterCrop(*, height, width, pad_if_needed=False, border_mode="constant", fill=0, p=1.0)

    Cut the central ``height`` x ``width`` region. A smaller image is an error
    unless ``pad_if_needed`` pads it first (by ``border_mode``).

    >>> CenterCrop(height=24, width=24)
    CenterCrop(height=24, width=24, p=1.0)
    """

    def __init__(self, *, height, width, pad_if_needed=False, border_mode="constant", fill=0,
                 p=1.0):
        super().__init__(**_crop_options("CenterCrop", height, width, pad_if_needed,
                                         border_mode, fill, p))

    def _build(self):
        return albumentations().CenterCrop(**_crop_kwargs(self._params))


@register("transforms")
class RandomCrop(Transform):
    """RandomCrop(*, height, width, pad_if_needed=False, border_mode="constant", fill=0, p=1.0)

    Cut a ``height`` x ``width`` region at a random place. A smaller image is an
    error unless ``pad_if_needed`` pads it first.

    >>> RandomCrop(height=16, width=16, pad_if_needed=True).to_dict()
    {'RandomCrop': {'height': 16, 'width': 16, 'pad_if_needed': True, 'p': 1.0}}
    """

    def __init__(self, *, height, width, pad_if_needed=False, border_mode="constant", fill=0,
                 p=1.0):
        super().__init__(**_crop_options("RandomCrop", height, width, pad_if_needed,
                                         border_mode, fill, p))

    def _build(self):
        return albumentations().RandomCrop(**_crop_kwargs(self._params))


@register("transforms")
class PadIfNeeded(Transform):
    """PadIfNeeded(*, min_height, min_width, position="center", border_mode="constant", fill=0,
    p=1.0)

    Pad the image to at least ``min_height`` x ``min_width``; larger images pass
    unchanged. ``position`` places the image: "center", "top_left", "top_right",
    "bottom_left", "bottom_right" or "random".

    >>> PadIfNeeded(min_height=40, min_width=40, border_mode="reflect")
    PadIfNeeded(min_height=40, min_width=40, border_mode='reflect', p=1.0)
    """

    def __init__(self, *, min_height, min_width, position="center", border_mode="constant",
                 fill=0, p=1.0):
        owner = "PadIfNeeded"
        super().__init__(min_height=P.number(owner, "min_height", min_height, low=1, integer=True),
                         min_width=P.number(owner, "min_width", min_width, low=1, integer=True),
                         position=P.choice(owner, "position", position, _POSITIONS),
                         border_mode=P.choice(owner, "border_mode", border_mode, P.BORDER_MODES),
                         fill=P.values(owner, "fill", fill),
                         p=P.probability(owner, p))

    def _build(self):
        return albumentations().PadIfNeeded(**_crop_kwargs(self._params))


@register("transforms")
class Resize(Transform):
    """Resize(*, height, width, interpolation="linear", p=1.0) — resize to ``height`` x ``width``.

    >>> import numpy as np
    >>> Resize(height=8, width=12).apply(np.zeros((32, 32, 3), np.uint8), seed=0).shape
    (8, 12, 3)
    """

    def __init__(self, *, height, width, interpolation="linear", p=1.0):
        super().__init__(height=P.number("Resize", "height", height, low=1, integer=True),
                         width=P.number("Resize", "width", width, low=1, integer=True),
                         interpolation=P.choice("Resize", "interpolation", interpolation,
                                                P.INTERPOLATIONS),
                         p=P.probability("Resize", p))

    def _build(self):
        params = self._params
        return albumentations().Resize(
            height=params["height"], width=params["width"],
            interpolation=P.INTERPOLATIONS[params["interpolation"]], p=params["p"])
