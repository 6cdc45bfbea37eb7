"""The model core side by side with its peers: toolkit vs PyTorch eager vs plain Python/numpy.

Run (under the shared lock, so that two benchmarks never overlap):

    flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        .venv/bin/python benchmarks/bench_core.py [scalar] [mlp] [cnn] [--quick]

Sections (all by default):
  scalar  the gradient of 3x²+2x+1 per call: toolkit, PyTorch eager, a bare 40-line tape
  mlp     one epoch of a 784-256-128-10 MLP (60,000 synthetic samples, batch 128),
          SGD and Adam: toolkit, PyTorch, a hand-written numpy loop
  cnn     one training step of conv3x3(16)-pool-conv3x3(32)-pool-dense on 64x28x28x1

PyTorch is given as many threads as numpy's BLAS (threadpoolctl), and says so.
Contenders run in turns; figures are the median and best of the repeats, ratios are
toolkit / peer of the medians (below 1 is faster).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from _steps import toolkit_cnn_model, toolkit_train_step, torch_cnn_model, torch_train_step

QUICK = "--quick" in sys.argv


def race(contenders: dict, repeats: int, number: int = 1) -> dict[str, tuple[float, float]]:
    """{name: (median, best)} seconds per call of each function, run in turns.

    The contenders take turns within every repeat, so that load from other processes
    falls on all of them alike; each is called ``number`` times per turn.
    """
    for fn in contenders.values():
        fn()  # warm-up: first-call costs (imports, allocation) are not what we measure
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - t0) / number)
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def report(title: str, rows: dict, unit: str, scale: float, ours: str = "toolkit"):
    """Print median and best of each contender, and toolkit's ratio to each (medians)."""
    print(f"\n{title}   (median / best of the repeats)")
    for name, (median, best) in rows.items():
        ratio = "" if name == ours else f"   toolkit/{name} = {rows[ours][0] / median:.2f}x"
        print(f"  {name:<12} {median * scale:10.2f} / {best * scale:8.2f} {unit}{ratio}")


# ---------------------------------------------------------------- a bare 40-line tape


class Var:
    """A scalar on a flat tape: the bare minimum reverse-mode autodiff."""

    __slots__ = ("value", "grad", "tape")

    def __init__(self, value, tape):
        self.value, self.grad, self.tape = value, 0.0, tape

    def _record(self, value, parents):
        out = Var(value, self.tape)
        self.tape.append((out, parents))
        return out

    def __add__(self, other):
        if isinstance(other, Var):
            return self._record(self.value + other.value, ((self, 1.0), (other, 1.0)))
        return self._record(self.value + other, ((self, 1.0),))

    __radd__ = __add__

    def __mul__(self, other):
        if isinstance(other, Var):
            parents = ((self, other.value), (other, self.value))
            return self._record(self.value * other.value, parents)
        return self._record(self.value * other, ((self, other),))

    __rmul__ = __mul__

    def __pow__(self, k):
        return self._record(self.value**k, ((self, k * self.value ** (k - 1)),))


def tape_gradient(f, x):
    """The derivative of the scalar function ``f`` at ``x`` via the tape above."""
    tape = []
    v = Var(x, tape)
    out = f(v)
    out.grad = 1.0
    for node, parents in reversed(tape):
        for parent, local in parents:
            parent.grad += node.grad * local
    return (v.grad,)


def bench_scalar():
    import torch

    import toolkit as tk

    def f(x):
        return 3 * x**2 + 2 * x + 1

    def torch_grad():
        x = torch.tensor(2.0, requires_grad=True)
        f(x).backward()
        return x.grad.item()

    assert tk.gradient(f, 2.0)[0] == 14.0 and tape_gradient(f, 2.0)[0] == 14.0
    assert torch_grad() == 14.0
    n, r = (200, 5) if QUICK else (2000, 9)
    rows = race({
        "toolkit": lambda: tk.gradient(f, 2.0),
        "pytorch": torch_grad,
        "bare tape": lambda: tape_gradient(f, 2.0),
    }, r, n)
    report("scalar gradient of 3x²+2x+1 (per call)", rows, "µs", 1e6)
    return rows


# ---------------------------------------------------------------- MLP epoch


def mlp_data(n=60_000):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


def batches(x, y, size=128):
    return [(x[i : i + size], y[i : i + size]) for i in range(0, len(x), size)]


def glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


class NumpyMLP:
    """The hand-written baseline: relu MLP, softmax cross-entropy, SGD or Adam, all in place."""

    def __init__(self, sizes, rule, lr):
        rng = np.random.default_rng(1)
        self.params = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=False):
            self.params += [glorot(rng, a, b), np.zeros(b, np.float32)]
        self.rule, self.lr, self.t = rule, lr, 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, x, y):
        acts, h = [x], x
        for i in range(0, len(self.params), 2):
            h = h @ self.params[i]
            h += self.params[i + 1]
            if i + 2 < len(self.params):
                np.maximum(h, 0, out=h)
            acts.append(h)
        z = h - h.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        n = len(y)
        loss = -np.log(p[np.arange(n), y]).mean()
        p[np.arange(n), y] -= 1
        g = p / n
        grads = [None] * len(self.params)
        for i in range(len(self.params) - 2, -1, -2):
            grads[i] = acts[i // 2].T @ g
            grads[i + 1] = g.sum(axis=0)
            if i:
                g = g @ self.params[i].T
                g *= acts[i // 2] > 0
        self.update(grads)
        return loss

    def update(self, grads):
        if self.rule == "sgd":
            for p, g in zip(self.params, grads, strict=True):
                g *= self.lr
                p -= g
            return
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            d = np.sqrt(v / c2)
            d += eps
            p -= (self.lr / c1) * m / d


def torch_mlp(torch, sizes, rule, lr):
    torch.manual_seed(1)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=False):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = (torch.optim.SGD if rule == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    return torch_train_step(torch, model, opt)


def toolkit_mlp(tk, sizes, rule, lr):
    layers = [tk.Dense(a, b, tk.relu) for a, b in zip(sizes[:-2], sizes[1:-1], strict=False)]
    model = tk.Chain(*layers, tk.Dense(sizes[-2], sizes[-1]), seed=1)
    state = tk.setup(tk.Descent(lr) if rule == "sgd" else tk.Adam(lr), model)

    def loss(m, x, y):
        return tk.logitcrossentropy(m(x), y)

    return toolkit_train_step(tk, model, state), model, state, loss


def mlp_rows(tk, torch, rule, lr, data, tdata, repeats):
    """Seconds per epoch of each contender for one optimiser rule."""
    sizes = (784, 256, 128, 10)
    ours, model, state, loss = toolkit_mlp(tk, sizes, rule, lr)
    theirs = torch_mlp(torch, sizes, rule, lr)
    hand = NumpyMLP(sizes, rule, lr)
    return race({
        "toolkit": lambda: [ours(a, b) for a, b in data],
        "tk.train": lambda: tk.train(loss, model, data, state, quiet=True),
        "pytorch": lambda: [theirs(a, b) for a, b in tdata],
        "numpy loop": lambda: [hand.step(a, b) for a, b in data],
    }, repeats)


def bench_mlp():
    import torch

    import toolkit as tk

    x, y = mlp_data(12_800 if QUICK else 60_000)
    data = batches(x, y)
    tdata = [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in data]
    repeats = 3 if QUICK else 5
    results = {}
    for rule, lr in (("sgd", 0.01), ("adam", 1e-3)):
        rows = mlp_rows(tk, torch, rule, lr, data, tdata, repeats)
        title = f"MLP 784-256-128-10, one epoch of {len(x):,} samples, batch 128, {rule}"
        report(title, rows, "s", 1)
        results[rule] = rows
    return results


# ---------------------------------------------------------------- CNN step


def toolkit_cnn(tk):
    model = toolkit_cnn_model(tk)
    return toolkit_train_step(tk, model, tk.setup(tk.Descent(0.01), model))


def torch_cnn(torch):
    torch.manual_seed(1)
    model = torch_cnn_model(torch)
    return torch_train_step(torch, model, torch.optim.SGD(model.parameters(), lr=0.01))


def bench_cnn():
    import torch

    import toolkit as tk

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    tx, ty = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)
    ours, theirs = toolkit_cnn(tk), torch_cnn(torch)
    n, r = (3, 3) if QUICK else (10, 7)
    rows = race({"toolkit": lambda: ours(x, y), "pytorch": lambda: theirs(tx, ty)}, r, n)
    report("CNN conv3x3(16)-pool-conv3x3(32)-pool-dense, one step on 64x28x28x1", rows, "ms", 1e3)
    return rows


SECTIONS = {"scalar": bench_scalar, "mlp": bench_mlp, "cnn": bench_cnn}


def main(argv):
    import threadpoolctl
    import torch

    chosen = [a for a in argv if not a.startswith("--")] or list(SECTIONS)
    unknown = [a for a in chosen if a not in SECTIONS]
    if unknown:
        sys.exit(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    threads = blas[0]["num_threads"] if blas else 1
    torch.set_num_threads(threads)
    kernel = "?"
    if blas:
        kernel = f"{blas[0]['internal_api']} {blas[0]['version']} ({blas[0]['architecture']})"
    print(f"numpy {np.__version__}, BLAS {kernel}, {threads} threads; "
          f"torch {torch.__version__} set to {torch.get_num_threads()} threads")
    for name in chosen:
        SECTIONS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
