"""odesolve's solutions against scipy's solve_ivp, exact solutions and torchdiffeq's step counts."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import toolkit as tk
from toolkit.errors import DataError, SolverError, UnknownNameError
from toolkit.nn.ode import rk


def decay(u, t):
    return -0.7 * u


def oscillator(u, t):
    return np.stack([u[..., 1], -4.0 * u[..., 0]], axis=-1)


def lotka_volterra(u, t):
    x, y = u[..., 0], u[..., 1]
    return np.stack([1.5 * x - x * y, -3.0 * y + x * y], axis=-1)


PROBLEMS = {"decay": (decay, [1.0, -2.0], 3.0), "oscillator": (oscillator, [1.0, 0.0], 5.0),
            "lotka_volterra": (lotka_volterra, [1.0, 1.0], 8.0)}


def _reference(f, u0, t1, ts):
    sol = solve_ivp(lambda t, u: f(u, t), (0.0, t1), u0, t_eval=ts, method="DOP853",
                    rtol=1e-12, atol=1e-12)
    return sol.y.T


@pytest.mark.parametrize("solver", ["tsit5", "dopri5"])
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("rtol", [1e-4, 1e-8])
def test_adaptive_solutions_match_scipy_within_the_tolerance(solver, problem, rtol):
    f, u0, t1 = PROBLEMS[problem]
    ts = np.linspace(0.0, t1, 17)  # between steps: the dense output is read
    got = tk.odesolve(f, np.array(u0), (0.0, t1), saveat=ts, solver=solver, rtol=rtol,
                      atol=rtol * 1e-2)
    err = np.abs(got - _reference(f, u0, t1, ts)).max()
    assert err < 50 * rtol, err


def test_exact_solutions():
    ts = np.linspace(0, 3, 7)
    got = tk.odesolve(decay, np.array([1.0]), (0, 3), saveat=ts, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[:, 0], np.exp(-0.7 * ts), rtol=1e-8)
    got = tk.odesolve(oscillator, np.array([1.0, 0.0]), (0, 5), saveat=ts, solver="dopri5",
                      rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[:, 0], np.cos(2 * ts), atol=1e-8)


@pytest.mark.parametrize("solver, order", [("euler", 1), ("rk4", 4)])
def test_fixed_step_solvers_converge_at_their_order(solver, order):
    errors = []
    for dt in (0.1, 0.05):
        u = tk.odesolve(oscillator, np.array([1.0, 0.0]), (0, 2), solver=solver, dt=dt)
        errors.append(abs(u[0] - np.cos(4.0)))
    assert abs(np.log2(errors[0] / errors[1]) - order) < 0.3


def test_backwards_in_time_and_batches():
    u0 = np.array([[1.0, 0.0], [0.0, 1.0]])
    u1 = tk.odesolve(oscillator, u0, (0, 1.3), rtol=1e-10, atol=1e-12)
    back = tk.odesolve(oscillator, u1, (1.3, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(back, u0, atol=1e-8)


def test_step_counts_are_comparable_to_torchdiffeq():
    torch = pytest.importorskip("torch")
    torchdiffeq = pytest.importorskip("torchdiffeq")
    calls = [0]

    def tf(t, u):
        calls[0] += 1
        return torch.stack([1.5 * u[0] - u[0] * u[1], -3 * u[1] + u[0] * u[1]])

    torchdiffeq.odeint(tf, torch.tensor([1.0, 1.0], dtype=torch.float64),
                       torch.tensor([0.0, 8.0], dtype=torch.float64), rtol=1e-6, atol=1e-8,
                       method="dopri5")
    ours = rk.solve(lotka_volterra, np.array([1.0, 1.0]), (0, 8), solver="dopri5")
    # dopri5 costs 6 evaluations a step: torchdiffeq's steps from its evaluation count
    theirs = (calls[0] - 2) / 6
    steps = ours.stats.accepted + ours.stats.rejected
    assert 0.67 < steps / theirs < 1.5, (steps, theirs)
    assert ours.stats.nfe == 2 + 6 * steps


def test_max_steps_exceeded_says_what_to_try():
    with pytest.raises(SolverError, match=r"max_steps=5 exceeded .* Raise max_steps"):
        tk.odesolve(oscillator, np.array([1.0, 0.0]), (0, 50), max_steps=5)


def test_a_stiff_problem_collapses_the_step_and_says_so():
    def blowup(u, t):  # u' = u², u(0) = 1: infinite at t = 1
        return u * u

    with pytest.raises(SolverError, match=r"step size collapsed .* stiff.*Radau"):
        tk.odesolve(blowup, np.array([1.0]), (0, 2), max_steps=100_000)


def test_bad_arguments_are_refused():
    with pytest.raises(UnknownNameError, match="did you mean 'tsit5'"):
        tk.odesolve(decay, np.ones(1), (0, 1), solver="tsit")
    with pytest.raises(UnknownNameError, match="did you mean 'adjoint'"):
        tk.odesolve(decay, np.ones(1), (0, 1), sensealg="adjiont")
    with pytest.raises(DataError, match="saveat must be times inside tspan"):
        tk.odesolve(decay, np.ones(1), (0, 1), saveat=[0.5, 2.0])
    with pytest.raises(DataError, match="needs dt > 0"):
        tk.odesolve(decay, np.ones(1), (0, 1), solver="rk4")


def test_float32_stays_float32():
    u = tk.odesolve(decay, np.ones(3, np.float32), (0, 1), saveat=[0.5, 1.0])
    assert u.dtype == np.float32 and u.shape == (2, 3)
