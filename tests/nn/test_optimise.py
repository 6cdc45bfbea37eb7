"""Optimiser state trees on models: setup, in-place update, adjust, freeze/thaw, lazy layers."""

from collections import namedtuple

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn.optimise import PENDING, load_state_arrays, state_arrays


def _model():
    return tk.Chain(tk.Dense(3, 4, tk.relu), tk.BatchNorm(4), tk.Dense(4, 2), seed=1)


def _grads(model):
    x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    return tk.gradient(lambda m: (m(x) ** 2).mean(), model)[0]


def test_state_mirrors_the_model_and_skips_running_statistics():
    model = _model()
    state = tk.setup(tk.Momentum(0.1), model)
    assert state[0].weight.state.shape == (3, 4)
    assert state[1].scale is not None and state[1].mean is None and state[1].var is None
    assert model[0].weight is not state[0].weight.state  # the state lives outside the model


def test_update_changes_the_arrays_in_place():
    model = _model()
    state = tk.setup(tk.Descent(0.5), model)
    weight, before = model[0].weight, model[0].weight.copy()
    grads = _grads(model)
    state, same = tk.update(state, model, grads)
    assert same is model and model[0].weight is weight
    np.testing.assert_allclose(weight, before - 0.5 * grads[0].weight, rtol=1e-6)


def test_update_refuses_the_whole_gradient_tuple_and_foreign_state():
    model = _model()
    state = tk.setup(tk.Adam(), model)
    x = np.ones((2, 3), np.float32)
    grads = tk.gradient(lambda m: m(x).sum(), model)
    with pytest.raises(tk.ToolkitError, match=r"pass its entry for the model, e.g. grads\[0\]"):
        tk.update(state, model, grads)
    with pytest.raises(tk.ToolkitError, match="call tk.setup"):
        tk.update(tk.setup(tk.Adam(), tk.Dense(3, 4)), model, grads[0])


def test_freeze_thaw_and_adjust():
    model = _model()
    state = tk.setup(tk.OptimiserChain(tk.ClipNorm(10.0), tk.Adam(1e-2)), model)
    frozen = model[0].weight.copy()
    tk.freeze(state[0])
    tk.update(state, model, _grads(model))
    np.testing.assert_array_equal(model[0].weight, frozen)
    assert not np.array_equal(model[2].bias, 0)
    tk.thaw(state[0])
    tk.adjust(state, lr=0.5)
    assert state[2].weight.rule.rules[1].lr == 0.5 and state[2].weight.rule.rules[0].omega == 10.0
    tk.update(state, model, _grads(model))
    assert not np.array_equal(model[0].weight, frozen)
    with pytest.raises(tk.ToolkitError, match="did you mean 'beta'"):
        tk.adjust(state, betta=(0.8, 0.9))


def test_lazy_layers_get_their_state_at_the_first_update():
    model = tk.Chain(tk.Dense(out=4, activation=tk.relu), tk.Dense(out=1), seed=1)
    state = tk.setup(tk.Adam(1e-2), model)
    assert state[0].weight.state is PENDING
    tk.update(state, model, _grads(model))
    m, v, _ = state[0].weight.state
    assert m.shape == (3, 4) and float(np.abs(v).sum()) > 0


def test_state_arrays_round_trip():
    model = _model()
    state = tk.setup(tk.Adam(1e-2), model)
    tk.update(state, model, _grads(model))
    saved = {k: np.array(v) for k, v in state_arrays(state).items()}
    fresh = tk.setup(tk.Adam(1e-2), model)
    load_state_arrays(fresh, saved)
    assert fresh[0].weight.state[2] == state[0].weight.state[2]
    np.testing.assert_array_equal(fresh[2].weight.state[1], state[2].weight.state[1])
    saved["layers.0.weight/0"] = np.zeros((1, 1))
    with pytest.raises(tk.ToolkitError, match=r"layers\.0\.weight/0' has shape \(1, 1\)"):
        load_state_arrays(fresh, saved)


def test_update_names_a_structure_mismatch_and_changes_nothing():
    model = _model()
    other = tk.Chain(tk.Dense(3, 4, tk.relu), tk.LayerNorm(4), tk.Dense(4, 2), seed=1)
    state = tk.setup(tk.Descent(0.1), other)
    before = model[0].weight.copy()
    with pytest.raises(tk.ToolkitError, match="call tk.setup|different structures"):
        tk.update(state, model, _grads(model))
    np.testing.assert_array_equal(model[0].weight, before)


def test_update_steps_the_arrays_of_a_named_tuple():
    Pair = namedtuple("Pair", "a b")
    params = Pair(np.ones(2), [np.ones(1)])
    state = tk.setup(tk.Descent(0.5), params)
    tk.update(state, params, Pair(np.ones(2), [np.ones(1)]))
    np.testing.assert_array_equal(params.a, [0.5, 0.5])
    np.testing.assert_array_equal(params.b[0], [0.5])
