"""Stable train/validation splits and k-folds.

A item's side is fixed by the seed and the item's own key (an image's path
relative to its root, a table's row key) through a hash, so adding or removing
other items never moves it. This is the hash-based split that large data sets
use to stay reproducible as they grow.

``stratify=True`` keeps that stability and only steps in for classes the hash
left one-sided: in a class of two or more items that got no validation (or no
training) item, the item whose hash lies nearest the cut crosses over. Each
class's share then follows ``fraction`` up to binomial noise, a standard
deviation of ``sqrt(f (1 - f) / n)`` for a class of ``n`` items: about 3 points
for the digits' 180-image classes at ``f = 0.8``.

``stratify="exact"`` gives each class exactly ``round(fraction * n)`` training
items, the way scikit-learn's ``train_test_split(stratify=...)`` does: within a
class, items are ordered by their hash and cut at that count. Adding items can
then move an item across the cut, at most one per class for each item added —
the price of exact proportions.

Whatever the options, a split of two or more items never leaves a side empty:
where the hash put every item on one side, the one nearest the cut crosses.

>>> keys = [f"img{i:03d}.png" for i in range(200)]
>>> train, val = split_indices(keys, None, 0.8, seed=1)
>>> len(train) + len(val), len(set(train) & set(val))
(200, 0)
>>> more = keys + [f"new{i}.png" for i in range(50)]
>>> train2, val2 = split_indices(more, None, 0.8, seed=1)
>>> set(train) <= set(train2) and set(val) <= set(val2)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toolkit._seed import unit_hash
from toolkit.errors import DataError


def _hashes(keys: Sequence[str], seed: int) -> np.ndarray:
    return np.fromiter((unit_hash(seed, k) for k in keys), dtype=np.float64, count=len(keys))


def _check_fraction(fraction: float) -> None:
    if not 0.0 < float(fraction) < 1.0:
        msg = (
            f"split fraction must lie strictly between 0 and 1, got {fraction!r}; "
            "e.g. 0.8 keeps 80% for training"
        )
        raise DataError(msg)


def _labels(targets) -> np.ndarray:
    if targets is None:
        raise DataError("stratify needs labels, but this data set has none; pass stratify=False")
    return np.asarray(targets)


def _by_class(u: np.ndarray, groups: np.ndarray):
    """Each class's item indices, in the order of their hashes."""
    for c in np.unique(groups):
        members = np.flatnonzero(groups == c)
        yield members[np.argsort(u[members], kind="stable")]


def _exact_side(u: np.ndarray, targets: np.ndarray, fraction: float) -> np.ndarray:
    side = np.zeros(u.shape, dtype=bool)
    for order in _by_class(u, targets):
        cut = int(round(fraction * order.size))
        if order.size >= 2:  # both sides get one, as with stratify=True
            cut = min(max(cut, 1), order.size - 1)
        side[order[:cut]] = True
    return side


def _fill_empty_sides(side: np.ndarray, u: np.ndarray, groups: np.ndarray) -> None:
    for order in _by_class(u, groups):
        if order.size < 2:
            continue
        in_train = side[order]
        if in_train.all():  # nobody of this class in validation: the largest hash crosses
            side[order[-1]] = False
        elif not in_train.any():
            side[order[0]] = True


def split_indices(
    keys: Sequence[str],
    targets: np.ndarray | None,
    fraction: float,
    *,
    stratify: bool | str = False,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, validation)`` for items named by ``keys``; ``fraction`` goes to train.

    ``stratify`` is ``False``, ``True`` (stable, proportions up to noise) or
    ``"exact"`` (exact proportions per class); see the module docstring.
    """
    _check_fraction(fraction)
    if stratify not in (False, True, "exact"):
        raise DataError(f"stratify must be False, True or 'exact', got {stratify!r}")
    u = _hashes(keys, seed)
    side = u < fraction
    if stratify == "exact":
        side = _exact_side(u, _labels(targets), fraction)
    elif stratify:
        _fill_empty_sides(side, u, _labels(targets))
    _fill_empty_sides(side, u, np.zeros(len(keys)))  # tiny sets: never an empty side
    train, val = np.flatnonzero(side), np.flatnonzero(~side)
    if train.size == 0 or val.size == 0:
        msg = (
            f"a {fraction:.0%} split of {len(keys)} items left the "
            f"{'training' if train.size == 0 else 'validation'} side empty; "
            "use more items or a fraction nearer 0.5"
        )
        raise DataError(msg)
    return train, val


def kfold_indices(
    keys: Sequence[str],
    targets: np.ndarray | None,
    k: int,
    *,
    stratify: bool = False,
    seed: int = 0,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` pairs ``(train, validation)``; each item is validated in exactly one fold.

    An item's fold is ``floor(k * hash(seed, key))``, stable like :func:`split_indices`.
    With ``stratify=True`` the items of each class are dealt round-robin over the
    folds in hash order, so every fold holds each class in equal measure.

    >>> folds = kfold_indices([str(i) for i in range(30)], None, 3, seed=0)
    >>> sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(30))
    True
    """
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise DataError(f"k-folds need an integer k >= 2, got {k!r}")
    if len(keys) < k:
        raise DataError(f"cannot make {k} folds from {len(keys)} items; use k <= {len(keys)}")
    u = _hashes(keys, seed)
    if stratify:
        fold = np.empty(len(keys), dtype=np.int64)
        for order in _by_class(u, _labels(targets)):
            offset = int(u[order[0]] * k)  # so that small classes do not all start in fold 0
            fold[order] = (np.arange(order.size) + offset) % k
    else:
        fold = np.minimum((u * k).astype(np.int64), k - 1)
    everything = np.arange(len(keys))
    return [(everything[fold != f], everything[fold == f]) for f in range(k)]
