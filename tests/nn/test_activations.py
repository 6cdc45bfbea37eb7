"""Activations: values against their formulas, Flux's names, stability, lookup by name."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import UnknownNameError
from toolkit.nn.activations import activation
from toolkit.registry import registry

ACTIVATIONS = {n: registry("activations").get(n) for n in registry("activations").names()}

X = np.linspace(-4, 4, 17)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


REFERENCE = {
    "identity": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "leakyrelu": lambda x: np.where(x > 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(),
    "logsoftmax": lambda x: x - np.log(np.exp(x).sum()),
    "exp": np.exp,
    "abs": np.abs,
    "relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_values_match_formulas(name):
    np.testing.assert_allclose(ACTIVATIONS[name](X), REFERENCE[name](X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_float32_stays_float32(name):
    assert ACTIVATIONS[name](X.astype(np.float32)).dtype == np.float32


def test_flux_names():
    assert tk.σ is tk.sigmoid and activation("σ") is tk.sigmoid
    assert tk.Dense(2, 3, "σ").activation is tk.Dense(2, 3, "sigmoid").activation is tk.sigmoid
    assert tk.activation("σ") is tk.sigmoid
    assert {tk.relu, tk.tanh, tk.softmax, tk.identity} <= set(ACTIVATIONS.values())


def test_numerically_stable_at_extremes():
    big = np.array([-1000.0, 0.0, 1000.0])
    assert np.isfinite(tk.sigmoid(big)).all() and tk.sigmoid(big)[2] == 1.0
    assert np.isfinite(tk.softplus(big)).all() and tk.softplus(big)[2] == 1000.0
    np.testing.assert_allclose(tk.softmax(big), [0.0, 0.0, 1.0])
    assert np.isfinite(tk.logsoftmax(big)).all()
    assert np.isfinite(tk.elu(big)).all()


def test_softmax_axis():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(tk.softmax(x, axis=0).sum(axis=0), np.ones(3))
    np.testing.assert_allclose(np.exp(tk.logsoftmax(x)).sum(axis=1), np.ones(2))


def test_derivatives_at_points():
    assert tk.gradient(tk.sigmoid, 0.0)[0] == pytest.approx(0.25)
    assert tk.gradient(tk.tanh, 0.0)[0] == pytest.approx(1.0)
    assert tk.gradient(tk.relu, -1.0)[0] == 0.0 and tk.gradient(tk.relu, 2.0)[0] == 1.0
    assert tk.gradient(lambda x: tk.leakyrelu(x, 0.2), -1.0)[0] == pytest.approx(0.2)
    assert tk.gradient(tk.softplus, 0.0)[0] == pytest.approx(0.5)
    assert tk.gradient(tk.gelu, 0.0)[0] == pytest.approx(0.5)


def test_lookup_by_name():
    assert activation("relu") is tk.relu and activation(None) is tk.identity
    with pytest.raises(UnknownNameError, match="did you mean 'relu'"):
        activation("rellu")
