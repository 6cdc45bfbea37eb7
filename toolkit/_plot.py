"""matplotlib helpers any layer may use for its figures: a Figure without pyplot, an image grid.

A leaf (it imports nothing of toolkit). Figures are made with ``matplotlib.figure.Figure``
directly: nothing is drawn on a screen, no global figure list grows, and it works
headless (the Agg renderer); in a Jupyter kernel they show as PNG (``toolkit._notebook``).

>>> import numpy as np
>>> fig = image_grid([np.zeros((4, 4), np.uint8)] * 3, ["a", "b", "c"])
>>> [ax.get_title() for ax in fig.axes]
['a', 'b', 'c']
"""

from __future__ import annotations

import math

import numpy as np


def figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def shown(image) -> np.ndarray:
    """Pixels matplotlib can show: uint8 as is, floats rescaled into [0, 1] when outside it."""
    pixels = np.asarray(image.get() if hasattr(image, "get") else image)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.dtype == np.uint8:
        return pixels
    pixels = pixels.astype(np.float64)
    low, high = pixels.min(), pixels.max()
    if low < 0 or high > 1:  # normalised: stretch for display
        pixels = (pixels - low) / ((high - low) or 1.0)
    return pixels


def image_grid(images, titles, ncols: int | None = None, size: float = 1.4):
    """image_grid(images, titles, ncols=None) -> a Figure with one image panel per image."""
    n = len(images)
    ncols = ncols or min(n, 8)
    nrows = max(1, math.ceil(n / ncols))
    fig = figure(size * ncols, size * nrows + 0.2)
    for i, image in enumerate(images):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        pixels = shown(image)
        ax.imshow(pixels, cmap="gray" if pixels.ndim == 2 else None, vmin=0,
                  vmax=255 if pixels.dtype == np.uint8 else 1, interpolation="nearest")
        ax.set_title(str(titles[i]), fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
