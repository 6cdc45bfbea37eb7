"""Traced: one walk swaps traced values into a tree; restore and grads undo and mirror it."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

import toolkit as tk
from toolkit.nn import ops
from toolkit.nn.module import Module
from toolkit.nn.tape import Tracked
from toolkit.nn.tracing import Traced

Pair = namedtuple("Pair", "a b")


class Holder(Module):
    """Every kind of node: a tuple of arrays, a dict, a named tuple, a state field."""

    _fields = ("pair", "table", "named", "stats", "later")
    _state = ("stats",)

    def __init__(self):
        self.pair = (np.ones(2), np.full(2, 2.0))
        self.table = {"w": np.ones(3), "k": 7}
        self.named = Pair(np.ones(1), "label")
        self.stats = np.zeros(2)
        self.later = None

    def __call__(self, x):
        return ops.sum(self.pair[0] * x) + ops.sum(self.pair[1]) + ops.sum(self.table["w"]) \
            + ops.sum(self.named.a * 3.0)


def _plain_everywhere(tree) -> bool:
    return all(type(leaf) is not Tracked for leaf in tk.tree_leaves(tree))


def test_every_node_kind_is_traced_restored_and_mirrored():
    model = Holder()
    originals = (model.pair, model.table["w"], model.named, model.stats)
    grads = tk.gradient(lambda m: m(np.arange(2.0)), model)[0]
    assert type(grads) is Holder and type(grads.named) is Pair
    np.testing.assert_array_equal(grads.pair[0], [0.0, 1.0])
    np.testing.assert_array_equal(grads.pair[1], [1.0, 1.0])
    np.testing.assert_array_equal(grads.table["w"], [1.0, 1.0, 1.0])
    assert grads.table["k"] is None and grads.named.b is None and grads.named.a.tolist() == [3.0]
    assert grads.stats is None and grads.later is None
    # the very same objects are back in place, nothing traced is left behind
    now = (model.pair, model.table["w"], model.named, model.stats)
    assert all(a is b for a, b in zip(now, originals, strict=True))
    assert _plain_everywhere(model)


class Leaky(Module):
    """A layer that stores traced values into its fields during the forward pass."""

    _fields = ("weight", "cache", "history", "running")
    _state = ("running",)

    def __init__(self):
        self.weight = np.full(2, 3.0)
        self.cache = None
        self.history = []
        self.running = np.zeros(2)

    def __call__(self, x):
        y = self.weight * x
        self.cache = y  # a traced intermediate into a field that held None
        self.history = [y, {"w": self.weight}]  # a new sub-tree holding traced values
        self.running = self.running * 0.5 + y  # traced into a state field
        return ops.sum(y)


def test_traced_values_a_layer_stored_are_made_plain_again():
    model = Leaky()
    (grads,) = tk.gradient(lambda m: m(np.ones(2)), model)
    np.testing.assert_array_equal(grads.weight, [1.0, 1.0])
    assert _plain_everywhere(model)
    np.testing.assert_array_equal(model.cache, [3.0, 3.0])
    np.testing.assert_array_equal(model.running, [3.0, 3.0])
    assert type(model.history[1]["w"]) is np.ndarray


def test_restore_after_an_error_and_twice_is_harmless():
    params = [np.ones(2), (np.zeros(1), 4)]
    traced = Traced(params, [])
    assert type(params[0]) is Tracked and type(params[1][0]) is Tracked
    traced.restore()
    traced.restore()
    assert type(params[0]) is np.ndarray and type(params[1][0]) is np.ndarray
    assert params[1][1] == 4


def test_a_tuple_root_is_rebuilt_and_the_original_left_alone():
    root = (np.ones(2), "x")
    traced = Traced(root, [])
    assert traced.value is not root and type(traced.value[0]) is Tracked
    assert type(root[0]) is np.ndarray


def test_unbuilt_fields_are_listed_by_path():
    model = tk.Chain(tk.Dense(out=3), tk.Dense(3, 1))
    traced = Traced(model, [])
    traced.restore()
    assert traced.empty == ["layers.0.weight", "layers.0.bias"]


class Grows(Module):
    """A layer that adds traced values to the list and dict it already holds."""

    _fields = ("weight", "seen", "last")

    def __init__(self):
        self.weight = np.full(2, 3.0)
        self.seen = []
        self.last = {"first": None}

    def __call__(self, x):
        y = self.weight * x
        self.seen.append(y)  # the list grows in place: no slot of the walk covers it
        del self.last["first"]
        self.last["y"] = y  # a new key in place, the dict's length unchanged
        return ops.sum(y)


def test_traced_values_added_to_a_list_or_dict_in_place_are_made_plain():
    model = Grows()
    (grads,) = tk.gradient(lambda m: m(np.ones(2)), model)
    np.testing.assert_array_equal(grads.weight, [1.0, 1.0])
    assert type(model.seen[0]) is np.ndarray and type(model.last["y"]) is np.ndarray
    assert _plain_everywhere(model)


class Ordered(Module):
    _fields = ("table",)

    def __init__(self):
        self.table = OrderedDict(w=np.ones(2), n=3)

    def __call__(self, x):
        return ops.sum(self.table["w"] * x)


def test_dict_subclasses_are_traced_by_key():
    root = OrderedDict(w=np.ones(2), v=np.full(1, 2.0))
    (grads,) = tk.gradient(lambda p: ops.sum(p["w"] * 3.0) + ops.sum(p["v"]), root)
    assert grads == {"w": grads["w"], "v": grads["v"]}
    np.testing.assert_array_equal(grads["w"], [3.0, 3.0])
    assert type(root["w"]) is np.ndarray and list(root) == ["w", "v"]
    model = Ordered()
    (grads,) = tk.gradient(lambda m: m(np.arange(2.0)), model)
    np.testing.assert_array_equal(grads.table["w"], [0.0, 1.0])
    assert grads.table["n"] is None and _plain_everywhere(model)


def test_a_layer_used_twice_gets_its_summed_gradient_once():
    """Weight tying: Chain(d, d) — the gradient sums both uses and one update steps it once."""
    d = tk.Dense(2, 2, seed=0)
    model = tk.Chain(d, d)
    x = np.array([[1.0, -2.0]], np.float32)
    (grads,) = tk.gradient(lambda m: ops.sum(m(x)), model)
    w = d.weight.astype(np.float64)
    # d(sum((x W + b) W + b))/dW by hand: x^T (1 W^T) + (x W + b)^T 1
    ones = np.ones((1, 2))
    expected = x.T.astype(np.float64) @ (ones @ w.T) + (x @ w + d.bias).T @ ones
    np.testing.assert_allclose(grads.layers[0].weight, expected, rtol=1e-5)
    assert grads.layers[1].weight is None and type(d.weight) is np.ndarray
    before = d.weight.copy()
    state = tk.setup(tk.Descent(0.1), model)
    tk.update(state, model, grads)
    np.testing.assert_allclose(d.weight, before - 0.1 * expected, rtol=1e-5)
