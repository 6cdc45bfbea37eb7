"""``train``: Flux's ``train!`` with what a fastai or Keras user expects around it.

For each epoch and each batch ``d`` of ``data`` (a ``tk.DataLoader``, a list of
``(x, y)`` tuples, any iterable), ``train`` takes the gradient of
``loss(model, *d)`` with ``tk.withgradient`` and applies it with ``tk.update``. It
returns a :class:`~toolkit.nn.history.History`: a row per epoch with the mean loss,
and with ``val=`` the validation loss and metrics.

- ``val``: validation batches (like ``data``), or one ``(x, y)`` pair of arrays. After
  each epoch ``loss`` is averaged over them (weighted by batch size), and each of
  ``metrics`` — plain callables ``(ŷ, y) -> float`` on all of the predictions
  ``ŷ = model(x)`` at once — is recorded as ``val_<name>``. ``tk.accuracy`` and the other
  measures work there: a measure that needs labels gets ``argmax(ŷ)``, one that needs
  probabilities gets the softmax of logits.
- ``schedule``: a learning-rate schedule (:mod:`toolkit.nn.schedules`; a name or
  ``{name: {options}}`` too) that sets the rate before every step.
- ``callbacks`` are called after each epoch with an ``EpochEnd``; one returning True
  stops training (:mod:`toolkit.nn.callbacks`: ``EarlyStopping``, ``Checkpoint``,
  ``ReduceLROnPlateau``).
- Output (:mod:`toolkit.nn.progress`): a line per epoch on stdout, a bar within the epoch
  in a terminal, a table updating in place in a notebook; ``log=path`` appends the lines
  to a file; ``quiet=True`` shows no lines (nor a bar, unless ``progress=True``);
  ``progress=False`` hides the bar only.
- A NaN or infinite loss stops training with ``NonFiniteLossError``, naming the
  epoch and the step (checked as each step ends; for cupy arrays, at the end of the
  epoch, so that the step never waits for the device). A loss that does not depend on
  the parameters (taken out of the trace by ``float()`` or ``.item()``) raises
  ``DetachedLossError`` at the first step; data that yields no batch, ``TrainingError``.
- ``checkpoint="runs/x"`` keeps ``runs/x/checkpoint.safetensors`` up to date (after
  each epoch, and every ``checkpoint_every`` steps): the model's arrays, the optimiser
  state, the epoch, the step, the loader's epoch, the history, the callbacks' counters
  and the rate's factor, written to a temporary file and renamed. Calling ``train`` again
  with the same folder resumes where it stopped (the schedule too: a rate depends on the
  step alone); as the loader draws each epoch's order from ``(seed, epoch)``, the resumed
  run ends with bit-identical weights to an uninterrupted one. A checkpoint made with
  another optimiser, or past ``epochs``, raises ``CheckpointError``.

>>> import numpy as np
>>> from toolkit.nn.layers import Dense
>>> from toolkit.nn.optimise import setup
>>> from toolkit.nn.rules import Descent
>>> model = Dense(1, 1, seed=0)
>>> data = [(np.array([[1.0], [2.0]], np.float32), np.array([[2.0], [4.0]], np.float32))]
>>> mse = lambda m, x, y: ((m(x) - y) ** 2).mean()
>>> history = train(mse, model, data, setup(Descent(0.1), model), epochs=30, quiet=True)
>>> len(history.loss), history.loss[-1] < history.loss[0] / 10
(30, True)
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from toolkit.errors import (
    CheckpointError,
    DetachedLossError,
    NonFiniteLossError,
    ToolkitError,
    TrainingError,
)
from toolkit.nn import io
from toolkit.nn.autodiff import withgradient
from toolkit.nn.history import EpochEnd, History
from toolkit.nn.layers.base import Layer, sublayers
from toolkit.nn.optimise import (
    _is_leaf,
    load_state_arrays,
    materialise_state,
    state_arrays,
    update,
)
from toolkit.nn.progress import Progress
from toolkit.nn.tree import tree_leaves
from toolkit.registry import registry

__all__ = ["train", "History", "EpochEnd", "NonFiniteLossError"]

CHECKPOINT = "checkpoint.safetensors"
_FORMAT = "toolkit.nn.checkpoint"


def train(loss, model, data, state, *, epochs: int = 1, val=None, metrics=(), callbacks=(),
          schedule=None, checkpoint=None, checkpoint_every: int | None = None,
          progress: bool | None = None, quiet: bool = False, log=None,
          replicas: int | None = None, micro_batch: int | None = None,
          executor=None) -> History:
    """train(loss, model, data, state, *, epochs=1, val=None, metrics=(), callbacks=(),
    schedule=None, checkpoint=None, checkpoint_every=None, progress=None, quiet=False,
    log=None, replicas=None, micro_batch=None, executor=None) -> History.

    See the module documentation (``toolkit.nn.train``) for each option; ``replicas``,
    ``micro_batch`` and ``executor`` make each step data-parallel (``toolkit.nn.replicas``).
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise ToolkitError(f"train: epochs must be a non-negative integer, got {epochs!r}")
    callbacks = [_built("callbacks", c, f"train.callbacks[{i}]") for i, c in enumerate(callbacks)]
    run = _Run(loss, model, data, state, checkpoint, checkpoint_every, callbacks)
    if replicas is not None or micro_batch is not None or executor is not None:
        from toolkit.nn.replicas import Replicas

        run.gradient = Replicas(replicas or 1, micro_batch, executor).gradient
    out = Progress(quiet, progress, log)
    start, skip = run.resume()
    schedule = None if schedule is None else _built("schedules", schedule, "train.schedule")
    run.lr = _Rate(state, schedule, run.lr_factor, _total_steps(data, epochs, schedule))
    if run.folder is not None and not _resumable(run, start, skip, epochs, out):
        return run.history
    validation = _Validation(loss, val, metrics, run.history)
    try:
        event = _epochs(run, validation, callbacks, out, start, skip, epochs)
    finally:
        out.close()
    for cb in callbacks:
        if event is not None and hasattr(cb, "end"):
            cb.end(event)
    return run.history


def _epochs(run, validation, callbacks, out: Progress, start: int, skip: int, epochs: int):
    """The epochs from ``start``: train, validate, record, show, call back, checkpoint."""
    event = None
    for epoch in range(start, epochs):
        seconds = run.epoch(epoch, epochs, skip, out)
        skip = 0
        values = {"loss": run.mean_loss(epoch), **validation(run.model)}
        if run.lr.current is not None:
            values["lr"] = run.lr.current
        event = run.history.record(**values, time=seconds)
        event.model, event.state, event._run = run.model, run.state, run
        out.epoch_end(run.history.rows)
        stop = [cb(event) is True for cb in callbacks]  # every callback sees every epoch
        run.save(epoch + 1, 0)
        if any(stop):
            break
    return event


def _built(family: str, spec, where: str):
    """A schedule or callback given by name or ``{name: {options}}`` (YAML), built; else itself."""
    if isinstance(spec, str | dict):
        return registry(family).build(spec, where=where)
    return spec


def _total_steps(data, epochs: int, schedule) -> int | None:
    if schedule is None:
        return None
    if not hasattr(data, "__len__"):
        msg = (f"train: a schedule needs the number of steps, but the data "
               f"({type(data).__name__}) has no len(); pass a DataLoader or a list of batches")
        raise TrainingError(msg)
    return epochs * len(data)


def _resumable(run, start: int, skip: int, epochs: int, out: Progress) -> bool:
    """Whether there is training left after the checkpoint; refuses one from a later epoch."""
    where = run.folder / CHECKPOINT
    if start > epochs or (start == epochs and skip):
        msg = (f"{where} holds training up to epoch {start}, past epochs={epochs}: pass "
               f"epochs > {start} to train on from it, or another checkpoint folder to start over")
        raise CheckpointError(msg)
    if start == epochs and epochs > 0:
        out.note(f"nothing to train: {where} already holds all {epochs} epochs; "
                 f"pass epochs > {epochs} to train on, or another folder to start over")
        return False
    return True


class _Rate:
    """The learning rate of a run: the schedule's rate (or the rule's) times a factor."""

    def __init__(self, state, schedule, factor: float, total: int | None):
        self.leaves = [leaf for leaf in tree_leaves(state, _is_leaf) if leaf is not None]
        rates = [r for r in (_lr(leaf.rule) for leaf in self.leaves) if r is not None]
        self.base = rates[0] if rates else None
        self.schedule, self.total, self.factor, self.current = schedule, total, factor, self.base
        if schedule is not None and self.base is None:
            raise TrainingError("train: a schedule needs a rule with a learning rate (lr)")
        if schedule is None and self.base is not None and factor != 1.0:
            self.set(self.base * factor)

    def at(self, step: int) -> None:
        self.set(self.schedule(step, self.total, self.base) * self.factor)

    def set(self, lr: float) -> None:
        if lr != self.current:
            for leaf in self.leaves:
                leaf.rule = leaf.rule.adjusted(lr=lr)
            self.current = lr

    def scale(self, factor: float) -> None:
        """Multiply the rate by ``factor`` from now on (ReduceLROnPlateau)."""
        self.factor *= factor
        if self.schedule is None and self.base is not None:
            self.set(self.base * self.factor)


def _lr(rule):
    inner = getattr(rule, "rules", None)
    if inner is not None:
        return next((r for r in map(_lr, inner) if r is not None), None)
    return getattr(rule, "lr", None)


def _to_host(values: list) -> list[float]:
    """Python floats of scalar losses; device values come over in one copy, not one each."""
    if len(values) > 1 and all(type(v).__module__.startswith("cupy") for v in values):
        import cupy

        return cupy.stack(values).astype(cupy.float64).get().tolist()
    return [float(v) for v in values]


def _args(batch) -> tuple:
    return tuple(batch) if isinstance(batch, tuple | list) else (batch,)


class _Validation:
    """The validation loss and metrics of a model after an epoch: {"val_loss": ..., ...}."""

    def __init__(self, loss, val, metrics, history: History):
        self.loss, self.metrics = loss, list(metrics)
        if isinstance(val, tuple) and len(val) == 2 and hasattr(val[0], "shape"):
            val = [val]  # one (x, y) pair of arrays
        self.val = val
        if self.metrics and val is None:
            raise TrainingError("train: metrics are computed on the validation data; pass val=")
        for m in self.metrics:
            if hasattr(m, "greater_is_better"):
                history.modes[f"val_{_name(m)}"] = "max" if m.greater_is_better else "min"

    def __call__(self, model) -> dict:
        if self.val is None:
            return {}
        total, count, preds, targets = 0.0, 0, [], []
        for batch in self.val:
            args = _args(batch)
            value = self.loss(model, *args)
            n = len(args[0]) if hasattr(args[0], "__len__") else 1
            total += float(value[0] if isinstance(value, tuple) else value) * n
            count += n
            if self.metrics:
                preds.append(io.host(model(args[0])))
                targets.append(io.host(args[1]))
        if count == 0:
            raise TrainingError("train: the validation data (val=) yielded no batches")
        values = {"val_loss": total / count}
        if self.metrics:
            yhat, y = np.concatenate(preds), np.concatenate(targets)
            for m in self.metrics:
                values[f"val_{_name(m)}"] = float(m(*_metric_inputs(m, yhat, y)))
        return values


def _name(metric) -> str:
    name = getattr(metric, "name", None) or getattr(metric, "__name__", None)
    return str(name) if name and name != "<lambda>" else "metric"


def _metric_inputs(metric, yhat, y):
    """What a measure needs from a network's outputs: labels, probabilities, or as they are."""
    needs = getattr(metric, "needs", None)
    if y.ndim == 2 and y.shape[1] > 1 and needs in ("labels", "probabilities"):
        y = y.argmax(axis=1)  # one-hot targets
    if yhat.ndim == 2 and yhat.shape[1] > 1:
        if needs == "labels":
            return yhat.argmax(axis=1), y
        if needs == "probabilities" and not _probabilities(yhat):
            e = np.exp((yhat - yhat.max(axis=1, keepdims=True)).astype(np.float64))
            return e / e.sum(axis=1, keepdims=True), y
    return yhat, y


def _probabilities(p) -> bool:
    return bool((p >= 0).all() and np.allclose(p.sum(axis=1), 1.0, atol=1e-4))


def _rule_names(state) -> list[str]:
    def name(rule):
        inner = getattr(rule, "rules", None)
        return type(rule).__name__ + (f"({', '.join(map(name, inner))})" if inner else "")

    return sorted({name(leaf.rule) for leaf in tree_leaves(state, _is_leaf) if leaf is not None})


class _Run:
    """One call of ``train``: the loop's state, checkpoints and resume."""

    def __init__(self, loss, model, data, state, checkpoint, every, callbacks):
        self.loss, self.model, self.data, self.state = loss, model, data, state
        self.folder = None if checkpoint is None else Path(checkpoint)
        self.every, self.history, self.data_epoch = every, History(), None
        self.callbacks, self.lr_factor, self.lr = callbacks, 1.0, None
        self.checked = False  # whether the loss was seen to depend on the parameters

    def epoch(self, epoch: int, epochs: int, skip: int, out: Progress) -> float:
        """Train one epoch (from step ``skip``); returns its seconds."""
        began = time.perf_counter()
        self.data_epoch = getattr(self.data, "epoch", None)
        losses = self.history.steps[epoch] if skip else []
        if not skip:
            self.history.steps.append(losses)
        total = len(self.data) if hasattr(self.data, "__len__") else None
        bar = out.epoch_bar(total, f"epoch {epoch + 1}/{epochs}")
        pending, scheduled, first = [], self.lr.schedule is not None, epoch * (total or 0)
        for step, batch in enumerate(self.data):
            if step < skip:  # resuming: these batches were trained before the interruption
                continue
            if scheduled:
                self.lr.at(first + step)
            pending.append(self.step(batch))
            if not type(pending[-1]).__module__.startswith("cupy"):
                self.check(pending, losses, epoch, step)
            bar.update(1)
            if self.every and (step + 1) % self.every == 0:
                self.check(pending, losses, epoch, step)
                self.save(epoch, step + 1)
        self.check(pending, losses, epoch, len(losses) + len(pending) - 1)
        if not losses:
            self._empty(epoch)
        self.data_epoch = None if self.data_epoch is None else self.data_epoch + 1
        return time.perf_counter() - began

    def mean_loss(self, epoch: int) -> float:
        return float(np.mean(self.history.steps[epoch]))

    def _empty(self, epoch: int):
        size = f" of length {len(self.data)}" if hasattr(self.data, "__len__") else ""
        msg = (f"train: the data ({type(self.data).__name__}{size}) yielded no batches in epoch "
               f"{epoch + 1}; a DataLoader with drop_last=True yields none when the data set has "
               f"fewer items than batch_size — lower batch_size or pass drop_last=False")
        raise TrainingError(msg)

    def step(self, batch):
        """One optimiser step; returns the loss (taken out of a ``(loss, aux...)`` value)."""
        args = _args(batch)
        loss = self.loss  # differentiate the model only: gradients for the data are wasted work
        value, grads = self.gradient(loss, self.model, args)
        if not self.checked:
            self._depends(value, grads)
        update(self.state, self.model, grads)
        return value[0] if isinstance(value, tuple) else value

    def _depends(self, value, grads) -> None:
        """Refuse a loss with no gradient for any parameter: it was taken out of the trace."""
        if all(g is None for g in tree_leaves(grads)):
            kind = type(value[0] if isinstance(value, tuple) else value).__name__
            msg = (f"train: the loss ({kind}) does not depend on the model's parameters, so "
                   f"nothing would be trained; it was taken out of the trace, e.g. by float(), "
                   f".item() or np.asarray() inside the loss function — return the loss array "
                   f"itself (the history converts it)")
            raise DetachedLossError(msg)
        self.checked = True

    @staticmethod
    def gradient(loss, model, args):
        value, (grads,) = withgradient(lambda model: loss(model, *args), model)
        return value, grads

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

    # ------------------------------------------------------------------ checkpoints

    def save(self, epoch: int, step: int) -> None:
        if self.folder is None:
            return
        tensors = {f"model/{k}": v for k, v in io.arrays(self.model).items()}
        for key, value in state_arrays(self.state).items():
            tensors[f"optimiser/{key}"] = io.contiguous(io.host(value))
        meta = {"format": _FORMAT, "epoch": str(epoch), "step": str(step),
                "data_epoch": json.dumps(self.data_epoch),
                "history": json.dumps(self.history.to_json()),
                "rules": json.dumps(_rule_names(self.state)),
                "lr_factor": json.dumps(self.lr.factor if self.lr else 1.0),
                "callbacks": json.dumps([cb.state() if hasattr(cb, "state") else None
                                         for cb in self.callbacks])}
        io.write(self.folder / CHECKPOINT, tensors, meta)

    def resume(self) -> tuple[int, int]:
        """Load the checkpoint, if there is one: returns (epoch, step within it)."""
        path = None if self.folder is None else self.folder / CHECKPOINT
        if path is None or not path.exists():
            return 0, 0
        tensors, meta = io.read(path)
        if meta.get("format") != _FORMAT:
            raise io.refuse(path, f"not a training checkpoint (format {meta.get('format')!r})")
        self._same_rules(path, meta)
        size_lazy_layers(self.loss, self.model, self.data)
        model = {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}
        io.assign(self.model, model, str(path))
        materialise_state(self.state, self.model)
        opt = {k[10:]: v for k, v in tensors.items() if k.startswith("optimiser/")}
        load_state_arrays(self.state, opt, str(path))
        self.history = _history(json.loads(meta["history"]))
        self.lr_factor = json.loads(meta.get("lr_factor", "1.0"))
        self._restore_callbacks(json.loads(meta.get("callbacks", "[]")))
        data_epoch = json.loads(meta["data_epoch"])
        if data_epoch is not None and hasattr(self.data, "set_epoch"):
            self.data.set_epoch(data_epoch)
        return int(meta["epoch"]), int(meta["step"])

    def _same_rules(self, path, meta: dict) -> None:
        saved, now = json.loads(meta.get("rules", "null")), _rule_names(self.state)
        if saved is not None and saved != now:
            msg = (f"{path} was made by training with {', '.join(saved)}, but this state uses "
                   f"{', '.join(now)}: resume with the optimiser the checkpoint was made with, or "
                   f"pass another checkpoint folder to start over")
            raise CheckpointError(msg)

    def _restore_callbacks(self, states: list) -> None:
        for cb, saved in zip(self.callbacks, states, strict=False):
            if saved is not None and hasattr(cb, "restore"):
                cb.restore(saved)


def size_lazy_layers(loss, model, data) -> None:
    """Size layers that infer it from the first batch (before weights are loaded into them)."""
    unsized = [m for m in sublayers(model) if isinstance(m, Layer) and m.param_shapes() is None]
    if unsized:
        loss(model, *_args(next(iter(data))))


def _history(saved: dict) -> History:
    if "rows" in saved:
        return History.from_json(saved)
    rows = [{"epoch": i + 1, "loss": v} for i, v in enumerate(saved["loss"])]  # older checkpoints
    return History(rows, saved["steps"])
