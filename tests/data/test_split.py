import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.data.split import kfold_indices, split_indices
from toolkit.errors import DataError


def keys(n, prefix="f"):
    return [f"{prefix}{i:05d}.png" for i in range(n)]


@given(st.integers(10, 300), st.floats(0.2, 0.8), st.integers(0, 2**31), st.booleans())
@settings(max_examples=40, deadline=None)
def test_split_partitions_without_overlap(n, fraction, seed, stratify):
    targets = np.arange(n) % 3
    train, val = split_indices(keys(n), targets, fraction, stratify=stratify, seed=seed)
    assert len(np.intersect1d(train, val)) == 0
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(n))


@pytest.mark.parametrize("stratify", [False, True])
def test_adding_items_moves_no_existing_item(stratify):
    old = keys(500)
    new = old + keys(200, prefix="new")
    t_old, v_old = split_indices(old, np.arange(500) % 5, 0.8, stratify=stratify, seed=7)
    t_new, v_new = split_indices(new, np.arange(700) % 5, 0.8, stratify=stratify, seed=7)
    assert set(t_old) <= set(t_new) and set(v_old) <= set(v_new)


def test_seed_changes_split_and_same_seed_repeats():
    a = split_indices(keys(200), None, 0.8, seed=1)
    b = split_indices(keys(200), None, 0.8, seed=1)
    c = split_indices(keys(200), None, 0.8, seed=2)
    assert all((x == y).all() for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_fraction_is_respected_on_large_sets():
    train, val = split_indices(keys(10_000), None, 0.8, seed=3)
    assert abs(len(train) / 10_000 - 0.8) < 0.02


def test_stratify_puts_every_class_on_both_sides():
    targets = np.array([0] * 50 + [1] * 3 + [2] * 2)
    train, val = split_indices(keys(55), targets, 0.9, stratify=True, seed=0)
    for c in (0, 1, 2):
        assert (targets[train] == c).any() and (targets[val] == c).any()


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1])
def test_bad_fraction_refused(fraction):
    with pytest.raises(DataError, match="between 0 and 1"):
        split_indices(keys(10), None, fraction)


def test_stratify_without_labels_refused():
    with pytest.raises(DataError, match="needs labels"):
        split_indices(keys(10), None, 0.5, stratify=True)


@pytest.mark.parametrize("stratify", [False, True])
def test_kfolds_cover_every_item_once(stratify):
    targets = np.arange(103) % 4
    folds = kfold_indices(keys(103), targets, 5, stratify=stratify, seed=4)
    assert len(folds) == 5
    validated = np.concatenate([v for _, v in folds])
    assert sorted(validated.tolist()) == list(range(103))
    for train, val in folds:
        assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 103


def test_stratified_kfolds_balance_classes():
    targets = np.repeat(np.arange(4), 50)
    for _, val in kfold_indices(keys(200), targets, 5, stratify=True, seed=0):
        assert np.bincount(targets[val], minlength=4).tolist() == [10, 10, 10, 10]


def test_bad_k_refused():
    with pytest.raises(DataError, match="k >= 2"):
        kfold_indices(keys(10), None, 1)
    with pytest.raises(DataError, match="cannot make 5 folds from 3"):
        kfold_indices(keys(3), None, 5)


def test_exact_stratification_gives_exact_class_counts():
    targets = np.repeat(np.arange(3), [180, 177, 9])
    train, val = split_indices(keys(366), targets, 0.8, stratify="exact", seed=1)
    assert np.bincount(targets[train]).tolist() == [144, 142, 7]
    assert len(np.intersect1d(train, val)) == 0


def test_exact_stratification_moves_at_most_one_item_per_class_per_addition():
    targets = np.arange(300) % 3
    t_old, _ = split_indices(keys(300), targets, 0.8, stratify="exact", seed=5)
    t_new, _ = split_indices(
        keys(300) + ["extra.png"], np.append(targets, 0), 0.8, stratify="exact", seed=5
    )
    assert len(set(t_old) - set(t_new)) <= 1


def test_unknown_stratify_value_refused():
    with pytest.raises(DataError, match="False, True or 'exact'"):
        split_indices(keys(10), np.zeros(10), 0.5, stratify="yes")


def test_tiny_sets_never_get_an_empty_side():
    for seed in range(200):
        train, val = split_indices(keys(3), None, 0.9, seed=seed)
        assert len(train) >= 1 and len(val) >= 1


def test_a_single_item_cannot_be_split():
    with pytest.raises(DataError, match="side empty"):
        split_indices(keys(1), None, 0.5)
