"""The common shape of every data set: indexable, sized, labelled, splittable.

``ImageFolder``, ``Table`` (``CSV``/``Parquet``) and ``ArrayDataset`` all derive
from :class:`Dataset`. The loader relies only on what is declared here:

- ``len(ds)`` and ``ds[i] -> (x, y)``;
- ``ds.kind``: ``"image"`` (the loader decodes and augments item by item, in
  threads, through ``ds.load_image(i) -> uint8 (H, W, C)``) or ``"row"`` (the
  loader takes whole batches with ``ds.batch(indices) -> (X, y)``);
- ``ds.targets``: int class indices, shape ``(N,)``, or ``None`` when unlabelled;
  ``ds.classes``: the label names in index order, or ``None``;
- ``ds.keys()``: one stable string per item (a relative path, a row key), which
  is what splits hash;
- ``ds.subset(indices)``: a data set of the same kind over those items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toolkit.data.split import kfold_indices, split_indices
from toolkit.errors import DataError


class Dataset:
    """Base class: subclasses implement ``__len__``, ``__getitem__``, ``keys`` and ``subset``."""

    kind: str = "row"
    classes: tuple[str, ...] | None = None

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def __getitem__(self, i):  # pragma: no cover - abstract
        raise NotImplementedError

    def keys(self) -> Sequence[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def subset(self, indices) -> Dataset:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def targets(self) -> np.ndarray | None:
        return None

    def batch(self, indices) -> tuple[np.ndarray, np.ndarray | None]:
        """Items ``indices`` stacked into ``(X, y)``; row data sets override it with one gather."""
        items = [self[int(i)] for i in indices]
        X = np.stack([x for x, _ in items])
        y = None if self.targets is None else np.asarray([t for _, t in items])
        return X, y

    def split(
        self,
        fraction: float | None = None,
        *,
        train: float | None = None,
        validation: float | None = None,
        stratify: bool | str = False,
        seed: int = 0,
    ):
        """``split(fraction=0.8, *, train=None, validation=None, stratify=False, seed=0)``

        ``(train, validation)`` data sets; an item's side depends only on ``seed`` and
        its key. Say which side the fraction is for: ``split(validation=0.2)`` (as
        Keras' ``validation_split``) or ``split(train=0.8)``; the positional
        ``split(0.8)`` is the *training* fraction, as before. Default: 0.8 to training.

        ``stratify=True`` keeps that stability with class shares close to the
        fraction; ``stratify="exact"`` makes them exact at the cost of moving
        an item per class now and then as items are added. See
        :mod:`toolkit.data.split`.

        >>> from toolkit.data.arrays import ArrayDataset
        >>> import numpy as np
        >>> ds = ArrayDataset(np.zeros((100, 1)))
        >>> train, val = ds.split(validation=0.2, seed=1)
        >>> train.keys() == ds.split(0.8, seed=1)[0].keys() == ds.split(train=0.8, seed=1)[0].keys()
        True
        >>> ds.split(0.8, validation=0.2)
        Traceback (most recent call last):
        ...
        toolkit.errors.DataError: split: give one of fraction (the training share), ...
        """
        fraction = _training_fraction(fraction, train, validation)
        tr, val = split_indices(self.keys(), self.targets, fraction, stratify=stratify, seed=seed)
        return self.subset(tr), self.subset(val)

    def kfolds(self, k: int = 5, *, stratify: bool = False, seed: int = 0):
        """A list of ``k`` pairs ``(train, validation)``; every item is validated exactly once."""
        folds = kfold_indices(self.keys(), self.targets, k, stratify=stratify, seed=seed)
        return [(self.subset(tr), self.subset(va)) for tr, va in folds]


def _training_fraction(fraction, train, validation) -> float:
    given = {k: v for k, v in (("fraction", fraction), ("train", train),
                               ("validation", validation)) if v is not None}
    if len(given) > 1:
        msg = (f"split: give one of fraction (the training share), train= or validation=, "
               f"got {', '.join(f'{k}={v!r}' for k, v in given.items())}")
        raise DataError(msg)
    if validation is not None:
        if not isinstance(validation, int | float) or not 0 < validation < 1:
            raise DataError(f"split: validation= must lie strictly between 0 and 1, got "
                            f"{validation!r}")
        return 1.0 - float(validation)
    return 0.8 if not given else next(iter(given.values()))
