"""Resampling strategies: which rows train and which rows test, fold by fold.

A strategy's ``pairs(n, y=None, repeat=0)`` returns a list of ``(train, test)``
int arrays. The folds relate to scikit-learn's splitters as follows:

- ``CV(k)`` (unshuffled) gives exactly ``KFold(k)``'s folds: contiguous test blocks,
  the first ``n % k`` one row larger.
- ``StratifiedCV(k)`` (unshuffled) gives exactly ``StratifiedKFold(k)``'s folds.
- ``TimeSeriesCV(k)`` gives exactly ``TimeSeriesSplit(k)``'s folds.
- ``shuffle=True`` draws its permutation from ``toolkit._seed.generator(seed, ...)``
  (numpy's PCG64, never a global RNG), while scikit-learn shuffles with the legacy
  ``RandomState(seed)``; so the shuffled folds have the same sizes and structure as
  scikit-learn's but different members for the same seed. For a direct comparison,
  pass the same pairs to both: ``cross_validate(..., cv=CV(5, shuffle=True,
  seed=1).pairs(n))``, or pass a scikit-learn splitter to ``tk.evaluate`` itself.

As in MLJ, giving a ``seed`` turns shuffling on unless ``shuffle=False`` is said;
``shuffle=True`` without a seed uses seed 0, so that every run is repeatable.

>>> [t.tolist() for _, t in CV(nfolds=3).pairs(7)]
[[0, 1, 2], [3, 4], [5, 6]]
>>> train, test = Holdout(fraction_train=0.6).pairs(5)[0]
>>> train.tolist(), test.tolist()
([0, 1, 2], [3, 4])
>>> [(tr.tolist(), te.tolist()) for tr, te in TimeSeriesCV(nfolds=2).pairs(6)]
[([0, 1], [2, 3]), ([0, 1, 2, 3], [4, 5])]
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import type_of_target

from toolkit._seed import derive_int, generator
from toolkit.errors import DataError, DataWarning
from toolkit.models.ranges import Settings
from toolkit.models.trust import trust
from toolkit.registry import register


def _check_nfolds(name: str, nfolds, n: int, least: int = 2) -> None:
    if not isinstance(nfolds, (int, np.integer)) or isinstance(nfolds, bool) or nfolds < least:
        raise DataError(f"{name}: nfolds must be an integer >= {least}, got {nfolds!r}")
    if n < nfolds:
        raise DataError(f"{name}: cannot make {nfolds} folds from {n} rows; use nfolds <= {n}")


def _shuffled(shuffle, seed) -> bool:
    return bool(shuffle) if shuffle is not None else seed is not None


def _complement(n: int, test: np.ndarray) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    mask[test] = False
    return np.flatnonzero(mask)


class _Strategy(Settings):
    """Shared ``repr`` and the seed of each repeat."""

    def _seed(self, repeat: int):
        seed = getattr(self, "seed", None)
        return seed if repeat == 0 else derive_int(seed, "repeat", repeat)

    @property
    def random(self) -> bool:
        """Whether repeats give different folds (the strategy shuffles)."""
        return _shuffled(getattr(self, "shuffle", False), getattr(self, "seed", None))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    def __hash__(self) -> int:
        return hash((type(self).__name__, *vars(self).items()))


@register("resampling")
@trust
class Holdout(_Strategy):
    """``Holdout(fraction_train=0.7, shuffle=None, seed=None)``: one train/test split.

    The first ``round(fraction_train * n)`` rows (of the shuffled order when
    shuffling) train, the rest test — MLJ's ``Holdout``. Shuffling is on when a
    seed is given, unless ``shuffle=False``.

    >>> train, test = Holdout(0.5, seed=3).pairs(6)[0]
    >>> sorted(train.tolist() + test.tolist())
    [0, 1, 2, 3, 4, 5]
    """

    def __init__(
        self, fraction_train: float = 0.7, shuffle: bool | None = None, seed: int | None = None
    ):
        if not 0.0 < float(fraction_train) < 1.0:
            raise DataError(
                f"Holdout: fraction_train must lie strictly between 0 and 1, got {fraction_train!r}"
            )
        self.fraction_train, self.seed = fraction_train, seed
        self.shuffle = _shuffled(shuffle, seed)

    def pairs(self, n: int, y=None, repeat: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """``pairs(n, y=None, repeat=0)``: one ``(train, test)`` pair of row indices."""
        k = int(round(self.fraction_train * n))
        if not 0 < k < n:
            raise DataError(
                f"Holdout({self.fraction_train}) of {n} rows leaves a side empty; use more rows"
            )
        order = np.arange(n)
        if self.random:
            order = generator(self._seed(repeat), "Holdout").permutation(n)
        return [(np.sort(order[:k]), np.sort(order[k:]))]


@register("resampling")
@trust
class CV(_Strategy):
    """``CV(nfolds=6, shuffle=None, seed=None)``: k-fold cross-validation.

    Unshuffled, the folds are exactly scikit-learn's ``KFold(nfolds)``; shuffled, the
    rows are permuted first (by toolkit's seeded generator) and cut the same way.

    >>> from sklearn.model_selection import KFold
    >>> ours = CV(nfolds=4).pairs(10)
    >>> theirs = list(KFold(4).split(range(10)))
    >>> all((a == c).all() and (b == d).all() for (a, b), (c, d) in zip(ours, theirs, strict=True))
    True
    """

    def __init__(self, nfolds: int = 6, shuffle: bool | None = None, seed: int | None = None):
        self.nfolds, self.shuffle, self.seed = nfolds, _shuffled(shuffle, seed), seed

    def pairs(self, n: int, y=None, repeat: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """``pairs(n, y=None, repeat=0)``: ``nfolds`` pairs; every row tests exactly once."""
        _check_nfolds("CV", self.nfolds, n)
        order = np.arange(n)
        if self.random:
            order = generator(self._seed(repeat), "CV").permutation(n)
        sizes = np.full(self.nfolds, n // self.nfolds)
        sizes[: n % self.nfolds] += 1
        stops = np.cumsum(sizes)
        return [
            (_complement(n, order[b - s : b]), order[b - s : b])
            for s, b in zip(sizes, stops, strict=True)
        ]


@register("resampling")
@trust
class StratifiedCV(_Strategy):
    """``StratifiedCV(nfolds=6, shuffle=None, seed=None)``: folds that keep class proportions.

    The allocation is scikit-learn's ``StratifiedKFold``: classes in order of first
    appearance, each class's rows dealt to folds so that fold sizes differ by at most
    one per class; unshuffled it gives exactly ``StratifiedKFold(nfolds)``'s folds.

    >>> y = ["a"] * 6 + ["b"] * 3
    >>> [sorted(y[i] for i in test) for _, test in StratifiedCV(nfolds=3).pairs(9, y)]
    [['a', 'a', 'b'], ['a', 'a', 'b'], ['a', 'a', 'b']]
    """

    def __init__(self, nfolds: int = 6, shuffle: bool | None = None, seed: int | None = None):
        self.nfolds, self.shuffle, self.seed = nfolds, _shuffled(shuffle, seed), seed

    def pairs(self, n: int, y=None, repeat: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """``pairs(n, y, repeat=0)``: ``nfolds`` stratified pairs; needs the targets ``y``."""
        _check_nfolds("StratifiedCV", self.nfolds, n)
        if y is None:
            raise DataError(
                "StratifiedCV needs the targets y to stratify; use CV for unlabelled data"
            )
        encoded = _first_appearance_codes(_class_labels(y))
        counts = np.bincount(encoded)
        if self.nfolds > counts.max():
            msg = (
                f"StratifiedCV: nfolds={self.nfolds} exceeds the largest class, {counts.max()} rows"
            )
            raise DataError(f"{msg}; use fewer folds")
        if self.nfolds > counts.min():  # as scikit-learn's StratifiedKFold warns
            import warnings

            msg = (
                f"StratifiedCV: the least populated class in y has only {counts.min()} members, "
                f"fewer than nfolds={self.nfolds}, so some test folds will lack it"
            )
            warnings.warn(msg, DataWarning, stacklevel=2)
        rng = generator(self._seed(repeat), "StratifiedCV") if self.random else None
        test_fold = _allocate(encoded, len(counts), self.nfolds, rng)
        return [
            (np.flatnonzero(test_fold != f), np.flatnonzero(test_fold == f))
            for f in range(self.nfolds)
        ]


def _class_labels(y) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype == object and any(v is None for v in y.ravel()):
        missing = int(sum(v is None for v in y.ravel()))
        raise DataError(f"StratifiedCV: y has {missing} missing labels; drop those rows first")
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise DataError(f"StratifiedCV keeps the proportions of classes, but y is {kind}; use CV")
    return y


def _first_appearance_codes(y: np.ndarray) -> np.ndarray:
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    _, rank = np.unique(first, return_inverse=True)
    return rank[inverse.reshape(-1)]


def _allocate(encoded: np.ndarray, n_classes: int, nfolds: int, rng) -> np.ndarray:
    """The fold of each row, dealt as ``StratifiedKFold`` deals them."""
    ordered = np.sort(encoded)
    allocation = np.stack(
        [np.bincount(ordered[i::nfolds], minlength=n_classes) for i in range(nfolds)]
    )
    test_fold = np.empty(encoded.shape[0], dtype=np.int64)
    for k in range(n_classes):
        folds = np.repeat(np.arange(nfolds), allocation[:, k])
        if rng is not None:
            rng.shuffle(folds)
        test_fold[encoded == k] = folds
    return test_fold


@register("resampling")
@trust
class TimeSeriesCV(_Strategy):
    """``TimeSeriesCV(nfolds=4)``: train on the past, test on the next block, never the reverse.

    Exactly scikit-learn's ``TimeSeriesSplit(nfolds)``: test blocks of ``n // (nfolds + 1)``
    rows at the end, each trained on every row before it.

    >>> [te.tolist() for _, te in TimeSeriesCV(nfolds=3).pairs(8)]
    [[2, 3], [4, 5], [6, 7]]
    """

    def __init__(self, nfolds: int = 4):
        self.nfolds = nfolds

    def pairs(self, n: int, y=None, repeat: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
        """``pairs(n, y=None, repeat=0)``: ``nfolds`` pairs in time order."""
        _check_nfolds("TimeSeriesCV", self.nfolds, n - 1, least=1)
        size = n // (self.nfolds + 1)
        rows = np.arange(n)
        starts = range(n - self.nfolds * size, n, size)
        return [(rows[:s], rows[s : s + size]) for s in starts]


def default_resampling(model, y=None, nfolds: int = 6):
    """``default_resampling(model, y=None, nfolds=6)``: the folds used when none are given.

    ``StratifiedCV(nfolds)`` for a classifier with class labels, ``CV(nfolds)``
    otherwise, both unshuffled: scikit-learn's ``cross_validate(cv=nfolds)`` rule
    (``StratifiedKFold`` for classifiers, ``KFold`` for the rest), so the folds are
    the same. Stratifying keeps every class in every training fold even when the
    rows are sorted by class.

    >>> from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    >>> default_resampling(DecisionTreeClassifier(), ["a", "b"] * 6)
    StratifiedCV(nfolds=6, shuffle=False, seed=None)
    >>> default_resampling(DecisionTreeRegressor(), [0.5, 1.5] * 6)
    CV(nfolds=6, shuffle=False, seed=None)
    """
    from sklearn.base import is_classifier

    models = model.values() if isinstance(model, dict) else [model]
    if y is None or not all(is_classifier(m) for m in models):
        return CV(nfolds=nfolds)
    try:
        kind = type_of_target(np.asarray(y))
    except ValueError:  # labels scikit-learn cannot read: StratifiedCV would refuse them too
        return CV(nfolds=nfolds)
    return StratifiedCV(nfolds=nfolds) if kind in ("binary", "multiclass") else CV(nfolds=nfolds)


def resample(resampling, X, y, n: int, repeat: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``resample(resampling, X, y, n, repeat=0)``: the ``(train, test)`` pairs of any strategy.

    ``resampling`` is a toolkit strategy, a scikit-learn splitter (anything with
    ``split(X, y)``) or an explicit list of ``(train_rows, test_rows)`` pairs.

    >>> [te.tolist() for _, te in resample([([0, 1], [2])], None, None, 3)]
    [[2]]
    """
    if hasattr(resampling, "pairs"):
        return resampling.pairs(n, y, repeat)
    if hasattr(resampling, "split") and not isinstance(resampling, str):
        return [(np.asarray(tr), np.asarray(te)) for tr, te in resampling.split(X, y)]
    if isinstance(resampling, (list, tuple)):
        return [_check_pair(pair, n, i) for i, pair in enumerate(resampling)]
    msg = (
        f"resampling must be tk.Holdout/CV/StratifiedCV/TimeSeriesCV, a scikit-learn splitter "
        f"or a list of (train_rows, test_rows) pairs, got {type(resampling).__name__}"
    )
    raise DataError(msg)


def is_random(resampling) -> bool:
    """Whether repeated resampling gives new folds (only shuffling toolkit strategies do)."""
    return isinstance(resampling, _Strategy) and resampling.random


def _check_pair(pair, n: int, i: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        train, test = (np.asarray(rows) for rows in pair)
    except (TypeError, ValueError):
        raise DataError(
            f"resampling pair {i} is not a (train_rows, test_rows) pair: {pair!r}"
        ) from None
    for side, rows in (("train", train), ("test", test)):
        if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
            raise DataError(
                f"resampling pair {i}: {side} rows must be a non-empty list of integers"
            )
        if rows.min() < 0 or rows.max() >= n:
            raise DataError(
                f"resampling pair {i}: {side} rows must lie in 0..{n - 1}, got {rows.max()}"
            )
    return train, test
