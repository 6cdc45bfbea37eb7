"""Shared by the primitive families' tests: inputs, example calls, finite differences.

Each family's test module lists example calls of its differentiable primitives in a
:class:`Cases` table (with broadcasting cases); one parametrized test checks each VJP
against central finite differences in float64, and another that no differentiable
primitive of the family lacks an example. tests/nn/test_device.py reruns the same
tables on a GPU.
"""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.nn import ops
from toolkit.nn.autodiff import gradient
from toolkit.nn.tape import Primitive, plain

RNG = np.random.default_rng(20261127)


def u(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, shape)


def away(*shape):
    """Values at least 0.1 away from 0 (kinks of relu, abs...)."""
    return RNG.choice([-1.0, 1.0], shape) * RNG.uniform(0.1, 1.0, shape)


def pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def labels(n, k):
    return RNG.integers(0, k, n)


def onehot(n, k):
    return np.eye(k)[labels(n, k)]


class Cases(dict):
    """primitive name -> [(function, args), ...]: example calls to check."""

    def add(self, name, fn, *args):
        self.setdefault(name, []).append((fn, args))

    def ids(self):
        return [(name, k) for name, calls in self.items() for k in range(len(calls))]


def differentiable_in(module) -> set[str]:
    """The names of the differentiable primitives a family module registers."""
    return {v.name for v in vars(module).values() if isinstance(v, Primitive) and v.differentiable}


def _objective(fn, rng):
    """sum(fn(*args) * w) for fixed random weights w, drawn at the first call."""
    weights = {}

    def objective(*args):
        out = fn(*args)
        w = weights.setdefault("w", rng.normal(size=np.shape(plain(out))))
        return ops.sum(out * w)

    return objective


def numeric_grad(f, args, i, eps=1e-6):
    """Central finite differences of the scalar ``f(*args)`` with respect to ``args[i]``."""
    x = args[i]
    if isinstance(x, float):
        hi = f(*args[:i], x + eps, *args[i + 1 :])
        lo = f(*args[:i], x - eps, *args[i + 1 :])
        return float((hi - lo) / (2 * eps))
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[j] += eps
        xm[j] -= eps
        grad[j] = (f(*args[:i], xp, *args[i + 1 :]) - f(*args[:i], xm, *args[i + 1 :])) / (2 * eps)
    return grad


def check_finite_differences(fn, args, name="", rtol=1e-5, atol=1e-7):
    """Every gradient of sum(fn(*args) * w) equals its finite-difference estimate."""
    f = _objective(fn, np.random.default_rng(len(name)))
    f(*args)  # fix the random output weights
    for i, g in enumerate(gradient(f, *args)):
        expected = numeric_grad(f, args, i)
        np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol, err_msg=f"{name} input {i}")


def check_same_function(fast, reference, *args, rtol=1e-10, atol=1e-12):
    """``fast`` and ``reference`` agree in value and in every gradient, on ``args``."""
    y, expected = fast(*args), reference(*args)
    np.testing.assert_allclose(y, expected, rtol=rtol, atol=atol)
    w = np.random.default_rng(0).normal(size=np.shape(y))
    grads = gradient(lambda *a: ops.sum(fast(*a) * w), *args)
    expected_grads = gradient(lambda *a: ops.sum(reference(*a) * w), *args)
    for i, (g, e) in enumerate(zip(grads, expected_grads, strict=True)):
        assert (g is None) == (e is None), f"input {i}"
        if g is not None:
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"input {i}")


def family_checks(cases: Cases, module):
    """(coverage test, finite-difference test) for one family: its module's two common tests."""

    def test_cases_cover_the_family():
        assert set(cases) == differentiable_in(module)

    @pytest.mark.parametrize(("name", "k"), cases.ids())
    def test_vjp_matches_finite_differences(name, k):
        fn, args = cases[name][k]
        check_finite_differences(fn, args, name)

    return test_cases_cover_the_family, test_vjp_matches_finite_differences
