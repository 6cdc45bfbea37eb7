"""Grouped and depthwise convolution: finite differences and PyTorch's groups=."""

import numpy as np
import pytest

import toolkit as tk
from tests.nn.test_layers import _fd_check
from toolkit.nn.fused_grouped import grouped_conv2d

CASES = [  # (cin, cout, groups, kernel, stride, pad, dilation)
    (4, 4, 4, (3, 3), 1, 1, 1),  # depthwise
    (6, 6, 6, (3, 3), 2, 1, 1),  # depthwise, strided (MobileNet)
    (4, 8, 4, (3, 3), 1, 1, 1),  # depthwise with a channel multiplier
    (6, 4, 2, (3, 2), (2, 1), ((1, 0), (0, 1)), (1, 2)),
    (4, 6, 2, (1, 1), 1, 0, 1),
]


def _rand(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("case", CASES)
def test_grouped_conv_gradients_match_finite_differences(case):
    cin, cout, groups, kernel, stride, pad, dilation = case
    x = _rand((2, 7, 6, cin), 0)
    W = _rand((*kernel, cin // groups, cout), 1)
    b = _rand(cout, 2)
    kw = {"groups": groups, "stride": stride, "pad": pad, "dilation": dilation,
          "activation": "tanh"}
    w = _rand(grouped_conv2d(x, W, b, **kw).shape, 3)

    def loss(x, W, b):
        return (grouped_conv2d(x, W, b, **kw) * w).sum()

    gx, gW, gb = tk.gradient(loss, x, W, b)
    rng = np.random.default_rng(0)
    for value, g in ((x, gx), (W, gW), (b, gb)):
        _fd_check(lambda: float(loss(x, W, b)), value, g, rng)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_grouped_conv_matches_torch(case):
    import torch

    cin, cout, groups, kernel, stride, pad, dilation = case
    layer = tk.Conv(kernel, cin, cout, stride=stride, pad=pad, dilation=dilation, groups=groups,
                    seed=4)
    layer.bias[...] = _rand(cout, 5)
    x = _rand((2, 7, 6, cin), 6).astype(np.float32)
    w = _rand(layer(x).shape, 7).astype(np.float32)
    grads = tk.gradient(lambda m, x: (m(x) * w).sum(), layer, x)
    (t, bt), (left, r) = tk.nn.fused_conv.padding(pad, kernel, tk.nn.fused_conv._pair(dilation,
                                                                                     "d"))
    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    tw = torch.tensor(layer.weight.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    tb = torch.tensor(layer.bias.copy(), requires_grad=True)
    ty = torch.nn.functional.conv2d(torch.nn.functional.pad(tx, (left, r, t, bt)), tw, tb,
                                    stride=stride, dilation=dilation, groups=groups)
    ty = ty.permute(0, 2, 3, 1)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(layer(x), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grads[1], tx.grad.numpy().transpose(0, 2, 3, 1), atol=1e-4)
    np.testing.assert_allclose(grads[0].weight, tw.grad.numpy().transpose(2, 3, 1, 0), atol=1e-4)
    np.testing.assert_allclose(grads[0].bias, tb.grad.numpy(), atol=1e-4)


def test_relu6_gradient_and_value():
    x = np.array([-1.0, 0.5, 5.0, 7.0])
    assert tk.relu6(x).tolist() == [0.0, 0.5, 5.0, 6.0]
    assert tk.gradient(lambda x: tk.relu6(x).sum(), x)[0].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_groups_must_divide_the_channels():
    with pytest.raises(tk.errors.DataError, match="divisible by groups=4"):
        tk.Conv((3, 3), 6, 8, groups=4)
    layer = tk.Conv((3, 3), out=8, groups=4)
    with pytest.raises(tk.errors.DataError, match="in_=6 must be divisible"):
        layer(np.zeros((1, 5, 5, 6), np.float32))
