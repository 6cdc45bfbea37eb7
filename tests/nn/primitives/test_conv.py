"""conv2d and the pools: finite differences, the plain references, PyTorch, geometry errors."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.errors import ShapeError
from toolkit.nn import ops
from toolkit.nn.autodiff import gradient
from toolkit.nn.primitives import conv as K

from .gradcheck import RNG, Cases, check_same_function, family_checks, u

CONV_OPTIONS = [{}, {"stride": 2, "pad": 1}, {"pad": "same", "dilation": 2}, {"activation": "relu"}]
POOL_OPTIONS = [{}, {"window": 3, "stride": 1, "pad": 1}, {"window": (2, 3), "stride": (1, 2)}]

C = Cases()
for kw in CONV_OPTIONS:
    C.add("conv2d", lambda x, W, b, kw=kw: K.conv2d(x, W, b, **kw),
          u(2, 5, 5, 2), u(3, 3, 2, 3), u(3))  # fmt: skip
C.add("conv2d", lambda x, W: K.conv2d(x, W, stride=(1, 2), pad=((0, 1), (2, 0))),
      u(1, 4, 5, 2), u(2, 3, 2, 2))  # fmt: skip
for groups, cg in [(4, 1), (2, 2)]:  # depthwise, and two groups of two channels
    C.add("grouped_conv2d",
          lambda x, W, b, g=groups: K.grouped_conv2d(x, W, b, groups=g, stride=2, pad=1),
          u(2, 5, 5, 4), u(3, 3, cg, 4), u(4))  # fmt: skip
C.add("grouped_conv2d", lambda x, W: K.grouped_conv2d(x, W, groups=2, activation="tanh"),
      u(1, 4, 5, 4), u(2, 3, 2, 6))  # fmt: skip
for kw in POOL_OPTIONS:
    C.add("maxpool2d", lambda x, kw=kw: K.maxpool2d(x, **kw), u(2, 5, 5, 2))
    C.add("meanpool2d", lambda x, kw=kw: K.meanpool2d(x, **kw), u(2, 5, 5, 2))


test_cases_cover_the_family, test_vjp_matches_finite_differences = family_checks(C, K)


@pytest.mark.parametrize(
    "kw", [*CONV_OPTIONS, {"activation": "tanh", "stride": (1, 2), "pad": ((0, 1), (2, 0))}]
)
@pytest.mark.parametrize("cin", [2, 9])  # under 8 channels and over: the two im2col paths
def test_fused_conv2d_equals_the_reference(kw, cin):
    fast = lambda x, W, b: K.conv2d(x, W, b, **kw)  # noqa: E731
    reference = lambda x, W, b: K.conv2d_reference(x, W, b, **kw)  # noqa: E731
    check_same_function(fast, reference, u(2, 6, 5, cin), u(3, 3, cin, 4), u(4))


@pytest.mark.parametrize("kw", POOL_OPTIONS)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("pool", ["maxpool2d", "meanpool2d"])
def test_fused_pools_equal_the_references(pool, kw, ties):
    x = RNG.integers(0, 3, (2, 6, 6, 2)).astype(float) if ties else u(2, 6, 6, 2)
    fast, reference = getattr(K, pool), getattr(K, f"{pool}_reference")
    check_same_function(lambda x: fast(x, **kw), lambda x: reference(x, **kw), x)


def test_plain_inputs_give_plain_outputs():
    assert type(K.conv2d(u(2, 4, 4, 3), u(3, 3, 3, 2))) is np.ndarray


def test_geometry_errors_say_what_does_not_fit():
    with pytest.raises(ShapeError, match="matching Cin; got x"):
        K.conv2d(np.ones((1, 4, 4, 2)), np.ones((3, 3, 1, 2)))
    with pytest.raises(ShapeError, match="a window of 5 pixels does not fit an input of 4"):
        K.conv2d(np.ones((1, 4, 4, 1)), np.ones((5, 5, 1, 1)))
    with pytest.raises(ShapeError, match="stride must be an int or a pair"):
        K.maxpool2d(np.ones((1, 4, 4, 1)), stride=(1, 2, 3))


def test_global_meanpool_keeps_flux_shape():
    (g,) = gradient(lambda x: ops.sum(K.global_meanpool(x)), np.ones((2, 3, 3, 4)))
    assert K.global_meanpool(np.ones((2, 3, 3, 4))).shape == (2, 1, 1, 4)
    np.testing.assert_allclose(g, np.full((2, 3, 3, 4), 1 / 9))


# ---------------------------------------------------------------------------- against PyTorch


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
    torch = pytest.importorskip("torch")
    x, W, b = u(2, 7, 6, 3), u(3, 3, 3, 4), u(4)
    tx = torch.tensor(_nchw(x), requires_grad=True)
    tW = torch.tensor(W.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    options = {"stride": kw.get("stride", 1), "padding": kw.get("pad", 0)}
    ty = torch.nn.functional.conv2d(tx, tW, tb, dilation=kw.get("dilation", 1), **options)
    w = RNG.normal(size=ty.shape)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(K.conv2d(x, W, b, **kw), _nhwc(ty), rtol=1e-10)
    wt = w.transpose(0, 2, 3, 1)
    gx, gW, gb = gradient(lambda x, W, b: ops.sum(K.conv2d(x, W, b, **kw) * wt), x, W, b)
    np.testing.assert_allclose(gx, _nhwc(tx.grad), rtol=1e-10)
    np.testing.assert_allclose(gW, tW.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-10)


@pytest.mark.torch
@pytest.mark.parametrize("kw", [{}, {"window": 3, "stride": 2, "pad": 1}])
def test_maxpool_matches_pytorch_including_ties(kw):
    torch = pytest.importorskip("torch")
    x = RNG.integers(0, 3, (2, 6, 6, 2)).astype(float)  # many ties: the first maximum wins
    tx = torch.tensor(_nchw(x), requires_grad=True)
    window = kw.get("window", 2)
    ty = torch.nn.functional.max_pool2d(tx, window, kw.get("stride", window), kw.get("pad", 0))
    w = RNG.normal(size=ty.shape)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(K.maxpool2d(x, **kw), _nhwc(ty))
    (g,) = gradient(lambda x: ops.sum(K.maxpool2d(x, **kw) * w.transpose(0, 2, 3, 1)), x)
    np.testing.assert_allclose(g, _nhwc(tx.grad), rtol=1e-12)


@pytest.mark.torch
def test_meanpool_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = u(2, 6, 6, 2)
    ty = torch.nn.functional.avg_pool2d(torch.tensor(_nchw(x)), 3, 2, 1)
    np.testing.assert_allclose(K.meanpool2d(x, 3, stride=2, pad=1), _nhwc(ty), rtol=1e-12)
