"""Data-parallel gradients: one batch split into fixed-size micro-batches over replicas.

``Replicas(replicas=2, micro_batch=None, executor=None)`` computes the gradient of
a batch as the fixed-order sum over its micro-batches ``k = 0, 1, ...`` of
``(n_k / n) * gradient of loss(model, *micro_batch_k)`` (the loss a mean over its
items, as toolkit's losses are). The micro-batches are dealt to ``replicas``
tasks in contiguous groups, each task returns one gradient per micro-batch, and
the driver adds them in micro-batch order. How many replicas there are, and
where they run, therefore changes nothing: 1, 2 or 4 replicas, here or on a
Ray cluster, give the same bits as this sum computed locally with the same
micro-batches (each gradient runs with BLAS on one thread, as every executor's
task does). It is not bitwise the gradient of the whole batch in one piece, which
adds in another order.

``micro_batch=None`` takes ``ceil(n / replicas)`` items (one micro-batch per
replica); give it explicitly to keep the same micro-batches for any ``replicas``.
``executor`` is anything with ``map(function, tasks)`` (``tk.RayExecutor()``; the
model and the loss are put in Ray's object store once per step); ``None`` runs the
replicas one after another here. ``tk.train(..., replicas=N, executor=...)`` uses
this for every step.

>>> import numpy as np
>>> from toolkit.nn.layers import Dense
>>> model = Dense(2, 1, seed=0)
>>> x, y = np.ones((6, 2), np.float32), np.zeros((6, 1), np.float32)
>>> mse = lambda m, x, y: ((m(x) - y) ** 2).mean()
>>> _, g1 = Replicas(1, micro_batch=2).gradient(mse, model, (x, y))
>>> _, g3 = Replicas(3, micro_batch=2).gradient(mse, model, (x, y))
>>> bool((g1.weight == g3.weight).all())
True
"""

from __future__ import annotations

import numpy as np

from toolkit._blas import one_blas_thread
from toolkit.errors import ToolkitError
from toolkit.nn.autodiff import withgradient
from toolkit.nn.tree import tree_map


class Replicas:
    """``Replicas(replicas=2, micro_batch=None, executor=None)``: gradients summed over replicas.

    See the module documentation (``toolkit.nn.replicas``).
    """

    def __init__(self, replicas: int = 2, micro_batch: int | None = None, executor=None):
        self.replicas = _positive("replicas", replicas)
        self.micro_batch = None if micro_batch is None else _positive("micro_batch", micro_batch)
        if executor is not None and not callable(getattr(executor, "map", None)):
            msg = (f"train executor= must have map(function, tasks) (tk.RayExecutor(), "
                   f"'processes'), got {executor!r}")
            raise ToolkitError(msg)
        self.executor = executor

    def __repr__(self) -> str:
        return (f"Replicas({self.replicas}, micro_batch={self.micro_batch}, "
                f"executor={self.executor!r})")

    def gradient(self, loss, model, args: tuple):
        """``gradient(loss, model, args) -> (loss value, gradient tree)`` of one batch."""
        n = len(args[0])
        size = self.micro_batch or -(-n // self.replicas)
        starts = list(range(0, n, size))
        per = -(-len(starts) // self.replicas)
        groups = [starts[i:i + per] for i in range(0, len(starts), per)]
        tasks = [(loss, model, [tuple(a[s:s + size] for a in args) for s in g]) for g in groups]
        if self.executor is None:
            with one_blas_thread():
                parts = [_replica(*t) for t in tasks]
        else:
            parts = self.executor.map(_replica, tasks)
        pieces = [p for part in parts for p in part]
        weights = [len(m[0]) / n for task in tasks for m in task[2]]
        return _weighted_sum(pieces, weights)


def _replica(loss, model, micro_batches: list) -> list:
    """One replica's work: ``(loss value, gradient)`` of each of its micro-batches, in order."""
    out = []
    for mb in micro_batches:
        value, (grads,) = withgradient(lambda m, mb=mb: loss(m, *mb), model)
        out.append((value[0] if isinstance(value, tuple) else value, grads))
    return out


def _weighted_sum(pieces: list, weights: list[float]):
    """``sum_k w_k * piece_k`` of the values and the gradient trees, k in order."""
    def scale(g, w):
        return None if g is None else g * np.asarray(w, dtype=getattr(g, "dtype", np.float64))

    def add(a, b):
        return a if b is None else (b if a is None else a + b)
    value = sum(float(v) * w for (v, _), w in zip(pieces, weights, strict=True))
    total = tree_map(lambda g: scale(g, weights[0]), pieces[0][1])
    for (_, grads), w in zip(pieces[1:], weights[1:], strict=True):
        total = tree_map(lambda a, g, w=w: add(a, scale(g, w)), total, grads)
    return np.float32(value), total


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ToolkitError(f"train {name}= must be a positive integer, got {value!r}")
    return int(value)
