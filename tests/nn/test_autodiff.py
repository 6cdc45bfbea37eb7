"""gradient / withgradient: Zygote-style return shapes, models, errors, performance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import toolkit as tk
from toolkit.errors import GradientError
from toolkit.nn import ops
from toolkit.nn.module import Module


class Affine(Module):
    _fields = ("weight", "bias", "seen")
    _state = ("seen",)

    def __init__(self, n_in=None, n_out=2):
        self.n_out = n_out
        self.weight = None if n_in is None else np.ones((n_in, n_out))
        self.bias = np.zeros(n_out)
        self.seen = np.zeros(())

    def __call__(self, x):
        if self.weight is None:  # lazy: sized by the first batch
            self.weight = np.ones((x.shape[-1], self.n_out))
        self.seen = self.seen + len(x)  # state updated during the forward pass
        return x @ self.weight + self.bias


class Chain(Module):
    _fields = ("layers",)

    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def test_scalar_polynomial():
    assert tk.gradient(lambda x: 3 * x**2 + 2 * x + 1, 2.0) == (14.0,)
    assert tk.gradient(lambda x: 3 * x**2 + 2 * x + 1, 2) == (14.0,)


def test_numbers_give_numbers_and_arrays_give_arrays():
    gx, gy = tk.gradient(lambda x, y: ops.sum(x * y), 2.0, np.array([1.0, 2.0]))
    assert type(gx) is float and gx == 3.0
    assert isinstance(gy, np.ndarray) and gy.tolist() == [2.0, 2.0]


def test_withgradient_returns_value_and_aux():
    value, grads = tk.withgradient(lambda x: (x * x, "aux"), 3.0)
    assert value == (9.0, "aux") and grads == (6.0,)


def test_unused_and_non_float_arguments_get_none():
    grads = tk.gradient(lambda x, n, s: ops.sum(x * n), 2.0, np.arange(3), "label")
    assert grads[1:] == (None, None)
    assert tk.gradient(lambda x, y: x * 2, 1.0, 5.0) == (2.0, None)


def test_broadcasting_is_summed_back():
    x, b = np.ones((4, 3)), np.ones(3)
    gx, gb = tk.gradient(lambda x, b: ops.sum((x + b) * 2.0), x, b)
    assert gx.shape == (4, 3) and gb.tolist() == [8.0, 8.0, 8.0]


def test_gradient_is_float32_for_float32_inputs():
    (g,) = tk.gradient(lambda w: ops.mean(ops.tanh(w) * 2), np.ones((2, 2), np.float32))
    assert g.dtype == np.float32


def test_model_gradient_mirrors_the_model_and_skips_state():
    model = Chain(Affine(3, 2), Affine(2, 1))
    x = np.ones((5, 3))
    grads = tk.gradient(lambda m: ops.sum(m(x)), model)[0]
    assert type(grads) is Chain and type(grads.layers[0]) is Affine
    assert grads.layers[0].weight.shape == (3, 2) and grads.layers[1].bias.tolist() == [5.0]
    assert grads.layers[0].seen is None
    # the model holds plain arrays again, with its state updated once
    assert type(model.layers[0].weight) is np.ndarray
    assert float(model.layers[0].seen) == 5.0
    stepped = tk.tree_map(lambda p, g: p if g is None else p - 0.1 * g, model, grads)
    assert stepped.layers[1].bias.tolist() == [-0.5]


def test_lazy_layers_are_built_then_traced():
    model = Chain(Affine(None, 2))
    grads = tk.gradient(lambda m: ops.sum(m(np.ones((4, 3)))), model)[0]
    assert model.layers[0].weight.shape == (3, 2)
    assert grads.layers[0].weight.shape == (3, 2)


def test_model_is_restored_when_f_raises():
    model = Chain(Affine(3, 2))
    with pytest.raises(ZeroDivisionError):
        tk.gradient(lambda m: 1 / 0 + ops.sum(m.layers[0].weight), model)
    assert type(model.layers[0].weight) is np.ndarray


def test_non_scalar_output_is_refused():
    with pytest.raises(GradientError, match=r"got shape \(3,\) — reduce it, e.g. with sum"):
        tk.gradient(lambda x: x * 2, np.ones(3))


def test_numpy_function_without_derivative_is_refused():
    with pytest.raises(GradientError, match="numpy's sin .* has no derivative"):
        tk.gradient(lambda x: ops.sum(np.sin(x)), np.ones(3))
    with pytest.raises(GradientError, match="cut it from the gradient"):
        tk.gradient(lambda x: ops.sum(np.asarray(x)), np.ones(3))


def test_numpy_ufuncs_and_functions_dispatch_to_primitives():
    (g,) = tk.gradient(lambda x: np.sum(np.exp(x) * np.ones(2)), np.zeros(2))
    assert g.tolist() == [1.0, 1.0]


def test_plain_inputs_run_without_tracing():
    assert type(ops.exp(np.zeros(2))) is np.ndarray
    assert ops.sum(np.ones(3)) == 3.0


@settings(max_examples=40, deadline=None)
@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_broadcast_gradients_count_the_uses_of_each_element(shapes):
    (sa, sb), result = shapes.input_shapes, shapes.result_shape
    a, b = np.ones(sa), np.ones(sb)
    ga, gb = tk.gradient(lambda a, b: ops.sum(a * 1.0 + b * 2.0), a, b)
    n = int(np.prod(result))
    assert ga.shape == sa and gb.shape == sb
    np.testing.assert_allclose(ga, np.full(sa, n / max(a.size, 1)))
    np.testing.assert_allclose(gb, np.full(sb, 2.0 * n / max(b.size, 1)))
