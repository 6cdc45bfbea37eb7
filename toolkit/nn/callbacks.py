"""Training callbacks: stop early, keep the best weights, lower the rate on a plateau.

A callback is any callable ``cb(event) -> bool | None`` that ``tk.train`` calls after
each epoch with an :class:`~toolkit.nn.history.EpochEnd`; returning True stops
training. A callback object may also have ``end(event)`` (called once when training
stops) and ``state() -> dict`` / ``restore(dict)`` (kept in the training checkpoint, so
that a resumed run goes on counting where it stopped).

``monitor`` names a value of the epoch: ``"loss"``, ``"val_loss"`` or a validation
metric ``"val_<name>"``. ``mode="auto"`` reads which way is better from the metric
(a measure's ``greater_is_better``; names with "loss" or "error" are lower-is-better,
other plain callables higher-is-better); ``"min"`` or ``"max"`` says it outright.

>>> stop = EarlyStopping(monitor="loss", patience=2, restore_best=False)
>>> from toolkit.nn.history import History
>>> h = History()
>>> [stop(h.record(loss=v)) for v in (3.0, 2.0, 2.5, 2.4)]
[False, False, False, True]
"""

from __future__ import annotations

import math
from pathlib import Path

from toolkit.errors import HyperparameterError, UnknownNameError, did_you_mean
from toolkit.registry import register


class _Monitor:
    """The best value of one monitored quantity and the epochs since it improved."""

    def __init__(self, monitor: str, mode: str, min_delta: float):
        if mode not in ("auto", "min", "max"):
            raise HyperparameterError(f"mode is 'auto', 'min' or 'max', got {mode!r}")
        if min_delta < 0:
            raise HyperparameterError(f"min_delta cannot be negative, got {min_delta!r}")
        self.monitor, self.mode, self.min_delta = monitor, mode, min_delta
        self.best, self.wait = None, 0

    def value(self, event) -> float:
        values = event.values
        if self.monitor not in values:
            hint = " (pass val= to tk.train for those)" if "val_" in self.monitor else ""
            msg = (f"{type(self).__name__} monitors {self.monitor!r}, which this training does not "
                   f"report{hint}; {did_you_mean(self.monitor, values)}")
            raise UnknownNameError(msg)
        return values[self.monitor]

    def improved(self, event) -> bool:
        """Whether the monitored value beat the best so far (and update the count)."""
        value = self.value(event)
        sign = -1.0 if self._mode(event) == "min" else 1.0
        better = math.isfinite(value) and sign * (value - (self.best or 0.0)) > self.min_delta
        if self.best is None or better:
            self.best, self.wait = value, 0
            return True
        self.wait += 1
        return False

    def _mode(self, event) -> str:
        return event.history.mode(self.monitor) if self.mode == "auto" else self.mode

    def state(self) -> dict:
        return {"best": self.best, "wait": self.wait}

    def restore(self, state: dict) -> None:
        self.best, self.wait = state["best"], state["wait"]


@register("callbacks")
class EarlyStopping(_Monitor):
    """EarlyStopping(monitor="val_loss", patience=3, min_delta=0.0, restore_best=True, mode="auto")
    — stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; with ``restore_best`` the model gets back the weights of its best epoch.

    >>> import numpy as np, toolkit as tk
    >>> model, x = tk.Dense(1, 1, seed=0), np.ones((4, 1), np.float32)
    >>> history = tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)],
    ...                    tk.setup(tk.Descent(0.05), model), epochs=50, val=(x, 0.5 * x),
    ...                    callbacks=[EarlyStopping(patience=2)], quiet=True)
    >>> len(history) < 50  # stopped two epochs after the validation loss stopped falling
    True
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0,
                 restore_best: bool = True, mode: str = "auto"):
        super().__init__(monitor, mode, min_delta)
        if not isinstance(patience, int) or patience < 0:
            raise HyperparameterError(f"EarlyStopping: patience is an int >= 0, got {patience!r}")
        self.patience, self.restore_best = patience, restore_best
        self.weights, self.best_epoch = None, None

    def __call__(self, event) -> bool:
        if self.improved(event):
            self.best_epoch = event.epoch
            if self.restore_best:
                self.weights = _copy_arrays(event.model)
            return False
        return self.wait >= self.patience

    def end(self, event) -> None:
        if self.restore_best and self.weights is not None and self.best_epoch != event.epoch:
            from toolkit.nn import io

            io.assign(event.model, self.weights, f"EarlyStopping (best epoch {self.best_epoch})")

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"min_delta={self.min_delta}, restore_best={self.restore_best})")


@register("callbacks")
class Checkpoint(_Monitor):
    """Checkpoint(path="best.safetensors", monitor="val_loss", best_only=True, mode="auto")
    — save the model with ``tk.save`` after each epoch, or with ``best_only`` only when
    ``monitor`` improved. (To resume training after a crash, pass ``checkpoint=folder``
    to ``tk.train``: that keeps the optimiser state too.)

    >>> import os, tempfile, numpy as np, toolkit as tk
    >>> path = os.path.join(tempfile.mkdtemp(), "best.safetensors")
    >>> model, x = tk.Dense(1, 1, seed=0), np.ones((4, 1), np.float32)
    >>> _ = tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)],
    ...              tk.setup(tk.Descent(0.05), model), epochs=3, val=(x, x),
    ...              callbacks=[Checkpoint(path)], quiet=True)
    >>> bool((tk.load(path).weight == model.weight).all())  # still improving: the last is best
    True
    """

    def __init__(self, path: str | Path = "best.safetensors", monitor: str = "val_loss",
                 best_only: bool = True, mode: str = "auto"):
        super().__init__(monitor, mode, 0.0)
        self.path, self.best_only = Path(path), best_only

    def __call__(self, event) -> None:
        if self.improved(event) or not self.best_only:
            from toolkit.nn import io

            self.path.parent.mkdir(parents=True, exist_ok=True)
            io.save(self.path, event.model)

    def __repr__(self) -> str:
        return (f"Checkpoint({str(self.path)!r}, monitor={self.monitor!r}, "
                f"best_only={self.best_only})")


@register("callbacks")
class ReduceLROnPlateau(_Monitor):
    """ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=2, min_delta=0.0, min_lr=0.0,
    mode="auto") — multiply the learning rate by ``factor`` when ``monitor`` has not
    improved for ``patience`` epochs, down to ``min_lr`` (on top of any schedule).

    >>> import numpy as np, toolkit as tk
    >>> model, x = tk.Dense(1, 1, seed=0), np.ones((4, 1), np.float32)
    >>> history = tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)],
    ...                    tk.setup(tk.Descent(0.05), model), epochs=30, val=(x, 0.5 * x),
    ...                    callbacks=[ReduceLROnPlateau(factor=0.5)], quiet=True)
    >>> history["lr"][0], history["lr"][-1] < 0.05
    (0.05, True)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 2,
                 min_delta: float = 0.0, min_lr: float = 0.0, mode: str = "auto"):
        super().__init__(monitor, mode, min_delta)
        if not 0 < factor < 1:
            raise HyperparameterError(f"ReduceLROnPlateau: factor lies in (0, 1), got {factor!r}")
        self.factor, self.patience, self.min_lr = factor, patience, min_lr

    def __call__(self, event) -> None:
        if not self.improved(event) and self.wait >= self.patience:
            lr = event.lr
            if lr is not None and lr > self.min_lr:
                event.scale_lr(max(self.factor, self.min_lr / lr))
            self.wait = 0

    def __repr__(self) -> str:
        return (f"ReduceLROnPlateau(monitor={self.monitor!r}, factor={self.factor}, "
                f"patience={self.patience}, min_lr={self.min_lr})")


def _copy_arrays(model) -> dict:
    from toolkit.nn.tree import tree_leaves_with_path

    return {p: v.copy() for p, v in tree_leaves_with_path(model) if hasattr(v, "shape")}
