"""Data-parallel gradients: the same micro-batches give the same weights for any replica count."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
from toolkit.models.executors import JoblibExecutor
from toolkit.nn.replicas import Replicas


def data(n=24, batch=12):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = tk.onehotbatch(rng.integers(0, 3, n), [0, 1, 2])
    return [(x[i:i + batch], y[i:i + batch]) for i in range(0, n, batch)]


def trained(replicas, executor=None, micro_batch=3, epochs=3):
    model = tk.Chain(tk.Dense(5, 8, tk.relu, seed=1), tk.Dense(8, 3, seed=2))
    state = tk.setup(tk.Adam(0.01), model)
    loss = lambda m, x, y: tk.logitcrossentropy(m(x), y)  # noqa: E731
    tk.train(loss, model, data(), state, epochs=epochs, replicas=replicas,
             micro_batch=micro_batch, executor=executor)
    return [leaf.tobytes() for leaf in tk.tree_leaves(model)]


def test_one_two_and_four_replicas_give_the_same_weights():
    one = trained(1)
    assert trained(2) == one and trained(4) == one


def test_replicas_in_processes_give_the_same_weights_as_here():
    assert trained(2, JoblibExecutor(2)) == trained(1)


def test_the_summed_gradient_is_the_whole_batch_gradient_up_to_rounding():
    model = tk.Dense(5, 3, seed=4)
    (x, y), = data(12, 12)
    loss = lambda m, x, y: tk.logitcrossentropy(m(x), y)  # noqa: E731
    value, grads = Replicas(3, micro_batch=4).gradient(loss, model, (x, y))
    whole, (expected,) = tk.withgradient(lambda m: loss(m, x, y), model)
    np.testing.assert_allclose(value, whole, rtol=1e-6)
    np.testing.assert_allclose(grads.weight, expected.weight, rtol=1e-5, atol=1e-7)


def test_bad_replica_settings_are_refused():
    with pytest.raises(tk.ToolkitError, match="replicas= must be a positive integer, got 0"):
        Replicas(0)
    with pytest.raises(tk.ToolkitError, match="must have map"):
        Replicas(2, executor="cluster")
