"""The generic tree walk: flatten/unflatten, map, paths, state, in-place mapping."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import toolkit as tk
from toolkit.errors import ShapeError, ToolkitError
from toolkit.nn.module import Module
from toolkit.nn.tree import (
    map_inplace,
    modules,
    tree_flatten,
    tree_leaves,
    tree_leaves_with_path,
    tree_map,
    tree_unflatten,
)


class Affine(Module):
    _fields = ("weight", "bias", "stats")
    _state = ("stats",)

    def __init__(self, n=2):
        self.weight = np.ones((n, n))
        self.bias = np.zeros(n)
        self.stats = np.zeros(n)
        self.activation = np.tanh  # static: not walked

    def __call__(self, x):
        return x @ self.weight + self.bias


class Stack(Module):
    _fields = ("layers",)

    def __init__(self, *layers):
        self.layers = list(layers)


def test_paths_name_every_leaf_depth_first():
    model = Stack(Affine(), Affine())
    paths = [p for p, _ in tree_leaves_with_path(model)]
    assert paths == [f"layers.{i}.{f}" for i in (0, 1) for f in ("weight", "bias", "stats")]


def test_state_is_marked_in_paths_and_treedef():
    model = Stack(Affine())
    _, treedef = tree_flatten(model)
    assert treedef.state_mask == (False, False, True)
    assert [s for *_, s in tree_leaves_with_path(model, with_state=True)] == [False, False, True]


def test_flatten_unflatten_round_trip_copies_modules_shallowly():
    model = Stack(Affine(), Affine())
    leaves, treedef = tree_flatten(model)
    rebuilt = tree_unflatten(treedef, [leaf * 2 for leaf in leaves])
    assert type(rebuilt) is Stack and rebuilt is not model
    assert rebuilt.layers[0].activation is np.tanh
    np.testing.assert_array_equal(rebuilt.layers[1].weight, 2 * model.layers[1].weight)
    assert model.layers[0].weight[0, 0] == 1.0  # the input is untouched
    assert tree_flatten(rebuilt)[1] == treedef


def test_unflatten_checks_leaf_count():
    _, treedef = tree_flatten([1, 2])
    with pytest.raises(ShapeError, match="2 leaves, got 3"):
        tree_unflatten(treedef, [1, 2, 3])


def test_containers_and_named_tuples():
    Pair = namedtuple("Pair", "a b")
    tree = {"p": Pair(1, [2, 3]), "n": None, "t": (4,)}
    assert tree_leaves(tree) == [1, 2, 3, None, 4]
    doubled = tree_map(lambda x: None if x is None else 2 * x, tree)
    assert doubled == {"p": Pair(2, [4, 6]), "n": None, "t": (8,)}
    assert type(doubled["p"]) is Pair


def test_map_over_several_trees_and_none_subtrees():
    model = Affine()
    grads = tree_map(lambda p: np.full_like(p, 0.5), model)
    stepped = tree_map(lambda p, g: p - g, model, grads)
    np.testing.assert_array_equal(stepped.weight, np.full((2, 2), 0.5))
    assert tree_map(lambda a, b: (a, b), [1, 2], None) == [(1, None), (2, None)]


def test_structure_mismatch_names_the_path():
    with pytest.raises(ShapeError, match=r"at 'layers': expected a list with keys \[0, 1\]"):
        tree_map(lambda a, b: a, Stack(Affine(), Affine()), Stack(Affine()))


def test_map_inplace_mutates_modules_and_lists_and_rebuilds_tuples():
    model = Stack(Affine())
    model.layers.append((np.zeros(1), 1.0))
    seen = []

    def visit(leaf, path, state):
        seen.append((path, state))
        return leaf

    assert map_inplace(visit, model) is model
    assert ("layers.0.stats", True) in seen and ("layers.1.1", False) in seen
    map_inplace(lambda leaf, path, state: "x", model)
    assert model.layers[0].weight == "x" and model.layers[1] == ("x", "x")


def test_map_inplace_visits_a_dict_subclass_by_key():
    table = OrderedDict(a=1.0, b=[2.0])
    assert map_inplace(lambda leaf, path, state: (path, leaf), table) is table
    assert table == OrderedDict(a=("a", 1.0), b=[("b.0", 2.0)])


def test_lazy_fields_are_none_leaves():
    class Lazy(Module):
        _fields = ("weight",)

    assert tree_leaves(Lazy()) == [None]


def test_module_declaration_is_checked():
    with pytest.raises(ToolkitError, match="not in _fields"):

        class Bad(Module):
            _fields = ("weight",)
            _state = ("running",)


# ---------------------------------------------------------------------------- properties


_leaves = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=3))
_trees = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=2), inner, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(_trees)
def test_flatten_unflatten_is_the_identity(tree):
    leaves, treedef = tree_flatten(tree)
    assert tree_unflatten(treedef, leaves) == tree
    assert len(tree_leaves_with_path(tree)) == len(leaves) == treedef.num_leaves
    assert tree_map(lambda x: x, tree) == tree


def test_modules_walks_every_layer_with_its_path_without_drawing():
    inner = tk.Chain(tk.Dense(3, 2), tk.Parallel("add", a=tk.Dense(2, 2)))
    model = tk.Chain(tk.Dense(out=3), inner)
    paths = [(path, type(m).__name__) for path, m in modules(model)]
    assert paths == [("", "Chain"), ("layers.0", "Dense"), ("layers.1", "Chain"),
                     ("layers.1.layers.0", "Dense"), ("layers.1.layers.1", "Parallel"),
                     ("layers.1.layers.1.layers.a", "Dense")]
    assert "weight" not in model[0].__dict__
    assert [p for p, _ in modules({"m": [tk.Dense(1, 1)]}, "root")] == ["root.m.0"]


def test_seeding_uses_the_walks_paths_as_keys():
    model = tk.Chain(tk.Dense(2, 2), tk.Chain(tk.Dense(2, 2)), seed=4)
    assert model[1][0].key == "layers.1.layers.0" and model[1][0].seed == 4
    again = tk.Chain(tk.Dense(2, 2), tk.Chain(tk.Dense(2, 2)), seed=4)
    np.testing.assert_array_equal(model[1][0].weight, again[1][0].weight)
    assert not np.array_equal(model[0].weight, model[1][0].weight)  # keys differ
