"""NeuralODE: a layer whose output is an ODE solve, ``du/dt = f(u, t)`` from its input.

>>> import numpy as np
>>> from toolkit.nn.layers import Chain, Dense
>>> node = NeuralODE(Chain(Dense(2, 8, "tanh"), Dense(8, 2), seed=0), (0.0, 1.0),
...                  saveat=[0.0, 0.5, 1.0])
>>> node(np.ones((4, 2), np.float32)).shape
(3, 4, 2)
"""

from __future__ import annotations

from toolkit.errors import DataError, UnknownNameError, did_you_mean
from toolkit.nn.layers.base import Layer
from toolkit.nn.ode.odesolve import SENSEALGS, odesolve
from toolkit.nn.ode.rk import tableau, times
from toolkit.registry import register


@register("layers")
class NeuralODE(Layer):
    """NeuralODE(f, tspan, *, solver="tsit5", saveat=None, sensealg="backprop", rtol=1e-6,
    atol=1e-8, max_steps=10_000, dt=None).

    DiffEqFlux's ``NeuralODE``: ``layer(u0)`` solves ``du/dt = f(u, t)`` from ``u0`` (a
    batch, e.g. ``(N, D)``) and returns ``u(t1)``, or the states at the ``saveat`` times,
    ``(len(saveat), *u0.shape)`` (time first, as torchdiffeq; Flux puts it last). ``f`` is
    any layer or Chain (called as ``f(u)``) or a function of ``(u, t)``; its arrays are the
    layer's parameters. ``tspan`` is ``(t0, t1)``. ``solver`` is "tsit5", "dopri5" (adaptive,
    to ``rtol`` and ``atol``), "rk4" or "euler" (fixed step ``dt``). ``sensealg`` is
    "backprop" (through the steps) or "adjoint" (the adjoint ODE backwards, memory
    independent of the steps). ``max_steps`` bounds the steps of one solve. See
    :func:`toolkit.odesolve`.

    >>> from toolkit.nn.layers import Dense
    >>> NeuralODE(Dense(2, 2), (0, 1), sensealg="adjoint")
    NeuralODE(Dense(2 => 2), tspan=(0.0, 1.0), solver='tsit5', sensealg='adjoint')
    """

    _fields = ("f",)

    config_children = ("f",)  # the registry writes and builds f as a component

    def __init__(self, f, tspan, *, solver="tsit5", saveat=None, sensealg="backprop",
                 rtol=1e-6, atol=1e-8, max_steps=10_000, dt=None):
        if not callable(f):
            raise DataError(f"NeuralODE: f must be a layer or a function of (u, t), got {f!r}")
        t0, t1, s = times(tspan, saveat)
        tableau(solver)
        if sensealg not in SENSEALGS:
            msg = f"unknown sensealg {sensealg!r}; " + did_you_mean(sensealg, SENSEALGS)
            raise UnknownNameError(msg)
        self.f, self.tspan, self.solver, self.sensealg = f, (t0, t1), solver, sensealg
        self.saveat = None if s is None else tuple(s.tolist())
        self.rtol, self.atol, self.max_steps = float(rtol), float(atol), int(max_steps)
        self.dt = None if dt is None else float(dt)

    def config(self) -> dict:
        return {"tspan": list(self.tspan), "solver": self.solver,
                "saveat": None if self.saveat is None else list(self.saveat),
                "sensealg": self.sensealg, "rtol": self.rtol, "atol": self.atol,
                "max_steps": self.max_steps, "dt": self.dt}

    @classmethod
    def from_children(cls, children: dict, *, tspan, solver="tsit5", saveat=None,
                      sensealg="backprop", rtol=1e-6, atol=1e-8, max_steps=10_000,
                      dt=None) -> NeuralODE:
        """from_children({"f": layer}, *, tspan, ...) -> a NeuralODE (registry builds).

        ``tspan`` is ``(t0, t1)``. ``solver`` is "tsit5", "dopri5" (adaptive), "rk4" or "euler"
        (fixed step). ``saveat`` lists the times whose states the layer returns. ``sensealg``
        is "backprop" (through the steps) or "adjoint" (the adjoint ODE backwards). ``rtol``
        and ``atol`` are the adaptive solvers' tolerances. ``max_steps`` bounds one solve.
        ``dt`` is the fixed-step solvers' step.
        """
        return cls(children["f"], tspan, solver=solver, saveat=saveat, sensealg=sensealg,
                   rtol=rtol, atol=atol, max_steps=max_steps, dt=dt)

    @classmethod
    def from_config(cls, config: dict, children: dict) -> NeuralODE:
        """from_config(config, children) -> a NeuralODE (weights files): children {"f": ...}."""
        return cls(children["f"], **config)

    def __call__(self, u0):
        return odesolve(self.f, u0, self.tspan, solver=self.solver, saveat=self.saveat,
                        rtol=self.rtol, atol=self.atol, max_steps=self.max_steps, dt=self.dt,
                        sensealg=self.sensealg)

    def __repr__(self) -> str:
        return f"NeuralODE({self.f!r}, {self._repr_args()})"

    def _repr_args(self) -> str:
        text = f"tspan={self.tspan}, solver={self.solver!r}"
        text += "" if self.saveat is None else f", saveat=<{len(self.saveat)} times>"
        return text + ("" if self.sensealg == "backprop" else f", sensealg={self.sensealg!r}")
