"""Grouped and depthwise convolution against PyTorch's groups= (its finite differences are in
test_conv.py, with the family's other cases)."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn.primitives.conv import padding

CASES = [  # (cin, cout, groups, kernel, stride, pad, dilation)
    (4, 4, 4, (3, 3), 1, 1, 1),  # depthwise
    (6, 6, 6, (3, 3), 2, 1, 1),  # depthwise, strided (MobileNet)
    (4, 8, 4, (3, 3), 1, 1, 1),  # depthwise with a channel multiplier
    (6, 4, 2, (3, 2), (2, 1), ((1, 0), (0, 1)), (1, 2)),
    (4, 6, 2, (1, 1), 1, 0, 1),
]


def _rand(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


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
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    (t, bt), (left, r) = padding(pad, kernel, d)
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
