"""Elementwise primitives: VJPs against finite differences, operators, where, dropout."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import GradientError
from toolkit.nn.primitives import elementwise as E
from toolkit.nn.tape import Tracked

from .gradcheck import RNG, Cases, away, family_checks, pos, u

C = Cases()
for a, b in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,))]:
    C.add("add", lambda x, y: x + y, u(*a), u(*b))
    C.add("sub", lambda x, y: x - y, u(*a), u(*b))
    C.add("mul", lambda x, y: x * y, u(*a), u(*b))
    C.add("div", lambda x, y: x / y, u(*a), pos(*b))
C.add("add", lambda x, y: x + y, 0.5, 2.0)
C.add("mul", lambda x, y: 2.0 * x * y, 0.5, u(3))
C.add("pow", lambda x, y: x**y, pos(3, 4), u(4))
C.add("pow", lambda x: x**3, u(3, 4))
C.add("pow", lambda x: 2.0**x, u(3))
C.add("neg", lambda x: -x, u(3, 4))
C.add("maximum", E.maximum, away(3, 4), away(4))
C.add("minimum", E.minimum, away(3, 4), away(4))
for name, fn, make in [("exp", E.exp, u), ("log", E.log, pos), ("sqrt", E.sqrt, pos),
                       ("abs", E.abs, away), ("tanh", E.tanh, u), ("sigmoid", E.sigmoid, u),
                       ("relu", E.relu, away), ("gelu", E.gelu, u),
                       ("softplus", E.softplus, u)]:  # fmt: skip
    C.add(name, fn, make(3, 4))
C.add("leakyrelu", lambda x: E.leakyrelu(x, 0.2), away(3, 4))
C.add("elu", lambda x: E.elu(x, 1.5), away(3, 4))
C.add("where", lambda a, b: E.where(np.array([True, False, True, False]), a, b), u(3, 4), u(4))
C.add("clip", lambda x: E.clip(x, -0.5, 0.5), RNG.choice([-0.8, -0.2, 0.3, 0.9], (3, 4)))
C.add("astype", lambda x: x.astype(np.float64), u(3))
C.add("dropout", lambda x: E.dropout(x, 0.3, 7), u(4, 5))


test_cases_cover_the_family, test_vjp_matches_finite_differences = family_checks(C, E)


def test_plain_inputs_run_without_tracing():
    assert type(E.exp(np.zeros(2))) is np.ndarray and float(E.relu(1.5)) == 1.5
    assert type(E.relu(-1.5)) is not Tracked


def test_comparisons_stop_the_gradient():
    def f(x):
        mask = x > 0
        assert type(mask) is not Tracked and type(E.sign(x)) is not Tracked
        return tk.sum(E.where(mask, x, 0.0))

    assert tk.gradient(f, np.array([-1.0, 2.0]))[0].tolist() == [0.0, 1.0]


def test_numpy_ufuncs_run_the_primitives():
    (g,) = tk.gradient(lambda x: np.sum(np.exp(x) * np.ones(2) + np.maximum(x, 0.5)), np.zeros(2))
    assert g.tolist() == [1.0, 1.0]
    with pytest.raises(GradientError, match="numpy's sin .* has no derivative"):
        tk.gradient(lambda x: tk.sum(np.sin(x)), np.ones(3))


def test_maximum_ties_send_the_gradient_to_the_first_argument():
    ga, gb = tk.gradient(lambda a, b: tk.sum(E.maximum(a, b)), np.ones(2), np.ones(2))
    assert ga.tolist() == [1.0, 1.0] and gb.tolist() == [0.0, 0.0]


def test_dropout_is_repeatable_from_its_seed_and_scales_what_it_keeps():
    x = np.ones((50, 40), np.float32)
    y = E.dropout(x, 0.25, 3)
    assert y.dtype == np.float32 and set(np.unique(y).tolist()) == {0.0, np.float32(1 / 0.75)}
    np.testing.assert_array_equal(y, E.dropout(x, 0.25, 3))
    assert E.dropout(x, 0.25, 3, training=False) is x
    with pytest.raises(ValueError, match=r"in \[0, 1\); got 1.0"):
        E.dropout_mask((2,), 1.0, 0)
