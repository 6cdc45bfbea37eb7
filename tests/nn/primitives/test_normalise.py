"""batchnorm and layernorm: finite differences, the plain references, PyTorch's BatchNorm2d."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.nn import ops
from toolkit.nn.autodiff import gradient
from toolkit.nn.primitives import normalise as N

from .gradcheck import Cases, check_same_function, family_checks, pos, u

RUNNING = (u(2), pos(2))

C = Cases()
C.add("normalise", lambda x, g, b: N.batchnorm(x, g, b, 0.0, 1.0, training=True)[0],
      u(4, 3, 2), u(2), u(2))  # fmt: skip
C.add("normalise", lambda x, g: N.batchnorm(x, g, None, *RUNNING, training=False)[0],
      u(4, 2), u(2))  # fmt: skip
C.add("normalise", lambda x, g, b: N.layernorm(x, g, b), u(3, 5), u(5), u(5))
C.add("normalise", lambda x: N.layernorm(x, dims=2), u(2, 3, 4))


test_cases_cover_the_family, test_vjp_matches_finite_differences = family_checks(C, N)


@pytest.mark.parametrize("training", [True, False])
def test_fused_batchnorm_equals_the_reference(training):
    mean, var = u(3) * 0.1, pos(3)

    def run(norm):
        def f(x, gamma, beta):
            y, new_mean, new_var = norm(x, gamma, beta, mean, var, training=training, momentum=0.2)
            return y

        return f

    check_same_function(run(N.batchnorm), run(N.batchnorm_reference), u(4, 2, 2, 3), u(3), u(3))
    _, m1, v1 = N.batchnorm(u(5, 3), None, None, mean, var, training=training)
    _, m2, v2 = N.batchnorm_reference(u(5, 3), None, None, mean, var, training=training)
    assert (m1 is mean) == (not training) and (m2 is mean) == (not training)


@pytest.mark.parametrize("dims", [1, 2])
def test_fused_layernorm_equals_the_reference(dims):
    shape = (4, 3) if dims == 2 else (3,)
    fast = lambda x, g, b: N.layernorm(x, g, b, dims=dims)  # noqa: E731
    reference = lambda x, g, b: N.layernorm_reference(x, g, b, dims=dims)  # noqa: E731
    check_same_function(fast, reference, u(2, 4, 3), u(*shape), u(*shape))


@pytest.mark.torch
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_matches_pytorch(training):
    torch = pytest.importorskip("torch")
    x, gamma, beta = u(4, 3, 3, 2), u(2), u(2)
    mean, var = u(2) * 0.1, pos(2)
    bn = torch.nn.BatchNorm2d(2, momentum=0.1, eps=1e-5).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
        bn.running_mean.copy_(torch.tensor(mean))
        bn.running_var.copy_(torch.tensor(var))
    bn.train(training)
    tx = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
    ty = bn(tx)
    w = np.random.default_rng(1).normal(size=ty.shape)
    (ty * torch.tensor(w)).sum().backward()
    nhwc = lambda t: t.detach().numpy().transpose(0, 2, 3, 1)  # noqa: E731

    def f(x, gamma, beta):
        y, _, _ = N.batchnorm(x, gamma, beta, mean, var, training=training)
        return ops.sum(y * w.transpose(0, 2, 3, 1))

    y, new_mean, new_var = N.batchnorm(x, gamma, beta, mean, var, training=training)
    np.testing.assert_allclose(y, nhwc(ty), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(new_mean, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(new_var, bn.running_var.numpy(), rtol=1e-12)
    gx, ggamma, gbeta = gradient(f, x, gamma, beta)
    np.testing.assert_allclose(gx, nhwc(tx.grad), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ggamma, bn.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gbeta, bn.bias.grad.numpy(), rtol=1e-10)
