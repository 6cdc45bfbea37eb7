"""Learning-rate schedules: the rate of every optimiser step, as a pure function of the step.

A schedule is a small frozen object called as ``schedule(step, total, base_lr) -> lr``:
``step`` counts optimiser steps from 0 over the whole run, ``total`` is the number of
steps of the run (``epochs * len(data)``) and ``base_lr`` the rule's learning rate when
training started. ``tk.train(..., schedule=OneCycle(0.01))`` sets the rate before each
step. As the rate depends on the step alone, a run resumed from a checkpoint goes on
with the same rates as an uninterrupted one.

Each schedule gives the same rates as its ``torch.optim.lr_scheduler`` counterpart with
the same settings, stepped once per optimiser step (tests/nn/test_schedules.py):

=====================  ===========================================================
``OneCycle``           ``OneCycleLR`` (learning rate only: momentum is not cycled)
``Cosine``             ``CosineAnnealingLR(T_max=total)``
``CosineWarmup``       ``SequentialLR([LinearLR, CosineAnnealingLR])``
``Step``               ``StepLR``
``Exponential``        ``ExponentialLR``
=====================  ===========================================================

>>> [round(Cosine()(t, 4, 0.1), 4) for t in range(5)]
[0.1, 0.0854, 0.05, 0.0146, 0.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from toolkit.errors import HyperparameterError
from toolkit.registry import register


class Schedule:
    """Schedule — the base of the schedules: ``schedule(step, total, base_lr) -> lr``."""

    def __call__(self, step: int, total: int, base_lr: float) -> float:
        raise NotImplementedError

    def rates(self, total: int, base_lr: float = 1e-3) -> list[float]:
        """schedule.rates(total, base_lr=1e-3) -> the rate of each of ``total`` steps.

        >>> Step(2, gamma=0.5).rates(5, 1.0)
        [1.0, 1.0, 0.5, 0.5, 0.25]
        """
        return [self(t, total, base_lr) for t in range(total)]


def _positive(owner: str, **values) -> None:
    for name, value in values.items():
        if not value > 0:
            raise HyperparameterError(f"{owner}: {name} must be positive, got {value!r}")


def _fraction(owner: str, name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise HyperparameterError(f"{owner}: {name} must lie in [0, 1], got {value!r}")


def _cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _linear(start: float, end: float, pct: float) -> float:
    return (end - start) * pct + start


@register("schedules")
@dataclass(frozen=True)
class OneCycle(Schedule):
    """OneCycle(max_lr, pct_start=0.3, div_factor=25.0, final_div_factor=1e4, anneal="cos")
    — fastai's and Leslie Smith's one-cycle policy: up from ``max_lr / div_factor`` to
    ``max_lr`` over the first ``pct_start`` of the steps, then down to
    ``max_lr / div_factor / final_div_factor``. The rule's own rate is not used.

    >>> s = OneCycle(0.1, pct_start=0.5)
    >>> round(s(0, 12, 1e-3), 6), s(5, 12, 1e-3) == 0.1, round(s(11, 12, 1e-3), 9)
    (0.004, True, 4e-07)
    """

    max_lr: float
    pct_start: float = 0.3
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    anneal: str = "cos"

    def __post_init__(self):
        _positive("OneCycle", max_lr=self.max_lr, div_factor=self.div_factor,
                  final_div_factor=self.final_div_factor)
        _fraction("OneCycle", "pct_start", self.pct_start)
        if self.anneal not in ("cos", "linear"):
            raise HyperparameterError(f"OneCycle: anneal is 'cos' or 'linear', got {self.anneal!r}")

    def __call__(self, step: int, total: int, base_lr: float) -> float:
        start = self.max_lr / self.div_factor
        low = start / self.final_div_factor
        turn = float(self.pct_start * total) - 1  # as torch: the step at which max_lr is reached
        curve = _cos if self.anneal == "cos" else _linear
        if step <= turn:
            return curve(start, self.max_lr, step / turn if turn > 0 else 1.0)
        return curve(self.max_lr, low, (step - turn) / (total - 1 - turn))


@register("schedules")
@dataclass(frozen=True)
class Cosine(Schedule):
    """Cosine(min_lr=0.0) — half a cosine from the rule's rate down to ``min_lr`` at the end.

    >>> Cosine(min_lr=0.01)(10, 10, 0.1)
    0.01
    """

    min_lr: float = 0.0

    def __call__(self, step: int, total: int, base_lr: float) -> float:
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * step / total)) / 2


@register("schedules")
@dataclass(frozen=True)
class CosineWarmup(Schedule):
    """CosineWarmup(warmup, start_factor=0.01, min_lr=0.0) — a linear warm-up over ``warmup``
    steps (an int) or that fraction of the run (a float below 1), from ``start_factor``
    times the rule's rate up to it, then :class:`Cosine` down to ``min_lr``.

    >>> [round(CosineWarmup(2, start_factor=0.5)(t, 6, 1.0), 3) for t in range(6)]
    [0.5, 0.75, 1.0, 0.854, 0.5, 0.146]
    """

    warmup: int | float
    start_factor: float = 0.01
    min_lr: float = 0.0

    def __post_init__(self):
        _positive("CosineWarmup", start_factor=self.start_factor)
        if not (isinstance(self.warmup, int) and self.warmup >= 0) and not (
            isinstance(self.warmup, float) and 0 <= self.warmup < 1
        ):
            msg = f"warmup is a step count (int >= 0) or a fraction in [0, 1), got {self.warmup!r}"
            raise HyperparameterError(f"CosineWarmup: {msg}")

    def steps(self, total: int) -> int:
        """The number of warm-up steps in a run of ``total`` steps."""
        return self.warmup if isinstance(self.warmup, int) else int(self.warmup * total)

    def __call__(self, step: int, total: int, base_lr: float) -> float:
        warm = self.steps(total)
        if step < warm:
            return base_lr * (self.start_factor + (1 - self.start_factor) * step / warm)
        return Cosine(self.min_lr)(step - warm, total - warm, base_lr)


@register("schedules")
@dataclass(frozen=True)
class Step(Schedule):
    """Step(every, gamma=0.1) — the rule's rate times ``gamma`` every ``every`` steps.

    >>> Step(10)(25, 100, 1.0)
    0.010000000000000002
    """

    every: int
    gamma: float = 0.1

    def __post_init__(self):
        _positive("Step", every=self.every, gamma=self.gamma)

    def __call__(self, step: int, total: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (step // self.every)


@register("schedules")
@dataclass(frozen=True)
class Exponential(Schedule):
    """Exponential(gamma) — the rule's rate times ``gamma`` after every step.

    >>> Exponential(0.5)(3, 10, 1.0)
    0.125
    """

    gamma: float

    def __post_init__(self):
        _positive("Exponential", gamma=self.gamma)

    def __call__(self, step: int, total: int, base_lr: float) -> float:
        return base_lr * self.gamma**step
