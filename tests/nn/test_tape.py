"""The tape on its own: register, apply, backward, broadcasting, and what Tracked refuses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import toolkit as tk
from toolkit.errors import GradientError
from toolkit.nn import tape
from toolkit.nn.tape import PRIMITIVES, Tracked, apply, backward, register, unbroadcast


@pytest.fixture
def square():
    prim = register("test_square", lambda x: x * x, lambda node, g: (2 * node.xs[0] * g,))
    yield prim
    del PRIMITIVES["test_square"]


def test_a_registered_primitive_records_one_node_and_runs_its_vjp(square):
    t: list = []
    x = Tracked(np.array([1.0, -3.0]), t, "x")
    y = apply(square, x)
    assert len(t) == 1 and t[0].prim is square and t[0].needs(0) and t[0].y is y.data
    backward(t, y, np.ones(2))
    assert x.grad.tolist() == [2.0, -6.0] and t == []  # the pass consumes the tape


def test_plain_inputs_never_touch_a_tape(square):
    assert apply(square, 3.0) == 9.0 and type(apply(square, np.ones(2))) is np.ndarray


def test_a_value_used_twice_accumulates_both_gradients():
    t: list = []
    x = Tracked(2.0, t)
    y = x * x + x
    backward(t, y, 1.0)
    assert x.grad == 5.0


def test_a_non_differentiable_primitive_returns_plain_values():
    t: list = []
    out = Tracked(np.ones(2), t) > 0
    assert type(out) is np.ndarray and t == []


def test_a_primitive_name_is_registered_once():
    with pytest.raises(GradientError, match="'add' is registered twice"):
        register("add", lambda a, b: a + b, lambda node, g: (g, g))
    with pytest.raises(GradientError, match="needs a vjp"):
        register("no_vjp_here", lambda a: a)


def test_residuals_reach_the_vjp():
    def vjp(node, g):
        return (g if node.res == "saved" else None,)

    prim = register("test_residual", lambda x: (x + 1.0, "saved"), vjp, residual=True)
    try:
        assert apply(prim, 1.0) == 2.0
        assert tk.gradient(lambda x: apply(prim, x), 1.0) == (1.0,)
    finally:
        del PRIMITIVES["test_residual"]


@settings(max_examples=40, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_unbroadcast_counts_the_uses_of_each_element(shapes):
    (sa, sb), result = shapes.input_shapes, shapes.result_shape
    a, b = np.ones(sa), np.ones(sb)
    n = int(np.prod(result))
    ga, gb = unbroadcast(np.ones(result), a), unbroadcast(np.full(result, 2.0), b)
    assert np.shape(ga) == sa and np.shape(gb) == sb
    np.testing.assert_allclose(ga, np.full(sa, n / max(a.size, 1)))
    np.testing.assert_allclose(gb, np.full(sb, 2.0 * n / max(b.size, 1)))


def test_assigning_into_a_traced_value_names_it():
    with pytest.raises(GradientError, match="cannot assign into the traced value 'w'"):
        Tracked(np.ones(3), [], "w")[0] = 1.0


def test_converting_a_traced_value_to_numpy_is_refused():
    with pytest.raises(GradientError, match="cut it from the gradient"):
        np.asarray(Tracked(np.ones(3), []))
    with pytest.raises(GradientError, match=r"numpy's np.cumsum .* register a primitive"):
        np.cumsum(Tracked(np.ones(3), []))


def test_tracked_behaves_like_its_array():
    t = Tracked(np.zeros((2, 3), np.float32), [], "x")
    assert (t.shape, t.ndim, t.size, t.dtype, len(t)) == ((2, 3), 2, 6, np.float32, 2)
    assert [row.shape for row in t] == [(3,), (3,)] and +t is t
    assert "x" in repr(t) and tape.plain(t) is t.data
