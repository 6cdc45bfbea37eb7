"""Grouped and depthwise 2-d convolution on channels-last images, one primitive each.

``groups`` splits the ``Cin`` input channels and the ``Cout`` outputs into that many
groups; output channel ``o`` sees only the inputs of its group (PyTorch's ``groups``).
The weights are ``(kh, kw, Cin // groups, Cout)``. When every group has one input and
one output channel (depthwise, as in MobileNet) the convolution is a per-channel sum over
the kernel offsets — no im2col, memory of one output; otherwise an im2col and one
``einsum`` over the groups.

>>> import numpy as np
>>> x = np.ones((1, 4, 4, 6), np.float32)
>>> grouped_conv2d(x, np.ones((3, 3, 2, 6), np.float32), groups=3, pad=1).shape
(1, 4, 4, 6)
>>> float(grouped_conv2d(x, np.ones((3, 3, 1, 6), np.float32), groups=6, pad=1)[0, 1, 1, 0])
9.0
"""

from __future__ import annotations

from toolkit.errors import ShapeError
from toolkit.nn.autodiff import apply, register
from toolkit.nn.device import array_module, check_same_device, shape_of
from toolkit.nn.fused import _act_backward, _act_forward, fusable
from toolkit.nn.fused_conv import _geometry, _im2col, _offsets, _pad, _pair
from toolkit.nn.tracked import plain


def _forward(x, W, b, stride, pads, dilation, out_hw, act, groups):
    kh, kw, cg, cout = W.shape
    xpad = _pad(x, pads)
    if cg == 1 and cout == groups:  # depthwise: one product per offset
        z = None
        for i, j, view in _offsets(xpad, (kh, kw), stride, dilation, out_hw):
            if z is None:
                z = view * W[i, j, 0]
            else:
                z += view * W[i, j, 0]
        res = None
    else:
        cols = _im2col(xpad, (kh, kw), stride, dilation, out_hw)
        c3 = cols.reshape(cols.shape[0], kh * kw, groups, cg)
        wg = W.reshape(kh * kw, cg, groups, cout // groups)
        z = array_module(x).einsum("pkgc,kcgo->pgo", c3, wg, optimize=True)
        z = z.reshape(x.shape[0], *out_hw, cout)
        res = c3
    if b is not None:
        z += b
    return _act_forward(z, act), res


def _vjp(node, g):
    x, W, b = node.xs
    kw = node.kw
    dz = _act_backward(g, node.out.data, kw["act"])
    db = dz.sum((0, 1, 2)) if node.needs(2) else None
    if node.res is None:
        dx, dW = _depthwise_grads(node, x, W, dz)
    else:
        dx, dW = _grouped_grads(node, x, W, dz)
    return dx, dW, db


def _depthwise_grads(node, x, W, dz):
    kw, xp = node.kw, array_module(x)
    xpad = _pad(x, kw["pads"])
    dW = xp.zeros_like(W) if node.needs(1) else None
    dxpad = xp.zeros(xpad.shape, dz.dtype) if node.needs(0) else None
    for i, j, view in _offsets(xpad, W.shape[:2], kw["stride"], kw["dilation"], kw["out_hw"]):
        if dW is not None:
            dW[i, j, 0] = (view * dz).sum((0, 1, 2))
    if dxpad is not None:
        for i, j, view in _offsets(dxpad, W.shape[:2], kw["stride"], kw["dilation"],
                                   kw["out_hw"]):
            view += dz * W[i, j, 0]
    return _crop(dxpad, x, kw["pads"]), dW


def _grouped_grads(node, x, W, dz):
    kw, xp, c3 = node.kw, array_module(x), node.res
    kh, kwid, cg, cout = W.shape
    groups = kw["groups"]
    dzg = dz.reshape(-1, groups, cout // groups)
    wg = W.reshape(kh * kwid, cg, groups, cout // groups)
    dW = None
    if node.needs(1):
        dW = xp.einsum("pkgc,pgo->kcgo", c3, dzg, optimize=True).reshape(W.shape)
    if not node.needs(0):
        return None, dW
    dcols = xp.einsum("pgo,kcgo->pkgc", dzg, wg, optimize=True)
    dcols = dcols.reshape(x.shape[0], *kw["out_hw"], kh, kwid, x.shape[-1])
    (t, bt), (left, r) = kw["pads"]
    dxpad = xp.zeros((x.shape[0], x.shape[1] + t + bt, x.shape[2] + left + r, x.shape[3]),
                     dz.dtype)
    for i, j, view in _offsets(dxpad, (kh, kwid), kw["stride"], kw["dilation"], kw["out_hw"]):
        view += dcols[:, :, :, i, j, :]
    return _crop(dxpad, x, kw["pads"]), dW


def _crop(dxpad, x, pads):
    if dxpad is None:
        return None
    (t, _), (left, _) = pads
    return dxpad[:, t : t + x.shape[1], left : left + x.shape[2], :]


GROUPED_CONV2D = register("grouped_conv2d", _forward, _vjp, residual=True)


def grouped_conv2d(x, W, b=None, *, groups, stride=1, pad=0, dilation=1, activation=None):
    """grouped_conv2d(x, W, b=None, *, groups, stride=1, pad=0, dilation=1, activation=None).

    ``x`` (N, H, W, Cin), ``W`` (kh, kw, Cin // groups, Cout) with ``Cout`` divisible by
    ``groups`` -> (N, Ho, Wo, Cout). Padding as :func:`toolkit.nn.fused_conv.conv2d`.

    >>> import numpy as np
    >>> grouped_conv2d(np.ones((1, 3, 3, 4)), np.ones((1, 1, 3, 4)), groups=2)
    Traceback (most recent call last):
    ...
    toolkit.errors.ShapeError: grouped_conv2d: expected x (N, H, W, Cin) and W (kh, kw, ...
    """
    check_same_device("grouped_conv2d", plain(x), plain(W))
    shape, wshape = shape_of(plain(x)), shape_of(plain(W))
    ok = len(shape) == 4 and len(wshape) == 4 and groups > 0
    if not ok or shape[-1] != wshape[2] * groups or wshape[3] % groups:
        msg = (f"grouped_conv2d: expected x (N, H, W, Cin) and W (kh, kw, Cin/groups, Cout) "
               f"with Cin and Cout divisible by groups={groups}; got x {shape} and W {wshape}")
        raise ShapeError(msg)
    kind, rest = fusable(activation)
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    pads, out_hw = _geometry(plain(x), wshape[:2], stride, pad, dilation, "grouped_conv2d")
    y = apply(GROUPED_CONV2D, x, W, b, stride=stride, pads=pads, dilation=dilation,
              out_hw=out_hw, act=kind, groups=int(groups))
    return y if rest is None else rest(y)
