"""``train``: Flux's ``train!`` — one optimiser step per batch, with a progress bar and checkpoints.

For each epoch and each batch ``d`` of ``data`` (a ``tk.DataLoader``, a list of
``(x, y)`` tuples, any iterable), ``train`` takes the gradient of
``loss(model, *d)`` with ``tk.withgradient`` and applies it with ``tk.update``. It
returns a :class:`History` of the losses.

- A NaN or infinite loss stops training with :class:`NonFiniteLossError`, naming the
  epoch and the step (checked as each step ends; for cupy arrays, at the end of the
  epoch, so that the step never waits for the device).
- ``checkpoint="runs/x"`` keeps ``runs/x/checkpoint.safetensors`` up to date (after
  each epoch, and every ``checkpoint_every`` steps): the model's arrays, the optimiser
  state, the epoch, the step and the loader's epoch, written to a temporary file and
  renamed. Calling ``train`` again with the same folder resumes where it stopped; as
  the loader draws each epoch's order from ``(seed, epoch)``, the resumed run ends with
  bit-identical weights to an uninterrupted one.
- ``callbacks`` are called after each epoch with an :class:`EpochEnd`; one returning
  True stops training.
- The progress bar (tqdm) shows only when stderr is a terminal (or ``progress=True``).

>>> import numpy as np
>>> from toolkit.nn.layers import Dense
>>> from toolkit.nn.optimise import setup
>>> from toolkit.nn.rules import Descent
>>> model = Dense(1, 1, seed=0)
>>> data = [(np.array([[1.0], [2.0]], np.float32), np.array([[2.0], [4.0]], np.float32))]
>>> mse = lambda m, x, y: ((m(x) - y) ** 2).mean()
>>> history = train(mse, model, data, setup(Descent(0.1), model), epochs=30)
>>> len(history.loss), history.loss[-1] < history.loss[0] / 10
(30, True)
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit.errors import NonFiniteLossError, ToolkitError
from toolkit.nn import io
from toolkit.nn.autodiff import withgradient
from toolkit.nn.layers.base import Layer, sublayers
from toolkit.nn.optimise import load_state_arrays, materialise_state, state_arrays, update

CHECKPOINT = "checkpoint.safetensors"
_FORMAT = "toolkit.nn.checkpoint"


@dataclass
class History:
    """History(loss=[], steps=[]) — the mean loss of each epoch and every step's loss.

    >>> History([0.5, 0.25], [[0.6, 0.4], [0.3, 0.2]]).loss[-1]
    0.25
    """

    loss: list = field(default_factory=list)
    steps: list = field(default_factory=list)

    def __repr__(self) -> str:
        last = f", last loss {self.loss[-1]:.4g}" if self.loss else ""
        return f"History({len(self.loss)} epochs{last})"


@dataclass
class EpochEnd:
    """EpochEnd — what a callback receives after each epoch (``epoch`` counts from 1)."""

    epoch: int
    loss: float
    model: object
    state: object
    history: History


def train(loss, model, data, state, *, epochs: int = 1, callbacks=(), checkpoint=None,
          checkpoint_every: int | None = None, progress: bool | None = None) -> History:
    """train(loss, model, data, state, *, epochs=1, callbacks=(), checkpoint=None,
    checkpoint_every=None, progress=None) -> History.

    See the module documentation (``toolkit.nn.train``) for each option.
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise ToolkitError(f"train: epochs must be a non-negative integer, got {epochs!r}")
    run = _Run(loss, model, data, state, checkpoint, checkpoint_every)
    start, skip = run.resume()
    for epoch in range(start, epochs):
        run.epoch(epoch, epochs, skip, _show(progress))
        skip = 0
        if any(cb(run.ended(epoch)) is True for cb in callbacks):
            break
    return run.history


def _show(progress) -> bool:
    return sys.stderr.isatty() if progress is None else bool(progress)


def _to_host(values: list) -> list[float]:
    """Python floats of scalar losses; device values come over in one copy, not one each."""
    if len(values) > 1 and all(type(v).__module__.startswith("cupy") for v in values):
        import cupy

        return cupy.stack(values).astype(cupy.float64).get().tolist()
    return [float(v) for v in values]


class _Run:
    """One call of ``train``: the loop's state, checkpoints and resume."""

    def __init__(self, loss, model, data, state, checkpoint, every):
        self.loss, self.model, self.data, self.state = loss, model, data, state
        self.folder = None if checkpoint is None else Path(checkpoint)
        self.every, self.history, self.data_epoch = every, History(), None

    def epoch(self, epoch: int, epochs: int, skip: int, show: bool) -> None:
        from tqdm.auto import tqdm

        self.data_epoch = getattr(self.data, "epoch", None)
        losses = self.history.steps[epoch] if skip else []
        if not skip:
            self.history.steps.append(losses)
        total = len(self.data) if hasattr(self.data, "__len__") else None
        bar = tqdm(total=total, desc=f"epoch {epoch + 1}/{epochs}", disable=not show, leave=False)
        pending = []
        for step, batch in enumerate(self.data):
            if step < skip:  # resuming: these batches were trained before the interruption
                continue
            value = self.step(batch)
            loss = value[0] if isinstance(value, tuple) else value  # (loss, aux...) too
            pending.append(loss)
            if not type(loss).__module__.startswith("cupy"):
                self.check(pending, losses, epoch, step)
            bar.update(1)
            if self.every and (step + 1) % self.every == 0:
                self.check(pending, losses, epoch, step)
                self.save(epoch, step + 1)
        bar.close()
        self.check(pending, losses, epoch, len(losses) + len(pending) - 1)
        self.history.loss.append(float(np.mean(losses)) if losses else math.nan)
        self.data_epoch = None if self.data_epoch is None else self.data_epoch + 1
        self.save(epoch + 1, 0)

    def step(self, batch):
        args = batch if isinstance(batch, tuple | list) else (batch,)
        loss = self.loss  # differentiate the model only: gradients for the data are wasted work
        value, (grads,) = withgradient(lambda model: loss(model, *args), self.model)
        update(self.state, self.model, grads)
        return value

    def check(self, pending: list, losses: list, epoch: int, last_step: int) -> None:
        """Move the pending losses to the host, raising on the first that is not finite."""
        first = last_step - len(pending) + 1
        for i, v in enumerate(_to_host(pending)):
            if not math.isfinite(v):
                msg = (
                    f"the loss is {v} at epoch {epoch + 1}, step {first + i + 1}; lower the "
                    f"learning rate, check the data for NaN/Inf, or clip the gradients "
                    f"(tk.OptimiserChain(tk.ClipNorm(1.0), rule))"
                )
                raise NonFiniteLossError(msg)
            losses.append(v)
        pending.clear()

    def ended(self, epoch: int) -> EpochEnd:
        return EpochEnd(epoch + 1, self.history.loss[-1], self.model, self.state, self.history)

    # ------------------------------------------------------------------ checkpoints

    def save(self, epoch: int, step: int) -> None:
        if self.folder is None:
            return
        tensors = {f"model/{k}": v for k, v in io.arrays(self.model).items()}
        for key, value in state_arrays(self.state).items():
            tensors[f"optimiser/{key}"] = io.contiguous(io.host(value))
        meta = {"format": _FORMAT, "epoch": str(epoch), "step": str(step),
                "data_epoch": json.dumps(self.data_epoch),
                "history": json.dumps({"loss": self.history.loss, "steps": self.history.steps})}
        io.write(self.folder / CHECKPOINT, tensors, meta)

    def resume(self) -> tuple[int, int]:
        """Load the checkpoint, if there is one: returns (epoch, step within it)."""
        path = None if self.folder is None else self.folder / CHECKPOINT
        if path is None or not path.exists():
            return 0, 0
        tensors, meta = io.read(path)
        if meta.get("format") != _FORMAT:
            raise io.refuse(path, f"not a training checkpoint (format {meta.get('format')!r})")
        self._build_lazy_layers()
        where = f"{path}"
        model = {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}
        io.assign(self.model, model, where)
        materialise_state(self.state, self.model)
        opt = {k[10:]: v for k, v in tensors.items() if k.startswith("optimiser/")}
        load_state_arrays(self.state, opt, where)
        history = json.loads(meta["history"])
        self.history = History(history["loss"], history["steps"])
        data_epoch = json.loads(meta["data_epoch"])
        if data_epoch is not None and hasattr(self.data, "set_epoch"):
            self.data.set_epoch(data_epoch)
        return int(meta["epoch"]), int(meta["step"])

    def _build_lazy_layers(self) -> None:
        """Size layers that infer it from the first batch, before weights are loaded into them."""
        layers = sublayers(self.model)
        unsized = [m for m in layers if isinstance(m, Layer) and m.param_shapes() is None]
        if unsized:
            batch = next(iter(self.data))
            self.loss(self.model, *(batch if isinstance(batch, tuple | list) else (batch,)))
