"""``odesolve``: the public solve, differentiated through its steps or by the adjoint.

>>> import numpy as np
>>> u = odesolve(lambda u, t: -u, np.array([1.0]), (0.0, 1.0))
>>> bool(abs(u[0] - np.exp(-1.0)) < 1e-6)
True
"""

from __future__ import annotations

from toolkit.errors import UnknownNameError, did_you_mean
from toolkit.nn.ode import rk as S
from toolkit.nn.ode.adjoint import adjoint_solve

#: The ways ``odesolve`` can be differentiated.
SENSEALGS = ("backprop", "adjoint")


def odesolve(f, u0, tspan, *, solver="tsit5", saveat=None, rtol=1e-6, atol=1e-8,
             max_steps=10_000, dt=None, sensealg="backprop"):
    """odesolve(f, u0, tspan, *, solver="tsit5", saveat=None, rtol=1e-6, atol=1e-8,
    max_steps=10_000, dt=None, sensealg="backprop") -> u.

    Solves ``du/dt = f(u, t)`` from ``u(t0) = u0`` over ``tspan = (t0, t1)`` (``t1 < t0``
    integrates backwards). ``f`` is a function of ``(u, t)``, or a layer / Chain called as
    ``f(u)``. Returns ``u(t1)``, or with ``saveat`` (times inside tspan, in order) the
    states at those times stacked on a new first axis: ``(len(saveat), *u0.shape)``, as
    torchdiffeq's ``odeint``. Solvers: ``"tsit5"``, ``"dopri5"`` (adaptive, ``rtol`` /
    ``atol``), ``"rk4"``, ``"euler"`` (fixed step ``dt``).

    Inside ``tk.gradient`` the solve is differentiated through its steps
    (``sensealg="backprop"``, exact for the steps taken, memory growing with them) or by
    the adjoint ODE solved backwards (``"adjoint"``, memory independent of the number of
    steps; the parameters must live in ``f`` as a model). Too many steps or a step size
    collapsing (a stiff problem) raise :class:`toolkit.errors.SolverError` saying what to try.

    >>> import numpy as np
    >>> odesolve(lambda u, t: -u, np.ones(1), (0, 1), saveat=[0.5, 1.0]).round(4).tolist()
    [[0.6065], [0.3679]]
    >>> odesolve(lambda u, t: -u, np.ones(1), (0, 1), solver="rk5")
    Traceback (most recent call last):
    ...
    toolkit.errors.UnknownNameError: unknown solver 'rk5'; did you mean 'rk4'? ...
    """
    options = {"solver": solver, "saveat": saveat, "rtol": rtol, "atol": atol,
               "max_steps": max_steps, "dt": dt}
    if sensealg == "backprop":
        return S.solve(f, u0, tspan, **options).u
    if sensealg == "adjoint":
        S.tableau(solver)
        return adjoint_solve(f, u0, tspan, options)
    raise UnknownNameError(f"unknown sensealg {sensealg!r}; " + did_you_mean(sensealg, SENSEALGS))
