"""matmul and the fused dense: finite differences, the plain reference, PyTorch's Linear."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import ShapeError, UnknownNameError
from toolkit.nn.primitives import dense as D

from .gradcheck import Cases, away, check_same_function, family_checks, u

MATMUL_SHAPES = [
    ((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
]  # fmt: skip
ACTIVATIONS = (None, "relu", "tanh", "sigmoid", tk.gelu)

C = Cases()
for a, b in MATMUL_SHAPES:
    C.add("matmul", lambda x, y: x @ y, u(*a), u(*b))
for act in ACTIVATIONS:
    C.add("dense", lambda x, W, b, act=act: D.dense(x, W, b, act), away(5, 3), u(3, 4), u(4))
C.add("dense", lambda x, W: D.dense(x, W), u(2, 5, 3), u(3, 4))


test_cases_cover_the_family, test_vjp_matches_finite_differences = family_checks(C, D)


@pytest.mark.parametrize("act", [*ACTIVATIONS, "elu"])
def test_fused_dense_equals_the_reference(act):
    fast = lambda x, W, b: D.dense(x, W, b, act)  # noqa: E731
    reference = lambda x, W, b: D.dense_reference(x, W, b, act)  # noqa: E731
    check_same_function(fast, reference, away(6, 3), u(3, 4), u(4))


def test_fused_dense_equals_the_reference_without_bias_on_batched_input():
    check_same_function(D.dense, D.dense_reference, u(2, 5, 3), u(3, 4))


def test_fused_dense_keeps_float32():
    x, W, b = (a.astype(np.float32) for a in (u(4, 3), u(3, 2), u(2)))
    grads = tk.gradient(lambda x, W, b: tk.sum(D.dense(x, W, b, "sigmoid")), x, W, b)
    assert D.dense(x, W, b, "relu").dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)


def test_fused_primitives_take_any_activation_by_name():
    x, W = np.ones((1, 2), np.float32), np.ones((2, 3), np.float32)
    assert np.allclose(D.dense(x, W, None, "elu"), D.dense(x, W, None, tk.elu))
    with pytest.raises(UnknownNameError, match="unknown activation 'relux'"):
        D.dense(x, W, None, "relux")


def test_mismatched_features_are_refused_with_both_shapes():
    with pytest.raises(ShapeError, match=r"x has 3 features \(shape \(2, 3\)\) but W has 4"):
        D.dense(np.ones((2, 3)), np.ones((4, 2)))


@pytest.mark.torch
def test_dense_matches_pytorch_linear():
    torch = pytest.importorskip("torch")
    x, W, b = u(4, 3), u(3, 5), u(5)
    lin = torch.nn.Linear(3, 5).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(W.T))
        lin.bias.copy_(torch.tensor(b))
    expected = torch.relu(lin(torch.tensor(x))).detach().numpy()
    np.testing.assert_allclose(D.dense(x, W, b, "relu"), expected, rtol=1e-12)
