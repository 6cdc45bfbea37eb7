"""Every differentiable primitive's VJP against central finite differences, in float64.

One parametrized test over the registry: each primitive has example calls below (with
broadcasting cases), and a test checks that no differentiable primitive lacks them.
"""

from __future__ import annotations

import numpy as np
import pytest

import toolkit.nn  # noqa: F401  (registers every primitive)
from toolkit.nn import fused, fused_conv, ops
from toolkit.nn.autodiff import PRIMITIVES, gradient

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
