"""Figures: a batch of images, augmentations, training curves, the rate finder, confusion, mistakes.

Every function returns a ``matplotlib.figure.Figure`` made without pyplot: nothing is
drawn on a screen, no global figure list grows, and it works headless (the Agg
renderer). In a notebook the figure shows as a PNG (see ``toolkit.viz``).

>>> import numpy as np
>>> fig = plot_confusion([0, 1, 1, 2], [0, 1, 2, 2], classes=["a", "b", "c"])
>>> ax = fig.axes[0]
>>> ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()]
('predicted', 'true', ['a', 'b', 'c'])
"""

from __future__ import annotations

import math

import numpy as np

from toolkit._html import label_name


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _shown(image) -> np.ndarray:
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
    fig = _figure(size * ncols, size * nrows + 0.2)
    for i, image in enumerate(images):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        pixels = _shown(image)
        ax.imshow(pixels, cmap="gray" if pixels.ndim == 2 else None, vmin=0,
                  vmax=255 if pixels.dtype == np.uint8 else 1, interpolation="nearest")
        ax.set_title(str(titles[i]), fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def show_batch(data, n: int = 16, *, ncols: int | None = None, classes=None):
    """show_batch(loader_or_dataset, n=16, *, ncols=None, classes=None) -> Figure.

    A grid of the first ``n`` images with their class names: from a ``DataLoader``, its
    next batch as the model sees it (augmented, scaled), without moving its epoch on;
    from a data set, its first items as decoded.
    """
    if hasattr(data, "iter_epoch"):
        x, y = _first_items(data, n)
        classes = classes if classes is not None else getattr(data.ds, "classes", None)
    else:
        items = [data[i] for i in range(min(n, len(data)))]
        x, y = [image for image, _ in items], [label for _, label in items]
        classes = classes if classes is not None else getattr(data, "classes", None)
    titles = [label_name(label, classes) for label in y]
    return image_grid(list(x), titles, ncols)


def _first_items(loader, n: int):
    xs, ys, count = [], [], 0
    for x, y in loader.iter_epoch(loader.epoch):
        xs.append(x)
        ys.append(y)
        count += len(x)
        if count >= n:
            break
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def preview(transform, image, n: int = 8, *, seed: int = 0, ncols: int | None = None):
    """preview(transform, image, n=8, *, seed=0) -> Figure: the image, then ``n`` draws of
    ``transform.apply(image, seed + i)``.
    """
    images = [image] + [transform.apply(image, seed + i) for i in range(n)]
    titles = ["original"] + [f"seed {seed + i}" for i in range(n)]
    return image_grid(images, titles, ncols or min(n + 1, 9))


def plot_confusion(y_true, y_pred, *, classes=None, normalize: bool = False):
    """plot_confusion(y_true, y_pred, *, classes=None, normalize=False) -> Figure.

    The confusion matrix (rows: true class, columns: predicted), a count in each cell;
    ``normalize`` divides each row by its total. Labels are class indices (or one-hot
    rows, or probabilities / logits, reduced with argmax), or the class names themselves
    when ``classes`` is given.
    """
    t, p = _indices(y_true, classes), _indices(y_pred, classes)
    k = len(classes) if classes is not None else int(max(t.max(), p.max())) + 1
    matrix = np.zeros((k, k), np.float64)
    np.add.at(matrix, (t, p), 1)
    if normalize:
        matrix /= np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    names = [str(c) for c in (classes if classes is not None else range(k))]
    fig = _figure(max(3.2, 1.2 + 0.45 * k), max(3.0, 1.0 + 0.45 * k))
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    for (i, j), v in np.ndenumerate(matrix):
        text = f"{v:.2f}" if normalize else f"{int(v)}"
        colour = "white" if v > matrix.max() / 2 else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(k), names, rotation=90 if k > 10 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix" + (" (rows sum to 1)" if normalize else ""))
    return fig


def _indices(y, classes=None) -> np.ndarray:
    y = np.asarray(y.get() if hasattr(y, "get") else y)
    if y.dtype.kind in "USO" and classes is not None:  # class names: their positions
        position = {str(c): i for i, c in enumerate(classes)}
        return np.array([position[str(v)] for v in y.reshape(-1)], np.int64)
    return y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1).astype(np.int64)


def per_item_loss(logits, y) -> np.ndarray:
    """per_item_loss(logits, y) -> the cross-entropy of each row: ``-log softmax(logits)[y]``."""
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(z)), _indices(y)]


def top_losses(model, data, n: int = 9, *, classes=None, ncols: int | None = None):
    """top_losses(model, data, n=9, *, classes=None) -> Figure: the ``n`` images the model
    gets most wrong (highest cross-entropy), each titled true / predicted / loss.

    ``data`` is a ``DataLoader`` (one pass of its current epoch), batches of ``(x, y)``,
    or one ``(x, y)`` pair of arrays. The indices and losses are ``fig.top_losses``.
    """
    x, y = _gather(data)
    if classes is None:
        classes = getattr(getattr(data, "ds", None), "classes", None)
    logits = np.asarray(model(x))
    losses = per_item_loss(logits, y)
    worst = np.argsort(-losses, kind="stable")[:n]
    predicted = logits.argmax(axis=1)
    titles = [f"{label_name(y[i], classes)} / {label_name(predicted[i], classes)} / "
              f"{losses[i]:.2f}" for i in worst]
    fig = image_grid([x[i] for i in worst], titles, ncols or min(n, 3 if n <= 9 else 4), 1.8)
    fig.suptitle("true / predicted / loss", fontsize=9)
    fig.top_losses = [(int(i), float(losses[i])) for i in worst]
    return fig


def _gather(data):
    if isinstance(data, tuple) and len(data) == 2 and hasattr(data[0], "shape"):
        return np.asarray(data[0]), np.asarray(data[1])
    batches = data.iter_epoch(data.epoch) if hasattr(data, "iter_epoch") else data
    xs, ys = zip(*[(np.asarray(x), np.asarray(y)) for x, y in batches], strict=True)
    return np.concatenate(xs), np.concatenate(ys)


def plot_history(history, *, log: bool = False):
    """plot_history(history, *, log=False) -> Figure: training and validation loss by epoch,
    and the validation metrics beside them when there are any.
    """
    metrics = [c for c in history.columns() if c.startswith("val_") and c != "val_loss"]
    fig = _figure(4.2 * (1 + bool(metrics)), 3.0)
    ax = fig.add_subplot(1, 1 + bool(metrics), 1)
    epochs = [row["epoch"] for row in history.rows]
    for name in ("loss", "val_loss"):
        if name in history.columns():
            ax.plot(epochs, history[name], marker="o", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    ax.legend()
    if metrics:
        right = fig.add_subplot(1, 2, 2)
        for name in metrics:
            right.plot(epochs, history[name], marker="o", label=name)
        right.set_xlabel("epoch")
        right.set_ylabel("metric")
        right.legend()
    return fig


def plot_lr_find(found):
    """plot_lr_find(found) -> Figure: the smoothed loss against the rate (log axis), with the
    valley and steep suggestions marked.
    """
    fig = _figure(4.5, 3.0)
    ax = fig.add_subplot()
    ax.plot(found.lrs, found.losses)
    ax.set_xscale("log")
    for name, lr, colour in (("valley", found.valley, "C1"), ("steep", found.steep, "C2")):
        loss = found.losses[int(np.argmin(np.abs(np.log(found.lrs) - math.log(lr))))]
        ax.plot([lr], [loss], "o", color=colour, label=f"{name} {lr:.2g}")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("smoothed loss")
    ax.legend()
    return fig
