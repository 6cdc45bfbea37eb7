"""NeuralODE as a layer: DiffEqFlux's spiral learnt with tk.train, saving, both gradients."""

import numpy as np
import pytest

import toolkit as tk

TS = np.linspace(0.0, 1.5, 10)


def _spiral():
    """The true spiral ODE u' = (u³) A, DiffEqFlux's example, solved accurately."""
    A = np.array([[-0.1, 2.0], [-2.0, -0.1]])
    u0 = np.array([[2.0, 0.0]])
    return u0, tk.odesolve(lambda u, t: (u**3) @ A, u0, (0.0, 1.5), saveat=TS, rtol=1e-9,
                           atol=1e-11)


@pytest.mark.parametrize("sensealg", ["backprop", "adjoint"])
def test_the_spiral_is_learnt_with_train(sensealg):
    u0, target = _spiral()
    f = tk.Chain(lambda u: u**3, tk.Dense(2, 16, "tanh"), tk.Dense(16, 2), seed=0)
    node = tk.NeuralODE(f, (0.0, 1.5), saveat=TS, sensealg=sensealg, rtol=1e-5, atol=1e-7)
    node = tk.tree_map(lambda a: a.astype(np.float64) if isinstance(a, np.ndarray) else a, node)
    state = tk.setup(tk.Adam(0.05), node)
    steps = 40 if sensealg == "backprop" else 15  # the adjoint's backward solve is slower
    history = tk.train(lambda m, x, y: tk.mse(m(x), y), node, [(u0, target)] * steps, state)
    losses = history.steps[0]
    assert losses[-1] < losses[0] / 3, (losses[0], losses[-1])


def test_adjoint_and_backprop_layers_give_the_same_gradient():
    u0, target = _spiral()

    def make(sensealg):
        f = tk.Chain(tk.Dense(2, 8, "tanh"), tk.Dense(8, 2), seed=3)
        node = tk.NeuralODE(f, (0.0, 1.5), saveat=TS, sensealg=sensealg, rtol=1e-9, atol=1e-11)
        return tk.tree_map(lambda a: a.astype(np.float64) if isinstance(a, np.ndarray) else a,
                           node)

    grads = [tk.gradient(lambda m: tk.mse(m(u0), target), make(s))[0] for s in
             ("backprop", "adjoint")]
    for (pa, a), (_, b) in zip(*(tk.tree_leaves_with_path(g) for g in grads), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-8, err_msg=pa)


def test_a_neural_ode_saves_and_loads(tmp_path):
    node = tk.NeuralODE(tk.Chain(tk.Dense(2, 4, "tanh"), tk.Dense(4, 2), seed=1), (0, 1),
                        solver="dopri5", saveat=[0.5, 1.0], sensealg="adjoint")
    x = np.ones((3, 2), np.float32)
    path = tmp_path / "node.safetensors"
    tk.save(path, node)
    again = tk.load(path)
    assert repr(again) == repr(node) and again.sensealg == "adjoint"
    np.testing.assert_array_equal(again(x), node(x))


def test_a_neural_ode_in_a_chain_has_time_first_output():
    model = tk.Chain(tk.Dense(3, 2, seed=0),
                     tk.NeuralODE(tk.Dense(2, 2, "tanh", seed=1), (0, 1), saveat=[0.5, 1.0]))
    assert model(np.ones((4, 3), np.float32)).shape == (2, 4, 2)
