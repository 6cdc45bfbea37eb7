"""Optimisation rules in the shape of Optimisers.jl: small immutable objects.

A rule holds only hyper-parameters. ``rule.init(x)`` makes the state for one
parameter array ``x``; ``rule.apply(state, x, dx) -> (state, step)`` returns the
next state and the step that the caller subtracts from ``x``. State arrays are
updated in place (they belong to the optimiser); ``dx`` is never modified, so a
gradient shared between two parameters is safe. Bad hyper-parameters fail in the
constructor.

>>> import numpy as np
>>> rule = Adam(lr=0.1)
>>> x, dx = np.ones(3, np.float32), np.full(3, 2.0, np.float32)
>>> state = rule.init(x)
>>> state, step = rule.apply(state, x, dx)
>>> np.round(step, 4).tolist()  # Adam's first step is lr * sign(dx)
[0.1, 0.1, 0.1]
>>> Descent(lr=-0.1)
Traceback (most recent call last):
...
toolkit.errors.HyperparameterError: Descent: the learning rate cannot be negative, got -0.1
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass

import numpy as np

from toolkit.errors import GradientError, HyperparameterError
from toolkit.registry import register


def _xp(x):
    """numpy or cupy, whichever owns ``x``."""
    if type(x).__module__.startswith("cupy"):
        import cupy

        return cupy
    return np


_SCRATCH = threading.local()
_SCRATCH_MAX = 1 << 24  # elements: larger arrays get a fresh buffer rather than one kept for life


def scratch(like):
    """scratch(like) -> an uninitialised array shaped like ``like``, reused within a thread.

    For temporaries that never leave the function using them (``Rule.update``, the
    inside of ``apply``): a fresh parameter-sized numpy array per parameter per step
    costs more than the arithmetic on it, as its pages are mapped anew. One buffer
    per dtype and thread, as large as the largest array seen (up to 16M elements),
    serves them all; cupy arrays get ``empty_like`` (its memory pool makes that cheap).

    >>> import numpy as np
    >>> a = scratch(np.zeros((2, 3), np.float32))
    >>> a.shape, a.dtype.name, np.shares_memory(a, scratch(np.zeros(4, np.float32)))
    ((2, 3), 'float32', True)
    """
    if type(like) is not np.ndarray or like.size > _SCRATCH_MAX:
        return _xp(like).empty_like(like)
    pool = _SCRATCH.__dict__
    buf = pool.get(like.dtype)
    if buf is None or buf.size < like.size:
        buf = pool[like.dtype] = np.empty(like.size, like.dtype)
    return buf[: like.size].reshape(like.shape)


def _check(rule, ok: bool, what: str, value) -> None:
    if not ok:
        msg = f"{type(rule).__name__}: {what}, got {value!r}"
        raise HyperparameterError(msg)


def _check_lr(rule) -> None:
    _check(rule, rule.lr >= 0, "the learning rate cannot be negative", rule.lr)


def _check_unit(rule, name: str, value) -> None:
    _check(rule, 0 <= value < 1, f"{name} must lie in [0, 1)", value)


class Rule:
    """Base of every optimisation rule: ``init(x)`` and ``apply(state, x, dx)``.

    Subclasses are frozen dataclasses; see :class:`Descent` for the smallest one.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "apply" in cls.__dict__ and "step_into" not in cls.__dict__:
            cls.step_into = Rule.step_into  # a parent's step_into would skip this apply

    def init(self, x):
        """init(x) -> state: the state of this rule for the parameter array ``x``."""
        return None

    def apply(self, state, x, dx):
        """apply(state, x, dx) -> (state, step): the next state and the step ``x -= step``."""
        raise NotImplementedError

    def step_into(self, state, x, dx, out):
        """step_into(state, x, dx, out) -> (state, step): ``apply``, writing the step into
        ``out`` (an array shaped like ``x``; None for a fresh one) where the rule can.

        Built-in rules whose step is a new array define it (their ``apply`` calls it with
        None); a rule of your own defines ``apply`` alone.
        """
        return self.apply(state, x, dx)

    def update(self, state, x, dx):
        """update(state, x, dx) -> state: one step of ``x``, in place (what ``tk.update`` calls).

        The step is built in a :func:`scratch` buffer, as it never leaves this call.
        """
        state, step = self.step_into(state, x, dx, _scratch_for(x, dx))
        x -= step
        return state

    def adjusted(self, **fields) -> Rule:
        """adjusted(**fields) -> Rule: a copy with the given hyper-parameters changed.

        Names the rule does not have are ignored, so that one ``adjust(state, lr=...)``
        reaches every rule of a chain that has a learning rate.
        """
        own = {k: v for k, v in fields.items() if k in self.__dataclass_fields__}
        return dataclasses.replace(self, **own) if own else self


@register("rules")
@dataclass(frozen=True)
class Descent(Rule):
    """Descent(lr=0.1): plain gradient descent, ``x -= lr * dx``.

    >>> import numpy as np
    >>> Descent(0.5).apply(None, np.zeros(2), np.array([2.0, 4.0]))[1].tolist()
    [1.0, 2.0]
    """

    lr: float = 0.1

    def __post_init__(self):
        _check_lr(self)

    def apply(self, state, x, dx):
        return Descent.step_into(self, state, x, dx, None)

    def step_into(self, state, x, dx, out):
        return state, _xp(dx).multiply(dx, self.lr, out=out)


def _scaled(dx, factor, x):
    """``dx * factor`` in a scratch buffer shaped like ``x`` (plain where shapes differ)."""
    return _xp(dx).multiply(dx, factor, out=_scratch_for(x, dx))


def _scratch_for(x, dx):
    """A scratch buffer for a step of ``x``, or None (a fresh array) where ``dx`` broadcasts."""
    return scratch(x) if getattr(dx, "shape", None) == x.shape else None


class _MomentumRule(Rule):
    """Shared by Momentum and Nesterov: checks ``lr`` and ``rho``; the state is one velocity."""

    def __post_init__(self):
        _check_lr(self)
        _check_unit(self, "the momentum rho", self.rho)

    def init(self, x):
        return _xp(x).zeros_like(x)


@register("rules")
@dataclass(frozen=True)
class Momentum(_MomentumRule):
    """Momentum(lr=0.01, rho=0.9): ``v = rho * v + lr * dx; x -= v``.

    The same steps as ``torch.optim.SGD(lr, momentum=rho)`` at a constant rate.

    >>> import numpy as np
    >>> rule = Momentum(lr=1.0, rho=0.5)
    >>> s = rule.init(np.zeros(1))
    >>> s, step = rule.apply(s, None, np.ones(1)); s, step = rule.apply(s, None, np.ones(1))
    >>> step.tolist()
    [1.5]
    """

    lr: float = 0.01
    rho: float = 0.9

    def apply(self, state, x, dx):
        state *= self.rho
        state += _scaled(dx, self.lr, state)
        return state, state  # never mutated downstream: rules do not modify dx


@register("rules")
@dataclass(frozen=True)
class Nesterov(_MomentumRule):
    """Nesterov(lr=0.001, rho=0.9): gradient descent with Nesterov momentum.

    The same steps as ``torch.optim.SGD(lr, momentum=rho, nesterov=True)``.

    >>> import numpy as np
    >>> rule = Nesterov(lr=1.0, rho=0.5)
    >>> rule.apply(rule.init(np.zeros(1)), None, np.ones(1))[1].tolist()
    [1.5]
    """

    lr: float = 0.001
    rho: float = 0.9

    def apply(self, state, x, dx):
        step = state * (-self.rho * self.rho)
        step += (1 + self.rho) * self.lr * dx
        state *= self.rho
        state -= self.lr * dx
        return state, step


def _check_betas(rule) -> None:
    object.__setattr__(rule, "beta", tuple(rule.beta))  # YAML gives lists
    _check(rule, len(rule.beta) == 2, "beta must be a pair (beta1, beta2)", rule.beta)
    for b in rule.beta:
        _check_unit(rule, "each beta", b)
    _check(rule, rule.eps >= 0, "eps cannot be negative", rule.eps)


def _adam_step(rule, state, dx, t):
    """The shared Adam update: moments in place, returns (state, step); the step in ``t``."""
    m, v, (b1t, b2t) = state
    b1, b2 = rule.beta
    xp = _xp(dx)
    t = xp.empty_like(m) if t is None else t  # the one temporary, shaped like x
    xp.multiply(dx, 1 - b1, out=t)
    m *= b1
    m += t
    xp.multiply(dx, dx, out=t)
    t *= 1 - b2
    v *= b2
    v += t
    b1t, b2t = b1t * b1, b2t * b2
    root = math.sqrt(1 - b2t)
    xp.sqrt(v, out=t)
    t += rule.eps * root  # == (sqrt(v / (1 - b2t)) + eps) * root, without a pass over v
    xp.divide(m, t, out=t)
    t *= rule.lr * root / (1 - b1t)
    return (m, v, (b1t, b2t)), t


@register("rules")
@dataclass(frozen=True)
class Adam(Rule):
    """Adam(lr=0.001, beta=(0.9, 0.999), eps=1e-8): adaptive moment estimation.

    >>> Adam(beta=(0.9, 1.5))
    Traceback (most recent call last):
    ...
    toolkit.errors.HyperparameterError: Adam: each beta must lie in [0, 1), got 1.5
    """

    lr: float = 0.001
    beta: tuple = (0.9, 0.999)
    eps: float = 1e-8

    def __post_init__(self):
        _check_lr(self)
        _check_betas(self)

    def init(self, x):
        xp = _xp(x)
        return (xp.zeros_like(x), xp.zeros_like(x), (1.0, 1.0))

    def apply(self, state, x, dx):
        return _adam_step(self, state, dx, None)

    def step_into(self, state, x, dx, out):
        return _adam_step(self, state, dx, out)


@register("rules")
@dataclass(frozen=True)
class AdamW(Rule):
    """AdamW(lr=0.001, beta=(0.9, 0.999), decay=0.0, eps=1e-8): Adam with decoupled decay.

    The step is Adam's plus ``lr * decay * x``, as in ``torch.optim.AdamW``.

    >>> AdamW(decay=-1.0)
    Traceback (most recent call last):
    ...
    toolkit.errors.HyperparameterError: AdamW: the weight decay cannot be negative, got -1.0
    """

    lr: float = 0.001
    beta: tuple = (0.9, 0.999)
    decay: float = 0.0
    eps: float = 1e-8

    def __post_init__(self):
        _check_lr(self)
        _check_betas(self)
        _check(self, self.decay >= 0, "the weight decay cannot be negative", self.decay)

    def init(self, x):
        return Adam.init(self, x)

    def apply(self, state, x, dx):
        return AdamW.step_into(self, state, x, dx, None)

    def step_into(self, state, x, dx, out):
        state, step = _adam_step(self, state, dx, out)
        if self.decay:
            step += (self.lr * self.decay) * x
        return state, step


@register("rules")
@dataclass(frozen=True)
class RMSProp(Rule):
    """RMSProp(lr=0.001, rho=0.9, eps=1e-8): ``q = rho*q + (1-rho)*dx²; step = lr*dx/(√q+eps)``.

    >>> RMSProp(rho=1.0)
    Traceback (most recent call last):
    ...
    toolkit.errors.HyperparameterError: RMSProp: rho must lie in [0, 1), got 1.0
    """

    lr: float = 0.001
    rho: float = 0.9
    eps: float = 1e-8

    def __post_init__(self):
        _check_lr(self)
        _check_unit(self, "rho", self.rho)
        _check(self, self.eps >= 0, "eps cannot be negative", self.eps)

    def init(self, x):
        return _xp(x).zeros_like(x)

    def apply(self, state, x, dx):
        return RMSProp.step_into(self, state, x, dx, None)

    def step_into(self, state, x, dx, t):
        xp = _xp(dx)
        t = xp.empty_like(state) if t is None else t
        xp.multiply(dx, dx, out=t)
        t *= 1 - self.rho
        state *= self.rho
        state += t
        xp.sqrt(state, out=t)
        t += self.eps
        xp.divide(dx, t, out=t)
        t *= self.lr
        return state, t


@register("rules")
@dataclass(frozen=True)
class WeightDecay(Rule):
    """WeightDecay(decay=5e-4): adds ``decay * x`` to the gradient (an L2 penalty).

    >>> import numpy as np
    >>> WeightDecay(0.5).apply(None, np.ones(2), np.zeros(2))[1].tolist()
    [0.5, 0.5]
    """

    decay: float = 5e-4

    def __post_init__(self):
        _check(self, self.decay >= 0, "the weight decay cannot be negative", self.decay)

    def apply(self, state, x, dx):
        return state, dx + self.decay * x


@register("rules")
@dataclass(frozen=True)
class ClipGrad(Rule):
    """ClipGrad(delta=10.0): clips every gradient entry to ``[-delta, delta]``.

    >>> import numpy as np
    >>> ClipGrad(1.0).apply(None, None, np.array([-3.0, 0.5, 2.0]))[1].tolist()
    [-1.0, 0.5, 1.0]
    """

    delta: float = 10.0

    def __post_init__(self):
        _check(self, self.delta > 0, "delta must be positive", self.delta)

    def apply(self, state, x, dx):
        return state, _xp(dx).clip(dx, -self.delta, self.delta)


@register("rules")
@dataclass(frozen=True)
class ClipNorm(Rule):
    """ClipNorm(omega=10.0, p=2.0, throw=True): rescales a gradient whose p-norm exceeds omega.

    With ``throw=True`` a NaN or infinite norm raises instead of spreading; checking it
    reads the norm on the host, so on a GPU ``throw=False`` keeps the step free of
    synchronisation.

    >>> import numpy as np
    >>> ClipNorm(1.0).apply(None, None, np.array([3.0, 4.0]))[1].tolist()
    [0.6, 0.8]
    """

    omega: float = 10.0
    p: float = 2.0
    throw: bool = True

    def __post_init__(self):
        _check(self, self.omega > 0, "omega must be positive", self.omega)
        _check(self, self.p > 0, "the norm's p must be positive", self.p)

    def apply(self, state, x, dx):
        xp = _xp(dx)
        norm = xp.linalg.norm(dx.ravel(), ord=self.p)
        if xp is not np and not self.throw:  # decided on the device: the step never waits
            return state, dx * xp.where(norm > self.omega, self.omega / norm, 1).astype(dx.dtype)
        norm = float(norm)
        if self.throw and not math.isfinite(norm):
            msg = f"ClipNorm: the gradient's {self.p}-norm is {norm}; pass throw=False to go on"
            raise GradientError(msg)
        return state, dx * (self.omega / norm) if norm > self.omega else dx


@register("rules")
@dataclass(frozen=True, init=False)
class OptimiserChain(Rule):
    """OptimiserChain(*rules): applies each rule to the step the previous one returned.

    >>> import numpy as np
    >>> rule = OptimiserChain(ClipGrad(1.0), Descent(0.1))
    >>> rule.apply(rule.init(np.zeros(2)), np.zeros(2), np.array([5.0, -0.5]))[1].tolist()
    [0.1, -0.05]
    """

    rules: tuple
    config_children = ("rules",)  # a config lists them: {OptimiserChain: {rules: [...]}}

    def __init__(self, *rules):
        for r in rules:
            _check(self, isinstance(r, Rule), "every member must be a rule", r)
        object.__setattr__(self, "rules", tuple(rules))

    @classmethod
    def from_children(cls, children: dict) -> OptimiserChain:
        """from_children({"rules": [rule, ...]}) -> the chain (the registry's build)."""
        return cls(*children.get("rules", ()))

    def init(self, x):
        return tuple(r.init(x) for r in self.rules)

    def apply(self, state, x, dx):
        states = []
        for rule, s in zip(self.rules, state, strict=True):
            s, dx = rule.apply(s, x, dx)
            states.append(s)
        return tuple(states), dx

    def adjusted(self, **fields) -> Rule:
        return OptimiserChain(*(r.adjusted(**fields) for r in self.rules))
