"""One-hot encoding with Flux's semantics, batch-first.

Flux puts the batch last (``onehotbatch`` gives a ``K×N`` matrix); toolkit is
batch-first like the rest of the Python ecosystem, so ``onehotbatch`` gives
``(N, K)`` and ``onecold`` reduces over the last axis.

>>> onehot("b", ["a", "b", "c"]).tolist()
[0.0, 1.0, 0.0]
>>> y = onehotbatch([3, 1, 3], [1, 2, 3])
>>> y.shape, onecold(y, [1, 2, 3])
((3, 3), [3, 1, 3])
>>> onehotbatch(["x"], ["a", "b"], default="b").tolist()
[[0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toolkit.errors import DataError


def _label_index(labels: Sequence) -> dict:
    labels = list(labels)
    index = {}
    for i, label in enumerate(labels):
        if label in index:
            raise DataError(f"labels must be distinct, but {label!r} appears twice in {labels!r}")
        index[label] = i
    return index


def _lookup(index: dict, x, default, labels) -> int:
    try:
        return index[x]
    except (KeyError, TypeError):
        if default is not None and default in index:
            return index[default]
        if default is not None:
            msg = f"the default {default!r} is not one of the labels {list(labels)!r}"
        else:
            msg = (
                f"label {x!r} is not one of the {len(labels)} labels {list(labels)!r}; "
                "add it to the labels or pass default= one of them"
            )
        raise DataError(msg) from None


def onehot(x, labels: Sequence, default=None, *, dtype=np.float32) -> np.ndarray:
    """``onehot(x, labels, default=None) -> (K,)``: a vector with a 1 where ``labels`` holds ``x``.

    An ``x`` that is not among ``labels`` maps to ``default`` when given, and
    otherwise raises naming the label and the valid ones.
    """
    index = _label_index(labels)
    out = np.zeros(len(index), dtype=dtype)
    out[_lookup(index, x, default, labels)] = 1
    return out


def onehotbatch(xs, labels: Sequence, default=None, *, dtype=np.float32) -> np.ndarray:
    """``onehotbatch(xs, labels, default=None) -> (N, K)``: a row :func:`onehot` per item."""
    index = _label_index(labels)
    xs = xs.tolist() if isinstance(xs, np.ndarray) else list(xs)
    rows = np.fromiter(
        (_lookup(index, x, default, labels) for x in xs), dtype=np.int64, count=len(xs)
    )
    out = np.zeros((len(xs), len(index)), dtype=dtype)
    out[np.arange(len(xs)), rows] = 1
    return out


def onecold(y, labels: Sequence | None = None):
    """``onecold(y, labels)``: the label of the largest entry along the last axis.

    ``y`` of shape ``(K,)`` gives one label, ``(N, K)`` a list of ``N``. Without
    ``labels`` the integer positions come back (as an array for a batch).

    >>> onecold(np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]]), ["a", "b", "c"])
    ['b', 'a']
    """
    if hasattr(y, "get") and not isinstance(y, np.ndarray):  # a cupy array: bring the scores home
        y = y.get()
    y = np.asarray(y)
    if y.ndim == 0:
        raise DataError("onecold needs scores of shape (K,) or (N, K), got a scalar")
    if labels is not None and y.shape[-1] != len(labels):
        msg = (
            f"onecold got scores for {y.shape[-1]} classes but {len(labels)} labels; "
            "they must match"
        )
        raise DataError(msg)
    positions = np.argmax(y, axis=-1)
    if labels is None:
        return positions
    labels = list(labels)
    if y.ndim == 1:
        return labels[int(positions)]
    return [labels[int(p)] for p in positions.reshape(-1)]
