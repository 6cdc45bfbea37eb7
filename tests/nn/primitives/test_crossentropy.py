"""The fused logit cross-entropy: finite differences, the plain reference, PyTorch, errors."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import ShapeError, UnknownNameError
from toolkit.nn.autodiff import withgradient
from toolkit.nn.primitives import crossentropy as X

from .gradcheck import RNG, Cases, check_same_function, family_checks, labels, onehot, u

LABELS, ONEHOT, COLUMN_LABELS = labels(4, 3), onehot(4, 3), labels(3, 2)

C = Cases()
C.add("logitcrossentropy", lambda z: X.logitcrossentropy(z, LABELS), u(4, 3))
C.add("logitcrossentropy", lambda z, y: X.logitcrossentropy(z, y, reduction="sum"),
      u(4, 3), RNG.dirichlet(np.ones(3), 4))  # fmt: skip
C.add("logitcrossentropy", lambda z: X.logitcrossentropy(z, ONEHOT, reduction="none"), u(4, 3))
C.add("logitcrossentropy", lambda z: X.logitcrossentropy(z, COLUMN_LABELS, axis=0), u(2, 3))


test_cases_cover_the_family, test_vjp_matches_finite_differences = family_checks(C, X)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("target", ["labels", "onehot", "probabilities", "labels-axis0", "3d"])
def test_fused_loss_equals_the_reference(target, reduction):
    shape, axis = (5, 4), -1
    if target == "labels":
        y = labels(5, 4)
    elif target == "onehot":
        y = onehot(5, 4)
    elif target == "probabilities":
        y = RNG.dirichlet(np.ones(4), 5)
    elif target == "labels-axis0":
        shape, axis, y = (4, 5), 0, labels(5, 4)
    else:
        shape, y = (2, 3, 4), RNG.integers(0, 4, (2, 3))
    options = {"axis": axis, "reduction": reduction}
    fast = lambda z, y: X.logitcrossentropy(z, y, **options)  # noqa: E731
    reference = lambda z, y: X.logitcrossentropy_reference(z, y, **options)  # noqa: E731
    check_same_function(fast, reference, u(*shape) * 5, y)


def test_plain_and_integer_logits():
    assert type(X.logitcrossentropy(u(3, 4), labels(3, 4))) is np.float64
    z, target = np.array([[0, 1, 2], [2, 0, 0]]), np.eye(3)[[2, 0]]
    expected = X.logitcrossentropy(z.astype(float), target)
    assert X.logitcrossentropy(z, target) == pytest.approx(expected)


def test_bad_targets_and_reductions_are_refused():
    with pytest.raises(ShapeError, match=r"labels must lie in \[0, 3\)"):
        X.logitcrossentropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ShapeError, match=r"integer labels must have shape \(2,\)"):
        X.logitcrossentropy(np.zeros((2, 3)), np.array([[0], [1]]))
    with pytest.raises(UnknownNameError, match="unknown reduction 'avg'"):
        X.logitcrossentropy(np.zeros((2, 3)), np.array([0, 1]), reduction="avg")


@pytest.mark.torch
@pytest.mark.parametrize("target", ["labels", "probabilities"])
def test_logitcrossentropy_matches_pytorch(target):
    torch = pytest.importorskip("torch")
    z = u(5, 4) * 10
    y = labels(5, 4) if target == "labels" else RNG.dirichlet(np.ones(4), 5)
    tz = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(tz, torch.tensor(y))
    loss.backward()
    value, (g, _) = withgradient(X.logitcrossentropy, z, y)
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(g, tz.grad.numpy(), rtol=1e-10, atol=1e-14)
