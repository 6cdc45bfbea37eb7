"""Crafted and damaged model files: each is refused by name, none crashes the process.

Every case starts from a real file written by ``tk.save`` and edits it as an attacker
(or a bad disk) would; loading must raise :class:`~toolkit.errors.UnsafeFileError`
before any compiled code reads the edited arrays.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import UnsafeFileError

from ._files import arrays_of, edit_array, has_fields, rewrite_skops

RNG = np.random.default_rng(0)
X = RNG.normal(size=(80, 4))
Y = np.where(X[:, 0] + X[:, 1] > 0, "a", "b")
Y3 = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]

MODELS = {
    "tree": ("DecisionTreeClassifier", {"max_depth": 3}, Y),
    "forest": ("RandomForestClassifier", {"n_estimators": 3, "max_depth": 3}, Y),
    "boosting": ("GradientBoostingClassifier", {"n_estimators": 3, "max_depth": 2}, Y),
    "hist": ("HistGradientBoostingClassifier", {"max_iter": 3}, Y),
    "knn": ("KNeighborsClassifier", {"algorithm": "kd_tree", "n_neighbors": 3}, Y),
    "ball": ("KNeighborsClassifier", {"algorithm": "ball_tree", "n_neighbors": 3}, Y),
    "svc": ("SVC", {}, Y3),
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    paths = {}
    for key, (name, params, y) in MODELS.items():
        model = tk.load_model(name)(**params)
        paths[key] = folder / f"{key}.skops"
        tk.save(paths[key], tk.fit(tk.machine(model, X, y)))
    return paths


def test_the_unedited_files_load_and_predict(saved):
    for key, path in saved.items():
        assert len(tk.predict(tk.load(path), X[:5])) == 5, key


def _set(field, index, value):
    def change(a):
        a[field][index] = value

    return change


TREE_NODES = has_fields("left_child", "right_child", "feature", "threshold")
HIST_NODES = has_fields("left", "right", "feature_idx", "is_leaf")

CRAFTED = {
    "child outside the tree": ("tree", TREE_NODES, _set("left_child", 0, 10**9), "outside"),
    "child before its parent": ("tree", TREE_NODES, _set("right_child", 0, 0), "outside"),
    "negative child": ("tree", TREE_NODES, _set("left_child", 0, -7), "outside"),
    "feature beyond the data": ("tree", TREE_NODES, _set("feature", 0, 99), "feature"),
    "negative feature": ("tree", TREE_NODES, _set("feature", 0, -5), "feature"),
    "NaN threshold": ("tree", TREE_NODES, _set("threshold", 0, np.nan), "NaN"),
    "forest member feature": ("forest", TREE_NODES, _set("feature", 0, 4), "feature"),
    "boosting child": ("boosting", TREE_NODES, _set("left_child", 0, 10**6), "outside"),
    "hist child": ("hist", HIST_NODES, _set("left", 0, 10**6), "outside"),
    "hist feature": ("hist", HIST_NODES, _set("feature_idx", 0, 40), "feature"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_a_crafted_tree_is_refused_before_it_is_used(case, saved, tmp_path):
    key, match, change, message = CRAFTED[case]
    bad = edit_array(saved[key], tmp_path / "bad.skops", match, change)
    with pytest.raises(UnsafeFileError, match=message):
        tk.load(bad)


def test_tree_values_of_the_wrong_length_are_refused(saved, tmp_path):
    nodes = next(a for a in arrays_of(saved["tree"]).values() if TREE_NODES(a))

    def is_values(a):
        return a.dtype == np.float64 and a.ndim == 3 and len(a) == len(nodes)

    bad = edit_array(saved["tree"], tmp_path / "bad.skops", is_values, lambda a: a[:1])
    with pytest.raises(UnsafeFileError, match="values"):
        tk.load(bad)


def _is_row_permutation(a):
    """The KD/ball tree's index array: the int array that is a permutation of the rows."""
    return (
        a.dtype.kind == "i"
        and a.shape == (len(X),)
        and (np.array_equal(np.sort(a), np.arange(len(X))))
    )


@pytest.mark.parametrize("key", ["knn", "ball"])
def test_a_neighbours_tree_indexing_outside_its_data_is_refused(key, saved, tmp_path):
    def change(a):
        a[0] = 10**6

    bad = edit_array(saved[key], tmp_path / "bad.skops", _is_row_permutation, change)
    with pytest.raises(UnsafeFileError, match="permutation"):
        tk.load(bad)


def test_support_vector_counts_that_do_not_add_up_are_refused(saved, tmp_path):
    mach = tk.load(saved["svc"])
    counts = mach.fitted_model.estimator_._n_support

    def change(a):
        a[0] += 5

    bad = edit_array(
        saved["svc"], tmp_path / "bad.skops", lambda a: np.array_equal(a, counts), change
    )
    with pytest.raises(UnsafeFileError, match="class counts"):
        tk.load(bad)


def test_a_damaged_schema_is_a_named_error(saved, tmp_path):
    def edit(name, data):
        return data[: len(data) // 2] if name == "schema.json" else data

    bad = rewrite_skops(saved["tree"], tmp_path / "bad.skops", edit)
    with pytest.raises(UnsafeFileError, match="damaged or crafted"):
        tk.load(bad)


def test_a_schema_that_is_json_but_not_a_machine_is_a_named_error(saved, tmp_path):
    def edit(name, data):
        return json.dumps({"hello": [1, 2]}).encode() if name == "schema.json" else data

    bad = rewrite_skops(saved["tree"], tmp_path / "bad.skops", edit)
    with pytest.raises(UnsafeFileError):
        tk.load(bad)


def test_a_missing_array_is_a_named_error(saved, tmp_path):
    dropped = []

    def edit(name, data):
        if name.endswith(".npy") and not dropped:
            dropped.append(name)
            return None
        return data

    bad = rewrite_skops(saved["tree"], tmp_path / "bad.skops", edit)
    with pytest.raises(UnsafeFileError, match="damaged or crafted"):
        tk.load(bad)


# ---------------------------------------------------------------------------- safetensors


def _weights_file(path, spec, tensors):
    from safetensors.numpy import save_file

    metadata = {"format": "toolkit.nn", "version": "1", "model": spec}
    save_file(tensors, str(path), metadata=metadata)
    return path


def test_a_tiny_file_claiming_a_huge_layer_is_refused_before_allocating(tmp_path):
    spec = json.dumps({"type": "Dense", "config": {"in_": 100_000, "out": 100_000}, "children": {}})
    small = {"weight": np.zeros((2, 2), np.float32), "bias": np.zeros(2, np.float32)}
    path = _weights_file(tmp_path / "huge.safetensors", spec, small)
    assert path.stat().st_size < 1024  # 40 GB claimed by a file under 1 KB
    with pytest.raises(UnsafeFileError, match=r"needs shape \(100000, 100000\)"):
        tk.load(path)


def test_a_layer_whose_array_is_missing_from_the_file_is_refused(tmp_path):
    spec = json.dumps({"type": "Dense", "config": {"in_": 2, "out": 2}, "children": {}})
    path = _weights_file(tmp_path / "m.safetensors", spec, {"weight": np.zeros((2, 2), "f4")})
    with pytest.raises(UnsafeFileError, match="bias: the structure needs shape"):
        tk.load(path)


@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000]
)
def test_metadata_nested_thousands_deep_is_a_named_error(text, tmp_path):
    path = _weights_file(tmp_path / "deep.safetensors", text, {"w": np.zeros(1, "f4")})
    with pytest.raises(UnsafeFileError, match="nested too deep"):
        tk.load(path)


def test_a_neural_machine_with_damaged_metadata_is_a_named_error(tmp_path):
    from safetensors.numpy import load_file, safe_open, save_file

    model = tk.load_model("NeuralNetworkClassifier")(epochs=1, seed=0)
    path = tmp_path / "nn.safetensors"
    tk.save(path, tk.fit(tk.machine(model, X.astype("f4"), Y)))
    with safe_open(str(path), framework="numpy") as f:
        metadata = f.metadata()
    tensors = load_file(str(path))
    for key, value in [("params", "{not json"), ("fitted", "[" * 100_000), ("params", "{}")]:
        bad = tmp_path / f"bad-{key}.safetensors"
        save_file(tensors, str(bad), metadata={**metadata, key: value})
        with pytest.raises(UnsafeFileError, match="metadata|JSON"):
            tk.load(bad)
