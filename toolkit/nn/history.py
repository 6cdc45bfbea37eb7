"""History and EpochEnd: what ``tk.train`` records per epoch and what its callbacks receive.

A :class:`History` holds one row per epoch (``epoch``, ``loss``, ``val_loss``, the
validation metrics ``val_<name>``, the learning rate ``lr`` and the seconds ``time``) and
every step's loss. ``history["val_accuracy"]`` is one column; ``history.table()`` all of
them as a polars DataFrame; in a notebook it shows the curves and the table.

>>> h = History()
>>> _ = h.record(loss=0.9, val_loss=1.0); _ = h.record(loss=0.5, val_loss=0.7)
>>> h.loss, h["val_loss"], h
([0.9, 0.5], [1.0, 0.7], History(2 epochs, loss 0.5, val_loss 0.7))
"""

from __future__ import annotations

import math

import toolkit._html as _html
from toolkit._plot import figure


class History:
    """History(rows=(), steps=()) — per-epoch values (a dict per epoch) and per-step losses."""

    def __init__(self, rows=(), steps=(), modes=None):
        self.rows: list[dict] = [dict(r) for r in rows]
        self.steps: list[list[float]] = [list(s) for s in steps]
        self.modes: dict[str, str] = dict(modes or {})

    def record(self, **values) -> EpochEnd:
        """history.record(loss=..., ...) -> the EpochEnd of a new epoch holding ``values``."""
        row = {"epoch": len(self.rows) + 1, **values}
        self.rows.append(row)
        return EpochEnd(row["epoch"], row, self)

    @property
    def loss(self) -> list[float]:
        """The mean training loss of each epoch."""
        return self["loss"]

    @property
    def val_loss(self) -> list[float]:
        return self["val_loss"]

    def __getitem__(self, name: str) -> list:
        return [row.get(name, math.nan) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def columns(self) -> list[str]:
        """The names of the values, in the order they first appear."""
        return list(dict.fromkeys(k for row in self.rows for k in row))

    def mode(self, name: str) -> str:
        """'min' or 'max': which way is better for the value ``name``."""
        if name in self.modes:
            return self.modes[name]
        return "min" if name in ("loss", "val_loss") or "loss" in name or "error" in name else "max"

    def table(self):
        """history.table() -> a polars DataFrame, one row per epoch."""
        import polars as pl

        return pl.DataFrame([{c: row.get(c) for c in self.columns()} for row in self.rows])

    def plot(self, *, log: bool = False):
        """history.plot(log=False) -> a matplotlib Figure of the loss curves and the metrics."""
        return plot_history(self, log=log)

    def to_json(self) -> dict:
        return {"rows": self.rows, "steps": self.steps, "modes": self.modes}

    @classmethod
    def from_json(cls, data: dict) -> History:
        return cls(data["rows"], data["steps"], data.get("modes"))

    def __repr__(self) -> str:
        if not self.rows:
            return "History(0 epochs)"
        last = self.rows[-1]
        shown = ", ".join(f"{k} {last[k]:.4g}" for k in ("loss", "val_loss") if k in last)
        return f"History({len(self.rows)} epochs, {shown})"

    def _repr_html_(self) -> str:
        curves = {k: self[k] for k in ("loss", "val_loss") if k in self.columns()}
        rows = [[_cell(row.get(c)) for c in self.columns()] for row in self.rows]
        return (f"<div>{_html.caption(self)}{_html.line_chart(curves)}"
                f"{_html.table(self.columns(), rows)}</div>")


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


class EpochEnd:
    """EpochEnd — what a callback receives after each epoch (``epoch`` counts from 1).

    ``values`` holds the epoch's row (``loss``, ``val_loss``, metrics, ``lr``); ``model``,
    ``state`` and ``history`` are the live objects; ``lr`` is the current learning rate
    and ``scale_lr(f)`` multiplies it from the next step on. Its repr shows the values
    only, not the model and the optimiser state.
    """

    def __init__(self, epoch: int, values: dict, history: History, model=None, state=None,
                 run=None):
        self.epoch, self.values, self.history = epoch, values, history
        self.model, self.state, self._run = model, state, run

    @property
    def loss(self) -> float:
        return self.values["loss"]

    @property
    def lr(self) -> float | None:
        return None if self._run is None else self._run.lr.current

    def scale_lr(self, factor: float) -> None:
        if self._run is not None:
            self._run.lr.scale(factor)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={_cell(v)}" for k, v in self.values.items())
        return f"EpochEnd({shown})"


def plot_history(history, *, log: bool = False):
    """plot_history(history, *, log=False) -> Figure: training and validation loss by epoch,
    and the validation metrics beside them when there are any.
    """
    metrics = [c for c in history.columns() if c.startswith("val_") and c != "val_loss"]
    fig = figure(4.2 * (1 + bool(metrics)), 3.0)
    ax = fig.add_subplot(1, 1 + bool(metrics), 1)
    epochs = [row["epoch"] for row in history.rows]
    for name in ("loss", "val_loss"):
        if name in history.columns():
            ax.plot(epochs, history[name], marker="o", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    ax.legend()
    if metrics:
        right = fig.add_subplot(1, 2, 2)
        for name in metrics:
            right.plot(epochs, history[name], marker="o", label=name)
        right.set_xlabel("epoch")
        right.set_ylabel("metric")
        right.legend()
    return fig
