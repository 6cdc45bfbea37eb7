"""Convolution and pooling on channels-last images ``(N, H, W, C)``.

``conv2d`` is an im2col: a strided view of every kernel window
(``sliding_window_view``), one copy into a ``(N·Ho·Wo, kh·kw·Cin)`` matrix and one
matmul with the ``(kh, kw, Cin, Cout)`` weights. Its backward pass is one matmul for the
weights and, for the input, one small matmul per kernel offset added into that offset's
strided slice (a col2im without ``np.add.at``). Pools loop over the kernel offsets too.
:func:`conv2d_reference`, :func:`maxpool2d_reference` and :func:`meanpool2d_reference`
compute the same from small primitives (a slice, a matmul or a maximum per kernel
offset), kept to test the fused ones against.

Padding is an int, a pair ``(ph, pw)``, a pair of pairs ``((top, bottom), (left, right))``,
``"valid"`` (none) or ``"same"`` (``dilation·(k-1)`` split evenly, as Flux's ``SamePad``).

>>> import numpy as np
>>> x = np.ones((1, 4, 4, 1), np.float32)
>>> conv2d(x, np.ones((3, 3, 1, 2), np.float32), pad="same").shape
(1, 4, 4, 2)
>>> maxpool2d(x, (2, 2)).shape
(1, 2, 2, 1)
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import ShapeError
from toolkit.nn.activations import activation as lookup_activation
from toolkit.nn.device import array_module, check_same_device, shape_of
from toolkit.nn.primitives.dense import activate_inplace, activation_vjp, fusable, matmul
from toolkit.nn.primitives.elementwise import maximum
from toolkit.nn.primitives.reductions import mean
from toolkit.nn.primitives.shapes import concatenate, reshape
from toolkit.nn.tape import apply, plain, register


def _pair(v, what: str) -> tuple[int, int]:
    if isinstance(v, int | np.integer):
        return int(v), int(v)
    if isinstance(v, tuple | list) and len(v) == 2:
        return int(v[0]), int(v[1])
    raise ShapeError(f"{what} must be an int or a pair of ints; got {v!r}")


def padding(pad, kernel, dilation) -> tuple[tuple[int, int], tuple[int, int]]:
    """padding(pad, kernel, dilation) -> ((top, bottom), (left, right)).

    >>> padding("same", (3, 3), (1, 1)), padding(1, (3, 3), (1, 1))
    (((1, 1), (1, 1)), ((1, 1), (1, 1)))
    """
    if pad == "valid":
        return (0, 0), (0, 0)
    if pad == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in total)
    if (
        isinstance(pad, tuple | list)
        and len(pad) == 2
        and all(isinstance(p, tuple | list) for p in pad)
    ):
        return (int(pad[0][0]), int(pad[0][1])), (int(pad[1][0]), int(pad[1][1]))
    ph, pw = _pair(pad, "pad")
    return (ph, ph), (pw, pw)


def _pad(x, pads, value=0.0):
    (t, b), (left, r) = pads
    if t == b == left == r == 0:
        return x
    xp = array_module(x)
    return xp.pad(x, ((0, 0), (t, b), (left, r), (0, 0)), constant_values=value)


def _out_size(n: int, k: int, s: int, d: int, where: str) -> int:
    span = d * (k - 1) + 1
    if n < span:
        raise ShapeError(
            f"{where}: a window of {span} pixels does not fit an input of {n} (after padding)"
        )
    return (n - span) // s + 1


def _offsets(xpad, kernel, stride, dilation, out_hw):
    """Yield (i, j, view) for each kernel offset: the strided input slice it multiplies."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    for i in range(kh):
        for j in range(kw):
            top, left = i * dh, j * dw
            yield (
                i,
                j,
                xpad[
                    :, top : top + sh * (ho - 1) + 1 : sh, left : left + sw * (wo - 1) + 1 : sw, :
                ],
            )


# ---------------------------------------------------------------------------- conv2d


def _geometry(x, kernel, stride, pad, dilation, where):
    pads = padding(pad, kernel, dilation)
    hp = x.shape[1] + pads[0][0] + pads[0][1]
    wp = x.shape[2] + pads[1][0] + pads[1][1]
    ho = _out_size(hp, kernel[0], stride[0], dilation[0], where)
    wo = _out_size(wp, kernel[1], stride[1], dilation[1], where)
    return pads, (ho, wo)


def _im2col(xpad, kernel, stride, dilation, out_hw):
    """(N, Ho, Wo, kh, kw, C) windows as one contiguous (N·Ho·Wo, kh·kw·C) matrix."""
    xp = array_module(xpad)
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    c = xpad.shape[-1]
    if c < 8 or xp is not np:  # few channels (or a GPU): one copy per kernel offset
        cols = xp.empty((xpad.shape[0], ho, wo, kh, kw, c), dtype=xpad.dtype)
        for i, j, view in _offsets(xpad, kernel, stride, dilation, out_hw):
            cols[:, :, :, i, j, :] = view
        return cols.reshape(-1, kh * kw * c)
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    win = xp.lib.stride_tricks.sliding_window_view(xpad, span, axis=(1, 2))
    win = win[:, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw, :, ::dh, ::dw]
    cols = xp.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3))
    return cols.reshape(-1, kh * kw * c)


def _conv_forward(x, W, b, stride, pads, dilation, out_hw, act):
    kernel = W.shape[:2]
    cols = _im2col(_pad(x, pads), kernel, stride, dilation, out_hw)
    z = cols @ W.reshape(-1, W.shape[-1])
    if b is not None:
        z += b
    z = activate_inplace(z, act)
    return z.reshape(x.shape[0], *out_hw, W.shape[-1]), cols


def _conv_vjp(node, g):
    x, W, b = node.xs
    kw = node.kw
    cout = W.shape[-1]
    dz = activation_vjp(g, node.out.data, kw["act"]).reshape(-1, cout)
    dW = (node.res.T @ dz).reshape(W.shape) if node.needs(1) else None
    db = dz.sum(0) if node.needs(2) else None
    dx = _conv_dx(dz, x, W, kw) if node.needs(0) else None
    return dx, dW, db


def _conv_dx(dz, x, W, kw):
    """The input gradient: one small matmul per kernel offset, added into its strided slice."""
    (t, b), (left, r) = kw["pads"]
    n, h, w, c = x.shape
    out_shape = (n, *kw["out_hw"], c)
    dxpad = array_module(x).zeros((n, h + t + b, w + left + r, c), dtype=dz.dtype)
    for i, j, view in _offsets(dxpad, W.shape[:2], kw["stride"], kw["dilation"], kw["out_hw"]):
        view += (dz @ W[i, j].T).reshape(out_shape)
    return dxpad[:, t : t + h, left : left + w, :]


CONV2D = register("conv2d", _conv_forward, _conv_vjp, residual=True)


def conv2d(x, W, b=None, *, stride=1, pad=0, dilation=1, activation=None):
    """conv2d(x, W, b=None, *, stride=1, pad=0, dilation=1, activation=None) -> (N, Ho, Wo, Cout).

    ``x`` (N, H, W, Cin), ``W`` (kh, kw, Cin, Cout), ``b`` (Cout,) or None. A
    cross-correlation, as in PyTorch and Flux's ``CrossCor`` (Flux's ``Conv`` flips
    the kernel). relu/tanh/sigmoid activations are fused.

    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> conv2d(x, np.ones((2, 2, 1, 1))).ravel().tolist()
    [8.0, 12.0, 20.0, 24.0]
    """
    check_same_device("conv2d", plain(x), plain(W))
    shape, wshape = shape_of(plain(x)), shape_of(plain(W))
    if len(shape) != 4 or len(wshape) != 4 or shape[-1] != wshape[2]:
        msg = (
            f"conv2d: expected x (N, H, W, Cin) and W (kh, kw, Cin, Cout) with matching Cin; "
            f"got x {shape} and W {wshape}"
        )
        raise ShapeError(msg)
    kind, rest = fusable(activation)
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    pads, out_hw = _geometry(plain(x), wshape[:2], stride, pad, dilation, "conv2d")
    y = apply(CONV2D, x, W, b, stride=stride, pads=pads, dilation=dilation, out_hw=out_hw, act=kind)
    return y if rest is None else rest(y)


# ---------------------------------------------------------------------------- grouped conv2d


def _grouped_forward(x, W, b, stride, pads, dilation, out_hw, act, groups):
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
    return activate_inplace(z, act), res


def _grouped_vjp(node, g):
    x, W, b = node.xs
    kw = node.kw
    dz = activation_vjp(g, node.out.data, kw["act"])
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


GROUPED_CONV2D = register("grouped_conv2d", _grouped_forward, _grouped_vjp, residual=True)


def grouped_conv2d(x, W, b=None, *, groups, stride=1, pad=0, dilation=1, activation=None):
    """grouped_conv2d(x, W, b=None, *, groups, stride=1, pad=0, dilation=1, activation=None).

    ``x`` (N, H, W, Cin), ``W`` (kh, kw, Cin // groups, Cout) with ``Cout`` divisible by
    ``groups`` -> (N, Ho, Wo, Cout). Padding as :func:`conv2d`. ``groups`` splits
    the channels as PyTorch's ``groups=``: output channel ``o`` sees only the inputs of its
    group; one input and one output channel a group (depthwise, as in MobileNet) is a
    per-channel sum over the kernel offsets, no im2col.

    >>> import numpy as np
    >>> x = np.ones((1, 4, 4, 6), np.float32)
    >>> float(grouped_conv2d(x, np.ones((3, 3, 1, 6), np.float32), groups=6, pad=1)[0, 1, 1, 0])
    9.0
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


# ---------------------------------------------------------------------------- pooling


def _pool_args(x, window, stride, pad, where):
    window = _pair(window, "window")
    stride = window if stride is None else _pair(stride, "stride")
    data = plain(x)
    if len(shape_of(data)) != 4:
        raise ShapeError(f"{where}: expected images (N, H, W, C); got shape {shape_of(data)}")
    pads, out_hw = _geometry(data, window, stride, pad, (1, 1), where)
    return {"window": window, "stride": stride, "pads": pads, "out_hw": out_hw}


def _maxpool_forward(x, window, stride, pads, out_hw):
    xpad = _pad(x, pads, -np.inf)
    y = None
    for _, _, view in _offsets(xpad, window, stride, (1, 1), out_hw):
        y = view.copy() if y is None else np.maximum(y, view, out=y)
    return y


def _tiles_exactly(x, window, stride, pads, out_hw) -> bool:
    """Whether the windows cover every input element exactly once."""
    no_pad = pads == ((0, 0), (0, 0))
    full = x.shape[1] == out_hw[0] * window[0] and x.shape[2] == out_hw[1] * window[1]
    return no_pad and full and tuple(stride) == tuple(window)


def _maxpool_vjp(node, g):
    """The gradient goes to the first maximum of each window (row-major), as in PyTorch."""
    x, kw = node.xs[0], node.kw
    y, (t, _), (left, _) = node.out.data, *kw["pads"]
    window, stride, out_hw = kw["window"], kw["stride"], kw["out_hw"]
    xpad = _pad(x, kw["pads"], -np.inf)
    exact = _tiles_exactly(x, window, stride, kw["pads"], out_hw)
    xp = array_module(x)
    dxpad = xp.empty(xpad.shape, g.dtype) if exact else xp.zeros(xpad.shape, g.dtype)
    views = zip(
        _offsets(xpad, window, stride, (1, 1), out_hw),
        _offsets(dxpad, window, stride, (1, 1), out_hw),
        strict=True,
    )
    free = None  # windows whose maximum has not been claimed yet
    for k, ((_, _, xv), (_, _, dv)) in enumerate(views):
        hit = xv == y
        if free is not None:
            hit &= free
        if exact:
            np.multiply(g, hit, out=dv)
        else:
            dv += g * hit
        if k + 1 < window[0] * window[1]:
            free = ~hit if free is None else np.logical_and(free, ~hit, out=free)
    h, w = x.shape[1:3]
    return (dxpad[:, t : t + h, left : left + w, :],)


def _meanpool_forward(x, window, stride, pads, out_hw):
    y = None
    for _, _, view in _offsets(_pad(x, pads), window, stride, (1, 1), out_hw):
        y = view.copy() if y is None else np.add(y, view, out=y)
    y *= 1.0 / (window[0] * window[1])
    return y


def _meanpool_vjp(node, g):
    x, kw = node.xs[0], node.kw
    (t, b), (left, r) = kw["pads"]
    n, h, w, c = x.shape
    share = g * (1.0 / (kw["window"][0] * kw["window"][1]))
    dxpad = array_module(x).zeros((n, h + t + b, w + left + r, c), dtype=g.dtype)
    for _, _, view in _offsets(dxpad, kw["window"], kw["stride"], (1, 1), kw["out_hw"]):
        view += share
    return (dxpad[:, t : t + h, left : left + w, :],)


MAXPOOL2D = register("maxpool2d", _maxpool_forward, _maxpool_vjp)
MEANPOOL2D = register("meanpool2d", _meanpool_forward, _meanpool_vjp)


def maxpool2d(x, window=(2, 2), *, stride=None, pad=0):
    """maxpool2d(x, window=(2, 2), *, stride=window, pad=0) -> the maximum of each window.

    Padding counts as -inf; rows/columns that do not fill a window are dropped, as in
    Flux and PyTorch. The gradient goes to the first maximum of a window, as in PyTorch.

    >>> import numpy as np
    >>> maxpool2d(np.arange(16.0).reshape(1, 4, 4, 1)).ravel().tolist()
    [5.0, 7.0, 13.0, 15.0]
    """
    return apply(MAXPOOL2D, x, **_pool_args(x, window, stride, pad, "maxpool2d"))


def meanpool2d(x, window=(2, 2), *, stride=None, pad=0):
    """meanpool2d(x, window=(2, 2), *, stride=window, pad=0) -> the mean of each window.

    Padding counts as zeros in the mean (PyTorch's ``count_include_pad=True``).

    >>> import numpy as np
    >>> meanpool2d(np.arange(16.0).reshape(1, 4, 4, 1)).ravel().tolist()
    [2.5, 4.5, 10.5, 12.5]
    """
    return apply(MEANPOOL2D, x, **_pool_args(x, window, stride, pad, "meanpool2d"))


def global_meanpool(x):
    """global_meanpool(x) -> the mean over height and width, shape (N, 1, 1, C) as Flux keeps it.

    >>> import numpy as np
    >>> global_meanpool(np.ones((2, 3, 3, 4))).shape
    (2, 1, 1, 4)
    """
    if len(shape_of(plain(x))) != 4:
        raise ShapeError(
            f"global_meanpool: expected images (N, H, W, C); got shape {shape_of(plain(x))}"
        )
    return mean(x, axis=(1, 2), keepdims=True)


# ---------------------------------------------------------------------------- references


def _pad_reference(x, pads, value=0.0):
    """``x`` padded by concatenating constant blocks (differentiable through concatenate)."""
    (t, b), (left, r) = pads
    xp = array_module(plain(x))
    n, h, w, c = shape_of(plain(x))
    dtype = plain(x).dtype
    block = lambda shape: xp.full(shape, value, dtype)  # noqa: E731
    if t or b:
        x = concatenate([block((n, t, w, c)), x, block((n, b, w, c))], axis=1)
    if left or r:
        x = concatenate([block((n, h + t + b, left, c)), x, block((n, h + t + b, r, c))], axis=2)
    return x


def conv2d_reference(x, W, b=None, *, stride=1, pad=0, dilation=1, activation=None):
    """conv2d_reference(x, W, b=None, *, stride=1, pad=0, dilation=1, activation=None) -> as conv2d.

    :func:`conv2d` as a sum over kernel offsets of (strided slice of x) @ W[i, j]: no
    im2col, one slice, one matmul and one add on the tape per offset.

    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> conv2d_reference(x, np.ones((2, 2, 1, 1))).ravel().tolist()
    [8.0, 12.0, 20.0, 24.0]
    """
    wshape = shape_of(plain(W))
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    pads, out_hw = _geometry(plain(x), wshape[:2], stride, pad, dilation, "conv2d")
    n, cin, cout = shape_of(plain(x))[0], wshape[2], wshape[3]
    z = None
    for i, j, view in _offsets(_pad_reference(x, pads), wshape[:2], stride, dilation, out_hw):
        term = matmul(reshape(view, (-1, cin)), W[i, j])
        z = term if z is None else z + term
    if b is not None:
        z = z + b
    return lookup_activation(activation)(reshape(z, (n, *out_hw, cout)))


def maxpool2d_reference(x, window=(2, 2), *, stride=None, pad=0):
    """maxpool2d_reference(x, window=(2, 2), *, stride=window, pad=0) -> as maxpool2d.

    :func:`maxpool2d` as ``maximum`` over the kernel offsets' slices, row-major, so
    that ties send the gradient to the first maximum of a window as the fused one does.

    >>> maxpool2d_reference(np.arange(16.0).reshape(1, 4, 4, 1)).ravel().tolist()
    [5.0, 7.0, 13.0, 15.0]
    """
    kw = _pool_args(x, window, stride, pad, "maxpool2d")
    y = None
    xpad = _pad_reference(x, kw["pads"], -np.inf)
    for _, _, view in _offsets(xpad, kw["window"], kw["stride"], (1, 1), kw["out_hw"]):
        y = view if y is None else maximum(y, view)
    return y


def meanpool2d_reference(x, window=(2, 2), *, stride=None, pad=0):
    """meanpool2d_reference(x, window=(2, 2), *, stride=window, pad=0) -> as meanpool2d.

    >>> meanpool2d_reference(np.arange(16.0).reshape(1, 4, 4, 1)).ravel().tolist()
    [2.5, 4.5, 10.5, 12.5]
    """
    kw = _pool_args(x, window, stride, pad, "meanpool2d")
    y = None
    for _, _, view in _offsets(_pad_reference(x, kw["pads"]), kw["window"], kw["stride"], (1, 1),
                               kw["out_hw"]):  # fmt: skip
        y = view if y is None else y + view
    return y * (1.0 / (kw["window"][0] * kw["window"][1]))
