"""tk.summary: output shapes from running the input layer by layer, counts, frozen layers."""

import numpy as np

import toolkit as tk


def test_a_summary_prints_and_counts_shapes_and_frozen_layers():
    model = tk.Chain(tk.Conv((3, 3), out=4),
                     tk.Flatten(), tk.Dense(out=2), seed=0)
    x = np.zeros((5, 6, 6, 1), np.float32)
    model(x)
    state = tk.setup(tk.Adam(), model)
    tk.freeze(state[0])
    s = tk.summary(model, x, state=state)
    shapes = [row[2] for row in s.rows]
    assert shapes == [(5, 4, 4, 4), (5, 64), (5, 2)]
    assert s.total == 40 + 130 and s.trainable == 130
    text = str(s)
    assert text.splitlines()[0].split() == ["layer", "output", "parameters", "trainable"]
    assert text.splitlines()[-1].split() == ["total", "170", "130"]
