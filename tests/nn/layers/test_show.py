"""Printing models as Flux does: one row per layer, members by position or name, totals."""

import numpy as np

import toolkit as tk
from toolkit.nn.module import Module


def test_printing_counts_trainable_and_non_trainable_apart():
    text = repr(tk.Chain(tk.Conv((3, 3), 1, 8, tk.relu), tk.BatchNorm(8), tk.Flatten(),
                         tk.Dense(out=10)))
    lines = text.splitlines()
    assert lines[1].startswith("  Conv((3, 3), 1 => 8, relu),")
    assert lines[1].endswith("# 80 parameters")
    assert lines[2].endswith("# 16 parameters, plus 16 non-trainable")
    assert "? parameters" in lines[4]
    assert "Total: 4 trainable arrays, 96 parameters," in lines[5]
    assert "plus 2 non-trainable, 16 parameters" in lines[6]


def test_connections_print_where_the_constructor_takes_them():
    skip = repr(tk.SkipConnection(tk.Dense(3, 3), "cat")).splitlines()
    assert skip[0] == "SkipConnection(" and skip[2] == "  cat,"
    assert skip[1] == "  Dense(3 => 3),                        # 12 parameters"
    parallel = repr(tk.Parallel("add", tk.Dense(2, 3), tk.Dense(2, 3))).splitlines()
    assert parallel[1] == "  add," and parallel[2].startswith("  Dense(2 => 3),")


def test_named_members_and_plain_modules_print_their_names():
    class Scale(Module):
        _fields = ("weight", "inner")

        def __init__(self):
            self.weight, self.inner = np.ones(3, np.float32), tk.Dense(2, 2)

        def __call__(self, x):
            return self.inner(x) * self.weight[:2]

    lines = repr(tk.Chain(enc=tk.Chain(tk.Dense(4, 3), tk.relu), head=Scale())).splitlines()
    assert lines[1] == "  enc = Chain(" and lines[2].startswith("    Dense(4 => 3),")
    assert lines[3] == "    relu,"
    assert lines[5:8] == ["  head = Scale(", "    weight = ndarray(3,),",
                          "    inner = Dense(2 => 2),              # 6 parameters"]


def test_printing_does_not_draw_lazy_weights():
    model = tk.Chain(tk.Dense(out=3), tk.Dense(3, 2))
    text = repr(model)
    assert "Dense(? => 3),                        # ? parameters" in text
    assert "1 layer sized by the first batch not counted" in text
    assert "weight" not in model[0].__dict__


def test_an_empty_chain_still_prints_as_a_container():
    assert repr(tk.Chain(tk.Chain())).splitlines()[:3] == ["Chain(", "  Chain(", "  ),"]
