"""toolkit.augment — named, composable, serializable image transforms.

Each transform is a small class with keyword parameters, validated when built;
``|`` composes them into a :class:`Pipeline`; ``to_dict()`` / :func:`from_dict`
(and :func:`from_yaml`) round-trip them through plain data; ``tk.registry("transforms")``
lists them. ``apply(image, seed)`` is deterministic in ``seed`` and thread-safe.
albumentations (the MIT 2.0.x line) does the pixel work; it is imported on first use.

>>> import toolkit as tk
>>> aug = tk.augment.HorizontalFlip(p=0.5) | tk.augment.Rotate(limit=20)
>>> tk.augment.from_dict(aug.to_dict()) == aug
True
"""

from toolkit.augment.batch import apply_batch
from toolkit.augment.color import (
    ColorJitter,
    Normalize,
    RandomBrightnessContrast,
    RandomGamma,
    ToGray,
)
from toolkit.augment.core import Pipeline, Transform
from toolkit.augment.crops import CenterCrop, PadIfNeeded, RandomCrop, RandomResizedCrop, Resize
from toolkit.augment.filters import Blur, CoarseDropout, GaussianBlur, GaussNoise, MedianBlur
from toolkit.augment.geometric import Affine, HorizontalFlip, Rotate, ShiftScaleRotate, VerticalFlip
from toolkit.augment.preview import preview
from toolkit.augment.spec import from_dict, from_yaml
from toolkit.errors import TransformError

__all__ = [
    "Affine",
    "Blur",
    "CenterCrop",
    "CoarseDropout",
    "ColorJitter",
    "GaussNoise",
    "GaussianBlur",
    "HorizontalFlip",
    "MedianBlur",
    "Normalize",
    "PadIfNeeded",
    "Pipeline",
    "preview",
    "RandomBrightnessContrast",
    "RandomCrop",
    "RandomGamma",
    "RandomResizedCrop",
    "Resize",
    "Rotate",
    "ShiftScaleRotate",
    "ToGray",
    "Transform",
    "TransformError",
    "VerticalFlip",
    "apply_batch",
    "from_dict",
    "from_yaml",
]
