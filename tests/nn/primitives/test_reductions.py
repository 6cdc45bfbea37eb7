"""Reductions: VJPs against finite differences over axes, ties, dtypes, stability."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn.primitives import reductions as R

from .gradcheck import Cases, family_checks, numeric_grad, u

C = Cases()
for axis, keep in [(None, False), (0, False), ((0, 2), True), (-1, False)]:
    for name, fn in [("sum", R.sum), ("mean", R.mean), ("max", R.max), ("min", R.min),
                     ("logsumexp", R.logsumexp)]:  # fmt: skip
        C.add(name, lambda x, fn=fn, axis=axis, keep=keep: fn(x, axis, keep), u(2, 3, 4))
for axis in (-1, 0):
    C.add("softmax", lambda x, axis=axis: R.softmax(x, axis), u(3, 4))
    C.add("logsoftmax", lambda x, axis=axis: R.logsoftmax(x, axis), u(3, 4))


test_cases_cover_the_family, test_vjp_matches_finite_differences = family_checks(C, R)


@pytest.mark.parametrize("fn", [R.max, R.min])
@pytest.mark.parametrize("axis", [None, 0, (1, 2)])
def test_extremum_gradients_keep_float32(fn, axis):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    (g,) = tk.gradient(lambda x: tk.sum(fn(x, axis)), x)
    assert g.dtype == np.float32 and float(g.sum()) == pytest.approx(np.size(fn(x, axis)))


def test_ties_share_the_gradient():
    (g,) = tk.gradient(lambda x: R.max(x), np.array([1.0, 3.0, 3.0]))
    assert g.tolist() == [0.0, 0.5, 0.5]


def test_integer_logits_give_float_results():
    z = np.array([[0, 1, 2], [2, 0, 0]])
    np.testing.assert_allclose(R.logsoftmax(z, 1), R.logsoftmax(z.astype(float), 1))


def test_large_values_stay_finite():
    x = np.array([1000.0, -1000.0, 999.0])
    assert np.isfinite(R.logsumexp(x)) and np.isfinite(R.logsoftmax(x)).all()
    np.testing.assert_allclose(R.softmax(x).sum(), 1.0)


def test_argmax_is_not_traced():
    (g,) = tk.gradient(lambda x: tk.sum(x) + 0 * R.argmax(x), np.array([1.0, 2.0]))
    assert g.tolist() == [1.0, 1.0]


def test_tracked_reduction_methods_and_numpy_functions():
    x = u(2, 3)

    def f(x):
        return x.sum() + x.mean() + x.max() - (-x).min() + np.sum(x, axis=0).mean() + np.max(x)

    (g,) = tk.gradient(f, x)
    np.testing.assert_allclose(g, numeric_grad(f, (x,), 0), rtol=1e-6, atol=1e-8)
