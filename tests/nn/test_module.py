"""Module: tree fields and state fields checked when a class is made; named_children."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import ToolkitError
from toolkit.nn.module import Module


class Scale(Module):
    _fields = ("weight", "count")
    _state = ("count",)

    def __init__(self):
        self.weight, self.count = np.ones(2, np.float32), np.zeros((), np.int64)


def test_fields_and_state_are_declared_as_tuples_of_names():
    assert Scale.tree_fields() == ("weight", "count") and Scale.state_fields() == ("count",)
    with pytest.raises(ToolkitError, match="must be tuples of names"):
        type("Bad", (Module,), {"_fields": "weight"})
    with pytest.raises(ToolkitError, match=r"_state names \['mean'\] which are not in _fields"):
        type("Bad", (Module,), {"_fields": ("weight",), "_state": ("mean",)})


def test_named_children_are_the_tree_fields_by_default():
    m = Scale()
    assert [(name, value is getattr(m, name)) for name, value in m.named_children()] == [
        ("weight", True), ("count", True)]


def test_layers_give_their_fields_without_drawing_and_containers_their_members():
    dense = tk.Dense(out=2)
    assert dense.named_children() == [("weight", None), ("bias", None)]
    assert "weight" not in dense.__dict__  # reading the children drew nothing
    a, b = tk.Dense(1, 1), tk.Dense(1, 1)
    assert tk.Chain(a, tk.relu, b).named_children() == [("0", a), ("1", tk.relu), ("2", b)]
    assert tk.Chain(x=a, y=b).named_children() == [("x", a), ("y", b)]
    assert tk.SkipConnection(a).named_children() == [("layer", a)]
