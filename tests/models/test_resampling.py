"""Fold properties, and identity with scikit-learn's splitters where promised."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

from toolkit.errors import DataError
from toolkit.models.resampling import CV, Holdout, StratifiedCV, TimeSeriesCV, resample

Y = np.array(list("aaaaaaaaabbbbbbccccc") * 2 + ["d"] * 7)  # 47 rows, unequal classes


def _same(ours, theirs):
    theirs = list(theirs)
    assert len(ours) == len(theirs)
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def _partition(pairs, n):
    for train, test in pairs:
        assert not set(train) & set(test)
        assert sorted([*train, *test]) == list(range(n))
    tested = np.sort(np.concatenate([test for _, test in pairs]))
    np.testing.assert_array_equal(tested, np.arange(n))  # every row tests exactly once


@pytest.mark.parametrize(("n", "k"), [(10, 2), (47, 5), (23, 6)])
def test_cv_is_kfold(n, k):
    _same(CV(nfolds=k).pairs(n), KFold(k).split(np.zeros(n)))


@pytest.mark.parametrize("k", [2, 3, 5])
def test_stratified_cv_is_stratified_kfold(k):
    _same(StratifiedCV(nfolds=k).pairs(len(Y), Y), StratifiedKFold(k).split(np.zeros(len(Y)), Y))


@pytest.mark.parametrize(("n", "k"), [(10, 3), (47, 5), (6, 5)])
def test_time_series_cv_is_time_series_split(n, k):
    pairs = TimeSeriesCV(nfolds=k).pairs(n)
    _same(pairs, TimeSeriesSplit(k).split(np.zeros(n)))
    for train, test in pairs:
        assert train.max() < test.min()  # the past trains, the future tests


@pytest.mark.parametrize("strategy", [CV(5, shuffle=True, seed=3), StratifiedCV(5, seed=3)])
def test_shuffled_folds_partition_the_rows(strategy):
    pairs = strategy.pairs(len(Y), Y)
    _partition(pairs, len(Y))
    assert not all(
        (test == np.sort(test)).all() and np.ptp(test) == test.size - 1 for _, test in pairs
    )


def test_stratification_keeps_class_counts_in_every_fold():
    for shuffle in (False, True):
        for _, test in StratifiedCV(5, shuffle=shuffle, seed=1).pairs(len(Y), Y):
            counts = {c: int((Y[test] == c).sum()) for c in "abcd"}
            expected = {c: (Y == c).sum() / 5 for c in "abcd"}
            assert all(abs(counts[c] - expected[c]) < 1 for c in "abcd")


def test_seeds_reproduce_and_repeats_differ():
    a, b = CV(4, seed=1).pairs(30), CV(4, seed=1).pairs(30)
    _same(a, b)
    c = CV(4, seed=1).pairs(30, repeat=1)
    assert any((x[1] != y[1]).any() for x, y in zip(a, c, strict=True))
    assert CV(4, seed=1).random and not CV(4).random and not CV(4, shuffle=False, seed=1).random


def test_holdout():
    ((train, test),) = Holdout(0.7).pairs(10)
    assert train.tolist() == list(range(7)) and test.tolist() == [7, 8, 9]
    ((train, test),) = Holdout(0.7, seed=2).pairs(10)
    assert len(train) == 7 and sorted([*train, *test]) == list(range(10))
    with pytest.raises(DataError, match="strictly between"):
        Holdout(1.5)


def test_explicit_pairs_and_sklearn_splitters():
    pairs = resample([([0, 1, 2], [3, 4])], None, None, 5)
    assert pairs[0][1].tolist() == [3, 4]
    _same(resample(KFold(3), np.zeros((9, 1)), None, 9), KFold(3).split(np.zeros(9)))
    with pytest.raises(DataError, match="0..4"):
        resample([([0, 1], [9])], None, None, 5)
    with pytest.raises(DataError, match="resampling must be"):
        resample("five folds", None, None, 5)


def test_bad_fold_counts_are_refused():
    with pytest.raises(DataError, match="nfolds must be an integer"):
        CV(1).pairs(10)
    with pytest.raises(DataError, match="cannot make 11 folds"):
        CV(11).pairs(10)
    with pytest.raises(DataError, match="needs the targets"):
        StratifiedCV(3).pairs(10)
    with pytest.raises(DataError, match="largest class"):
        StratifiedCV(20).pairs(len(Y), Y)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 120), k=st.integers(2, 10), seed=st.none() | st.integers(0, 2**31))
def test_cv_partitions_any_size(n, k, seed):
    k = min(k, n)
    pairs = CV(nfolds=k, seed=seed).pairs(n)
    _partition(pairs, n)
    sizes = [len(test) for _, test in pairs]
    assert max(sizes) - min(sizes) <= 1


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.sampled_from("abc"), min_size=6, max_size=80), k=st.integers(2, 5))
def test_unshuffled_stratified_cv_is_stratified_kfold_for_any_labels(labels, k):
    y = np.array(labels)
    assume(k <= np.unique(y, return_counts=True)[1].max())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # both warn about small classes
        theirs = list(StratifiedKFold(k).split(np.zeros(len(y)), y))
        ours = StratifiedCV(nfolds=k).pairs(len(y), y)
    _same(ours, theirs)
