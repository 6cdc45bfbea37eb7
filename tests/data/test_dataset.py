"""The Dataset base: what every data set gets from len, getitem, keys and subset alone."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.data.dataset import Dataset
from toolkit.errors import DataError


class Squares(Dataset):
    """A minimal data set: item i is (an array of i's, the parity of i), keyed by name."""

    def __init__(self, ids=range(40)):
        self.ids = list(ids)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        n = self.ids[i]
        return np.full(2, n, np.float32), n % 2

    def keys(self):
        return [f"item-{n}" for n in self.ids]

    def subset(self, indices):
        return Squares([self.ids[int(i)] for i in indices])

    @property
    def targets(self):
        return np.asarray([n % 2 for n in self.ids])


def test_batch_stacks_items_and_their_targets():
    X, y = Squares().batch([3, 0])
    assert X.shape == (2, 2) and X[:, 0].tolist() == [3.0, 0.0] and y.tolist() == [1, 0]


def test_split_sides_depend_on_the_seed_and_keys_only():
    ds = Squares()
    train, val = ds.split(validation=0.25, seed=2)
    assert len(train) + len(val) == 40 and not set(train.keys()) & set(val.keys())
    assert train.keys() == ds.split(0.75, seed=2)[0].keys()
    assert train.keys() == ds.split(train=0.75, seed=2)[0].keys()
    grown = Squares(range(60)).split(validation=0.25, seed=2)[1]
    assert set(val.keys()) <= set(grown.keys())  # new items never move old ones
    assert ds.split(seed=3)[0].keys() != train.keys()


def test_split_refuses_two_fractions_and_bad_validation():
    with pytest.raises(DataError, match="give one of fraction"):
        Squares().split(0.8, validation=0.2)
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        Squares().split(validation=1.0)


def test_kfolds_validate_every_item_once():
    folds = Squares().kfolds(4, stratify=True, seed=1)
    validated = [k for _, va in folds for k in va.keys()]
    assert sorted(validated) == sorted(Squares().keys())
    for train, va in folds:
        assert not set(train.keys()) & set(va.keys())
        assert set(va.targets.tolist()) == {0, 1}  # stratified: both classes in each fold
