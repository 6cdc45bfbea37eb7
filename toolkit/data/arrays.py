"""In-memory arrays as a data set.

>>> import numpy as np
>>> ds = ArrayDataset(np.arange(12, dtype=np.float32).reshape(6, 2), np.array([0, 1, 0, 1, 0, 1]))
>>> len(ds), ds[1][0].tolist(), int(ds[1][1])
(6, [2.0, 3.0], 1)
>>> X, y = ds.batch([0, 5])
>>> X.shape, y.tolist()
((2, 2), [0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toolkit.data.dataset import Dataset
from toolkit.errors import DataError
from toolkit.registry import register


def encode_labels(y, classes: Sequence | None = None) -> tuple[np.ndarray, tuple]:
    """Class indices ``(N,)`` and the class names, sorted unless ``classes`` fixes the order."""
    y = np.asarray(y)
    found = np.unique(y)
    if classes is None:
        classes = tuple(found.tolist())
    else:
        classes = tuple(classes)
        unknown = sorted(set(found.tolist()) - set(classes), key=str)
        if unknown:
            msg = (
                f"labels {unknown[:5]!r} are not among classes={list(classes)!r}; "
                "add them or drop those rows"
            )
            raise DataError(msg)
    lookup = {c: i for i, c in enumerate(classes)}
    return np.fromiter((lookup[v] for v in y.tolist()), dtype=np.int64, count=y.shape[0]), classes


@register("sources")
class ArrayDataset(Dataset):
    """``ArrayDataset(X, y=None, *, classes=None, keys=None)``: rows of ``X`` with targets ``y``.

    ``X`` is any array with the items along the first axis: ``(N, F)`` features
    or ``(N, H, W, C)`` images. ``y`` may hold class labels of any kind (strings,
    ints), which are encoded as indices into ``classes`` (sorted unless given),
    or floats for regression, kept as they are. ``keys`` name the rows for
    stable splits (default: the row number as a string).

    >>> ds = ArrayDataset([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], ["b", "a", "b"])
    >>> len(ds), ds.classes, ds.targets.tolist()
    (3, ('a', 'b'), [1, 0, 1])
    """

    kind = "row"

    def __init__(
        self, X, y=None, *, classes: Sequence | None = None, keys: Sequence[str] | None = None
    ):
        X = np.asarray(X)
        if X.ndim == 0:
            raise DataError(
                "ArrayDataset needs X with the items along the first axis, got a scalar"
            )
        self.X = X
        self.classes = None
        self.y = None
        if y is not None:
            y = np.asarray(y)
            if y.shape[0] != X.shape[0]:
                msg = f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must match"
                raise DataError(msg)
            if y.dtype.kind == "f" and classes is None:
                self.y = y
            else:
                self.y, self.classes = encode_labels(y, classes)
        if keys is not None and len(keys) != X.shape[0]:
            raise DataError(f"X has {X.shape[0]} rows but {len(keys)} keys were given")
        self._keys = None if keys is None else list(map(str, keys))

    def __len__(self) -> int:
        return self.X.shape[0]

    def __getitem__(self, i):
        return self.X[i], (None if self.y is None else self.y[i])

    def __repr__(self) -> str:
        classes = "" if self.classes is None else f", {len(self.classes)} classes"
        return f"ArrayDataset({len(self)} items of shape {self.X.shape[1:]}{classes})"

    @property
    def targets(self):
        return self.y

    def keys(self) -> list[str]:
        return self._keys if self._keys is not None else [str(i) for i in range(len(self))]

    def config(self) -> dict:
        """config() -> the keywords that rebuild this data set (plain lists, for the registry)."""
        y = self.y if self.classes is None or self.y is None else np.asarray(self.classes)[self.y]
        return {"X": self.X.tolist(), "y": None if y is None else y.tolist(),
                "classes": None if self.classes is None else list(self.classes),
                "keys": self._keys}

    def batch(self, indices):
        indices = np.asarray(indices)
        return self.X[indices], (None if self.y is None else self.y[indices])

    def subset(self, indices) -> ArrayDataset:
        indices = np.asarray(indices)
        out = ArrayDataset.__new__(ArrayDataset)
        out.X, out.classes = self.X[indices], self.classes
        out.y = None if self.y is None else self.y[indices]
        keys = self.keys()
        out._keys = [keys[i] for i in indices]
        return out
