"""One training step of toolkit and of PyTorch, and the benchmark CNN, shared by the
model-core benchmarks (bench_core.py on the CPU, bench_gpu.py on a GPU).

Imported by the scripts from their own folder: run them by path, as their docstrings say.
"""

from __future__ import annotations


def toolkit_train_step(tk, model, state):
    """step(x, y) -> loss: one logit-cross-entropy step of ``model``, updating ``state``."""

    def step(x, y):
        value, grads = tk.withgradient(lambda m: tk.logitcrossentropy(m(x), y), model)
        tk.update(state, model, grads[0])
        return value

    return step


def torch_train_step(torch, model, opt):
    """step(x, y) -> loss: PyTorch's cross-entropy step of ``model`` with optimiser ``opt``."""
    lossf = torch.nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def toolkit_cnn_model(tk):
    """conv3x3(16)-pool-conv3x3(32)-pool-dense for (N, 28, 28, 1) images, seed 1."""
    return tk.Chain(
        tk.Conv((3, 3), 1, 16, tk.relu, pad="same"), tk.MaxPool((2, 2)),
        tk.Conv((3, 3), 16, 32, tk.relu, pad="same"), tk.MaxPool((2, 2)),
        tk.Flatten(), tk.Dense(7 * 7 * 32, 10), seed=1,
    )  # fmt: skip


def torch_cnn_model(torch):
    """The same CNN in PyTorch, for (N, 1, 28, 28) images."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 32, 10),
    )  # fmt: skip
