"""ops re-exports every family; the array functions are public at the top, as in Flux."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn import ops, primitives
from toolkit.nn.ode import adjoint
from toolkit.nn.primitives import (
    conv,
    crossentropy,
    dense,
    elementwise,
    normalise,
    reductions,
    shapes,
)
from toolkit.nn.tape import PRIMITIVES, Primitive

from .primitives.gradcheck import numeric_grad

FAMILIES = (elementwise, reductions, shapes, dense, normalise, conv, crossentropy, adjoint)


def test_every_primitive_belongs_to_one_family():
    owned = [v.name for f in FAMILIES for v in vars(f).values() if isinstance(v, Primitive)]
    assert len(owned) == len(set(owned))
    assert set(owned) == set(PRIMITIVES)
    assert all(f.__name__.rsplit(".", 1)[1] in primitives.__doc__ for f in FAMILIES)


def test_ops_only_re_exports_the_families_functions():
    for name in ops.__all__:
        fn = getattr(ops, name)
        assert fn.__module__ in {f.__name__ for f in FAMILIES}, name
        assert fn.__doc__ and ">>>" in fn.__doc__, f"{name} has no example"


def test_the_top_level_array_functions_are_those_of_ops():
    for name in ("exp", "log", "sqrt", "abs", "sum", "mean", "max", "min", "where", "clip",
                 "reshape", "concatenate", "stack", "transpose", "matmul", "maximum", "minimum",
                 "logsumexp", "argmax", "conv2d", "dense", "dropout", "batchnorm"):  # fmt: skip
        assert getattr(tk, name) is getattr(ops, name) and name in tk.__all__, name


def test_a_flux_user_differentiates_tk_functions():
    x = np.array([0.5, -1.0, 2.0])
    (g,) = tk.gradient(lambda x: tk.sum(tk.exp(x)), x)
    np.testing.assert_allclose(g, np.exp(x))


X = np.array([[0.3, -1.2, 0.7], [1.5, 0.4, -0.6]])
FUNCTIONS = {
    "log-sqrt-abs": lambda x: tk.sum(tk.log(tk.sqrt(tk.abs(x) + 1.0))),
    "mean-max-min": lambda x: tk.mean(x * x) + tk.max(x, axis=1).sum() - tk.min(x),
    "where-clip": lambda x: tk.sum(tk.where(x > 0, x**2, tk.clip(x, -1.0, 1.0))),
    "reshape-transpose": lambda x: tk.sum(tk.transpose(tk.reshape(x, (3, 2))) * X),
    "concatenate-stack": lambda x: tk.sum(tk.concatenate([x, x**2], axis=1) ** 2)
    + tk.sum(tk.stack([x, tk.exp(x)]) * 0.5),
    "matmul-maximum-logsumexp": lambda x: tk.logsumexp(tk.maximum(tk.matmul(x, X.T), 0.1)),
    "softmax-dense": lambda x: tk.sum(tk.softmax(tk.dense(x, X.T, None, "tanh")) * X[:, :2]),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_tk_functions_match_finite_differences(name):
    f = FUNCTIONS[name]
    (g,) = tk.gradient(f, X)
    np.testing.assert_allclose(g, numeric_grad(f, (X,), 0), rtol=1e-6, atol=1e-8)
