"""Gradients of odesolve, through the steps and by the adjoint: finite differences, each other,
torchdiffeq's odeint and odeint_adjoint on the same problem and weights; adjoint memory."""

import gc
import tracemalloc

import numpy as np
import pytest

import toolkit as tk

TS = np.linspace(0.0, 1.0, 5)


def _mlp(seed=1):
    model = tk.Chain(tk.Dense(2, 8, "tanh"), tk.Dense(8, 2), seed=seed)
    return tk.tree_map(lambda a: a.astype(np.float64) if isinstance(a, np.ndarray) else a, model)


def _u0():
    return np.array([[2.0, 0.0], [0.5, -1.0]])


W = np.random.default_rng(7).normal(size=(len(TS), 2, 2))


def _loss(sensealg, solver="tsit5", **kw):
    def loss(m, u0):
        u = tk.odesolve(m, u0, (0.0, 1.0), saveat=TS, solver=solver, sensealg=sensealg, **kw)
        return (u * W).sum()

    return loss


TIGHT = {"rtol": 1e-10, "atol": 1e-12}


@pytest.mark.parametrize("sensealg", ["backprop", "adjoint"])
def test_gradients_match_central_finite_differences(sensealg):
    model, u0 = _mlp(), _u0()
    loss = _loss(sensealg, **TIGHT)
    gm, gu = tk.gradient(loss, model, u0)
    eps = 1e-6
    arrays = dict(tk.tree_leaves_with_path(model))
    checks = [(u0, gu)] + [(arrays[p], g) for p, g in tk.tree_leaves_with_path(gm)]
    for value, g in checks:
        flat = value.reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 5)):
            old = flat[i]
            flat[i] = old + eps
            up = loss(model, u0)
            flat[i] = old - eps
            down = loss(model, u0)
            flat[i] = old
            numeric = (up - down) / (2 * eps)
            assert abs(numeric - g.reshape(-1)[i]) <= 1e-6 + 1e-5 * abs(numeric)


@pytest.mark.parametrize("solver, kw", [("dopri5", TIGHT), ("rk4", {"dt": 0.05})])
def test_adjoint_and_backprop_agree(solver, kw):
    model, u0 = _mlp(3), _u0()
    gb = tk.gradient(_loss("backprop", solver, **kw), model, u0)
    ga = tk.gradient(_loss("adjoint", solver, **kw), model, u0)
    np.testing.assert_allclose(ga[1], gb[1], rtol=1e-5, atol=1e-7)
    for (_, a), (_, b) in zip(tk.tree_leaves_with_path(ga[0]), tk.tree_leaves_with_path(gb[0]),
                              strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_a_time_dependent_function_gets_the_adjoint_gradient_of_u0():
    def f(u, t):
        return -u * (1.0 + t)

    g = tk.gradient(lambda u: tk.odesolve(f, u, (0, 1), sensealg="adjoint", **TIGHT).sum(),
                    np.ones(3))[0]
    np.testing.assert_allclose(g, np.exp(-1.5), rtol=1e-8)


@pytest.mark.torch
@pytest.mark.parametrize("adjoint", [False, True])
def test_gradients_match_torchdiffeq(adjoint):
    torch = pytest.importorskip("torch")
    torchdiffeq = pytest.importorskip("torchdiffeq")
    model, u0 = _mlp(5), _u0()

    class F(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1, self.l2 = torch.nn.Linear(2, 8), torch.nn.Linear(8, 2)

        def forward(self, t, u):
            return self.l2(torch.tanh(self.l1(u)))

    f = F().double()
    with torch.no_grad():
        for lin, layer in ((f.l1, model[0]), (f.l2, model[1])):
            lin.weight.copy_(torch.tensor(layer.weight.T))
            lin.bias.copy_(torch.tensor(layer.bias))
    tu0 = torch.tensor(u0, requires_grad=True)
    solve = torchdiffeq.odeint_adjoint if adjoint else torchdiffeq.odeint
    out = solve(f, tu0, torch.tensor(TS), rtol=1e-10, atol=1e-12, method="dopri5")
    (out * torch.tensor(W)).sum().backward()
    sensealg = "adjoint" if adjoint else "backprop"
    gm, gu = tk.gradient(_loss(sensealg, "dopri5", **TIGHT), model, u0)
    np.testing.assert_allclose(gu, tu0.grad.numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gm[0].weight, f.l1.weight.grad.numpy().T, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gm[1].bias, f.l2.bias.grad.numpy(), rtol=1e-6, atol=1e-8)


def _peak(sensealg, steps):
    model = _mlp(2)
    u0 = np.random.default_rng(0).normal(size=(256, 2))  # arrays, not Python objects, dominate

    def loss(m, u0):
        return tk.odesolve(m, u0, (0.0, 1.0), solver="rk4", dt=1.0 / steps,
                           sensealg=sensealg).sum()

    gc.collect()
    tracemalloc.start()
    tk.gradient(loss, model, u0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_adjoint_memory_does_not_grow_with_the_steps_and_backprop_does():
    # 8 times the steps: backprop's tape keeps every stage of every step (measured ~8x),
    # the adjoint only its few working arrays (measured ~1.5x: Python objects, not arrays)
    backprop = _peak("backprop", 80) / _peak("backprop", 10)
    adjoint = _peak("adjoint", 80) / _peak("adjoint", 10)
    assert backprop > 5, backprop
    assert adjoint < 2.5, adjoint
