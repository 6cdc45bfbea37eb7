"""``solve``: explicit Runge–Kutta solves of ``du/dt = f(u, t)`` on numpy or cupy arrays.

The state ``u`` may be a plain array or a traced value: the steps are written in the
tape's operations, so inside ``tk.gradient`` a solve is differentiated through its steps
(``sensealg="backprop"``). Step sizes and error estimates are computed on the plain
values, so the accepted steps are constants to the gradient (as in DiffEqFlux).

Adaptive solvers (``dopri5``, ``tsit5``) choose the first step as Hairer's DOPRI5 does,
measure the error in the RMS norm of ``err / (atol + rtol · max(|u|, |u_new|))`` and
change the step with a PI controller (β₁ = 0.7/5, β₂ = 0.4/5, safety 0.9, factors in
[0.2, 10]). ``saveat`` times are read off each step's dense output; fixed-step solvers
(``euler``, ``rk4``) step by ``dt`` and land on every ``saveat`` time.

>>> import numpy as np
>>> sol = solve(lambda u, t: -u, np.array([1.0]), (0.0, 1.0))
>>> bool(abs(sol.u[0] - np.exp(-1.0)) < 1e-6)
True
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field

import numpy as np

from toolkit.errors import DataError, SolverError, UnknownNameError, did_you_mean
from toolkit.nn import ops
from toolkit.nn.device import array_module
from toolkit.nn.layers.base import Layer
from toolkit.nn.ode.tableaus import TABLEAUS, Tableau, dense_weights
from toolkit.nn.tape import plain

_SAFETY, _FMIN, _FMAX = 0.9, 0.2, 10.0


@dataclass
class Stats:
    """Stats(accepted=0, rejected=0, nfe=0) — what a solve did: steps kept, steps refused,
    evaluations of ``f``."""

    accepted: int = 0
    rejected: int = 0
    nfe: int = 0


@dataclass
class Solution:
    """Solution(u, t, stats) — the states at the times ``t`` (``u[i]`` at ``t[i]``), and Stats."""

    u: object
    t: np.ndarray
    stats: Stats = field(default_factory=Stats)


def rhs(f):
    """rhs(f) -> ``g(u, t)`` calling ``f``: a built-in layer (or a Chain) as ``f(u)``, autonomous;
    anything else as ``f(u, t)``.

    >>> from toolkit.nn.layers import Dense
    >>> rhs(Dense(2, 2, seed=0))(np.ones((1, 2)), 0.0).shape
    (1, 2)
    """
    if isinstance(f, Layer) or _arity(f) == 1:
        return lambda u, t: f(u)
    return f


def _arity(f) -> int:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return 2
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return 1 if len(positional) == 1 and not any(p.kind == p.VAR_POSITIONAL for p in params) else 2


def tableau(solver: str) -> Tableau:
    """tableau(solver) -> the named Tableau; unknown names get a did-you-mean."""
    if solver not in TABLEAUS:
        raise UnknownNameError(f"unknown solver {solver!r}; " + did_you_mean(solver, TABLEAUS))
    return TABLEAUS[solver]


def times(tspan, saveat) -> tuple[float, float, np.ndarray | None]:
    """times(tspan, saveat) -> (t0, t1, saveat as float64 or None), checked.

    >>> times((0, 1), [0.0, 0.5, 1.0])[2].tolist()
    [0.0, 0.5, 1.0]
    """
    if len(tspan) != 2:
        raise DataError(f"odesolve: tspan must be (t0, t1), got {tspan!r}")
    t0, t1 = float(tspan[0]), float(tspan[1])
    if t0 == t1:
        raise DataError(f"odesolve: tspan {tspan!r} is empty; give t1 different from t0")
    if saveat is None:
        return t0, t1, None
    s = np.asarray(saveat, np.float64).ravel()
    sign = math.copysign(1.0, t1 - t0)
    lo, hi = min(t0, t1), max(t0, t1)
    if s.size == 0 or (s < lo).any() or (s > hi).any() or (np.diff(s) * sign <= 0).any():
        msg = (f"odesolve: saveat must be times inside tspan {tspan!r}, strictly in the "
               f"direction of integration; got {s.tolist()}")
        raise DataError(msg)
    return t0, t1, s


def rms(x, xp) -> float:
    """rms(x, xp) -> the root mean square of an array, as a Python float."""
    return float(xp.sqrt(xp.mean(xp.square(x))))


def _stages(tab: Tableau, f, t: float, u, k1, h: float, stats: Stats) -> list:
    ks = [k1]
    for i in range(1, tab.stages):
        du = _combine(tab.a[i], ks)
        ks.append(f(u if du is None else u + h * du, t + tab.c[i] * h))
    stats.nfe += tab.stages - 1
    return ks


def _combine(weights, ks):
    """Σ w_i k_i over the non-zero weights (None when all are zero)."""
    total = None
    for w, k in zip(weights, ks, strict=False):
        if w:
            total = w * k if total is None else total + w * k
    return total


def _step_from(tab, u, ks, h):
    du = _combine(tab.b, ks)
    return u if du is None else u + h * du


def _initial_step(f, t0, u0, k1, direction, rtol, atol, order, xp, stats) -> float:
    """Hairer's initial step (as torchdiffeq's ``_select_initial_step``), on plain values."""
    u0, k1 = plain(u0), plain(k1)
    scale = atol + xp.abs(u0) * rtol
    d0, d1 = rms(u0 / scale, xp), rms(k1 / scale, xp)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    k2 = plain(f(u0 + direction * h0 * k1, t0 + direction * h0))
    stats.nfe += 1
    d2 = rms((k2 - k1) / scale, xp) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1)


def _error(tab, ks, h, u, unew, rtol, atol, xp) -> float:
    e = h * _combine(tab.e, [plain(k) for k in ks])
    pu, pn = plain(u), plain(unew)
    return rms(e / (atol + rtol * xp.maximum(xp.abs(pu), xp.abs(pn))), xp)


def _interp(tab, u, ks, h, theta):
    if theta >= 1.0:
        return None
    return u + h * _combine(dense_weights(tab, theta), ks)


def _stiff(t, h, stats, rtol, atol) -> SolverError:
    msg = (f"odesolve: the step size collapsed to {abs(h):.3g} at t={t:.6g} after "
           f"{stats.accepted} accepted and {stats.rejected} rejected steps — the problem is "
           f"probably stiff (or blows up there). Try looser tolerances (rtol={rtol:g}, "
           f"atol={atol:g} now), a fixed-step solver with a small dt, rescaling the problem, "
           f"or an implicit solver (scipy.integrate.solve_ivp with method='Radau' or 'BDF')")
    return SolverError(msg)


def _too_many(t, t1, max_steps, stats, rtol) -> SolverError:
    msg = (f"odesolve: max_steps={max_steps} exceeded at t={t:.6g} (integrating to "
           f"t1={t1:.6g}; {stats.accepted} accepted, {stats.rejected} rejected steps). "
           f"Raise max_steps, loosen rtol (now {rtol:g}) or shorten tspan; if the steps keep "
           f"shrinking the problem may be stiff")
    return SolverError(msg)


def adaptive(tab, f, u0, t0, t1, saveat, rtol, atol, max_steps, stats):
    """adaptive(...) -> list of states at ``saveat`` (or [u(t1)]): the PI-controlled loop."""
    xp = array_module(plain(u0))
    direction = math.copysign(1.0, t1 - t0)
    k1 = f(u0, t0)
    stats.nfe += 1
    h = _initial_step(f, t0, u0, k1, direction, rtol, atol, tab.order, xp, stats)
    t, u, prev = t0, u0, 1e-4
    pending = [float(v) for v in saveat] if saveat is not None else [t1]
    out = []
    while pending and pending[0] == t0:
        out.append(u0)
        pending.pop(0)
    while pending:
        if stats.accepted + stats.rejected >= max_steps:
            raise _too_many(t, t1, max_steps, stats, rtol)
        last = h >= abs(t1 - t)
        h = min(h, abs(t1 - t))
        hs = direction * h
        ks = _stages(tab, f, t, u, k1, hs, stats)
        unew = _step_from(tab, u, ks, hs)
        if tab.fsal:
            kn = ks[-1]
        err = _error(tab, ks, hs, u, unew, rtol, atol, xp)
        if not math.isfinite(err):
            err = math.inf
        if err <= 1.0:
            tn = t1 if last else t + hs
            while pending and (pending[0] - tn) * direction <= 0:
                theta = (pending.pop(0) - t) / hs
                value = _interp(tab, u, ks, hs, theta)
                out.append(unew if value is None else value)
            if not tab.fsal:
                kn = f(unew, tn)
                stats.nfe += 1
            t, u, k1 = tn, unew, kn
            stats.accepted += 1
            factor = _SAFETY * max(err, 1e-10) ** (-0.7 / tab.order) * prev ** (0.4 / tab.order)
            prev = max(err, 1e-4)
        else:
            stats.rejected += 1
            factor = _SAFETY * err ** (-1.0 / tab.order) if math.isfinite(err) else _FMIN
        h = h * min(_FMAX, max(_FMIN, factor))
        if h <= 16 * np.finfo(np.float64).eps * max(abs(t), 1.0):
            raise _stiff(t, h, stats, rtol, atol)
    return out


def fixed(tab, f, u0, t0, t1, saveat, dt, max_steps, stats):
    """fixed(...) -> list of states at ``saveat`` (or [u(t1)]): steps of ``dt``, landing on each."""
    if dt is None or not dt > 0:
        msg = (f"odesolve: the fixed-step solver {tab.name!r} needs dt > 0 (got {dt!r}); "
               f"e.g. odesolve(f, u0, tspan, solver={tab.name!r}, dt=0.01)")
        raise DataError(msg)
    direction = math.copysign(1.0, t1 - t0)
    targets = [float(v) for v in saveat] if saveat is not None else [t1]
    t, u, out = t0, u0, []
    for target in targets:
        while (target - t) * direction > 1e-12 * max(1.0, abs(target)):
            if stats.accepted >= max_steps:
                raise _too_many(t, t1, max_steps, stats, 0.0)
            h = direction * min(dt, abs(target - t))
            k1 = f(u, t)
            stats.nfe += 1
            u = _step_from(tab, u, _stages(tab, f, t, u, k1, h, stats), h)
            t = target if abs(target - (t + h)) <= 1e-12 * max(1.0, abs(target)) else t + h
            stats.accepted += 1
        out.append(u)
    return out


def solve(f, u0, tspan, *, solver="tsit5", saveat=None, rtol=1e-6, atol=1e-8,
          max_steps=10_000, dt=None) -> Solution:
    """solve(f, u0, tspan, *, solver="tsit5", saveat=None, rtol=1e-6, atol=1e-8,
    max_steps=10_000, dt=None) -> Solution.

    Like :func:`odesolve` but returns the times and the step counts too; ``u`` is
    ``(len(saveat), *u0.shape)`` with ``saveat``, else ``u(t1)``.

    >>> sol = solve(lambda u, t: -u, np.array([1.0]), (0.0, 2.0), saveat=[0.0, 1.0, 2.0])
    >>> sol.u.shape, sol.stats.accepted > 0
    ((3, 1), True)
    """
    tab = tableau(solver)
    if not (rtol > 0 and atol > 0) or not isinstance(max_steps, int) or max_steps < 1:
        msg = (f"odesolve: rtol and atol must be positive and max_steps a positive integer; "
               f"got rtol={rtol!r}, atol={atol!r}, max_steps={max_steps!r}")
        raise DataError(msg)
    t0, t1, s = times(tspan, saveat)
    g, stats = rhs(f), Stats()
    if tab.adaptive:
        us = adaptive(tab, g, u0, t0, t1, s, rtol, atol, max_steps, stats)
    else:
        us = fixed(tab, g, u0, t0, t1, s, dt, max_steps, stats)
    u = us[0] if s is None else ops.stack(us, axis=0)
    return Solution(u, np.array([t1]) if s is None else s, stats)
