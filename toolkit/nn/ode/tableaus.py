"""Butcher tableaus of the explicit Runge–Kutta solvers, with their dense output.

Each :class:`Tableau` holds the nodes ``c``, the stage matrix ``a``, the weights ``b``,
for adaptive pairs the error weights ``e`` (the step's local error is
``h · Σ e_i k_i``), and the dense-output polynomials: ``u(t + θh) = u + h Σ_i B_i(θ) k_i``
with ``B_i(θ) = Σ_j dense[i][j] θ^(j+1)``.

- ``euler`` and ``rk4``: fixed step (dense output unused: steps land on ``saveat``).
- ``dopri5``: Dormand–Prince 5(4), the dense output of Hairer's DOPRI5 (a quartic through
  the step's ends, slopes and a fourth-order midpoint — what torchdiffeq uses).
- ``tsit5``: Tsitouras 5(4) (2011), with its free fourth-order interpolant (the one
  OrdinaryDiffEq.jl and DiffEqFlux use).

>>> TABLEAUS["tsit5"].stages, TABLEAUS["dopri5"].order, TABLEAUS["rk4"].adaptive
(7, 5, False)
>>> round(sum(TABLEAUS["tsit5"].b), 12), round(sum(TABLEAUS["dopri5"].e), 12)
(1.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tableau:
    """Tableau(name, c, a, b, order, e=None, dense=None, fsal=False) — one explicit RK method."""

    name: str
    c: tuple
    a: tuple
    b: tuple
    order: int
    e: tuple | None = None
    dense: tuple | None = None
    fsal: bool = False

    @property
    def stages(self) -> int:
        """stages — the number of slope evaluations of one step."""
        return len(self.b)

    @property
    def adaptive(self) -> bool:
        """adaptive — whether the tableau has an embedded error estimate."""
        return self.e is not None


EULER = Tableau("euler", (0.0,), ((),), (1.0,), 1)

RK4 = Tableau(
    "rk4", (0.0, 0.5, 0.5, 1.0), ((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)),
    (1 / 6, 1 / 3, 1 / 3, 1 / 6), 4,
)  # fmt: skip

_DP_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_DP_B = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_DP_BHAT = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
# u(t + h/2) to fourth order (Shampine's DOPRI5 midpoint weights).
_DP_MID = (
    6025192743 / 30085553152 / 2, 0.0, 51252292925 / 65400821598 / 2,
    -2691868925 / 45128329728 / 2, 187940372067 / 1594534317056 / 2,
    -1776094331 / 19743644256 / 2, 11237099 / 235043384 / 2,
)  # fmt: skip


def _quartic_dense(b, mid) -> tuple:
    """The quartic through u0, u1, u_mid with slopes k1 and k7, as weights per stage.

    Coefficients of θ, θ², θ³, θ⁴ for each stage i, from the fit
    ``a = 2h(f1 - f0) - 8(u1 + u0) + 16 u_mid`` and the like (u0 drops out).
    """
    rows = []
    for i, (bi, mi) in enumerate(zip(b, mid, strict=True)):
        first, last = float(i == 0), float(i == len(b) - 1)
        rows.append((
            first,
            (last - 4 * first) - 5 * bi + 16 * mi,
            (5 * first - 3 * last) + 14 * bi - 32 * mi,
            2 * (last - first) - 8 * bi + 16 * mi,
        ))
    return tuple(rows)


DOPRI5 = Tableau(
    "dopri5", (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0), _DP_A, _DP_B, 5,
    e=tuple(b - bh for b, bh in zip(_DP_B, _DP_BHAT, strict=True)),
    dense=_quartic_dense(_DP_B, _DP_MID), fsal=True,
)  # fmt: skip

_TS_A = (
    (),
    (0.161,),
    (-0.008480655492356989, 0.335480655492357),
    (2.897153057105493, -6.359448489975075, 4.3622954328695815),
    (5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525),
    (5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401,
     -0.028269050394068383),
    (0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081,
     2.324710524099774),
)  # fmt: skip
_TS_E = (
    -0.00178001105222577714, -0.0008164344596567469, 0.007880878010261995,
    -0.1447110071732629, 0.5823571654525552, -0.45808210592918697, 0.015151515151515152,
)  # fmt: skip
# Tsitouras' interpolant: B_i(θ) = Σ_j r_ij θ^j (b_1 from θ, the others from θ²).
_TS_DENSE = (
    (1.0, -2.763706197274826, 2.9132554618219126, -1.0530884977290216),
    (0.0, 0.13169999999999998, -0.2234, 0.1017),
    (0.0, 3.9302962368947516, -5.941033872131505, 2.490627285651253),
    (0.0, -12.411077166933676, 30.33818863028232, -16.548102889244902),
    (0.0, 37.50931341651104, -88.1789048947664, 47.37952196281928),
    (0.0, -27.896526289197286, 65.09189467479366, -34.87065786149661),
    (0.0, 1.5, -4.0, 2.5),
)

TSIT5 = Tableau(
    "tsit5", (0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0), _TS_A,
    (*_TS_A[6], 0.0), 5, e=_TS_E, dense=_TS_DENSE, fsal=True,
)  # fmt: skip

#: name -> Tableau: the solvers ``odesolve`` knows.
TABLEAUS = {t.name: t for t in (EULER, RK4, DOPRI5, TSIT5)}


def dense_weights(tableau: Tableau, theta: float) -> list[float]:
    """dense_weights(tableau, θ) -> [B_i(θ)], the stage weights of ``u(t + θh)``.

    At θ = 1 they are the step's own weights ``b``.

    >>> [round(w, 12) for w in dense_weights(TSIT5, 1.0)] == [round(b, 12) for b in TSIT5.b]
    True
    """
    return [sum(r * theta ** (j + 1) for j, r in enumerate(row)) for row in tableau.dense]
