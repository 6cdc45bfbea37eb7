import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import DataError


def test_string_labels_are_encoded_in_sorted_order():
    ds = tk.ArrayDataset(np.zeros((4, 2)), ["dog", "cat", "dog", "emu"])
    assert ds.classes == ("cat", "dog", "emu")
    assert ds.targets.tolist() == [1, 0, 1, 2]


def test_explicit_classes_fix_order_and_refuse_unknown():
    ds = tk.ArrayDataset(np.zeros((2, 1)), ["b", "a"], classes=["b", "a"])
    assert ds.targets.tolist() == [0, 1]
    with pytest.raises(DataError, match="not among classes"):
        tk.ArrayDataset(np.zeros((2, 1)), ["b", "z"], classes=["b", "a"])


def test_float_targets_kept_for_regression():
    ds = tk.ArrayDataset(np.zeros((3, 1)), np.array([0.5, 1.5, 2.5]))
    assert ds.classes is None and ds.targets.dtype.kind == "f"


def test_length_mismatch_refused():
    with pytest.raises(DataError, match="X has 3 rows but y has 2"):
        tk.ArrayDataset(np.zeros((3, 1)), [0, 1])


def test_split_and_subset_keep_rows_and_labels_together():
    X = np.arange(100, dtype=np.float32).reshape(50, 2)
    y = np.arange(50) % 2
    train, val = tk.ArrayDataset(X, y).split(0.7, stratify=True, seed=1)
    assert len(train) + len(val) == 50
    for part in (train, val):
        Xp, yp = part.batch(np.arange(len(part)))
        assert ((Xp[:, 0] / 2).astype(int) % 2 == yp).all()
    assert not set(train.keys()) & set(val.keys())


def test_kfolds_give_datasets():
    ds = tk.ArrayDataset(np.zeros((20, 1)), np.arange(20) % 2)
    folds = ds.kfolds(4, seed=0)
    assert sum(len(v) for _, v in folds) == 20
