"""Every differentiable primitive's VJP against central finite differences, in float64.

One parametrized test over the registry: each primitive has example calls below (with
broadcasting cases), and a test checks that no differentiable primitive lacks them.
"""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
import toolkit.nn  # noqa: F401  (registers every primitive)
from toolkit.errors import UnknownNameError
from toolkit.nn import fused, fused_conv, fused_grouped, ops
from toolkit.nn.autodiff import PRIMITIVES, gradient, withgradient
from toolkit.nn.ode.adjoint import adjoint_solve

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


C = {}  # primitive name -> [(function, args), ...]


def case(name, fn, *args):
    C.setdefault(name, []).append((fn, args))


for a, b in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,))]:
    case("add", lambda x, y: x + y, u(*a), u(*b))
    case("sub", lambda x, y: x - y, u(*a), u(*b))
    case("mul", lambda x, y: x * y, u(*a), u(*b))
    case("div", lambda x, y: x / y, u(*a), pos(*b))
case("add", lambda x, y: x + y, 0.5, 2.0)
case("mul", lambda x, y: 2.0 * x * y, 0.5, u(3))
case("pow", lambda x, y: x**y, pos(3, 4), u(4))
case("pow", lambda x: x**3, u(3, 4))
case("pow", lambda x: 2.0**x, u(3))
MATMUL_SHAPES = [
    ((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
]  # fmt: skip
for a, b in MATMUL_SHAPES:
    case("matmul", lambda x, y: x @ y, u(*a), u(*b))
case("neg", lambda x: -x, u(3, 4))
case("maximum", ops.maximum, away(3, 4), away(4))
case("minimum", ops.minimum, away(3, 4), away(4))
for name, fn, make in [("exp", ops.exp, u), ("log", ops.log, pos), ("sqrt", ops.sqrt, pos),
                       ("abs", ops.abs, away), ("tanh", ops.tanh, u), ("sigmoid", ops.sigmoid, u),
                       ("relu", ops.relu, away), ("gelu", ops.gelu, u),
                       ("softplus", ops.softplus, u)]:  # fmt: skip
    case(name, fn, make(3, 4))
case("leakyrelu", lambda x: ops.leakyrelu(x, 0.2), away(3, 4))
case("elu", lambda x: ops.elu(x, 1.5), away(3, 4))
for axis, keep in [(None, False), (0, False), ((0, 2), True), (-1, False)]:
    for name, fn in [("sum", ops.sum), ("mean", ops.mean), ("max", ops.max), ("min", ops.min),
                     ("logsumexp", ops.logsumexp)]:  # fmt: skip
        case(name, lambda x, fn=fn, axis=axis, keep=keep: fn(x, axis, keep), u(2, 3, 4))
for axis in (-1, 0):
    case("softmax", lambda x, axis=axis: ops.softmax(x, axis), u(3, 4))
    case("logsoftmax", lambda x, axis=axis: ops.logsoftmax(x, axis), u(3, 4))
case("reshape", lambda x: x.reshape(3, 4), u(2, 6))
case("transpose", lambda x: ops.transpose(x, (1, 2, 0)), u(2, 3, 4))
case("transpose", lambda x: x.T, u(2, 3))
case("getitem", lambda x: x[1:, ::2], u(3, 4))
case("getitem", lambda x: x[np.array([0, 2, 0])], u(3, 4))
case("getitem", lambda x: x[np.array([True, False, True])], u(3, 4))
case("getitem", lambda x: x[:, 1], u(3, 4))
case("concatenate", lambda a, b, c: ops.concatenate([a, b, c], axis=1), u(2, 1), u(2, 3), u(2, 2))
case("stack", lambda a, b: ops.stack([a, b], axis=-1), u(2, 3), u(2, 3))
case("where", lambda a, b: ops.where(np.array([True, False, True, False]), a, b), u(3, 4), u(4))
case("clip", lambda x: ops.clip(x, -0.5, 0.5), RNG.choice([-0.8, -0.2, 0.3, 0.9], (3, 4)))
case("astype", lambda x: x.astype(np.float64), u(3))
for act in (None, "relu", "tanh", "sigmoid", ops.gelu):
    case("dense", lambda x, W, b, act=act: fused.dense(x, W, b, act), away(5, 3), u(3, 4), u(4))
case("dense", lambda x, W: fused.dense(x, W), u(2, 5, 3), u(3, 4))
case("normalise", lambda x, g, b: fused.batchnorm(x, g, b, 0.0, 1.0, training=True)[0],
     u(4, 3, 2), u(2), u(2))  # fmt: skip
RUNNING = (u(2), pos(2))
case("normalise", lambda x, g: fused.batchnorm(x, g, None, *RUNNING, training=False)[0],
     u(4, 2), u(2))  # fmt: skip
case("normalise", lambda x, g, b: fused.layernorm(x, g, b), u(3, 5), u(5), u(5))
case("normalise", lambda x: fused.layernorm(x, dims=2), u(2, 3, 4))
case("dropout", lambda x: fused.dropout(x, 0.3, 7), u(4, 5))
LABELS, ONEHOT, COLUMN_LABELS = labels(4, 3), onehot(4, 3), labels(3, 2)
case("logitcrossentropy", lambda z: fused.logitcrossentropy(z, LABELS), u(4, 3))
case("logitcrossentropy", lambda z, y: fused.logitcrossentropy(z, y, reduction="sum"),
     u(4, 3), RNG.dirichlet(np.ones(3), 4))  # fmt: skip
case("logitcrossentropy", lambda z: fused.logitcrossentropy(z, ONEHOT, reduction="none"), u(4, 3))
case("logitcrossentropy", lambda z: fused.logitcrossentropy(z, COLUMN_LABELS, axis=0), u(2, 3))
for kw in [{}, {"stride": 2, "pad": 1}, {"pad": "same", "dilation": 2}, {"activation": "relu"}]:
    case("conv2d", lambda x, W, b, kw=kw: fused_conv.conv2d(x, W, b, **kw),
         u(2, 5, 5, 2), u(3, 3, 2, 3), u(3))  # fmt: skip
case("conv2d", lambda x, W: fused_conv.conv2d(x, W, stride=(1, 2), pad=((0, 1), (2, 0))),
     u(1, 4, 5, 2), u(2, 3, 2, 2))  # fmt: skip
for kw in [{}, {"window": 3, "stride": 1, "pad": 1}, {"window": (2, 3), "stride": (1, 2)}]:
    case("maxpool2d", lambda x, kw=kw: fused_conv.maxpool2d(x, **kw), u(2, 5, 5, 2))
    case("meanpool2d", lambda x, kw=kw: fused_conv.meanpool2d(x, **kw), u(2, 5, 5, 2))
for groups, cg in [(4, 1), (2, 2)]:  # depthwise, and two groups of two channels
    case("grouped_conv2d",
         lambda x, W, b, g=groups: fused_grouped.grouped_conv2d(x, W, b, groups=g, stride=2, pad=1),
         u(2, 5, 5, 4), u(3, 3, cg, 4), u(4))  # fmt: skip


class _Tanh(tk.Module):
    _fields = ("w",)

    def __init__(self, w):
        self.w = w

    def __call__(self, x, t):
        return ops.tanh(x @ self.w) * (1.0 + t)


_TIGHT = {"rtol": 1e-10, "atol": 1e-12}
case("ode_adjoint", lambda x, w: adjoint_solve(_Tanh(w), x, (0.0, 0.7), _TIGHT), u(2, 3), u(3, 3))
case("ode_adjoint", lambda x: adjoint_solve(lambda v, t: -v * v, x, (0.0, 0.5),
                                            {"saveat": [0.2, 0.5], **_TIGHT}), pos(3))


def test_every_differentiable_primitive_has_cases():
    differentiable = {n for n, p in PRIMITIVES.items() if p.differentiable}
    assert differentiable - set(C) == set()
    assert set(C) - differentiable == set()


def _objective(fn, weights):
    def objective(*args):
        out = fn(*args)
        w = weights.setdefault(
            "w", RNG.normal(size=np.shape(out.data if hasattr(out, "data") else out))
        )
        return ops.sum(out * w)

    return objective


def _numeric_grad(f, args, i, eps=1e-6):
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
        hi = f(*args[:i], xp, *args[i + 1 :])
        lo = f(*args[:i], xm, *args[i + 1 :])
        grad[j] = (hi - lo) / (2 * eps)
    return grad


@pytest.mark.parametrize(
    ("name", "k"), [(name, k) for name, cases in C.items() for k in range(len(cases))]
)
def test_vjp_matches_finite_differences(name, k):
    fn, args = C[name][k]
    f = _objective(fn, {})
    f(*args)  # fix the random output weights
    grads = gradient(f, *args)
    for i, g in enumerate(grads):
        expected = _numeric_grad(f, args, i)
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-7, err_msg=f"{name} input {i}")


def test_plain_inputs_give_plain_outputs():
    x = u(2, 4, 4, 3)
    assert type(fused_conv.conv2d(x, u(3, 3, 3, 2))) is np.ndarray
    assert type(fused.logitcrossentropy(u(3, 4), labels(3, 4))) is np.float64
    assert type(ops.relu(x)) is np.ndarray


def test_integer_logits_give_float_results():
    z, onehot = np.array([[0, 1, 2], [2, 0, 0]]), np.eye(3)[[2, 0]]
    np.testing.assert_allclose(ops.logsoftmax(z, 1), ops.logsoftmax(z.astype(float), 1))
    expected = fused.logitcrossentropy(z.astype(float), onehot)
    assert fused.logitcrossentropy(z, onehot) == pytest.approx(expected)


@pytest.mark.parametrize("fn", [ops.max, ops.min])
@pytest.mark.parametrize("axis", [None, 0, (1, 2)])
def test_extremum_gradients_keep_float32(fn, axis):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    (g,) = gradient(lambda x: ops.sum(fn(x, axis)), x)
    assert g.dtype == np.float32 and float(g.sum()) == pytest.approx(np.size(fn(x, axis)))


# ---------------------------------------------------------------------------- against PyTorch


def _torch():
    return pytest.importorskip("torch")


def _nchw(x):
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


@pytest.mark.torch
@pytest.mark.parametrize(
    "kw",
    [{}, {"stride": 2, "pad": 1}, {"pad": 2, "dilation": 2}, {"stride": (2, 1), "pad": (0, 1)}],
)
def test_conv2d_matches_pytorch(kw):
    torch = _torch()
    x, W, b = u(2, 7, 6, 3), u(3, 3, 3, 4), u(4)
    tx = torch.tensor(_nchw(x), requires_grad=True)
    tW = torch.tensor(W.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    options = {"stride": kw.get("stride", 1), "padding": kw.get("pad", 0)}
    ty = torch.nn.functional.conv2d(tx, tW, tb, dilation=kw.get("dilation", 1), **options)
    w = RNG.normal(size=ty.shape)
    (ty * torch.tensor(w)).sum().backward()
    y = fused_conv.conv2d(x, W, b, **kw)
    np.testing.assert_allclose(y, _nhwc(ty), rtol=1e-10)
    gx, gW, gb = gradient(lambda x, W, b: ops.sum(fused_conv.conv2d(x, W, b, **kw) * _nhwc_w(w)),
                          x, W, b)  # fmt: skip
    np.testing.assert_allclose(gx, _nhwc(tx.grad), rtol=1e-10)
    np.testing.assert_allclose(gW, tW.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-10)


def _nhwc_w(w):
    return w.transpose(0, 2, 3, 1)


@pytest.mark.torch
@pytest.mark.parametrize("kw", [{}, {"window": 3, "stride": 2, "pad": 1}])
def test_maxpool_matches_pytorch_including_ties(kw):
    torch = _torch()
    x = RNG.integers(0, 3, (2, 6, 6, 2)).astype(float)  # many ties: first maximum wins
    tx = torch.tensor(_nchw(x), requires_grad=True)
    window = kw.get("window", 2)
    ty = torch.nn.functional.max_pool2d(tx, window, kw.get("stride", window), kw.get("pad", 0))
    w = RNG.normal(size=ty.shape)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(fused_conv.maxpool2d(x, **kw), _nhwc(ty))
    (g,) = gradient(lambda x: ops.sum(fused_conv.maxpool2d(x, **kw) * _nhwc_w(w)), x)
    np.testing.assert_allclose(g, _nhwc(tx.grad), rtol=1e-12)


@pytest.mark.torch
def test_meanpool_matches_pytorch():
    torch = _torch()
    x = u(2, 6, 6, 2)
    ty = torch.nn.functional.avg_pool2d(torch.tensor(_nchw(x)), 3, 2, 1)
    np.testing.assert_allclose(fused_conv.meanpool2d(x, 3, stride=2, pad=1), _nhwc(ty), rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_matches_pytorch(training):
    torch = _torch()
    x, gamma, beta = u(4, 3, 3, 2), u(2), u(2)
    mean, var = u(2) * 0.1, pos(2)
    bn = torch.nn.BatchNorm2d(2, momentum=0.1, eps=1e-5).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
        bn.running_mean.copy_(torch.tensor(mean))
        bn.running_var.copy_(torch.tensor(var))
    bn.train(training)
    tx = torch.tensor(_nchw(x), requires_grad=True)
    ty = bn(tx)
    w = RNG.normal(size=ty.shape)
    (ty * torch.tensor(w)).sum().backward()

    def f(x, gamma, beta):
        y, _, _ = fused.batchnorm(x, gamma, beta, mean, var, training=training)
        return ops.sum(y * _nhwc_w(w))

    y, new_mean, new_var = fused.batchnorm(x, gamma, beta, mean, var, training=training)
    np.testing.assert_allclose(y, _nhwc(ty), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(new_mean, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(new_var, bn.running_var.numpy(), rtol=1e-12)
    gx, ggamma, gbeta = gradient(f, x, gamma, beta)
    np.testing.assert_allclose(gx, _nhwc(tx.grad), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ggamma, bn.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gbeta, bn.bias.grad.numpy(), rtol=1e-10)


@pytest.mark.torch
@pytest.mark.parametrize("target", ["labels", "probabilities"])
def test_logitcrossentropy_matches_pytorch(target):
    torch = _torch()
    z = u(5, 4) * 10
    y = labels(5, 4) if target == "labels" else RNG.dirichlet(np.ones(4), 5)
    tz = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(tz, torch.tensor(y))
    loss.backward()
    value, (g, _) = withgradient(fused.logitcrossentropy, z, y)
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(g, tz.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.torch
def test_dense_matches_pytorch_linear():
    torch = _torch()
    x, W, b = u(4, 3), u(3, 5), u(5)
    lin = torch.nn.Linear(3, 5).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(W.T))
        lin.bias.copy_(torch.tensor(b))
    expected = torch.relu(lin(torch.tensor(x))).detach().numpy()
    np.testing.assert_allclose(fused.dense(x, W, b, "relu"), expected, rtol=1e-12)


def test_fused_primitives_take_any_activation_by_name():
    from toolkit.nn.fused import dense

    x, W = np.ones((1, 2), np.float32), np.ones((2, 3), np.float32)
    assert np.allclose(dense(x, W, None, "elu"), dense(x, W, None, tk.elu))
    with pytest.raises(UnknownNameError, match="unknown activation 'relux'"):
        dense(x, W, None, "relux")
