"""Geometric transforms: flips, rotation and affine warps.

>>> import numpy as np
>>> image = np.arange(2 * 3, dtype=np.uint8).reshape(2, 3, 1)
>>> HorizontalFlip(p=1.0).apply(image, seed=0)[..., 0].tolist()
[[2, 1, 0], [5, 4, 3]]
"""

from __future__ import annotations

import cv2
import numpy as np

from toolkit.augment import params as P
from toolkit.augment._albu import albumentations
from toolkit.augment.core import Transform
from toolkit.registry import register


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


def acts(p: float, draws) -> bool:
    """acts(p, draws) -> whether a step acts, drawn as albumentations 2.0 draws it:
    no draw when p is 0 or 1."""
    return p >= 1.0 or (p > 0.0 and draws.random() < p)


def _rotation(angle: float, height: int, width: int) -> np.ndarray:
    """The 3x3 matrix albumentations' ``create_affine_transformation_matrix`` builds for a
    pure rotation about the image centre: the same numpy operations, so the same bits
    (its identity translate/shear/scale factors multiply exactly)."""
    rad = np.deg2rad(angle % 360)
    cx, cy = width / 2 - 0.5, height / 2 - 0.5
    to_corner = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]])
    rotate = np.array([[np.cos(rad), np.sin(rad), 0], [-np.sin(rad), np.cos(rad), 0], [0, 0, 1]])
    back = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]])
    matrix = back @ rotate @ to_corner
    matrix[2] = [0, 0, 1]
    return matrix


def _warp(image: np.ndarray, matrix: np.ndarray, params: dict) -> np.ndarray:
    """cv2.warpAffine as albumentations calls it: at most 4 channels at a time, the fill
    repeated per channel, the channel axis kept. (A per-channel fill on more than 4
    channels works here, where albumentations 2.0.8 fails.)"""
    height, width = image.shape[:2]
    channels = image.shape[2] if image.ndim == 3 else 1
    fill = params["fill"]
    fill = [float(fill)] * channels if isinstance(fill, (int, float)) else list(fill)
    flags = P.INTERPOLATIONS[params["interpolation"]]
    border = P.BORDER_MODES[params["border_mode"]]

    def warp(part, values):
        out = cv2.warpAffine(part, matrix[:2], (width, height), flags=flags,
                             borderMode=border, borderValue=values)
        return out[..., None] if part.ndim == 3 and out.ndim == 2 else out

    if channels <= 4:
        return warp(image, fill)
    return np.dstack([warp(image[..., i:i + 4], fill[i:i + 4]) for i in range(0, channels, 4)])


@register("transforms")
class HorizontalFlip(Transform):
    """HorizontalFlip(*, p=0.5) — mirror left to right with probability ``p``.

    >>> HorizontalFlip(p=1.0)
    HorizontalFlip(p=1.0)
    """

    def __init__(self, *, p=0.5):
        super().__init__(p=P.probability("HorizontalFlip", p))

    def _build(self):
        return albumentations().HorizontalFlip(p=self._params["p"])

    def _fast(self, image, draws):
        return np.ascontiguousarray(image[:, ::-1]) if acts(self._params["p"], draws) else image


@register("transforms")
class VerticalFlip(Transform):
    """VerticalFlip(*, p=0.5) — mirror top to bottom with probability ``p``.

    >>> VerticalFlip().to_dict()
    {'VerticalFlip': {'p': 0.5}}
    """

    def __init__(self, *, p=0.5):
        super().__init__(p=P.probability("VerticalFlip", p))

    def _build(self):
        return albumentations().VerticalFlip(p=self._params["p"])

    def _fast(self, image, draws):
        return np.ascontiguousarray(image[::-1]) if acts(self._params["p"], draws) else image


@register("transforms")
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

    def _fast(self, image, draws):
        if not acts(self._params["p"], draws):
            return image
        angle = draws.uniform(*(float(v) for v in P.symmetric(self._params["limit"])))
        turn = angle % 360
        if min(turn, 360 - turn) < 1e-3:  # near 0: albumentations may leave the image as is
            matrix = _rotation(angle, *image.shape[:2])
            if np.allclose(matrix, np.eye(3)):
                return image
        return _warp(image, _rotation(angle, *image.shape[:2]), self._params)


@register("transforms")
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


@register("transforms")
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
