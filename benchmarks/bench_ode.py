"""DiffEqFlux's spiral, trained by toolkit and by torchdiffeq side by side in one run.

Run (under the shared lock, so that two benchmarks never overlap):

    flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        .venv/bin/python benchmarks/bench_ode.py [--quick]

The problem (DiffEqFlux's "neural ODE" example): 30 points of the spiral u' = (u³)A from
u0 = (2, 0) over t in [0, 1.5]; the model f = Chain(u -> u³, Dense(2, 50, tanh),
Dense(50, 2)); the loss the squared error over the 30 saved states; Adam(0.05). Both
sides start from the same float32 weights and solve with dopri5 at rtol=1e-5,
atol=1e-7 (torchdiffeq has no tsit5; toolkit's tsit5 is timed as well). One training
iteration = the solve, its gradient (through the steps, or by the adjoint), an Adam step.
Figures are the median and best seconds per iteration over the repeats, contenders in
turns; ratios are toolkit / torchdiffeq of the medians (below 1 is faster). The peak
memory of one gradient (tracemalloc, toolkit only: numpy allocations are traced, torch's
are not) compares backprop with the adjoint.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

import numpy as np

import toolkit as tk

QUICK = "--quick" in sys.argv
ITERS = 5 if QUICK else 20
REPEATS = 3 if QUICK else 5
TS = np.linspace(0.0, 1.5, 30).astype(np.float32)
TOL = {"rtol": 1e-5, "atol": 1e-7}


def spiral():
    A = np.array([[-0.1, 2.0], [-2.0, -0.1]])
    u0 = np.array([[2.0, 0.0]])
    data = tk.odesolve(lambda u, t: (u**3) @ A, u0, (0.0, 1.5), saveat=TS, rtol=1e-9, atol=1e-11)
    return u0.astype(np.float32), data.astype(np.float32)


def cube(u):
    return u**3


def toolkit_trainer(solver, sensealg, u0, data):
    f = tk.Chain(cube, tk.Dense(2, 50, "tanh"), tk.Dense(50, 2), seed=1)
    node = tk.NeuralODE(f, (0.0, 1.5), saveat=TS, solver=solver, sensealg=sensealg, **TOL)
    state = tk.setup(tk.Adam(0.05), node)
    batches = [(u0, data)] * ITERS

    def run():
        return tk.train(lambda m, x, y: ((m(x) - y) ** 2).sum(), node, batches, state,
                        quiet=True).steps[0]

    return run, node


def torch_trainer(adjoint, weights, u0, data):
    import torch
    import torchdiffeq

    class F(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1, self.l2 = torch.nn.Linear(2, 50), torch.nn.Linear(50, 2)

        def forward(self, t, u):
            return self.l2(torch.tanh(self.l1(u**3)))

    f = F()
    with torch.no_grad():
        for lin, layer in ((f.l1, weights[1]), (f.l2, weights[2])):
            lin.weight.copy_(torch.tensor(layer.weight.T.copy()))
            lin.bias.copy_(torch.tensor(layer.bias.copy()))
    opt = torch.optim.Adam(f.parameters(), lr=0.05)
    solve = torchdiffeq.odeint_adjoint if adjoint else torchdiffeq.odeint
    tu0, tdata, tts = torch.tensor(u0), torch.tensor(data), torch.tensor(TS)

    def run():
        losses = []
        for _ in range(ITERS):
            opt.zero_grad()
            loss = ((solve(f, tu0, tts, method="dopri5", **TOL) - tdata) ** 2).sum()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        return losses

    return run


def race(contenders: dict) -> dict:
    times = {name: [] for name in contenders}
    for _ in range(REPEATS):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) / ITERS)
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def peak_memory(sensealg, u0, data):
    f = tk.Chain(cube, tk.Dense(2, 50, "tanh"), tk.Dense(50, 2), seed=1)
    node = tk.NeuralODE(f, (0.0, 1.5), saveat=TS, solver="tsit5", sensealg=sensealg, **TOL)
    tk.gradient(lambda m: ((m(u0) - data) ** 2).sum(), node)
    tracemalloc.start()
    tk.gradient(lambda m: ((m(u0) - data) ** 2).sum(), node)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    import torch

    torch.set_num_threads(1)
    u0, data = spiral()
    print(f"spiral: {len(TS)} saved points, {ITERS} Adam iterations per run, {REPEATS} repeats; "
          f"torch threads 1, float32, dopri5 rtol={TOL['rtol']} atol={TOL['atol']}")
    for sensealg, adjoint in (("backprop", False), ("adjoint", True)):
        ours, node = toolkit_trainer("dopri5", sensealg, u0, data)
        tsit, _ = toolkit_trainer("tsit5", sensealg, u0, data)
        node(u0)  # the weights exist before torch copies them
        theirs = torch_trainer(adjoint, node.f.layers, u0, data)
        first = (ours()[0], theirs()[0])  # warm-up, and the same starting loss on both sides
        rows = race({"toolkit": ours, "toolkit-tsit5": tsit, "torchdiffeq": theirs})
        print(f"\n{sensealg}   first loss toolkit {first[0]:.4f} / torchdiffeq {first[1]:.4f}"
              f"   (median / best ms per iteration)")
        for name, (median, best) in rows.items():
            ratio = rows[name][0] / rows["torchdiffeq"][0]
            tail = "" if name == "torchdiffeq" else f"   {name}/torchdiffeq = {ratio:.2f}x"
            print(f"  {name:<14} {median * 1e3:8.2f} / {best * 1e3:8.2f} ms{tail}")
    bp, adj = peak_memory("backprop", u0, data), peak_memory("adjoint", u0, data)
    print(f"\npeak memory of one gradient (tracemalloc): backprop {bp / 1e3:.0f} kB, "
          f"adjoint {adj / 1e3:.0f} kB   adjoint/backprop = {adj / bp:.2f}x")


if __name__ == "__main__":
    main()
