import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import toolkit as tk
from toolkit.errors import DataError

labels_strategy = st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=8, unique=True)


@given(
    labels_strategy.flatmap(
        lambda L: st.tuples(st.just(L), st.lists(st.sampled_from(L), max_size=30))
    )
)
def test_onecold_inverts_onehotbatch(case):
    labels, xs = case
    y = tk.onehotbatch(xs, labels)
    assert y.shape == (len(xs), len(labels))
    assert y.dtype == np.float32
    assert (y.sum(axis=1) == 1).all()
    assert tk.onecold(y, labels) == xs


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=20))
def test_onehotbatch_of_integers_matches_positions(xs):
    labels = list(range(-5, 6))
    y = tk.onehotbatch(np.array(xs), labels)
    assert tk.onecold(y).tolist() == [labels.index(x) for x in xs]


def test_onehot_single_and_onecold_vector():
    v = tk.onehot(2, [1, 2, 3])
    assert v.tolist() == [0.0, 1.0, 0.0]
    assert tk.onecold(v, [1, 2, 3]) == 2


def test_unknown_label_names_label_and_valid_ones():
    with pytest.raises(DataError) as err:
        tk.onehotbatch(["cat", "cow"], ["cat", "dog"])
    assert "'cow'" in str(err.value) and "['cat', 'dog']" in str(err.value)


def test_default_maps_unknown_labels():
    y = tk.onehotbatch(["cat", "cow", "emu"], ["cat", "dog", "other"], default="other")
    assert tk.onecold(y, ["cat", "dog", "other"]) == ["cat", "other", "other"]


def test_default_must_be_a_label():
    with pytest.raises(DataError, match="default 'x'"):
        tk.onehot("cow", ["cat", "dog"], default="x")


def test_duplicate_labels_refused():
    with pytest.raises(DataError, match="twice"):
        tk.onehotbatch(["a"], ["a", "b", "a"])


def test_onecold_label_count_mismatch():
    with pytest.raises(DataError, match="3 classes but 2 labels"):
        tk.onecold(np.zeros((4, 3)), ["a", "b"])
