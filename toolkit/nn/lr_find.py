"""``lr_find``: fastai's learning-rate finder — an exponential sweep of the rate.

``lr_find(loss, model, data, rule)`` trains for up to ``num_it`` steps while the rate
grows exponentially from ``start_lr`` to ``end_lr``, records the loss of each step
smoothed as fastai does (an exponential moving average, debiased), stops once the
smoothed loss exceeds four times its minimum, then gives the model and the optimiser
state back exactly as they were. The suggestions are fastai's: ``valley`` (in the
longest run of falling losses, two thirds of the way down; the default) and ``steep``
(where the loss falls fastest against the log of the rate). Both skip the first tenth
and the last five steps of the sweep, as fastai does.

>>> import numpy as np
>>> from toolkit.nn.layers import Dense
>>> from toolkit.nn.rules import Descent
>>> x = np.linspace(-1, 1, 64, dtype=np.float32)[:, None]
>>> model = Dense(1, 1, seed=0)
>>> before = model.weight.copy()
>>> found = lr_find(lambda m, x, y: ((m(x) - y) ** 2).mean(), model, [(x, 3 * x)], Descent(),
...                 num_it=50)
>>> len(found.lrs) == len(found.losses) <= 50, bool((model.weight == before).all())
(True, True)
"""

from __future__ import annotations

import copy
import math

import numpy as np

import toolkit._html as _html
from toolkit._plot import figure
from toolkit.errors import TrainingError
from toolkit.nn import io
from toolkit.nn.autodiff import withgradient
from toolkit.nn.optimise import PENDING, _is_leaf, setup, update
from toolkit.nn.rules import Rule
from toolkit.nn.train import size_lazy_layers
from toolkit.nn.tree import tree_leaves, tree_leaves_with_path


class LRFind:
    """LRFind — the sweep: ``lrs``, smoothed ``losses``, the ``valley`` and ``steep``
    suggestions (``suggestion`` is the valley) and ``plot()``.
    """

    def __init__(self, lrs: list[float], losses: list[float]):
        self.lrs, self.losses = lrs, losses
        self.valley, self.steep = _suggest(lrs, losses)

    @property
    def suggestion(self) -> float:
        return self.valley

    def plot(self):
        """found.plot() -> a matplotlib Figure: loss against rate (log axis), suggestions marked."""
        return plot_lr_find(self)

    def __repr__(self) -> str:
        return (f"LRFind({len(self.lrs)} steps from {self.lrs[0]:.2g} to {self.lrs[-1]:.2g}; "
                f"valley {self.valley:.3g}, steep {self.steep:.3g})")

    def _repr_html_(self) -> str:
        chart = _html.line_chart({"smoothed loss": self.losses},
                                 xlabel="step (the rate grows exponentially)")
        return f"<div>{_html.caption(self)}{chart}</div>"


def lr_find(loss, model, data, rule, *, start_lr: float = 1e-7, end_lr: float = 10.0,
            num_it: int = 100, stop_div: bool = True, beta: float = 0.98) -> LRFind:
    """lr_find(loss, model, data, rule, *, start_lr=1e-7, end_lr=10.0, num_it=100,
    stop_div=True, beta=0.98) -> LRFind.

    ``rule`` is an optimiser rule (``tk.Adam()``; its own rate is replaced by the
    sweep's) or a state from ``tk.setup``. ``data`` is cycled if it has fewer batches
    than ``num_it``. See the module documentation (``toolkit.nn.lr_find``).
    """
    if not 0 < start_lr < end_lr:
        raise TrainingError(f"lr_find: needs 0 < start_lr < end_lr, got {start_lr} and {end_lr}")
    size_lazy_layers(loss, model, data)
    state = setup(rule, model) if isinstance(rule, Rule) else rule
    saved = _snapshot(model, state)
    try:
        lrs, losses = _sweep(loss, model, data, state, start_lr, end_lr, num_it, stop_div, beta)
    finally:
        _restore(model, state, saved)
    if len(losses) < 8:
        raise TrainingError(f"lr_find: the loss diverged after {len(losses)} steps, too few to "
                            f"suggest a rate; lower start_lr (now {start_lr})")
    return LRFind(lrs, losses)


def _batches(data, num_it: int):
    count = 0
    while count < num_it:
        before = count
        for batch in data:
            yield batch
            count += 1
            if count == num_it:
                return
        if count == before:
            raise TrainingError("lr_find: the data yielded no batches")


def _sweep(loss, model, data, state, start, end, num_it, stop_div, beta):
    leaves = [leaf for leaf in tree_leaves(state, _is_leaf) if leaf is not None]
    lrs, losses, average, best = [], [], 0.0, math.inf
    for i, batch in enumerate(_batches(data, num_it)):
        lr = start * (end / start) ** (i / max(num_it - 1, 1))
        for leaf in leaves:
            leaf.rule = leaf.rule.adjusted(lr=lr)
        args = tuple(batch) if isinstance(batch, tuple | list) else (batch,)
        value, (grads,) = withgradient(lambda m, args=args: loss(m, *args), model)
        update(state, model, grads)
        raw = float(value[0] if isinstance(value, tuple) else value)
        average = beta * average + (1 - beta) * raw
        smooth = average / (1 - beta ** (i + 1))
        if not math.isfinite(smooth):
            break
        lrs.append(lr)
        losses.append(smooth)
        best = min(best, smooth)
        if stop_div and smooth > 4 * best:
            break
    return lrs, losses


def _suggest(lrs: list[float], losses: list[float]) -> tuple[float, float]:
    """(valley, steep), as fastai's suggestion functions, on the sweep less its ends."""
    n = len(losses)
    lo, hi = n // 10, max(n - 5, n // 10 + 2)
    r, v = np.asarray(lrs[lo:hi]), np.asarray(losses[lo:hi])
    slopes = np.diff(v) / np.diff(np.log(r))
    return _valley(r, v), float(r[int(np.argmin(slopes))])


def _valley(lrs: np.ndarray, losses: np.ndarray) -> float:
    """fastai's valley: the longest decreasing run of losses, two thirds of the way down it."""
    n = len(losses)
    run, start, end = [1] * n, 0, 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and run[i] < run[j] + 1:
                run[i] = run[j] + 1
            if run[end] < run[i]:
                end, start = i, i - run[i]
    sections = (end - start) / 3
    return float(lrs[start + int(sections) + int(sections / 2)])


def _snapshot(model, state):
    arrays = {p: v.copy() for p, v in tree_leaves_with_path(model) if hasattr(v, "shape")}
    leaves = [leaf for leaf in tree_leaves(state, _is_leaf) if leaf is not None]
    return arrays, [(leaf, leaf.rule, _copy_state(leaf.state)) for leaf in leaves]


def _copy_state(value):
    return value if value is PENDING else copy.deepcopy(value)


def _restore(model, state, saved) -> None:
    arrays, leaves = saved
    io.assign(model, arrays, "lr_find")
    for leaf, rule, value in leaves:
        leaf.rule, leaf.state = rule, value


def plot_lr_find(found):
    """plot_lr_find(found) -> Figure: the smoothed loss against the rate (log axis), with the
    valley and steep suggestions marked.
    """
    fig = figure(4.5, 3.0)
    ax = fig.add_subplot()
    ax.plot(found.lrs, found.losses)
    ax.set_xscale("log")
    for name, lr, colour in (("valley", found.valley, "C1"), ("steep", found.steep, "C2")):
        loss = found.losses[int(np.argmin(np.abs(np.log(found.lrs) - math.log(lr))))]
        ax.plot([lr], [loss], "o", color=colour, label=f"{name} {lr:.2g}")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("smoothed loss")
    ax.legend()
    return fig
