"""Structure checks of loaded models, on in-memory objects given hostile arrays."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.neighbors import KDTree
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from toolkit.errors import UnsafeFileError
from toolkit.models.checks import check_structure

X = np.random.default_rng(1).normal(size=(60, 3))
Y = (X[:, 0] > 0).astype(int)


def _edited_tree(field, value, node=0):
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y)
    state = model.tree_.__getstate__()
    nodes = state["nodes"].copy()
    nodes[field][node] = value
    model.tree_.__setstate__({**state, "nodes": nodes})
    return model


def test_fitted_models_of_scikit_learn_pass():
    models = [
        DecisionTreeClassifier(max_depth=3).fit(X, Y),
        GradientBoostingClassifier(n_estimators=3).fit(X, Y),
        HistGradientBoostingClassifier(max_iter=3).fit(X, Y),
        SVC().fit(X, Y),
        KDTree(X),
    ]
    check_structure({"models": models}, "ok.skops")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("left_child", 60, "outside the tree"),
        ("right_child", 0, "outside the tree"),
        ("feature", 3, "outside the 3 features"),
        ("threshold", np.nan, "NaN"),
    ],
)
def test_a_tree_with_hostile_nodes_is_refused_naming_the_attribute(field, value, message):
    with pytest.raises(
        UnsafeFileError, match=rf"m\.skops: refused — machine\[0\]\.tree_: .*{message}"
    ):
        check_structure([_edited_tree(field, value)], "m.skops")


def test_an_infinite_threshold_is_allowed_as_scikit_learn_writes_it_for_missing_values():
    check_structure([_edited_tree("threshold", np.inf)], "m.skops")


def test_a_tree_over_more_features_than_its_model_is_refused():
    model = DecisionTreeClassifier(max_depth=2).fit(X, Y)
    model.n_features_in_ = 2
    with pytest.raises(UnsafeFileError, match="the tree has 3 features, its model 2"):
        check_structure(model, "m.skops")


def test_a_boosting_stage_with_too_many_trees_is_refused():
    model = GradientBoostingClassifier(n_estimators=2).fit(X, Y)
    model.estimators_ = np.concatenate([model.estimators_] * 2, axis=1)
    with pytest.raises(UnsafeFileError, match="trees per stage"):
        check_structure(model, "m.skops")


def test_a_kd_tree_with_an_index_outside_its_data_is_refused():
    tree = KDTree(X)
    state = list(tree.__getstate__())
    state[1] = state[1].copy()
    state[1][0] = 10**6
    tree.__setstate__(tuple(state))
    with pytest.raises(UnsafeFileError, match="permutation"):
        check_structure(tree, "m.skops")


def test_support_vectors_fewer_than_their_indices_are_refused():
    model = SVC().fit(X, Y)
    model.support_vectors_ = model.support_vectors_[:-1]
    with pytest.raises(UnsafeFileError, match="support vectors"):
        check_structure(model, "m.skops")


def _ball_tree(metric, **params):
    from sklearn.neighbors import BallTree

    return BallTree(X, metric=metric, **params)


def _with_metric_arrays(tree, vec=None, mat=None):
    state = list(tree.__getstate__())
    p, old_vec, old_mat = state[-2].__getstate__()
    state[-2].__setstate__((p, old_vec if vec is None else vec, old_mat if mat is None else mat))
    tree.__setstate__(tuple(state))
    return tree


@pytest.mark.parametrize(
    "metric, params",
    [("mahalanobis", {"VI": np.eye(3)}), ("seuclidean", {"V": np.ones(3)}),
     ("minkowski", {"p": 3, "w": np.ones(3)}), ("minkowski", {"p": 3})],
)
def test_ball_trees_with_metrics_that_read_arrays_pass(metric, params):
    check_structure({"tree": _ball_tree(metric, **params)}, "ok.skops")


@pytest.mark.parametrize(
    "metric, params, arrays, message",
    [
        ("mahalanobis", {"VI": np.eye(3)}, {"mat": np.eye(2)}, r"mat: shape \(2, 2\) for 3"),
        ("mahalanobis", {"VI": np.eye(3)}, {"mat": np.full((3, 3), np.nan)}, "finite"),
        ("seuclidean", {"V": np.ones(3)}, {"vec": np.ones(1)}, r"vec: shape \(1,\) for 3"),
        ("minkowski", {"p": 3, "w": np.ones(3)}, {"vec": np.ones(2)}, r"vec: shape \(2,\)"),
        ("minkowski", {"p": 3}, {"vec": np.ones(1)}, r"vec: shape \(1,\) for 3"),
    ],
)
def test_a_tree_whose_metric_reads_past_its_arrays_is_refused(metric, params, arrays, message):
    # the compiled distance loops run over the data's 3 features, unchecked: shorter
    # weights or a smaller matrix would be read past their end
    tree = _with_metric_arrays(_ball_tree(metric, **params), **arrays)
    where = r"m\.skops: refused — machine\.dist_metric\."
    with pytest.raises(UnsafeFileError, match=rf"{where}.*{message}"):
        check_structure(tree, "m.skops")
