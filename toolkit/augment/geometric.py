"""Geometric transforms: flips, rotation and affine warps.

>>> import numpy as np
>>> image = np.arange(2 * 3, dtype=np.uint8).reshape(2, 3, 1)
>>> HorizontalFlip(p=1.0).apply(image, seed=0)[..., 0].tolist()
[[2, 1, 0], [5, 4, 3]]
"""

from __future__ import annotations

from toolkit.augment import _params as P
from toolkit.augment._albu import albumentations
from toolkit.augment.core import Transform
from toolkit.augment.registry import register


def _warp_options(owner: str, interpolation, border_mode, fill) -> dict:
    """Validated options shared by every warp: stored names, not cv2 codes."""
    return {
        "interpolation": P.choice(owner, "interpolation", interpolation, P.INTERPOLATIONS),
        "border_mode": P.choice(owner, "border_mode", border_mode, P.BORDER_MODES),
        "fill": P.values(owner, "fill", fill),
    }


def _warp_kwargs(params: dict) -> dict:
    """The albumentations keywords for ``_warp_options``' parameters."""
    return {
        "interpolation": P.INTERPOLATIONS[params["interpolation"]],
        "border_mode": P.BORDER_MODES[params["border_mode"]],
        "fill": params["fill"],
        "p": params["p"],
    }


@register
class HorizontalFlip(Transform):
    """HorizontalFlip(*, p=0.5) — mirror left to right with probability ``p``.

    >>> HorizontalFlip(p=1.0)
    HorizontalFlip(p=1.0)
    """

    def __init__(self, *, p=0.5):
        super().__init__(p=P.probability("HorizontalFlip", p))

    def _build(self):
        return albumentations().HorizontalFlip(p=self._params["p"])


@register
class VerticalFlip(Transform):
    """VerticalFlip(*, p=0.5) — mirror top to bottom with probability ``p``.

    >>> VerticalFlip().to_dict()
    {'VerticalFlip': {'p': 0.5}}
    """

    def __init__(self, *, p=0.5):
        super().__init__(p=P.probability("VerticalFlip", p))

    def _build(self):
        return albumentations().VerticalFlip(p=self._params["p"])


@register
class Rotate(Transform):
    """Rotate(*, limit=90, interpolation="linear", border_mode="constant", fill=0, p=0.5)

    Rotate by an angle in degrees drawn from [-limit, limit] (or from a pair
    ``[lo, hi]``), keeping the image size; uncovered corners follow ``border_mode``
    ("constant" uses ``fill``, or "replicate", "reflect", "reflect101", "wrap").

    >>> Rotate(limit=20, border_mode="reflect")
    Rotate(limit=20, border_mode='reflect', p=0.5)
    """

    def __init__(self, *, limit=90, interpolation="linear", border_mode="constant", fill=0,
                 p=0.5):
        super().__init__(limit=P.limit("Rotate", "limit", limit, high=360),
                         **_warp_options("Rotate", interpolation, border_mode, fill),
                         p=P.probability("Rotate", p))

    def _build(self):
        limit = P.symmetric(self._params["limit"])
        return albumentations().Rotate(limit=limit, **_warp_kwargs(self._params))


@register
class Affine(Transform):
    """Affine(*, scale=1.0, translate_percent=0.0, rotate=0.0, shear=0.0, interpolation="linear",
    border_mode="constant", fill=0, p=0.5)

    Scale, translate, rotate and shear in one warp, keeping the image size. ``scale``
    is a factor or a pair ``[lo, hi]`` to draw from; ``translate_percent`` (a fraction
    of the size), ``rotate`` and ``shear`` (degrees) are a limit ``x`` meaning
    ``[-x, x]`` or a pair.

    >>> Affine(scale=[0.9, 1.1], rotate=15)
    Affine(scale=(0.9, 1.1), rotate=15, p=0.5)
    """

    def __init__(self, *, scale=1.0, translate_percent=0.0, rotate=0.0, shear=0.0,
                 interpolation="linear", border_mode="constant", fill=0, p=0.5):
        super().__init__(scale=P.span("Affine", "scale", scale, low=0.01, high=100),
                         translate_percent=P.limit("Affine", "translate_percent",
                                                   translate_percent, high=1),
                         rotate=P.limit("Affine", "rotate", rotate, high=360),
                         shear=P.limit("Affine", "shear", shear, high=89),
                         **_warp_options("Affine", interpolation, border_mode, fill),
                         p=P.probability("Affine", p))

    def _build(self):
        scale = self._params["scale"]
        return albumentations().Affine(
            scale=(scale, scale) if isinstance(scale, (int, float)) else scale,
            translate_percent=P.symmetric(self._params["translate_percent"]),
            rotate=P.symmetric(self._params["rotate"]),
            shear=P.symmetric(self._params["shear"]),
            **_warp_kwargs(self._params),
        )


@register
class ShiftScaleRotate(Transform):
    """ShiftScaleRotate(*, shift_limit=0.0625, scale_limit=0.1, rotate_limit=45,
    interpolation="linear", border_mode="constant", fill=0, p=0.5)

    Shift by up to ``shift_limit`` of the size, scale by ``1 + s`` with ``s`` in
    [-scale_limit, scale_limit], rotate by up to ``rotate_limit`` degrees (each
    limit may also be a pair ``[lo, hi]``). Runs as albumentations' ``Affine``,
    since albumentations 2 deprecates its own ShiftScaleRotate.

    >>> ShiftScaleRotate(rotate_limit=10).to_dict()
    {'ShiftScaleRotate': {'rotate_limit': 10, 'p': 0.5}}
    """

    def __init__(self, *, shift_limit=0.0625, scale_limit=0.1, rotate_limit=45,
                 interpolation="linear", border_mode="constant", fill=0, p=0.5):
        owner = "ShiftScaleRotate"
        super().__init__(shift_limit=P.limit(owner, "shift_limit", shift_limit, high=1),
                         scale_limit=P.limit(owner, "scale_limit", scale_limit, high=0.99),
                         rotate_limit=P.limit(owner, "rotate_limit", rotate_limit, high=360),
                         **_warp_options(owner, interpolation, border_mode, fill),
                         p=P.probability(owner, p))

    def _build(self):
        lo, hi = P.symmetric(self._params["scale_limit"])
        return albumentations().Affine(
            scale=(1 + lo, 1 + hi),
            translate_percent=P.symmetric(self._params["shift_limit"]),
            rotate=P.symmetric(self._params["rotate_limit"]),
            **_warp_kwargs(self._params),
        )
