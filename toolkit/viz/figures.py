"""Figures: a batch of images, the confusion matrix, the mistakes (training curves and the
rate finder draw themselves: ``History.plot``, ``LRFind.plot``; ``tk.augment.preview``).

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

import numpy as np

from toolkit._html import label_name
from toolkit._plot import figure, image_grid


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
    fig = figure(max(3.2, 1.2 + 0.45 * k), max(3.0, 1.0 + 0.45 * k))
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
