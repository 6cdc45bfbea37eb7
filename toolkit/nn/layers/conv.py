"""Conv, MaxPool, MeanPool and GlobalMeanPool on channels-last images ``(N, H, W, C)``.

>>> import numpy as np
>>> x = np.ones((2, 8, 8, 3), np.float32)
>>> Conv((3, 3), 3, 4, "relu", pad="same", seed=0)(x).shape, MaxPool((2, 2))(x).shape
((2, 8, 8, 4), (2, 4, 4, 3))
>>> GlobalMeanPool()(x).shape
(2, 1, 1, 3)
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import DataError
from toolkit.nn import ops
from toolkit.nn.layers import activation as act
from toolkit.nn.layers.base import Layer, check_numbers, param, shape_of
from toolkit.nn.layers.init import draw_weight_or_bias, initialiser, weight_and_bias
from toolkit.registry import register


def _pair(owner: str, name: str, value) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int | np.integer) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int | np.integer) and v > 0 for v in pair):
        raise DataError(f"{owner}: {name} must be a positive int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _positive_int(owner: str, name: str, value) -> None:
    if not isinstance(value, int | np.integer) or value <= 0:
        raise DataError(f"{owner}: {name} must be a positive integer, got {value!r}")


def _pad(owner: str, pad):
    if pad in ("same", "valid"):
        return pad
    if isinstance(pad, int | np.integer) and pad >= 0:
        return int(pad)
    if isinstance(pad, list | tuple):
        return tuple(_pad(owner, p) if isinstance(p, int | np.integer) else tuple(p) for p in pad)
    raise DataError(f'{owner}: pad must be "same", "valid", an int or pairs of ints, got {pad!r}')


def _divisible(layer, name: str, value) -> None:
    if value is not None and value % layer.groups:
        msg = f"Conv: {name}={value} must be divisible by groups={layer.groups}"
        raise DataError(msg)


def _json(value):
    return [_json(v) for v in value] if isinstance(value, tuple) else value


def _images(layer, x, channels):
    check_numbers(layer, x)
    shape = shape_of(x)
    if len(shape) != 4 or (channels is not None and shape[-1] != channels):
        c = "C" if channels is None else channels
        error = layer._shape_error(f"(N, H, W, {c})", x)
        if len(shape) == 4 and shape[1] == channels:
            error.got += (
                ", which looks channels-first (N, C, H, W); toolkit is channels-last "
                "(N, H, W, C), as cv2 and albumentations: pass x.transpose(0, 2, 3, 1)"
            )
            error.args = (error._message(),)
        raise error
    return shape


@register("layers")
class Conv(Layer):
    """Conv(kernel, in_=None, out=None, activation=None, *, stride=1, pad=0, dilation=1,
    groups=1, bias=True, init="glorot_uniform", seed=None).

    A 2-d convolution (a cross-correlation, as PyTorch's) of ``(N, H, W, in_)`` images
    into ``(N, Ho, Wo, out)``; ``weight`` has shape ``(kh, kw, in_, out)``. ``pad`` is
    ``"same"``, ``"valid"``, an int, a pair, or ``((top, bottom), (left, right))``.
    Leave ``in_`` out to infer it from the first batch. ``groups`` splits the channels
    as PyTorch's (``groups=in_=out`` is a depthwise convolution); the weight is then
    ``(kh, kw, in_ // groups, out)``.

    >>> Conv((3, 3), out=16, activation="relu", pad="same")
    Conv((3, 3), ? => 16, relu, pad="same")
    >>> Conv((3, 3), 8, 8, groups=8).weight.shape
    (3, 3, 1, 8)
    """

    _fields = ("weight", "bias")
    weight = param()
    bias = param()

    def __init__(self, kernel, in_=None, out=None, activation=None, *, stride=1, pad=0,
                 dilation=1, groups=1, bias=True, init="glorot_uniform", seed=None):
        self.kernel = _pair("Conv", "kernel", kernel)
        for name, value in (("in_", in_), ("out", out)):
            if not (value is None and name == "in_"):
                _positive_int("Conv", name, value)
        self.in_, self.out, self.activation = in_, out, act.resolve(activation)
        self.stride = _pair("Conv", "stride", stride)
        self.dilation = _pair("Conv", "dilation", dilation)
        self.pad, self.use_bias, self.seed = _pad("Conv", pad), bool(bias), seed
        self.init_name, self._init = initialiser(init)
        _positive_int("Conv", "groups", groups)
        self.groups = int(groups)
        _divisible(self, "out", out)
        _divisible(self, "in_", in_)

    def config(self) -> dict:
        return {"kernel": list(self.kernel), "in_": self.in_, "out": self.out,
                "activation": act.name_of(self.activation), "stride": list(self.stride),
                "pad": _json(self.pad), "dilation": list(self.dilation), "groups": self.groups,
                "bias": self.use_bias, "init": self.init_name}

    def _shapes(self):
        if self.in_ is None:
            return None
        shape = (*self.kernel, self.in_ // self.groups, self.out)
        return weight_and_bias(shape, self.out, self.use_bias)

    def _draw(self, name, shape, rng):
        area, g = self.kernel[0] * self.kernel[1], self.groups
        return draw_weight_or_bias(self._init, name, shape, rng, area * self.in_ // g,
                                   area * self.out // g)

    def __call__(self, x):
        shape = shape_of(x)
        if self.in_ is None and len(shape) == 4:
            self.in_ = int(shape[-1])
            _divisible(self, "in_", self.in_)
            self.build_like(x)
        _images(self, x, self.in_)
        bias = self.bias if self.use_bias else None
        if self.groups > 1:
            return ops.grouped_conv2d(
                x, self.weight, bias, groups=self.groups, stride=self.stride, pad=self.pad,
                dilation=self.dilation, activation=self.activation)
        return ops.conv2d(x, self.weight, bias, stride=self.stride, pad=self.pad,
                          dilation=self.dilation, activation=self.activation)

    def _repr_args(self) -> str:
        text = f"{self.kernel}, {'?' if self.in_ is None else self.in_} => {self.out}"
        name = act.name_of(self.activation)
        text += f", {name}" if name else ""
        text += f", stride={self.stride[0] if self.stride[0] == self.stride[1] else self.stride}" \
            if self.stride != (1, 1) else ""
        text += f", pad={self.pad!r}".replace("'", '"') if self.pad != 0 else ""
        text += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        text += f", groups={self.groups}" if self.groups != 1 else ""
        return text + ("" if self.use_bias else ", bias=False")


class _Pool(Layer):
    _function = None

    def __init__(self, window=(2, 2), *, stride=None, pad=0):
        self.window = _pair(type(self).__name__, "window", window)
        name = type(self).__name__
        self.stride = self.window if stride is None else _pair(name, "stride", stride)
        self.pad = _pad(type(self).__name__, pad)

    def config(self) -> dict:
        return {"window": list(self.window), "stride": list(self.stride), "pad": _json(self.pad)}

    def __call__(self, x):
        _images(self, x, None)
        return type(self)._function(x, self.window, stride=self.stride, pad=self.pad)

    def _repr_args(self) -> str:
        text = f"{self.window}"
        text += f", stride={self.stride}" if self.stride != self.window else ""
        return text + (f", pad={self.pad!r}" if self.pad != 0 else "")


@register("layers")
class MaxPool(_Pool):
    """MaxPool(window=(2, 2), *, stride=window, pad=0): the maximum of each window.

    >>> MaxPool((2, 2))
    MaxPool((2, 2))
    """

    _function = staticmethod(ops.maxpool2d)


@register("layers")
class MeanPool(_Pool):
    """MeanPool(window=(2, 2), *, stride=window, pad=0): the mean of each window.

    >>> MeanPool(3, stride=1)
    MeanPool((3, 3), stride=(1, 1))
    """

    _function = staticmethod(ops.meanpool2d)


@register("layers")
class GlobalMeanPool(Layer):
    """GlobalMeanPool(): ``(N, H, W, C) -> (N, 1, 1, C)``, the mean over height and width.

    Follow it with ``Flatten()`` for a ``(N, C)`` matrix, as in Flux.

    >>> GlobalMeanPool()
    GlobalMeanPool()
    """

    def __call__(self, x):
        _images(self, x, None)
        return ops.global_meanpool(x)

    def _repr_args(self) -> str:
        return ""
