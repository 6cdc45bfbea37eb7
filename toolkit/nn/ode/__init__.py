"""ODE solves inside models: ``odesolve`` and the ``NeuralODE`` layer (DiffEqFlux-style).

- :mod:`.tableaus` — the Runge–Kutta methods (euler, rk4, dopri5, tsit5) and their dense output
- :mod:`.rk` — the fixed-step and PI-controlled adaptive loops on the tape's operations
- :mod:`.adjoint` — the adjoint method as one primitive (memory independent of the steps)
- :mod:`.odesolve` — the public solve; :mod:`.layer` — NeuralODE
"""

from toolkit.nn.ode.layer import NeuralODE
from toolkit.nn.ode.odesolve import odesolve
from toolkit.nn.ode.rk import Solution, Stats, solve

__all__ = ["NeuralODE", "Solution", "Stats", "odesolve", "solve"]
