"""BatchNorm and LayerNorm, channels last.

>>> import numpy as np
>>> bn = BatchNorm(3, mode="train")
>>> y = bn(np.random.default_rng(0).normal(2.0, 1.0, (64, 3)).astype(np.float32))
>>> bool(np.abs(y.mean(axis=0)).max() < 1e-5), bool((bn.mean > 0.1).all())
(True, True)
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import DataError
from toolkit.nn import ops
from toolkit.nn.layers import activation as act
from toolkit.nn.layers.base import Layer, active, check_mode, param, shape_of
from toolkit.registry import register


def _positive(owner: str, name: str, value) -> None:
    if value is not None and (not isinstance(value, int | np.integer) or value <= 0):
        raise DataError(f"{owner}: {name} must be a positive integer, got {value!r}")


@register("layers")
class BatchNorm(Layer):
    """BatchNorm(channels=None, activation=None, *, momentum=0.1, eps=1e-5, affine=True,
    mode="auto").

    Normalises each channel (the last axis) over the batch (and the spatial axes of
    images), then applies ``scale``, ``shift`` and ``activation``. In training it
    uses the batch's statistics and moves the running ``mean``/``var`` (state, not
    trained) by ``momentum``; in test mode it uses the running ones. ``mode="auto"``
    trains inside ``tk.gradient``; ``tk.trainmode``/``tk.testmode`` force it.

    >>> BatchNorm(16, "relu")
    BatchNorm(16, relu)
    """

    _fields = ("scale", "shift", "mean", "var")
    _state = ("mean", "var")
    scale, shift, mean, var = param(), param(), param(), param()

    def __init__(self, channels=None, activation=None, *, momentum=0.1, eps=1e-5,
                 affine=True, mode="auto"):
        _positive("BatchNorm", "channels", channels)
        if not 0 <= momentum <= 1 or eps <= 0:
            msg = f"BatchNorm: momentum must lie in [0, 1], eps be positive; got {momentum}, {eps}"
            raise DataError(msg)
        self.channels, self.activation = channels, act.resolve(activation)
        self.momentum, self.eps, self.affine = float(momentum), float(eps), bool(affine)
        self.mode = check_mode(mode)

    def config(self) -> dict:
        return {"channels": self.channels, "activation": act.name_of(self.activation),
                "momentum": self.momentum, "eps": self.eps, "affine": self.affine,
                "mode": self.mode}

    def _shapes(self):
        if self.channels is None:
            return None
        c = (self.channels,)
        shapes = {"scale": c, "shift": c} if self.affine else {}
        return {**shapes, "mean": c, "var": c}

    def _draw(self, name, shape, rng):
        fill = np.ones if name in ("scale", "var") else np.zeros
        return fill(shape, np.float32)

    def __call__(self, x):
        shape = shape_of(x)
        if self.channels is None and len(shape) >= 2:
            self.channels = int(shape[-1])
            self.build_like(x)
        if len(shape) < 2 or shape[-1] != self.channels:
            raise self._shape_error(f"(N, ..., {self.channels})", x)
        training = active(self, x, self.scale)
        y, mean, var = ops.batchnorm(x, self.scale, self.shift, self.mean, self.var,
                                       training=training, momentum=self.momentum, eps=self.eps)
        if training:
            self.mean, self.var = mean, var
        return y if self.activation is None else self.activation(y)

    def _repr_args(self) -> str:
        name = act.name_of(self.activation)
        text = f"{'?' if self.channels is None else self.channels}" + (f", {name}" if name else "")
        return text + ("" if self.mode == "auto" else f", mode={self.mode!r}")


@register("layers")
class LayerNorm(Layer):
    """LayerNorm(size=None, activation=None, *, eps=1e-5, affine=True).

    Normalises each sample over its last ``len(size)`` axes (``size`` an int or a
    tuple: the trailing shape), then applies ``scale``, ``shift`` and ``activation``.
    Leave ``size`` out to take the last axis of the first batch.

    >>> import numpy as np
    >>> ln = LayerNorm(4)
    >>> np.round(ln(np.arange(8.0, dtype=np.float32).reshape(2, 4)).std(axis=1), 3).tolist()
    [1.0, 1.0]
    """

    _fields = ("scale", "shift")
    scale, shift = param(), param()

    def __init__(self, size=None, activation=None, *, eps=1e-5, affine=True):
        size = (size,) if isinstance(size, int | np.integer) else size
        if size is not None:
            size = tuple(int(s) for s in size)
            for s in size:
                _positive("LayerNorm", "size", s)
        self.size, self.activation = size, act.resolve(activation)
        self.eps, self.affine = float(eps), bool(affine)

    def config(self) -> dict:
        return {"size": None if self.size is None else list(self.size),
                "activation": act.name_of(self.activation), "eps": self.eps, "affine": self.affine}

    def _shapes(self):
        if self.size is None:
            return None
        return {"scale": self.size, "shift": self.size} if self.affine else {}

    def _draw(self, name, shape, rng):
        return np.ones(shape, np.float32) if name == "scale" else np.zeros(shape, np.float32)

    def __call__(self, x):
        shape = shape_of(x)
        if self.size is None and len(shape) >= 1:
            self.size = (int(shape[-1]),)
            self.build_like(x)
        n = len(self.size)
        if len(shape) < n + 1 or tuple(shape[-n:]) != self.size:
            raise self._shape_error(f"(N, ..., {', '.join(map(str, self.size))})", x)
        y = ops.layernorm(x, self.scale, self.shift, dims=n, eps=self.eps)
        return y if self.activation is None else self.activation(y)

    def _repr_args(self) -> str:
        size = "?" if self.size is None else ", ".join(map(str, self.size))
        name = act.name_of(self.activation)
        return size + (f", {name}" if name else "")
