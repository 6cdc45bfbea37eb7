"""Dense, Flatten and Dropout: the basic layers, batch first.

>>> import numpy as np
>>> layer = Dense(3, 2, "relu", seed=1)
>>> layer
Dense(3 => 2, relu)
>>> layer(np.ones((5, 3), np.float32)).shape
(5, 2)
>>> Flatten()(np.zeros((4, 2, 3, 1))).shape
(4, 6)
"""

from __future__ import annotations

import numpy as np

from toolkit._seed import generator
from toolkit.errors import DataError
from toolkit.nn import ops
from toolkit.nn.layers import activation as act
from toolkit.nn.layers.base import Layer, active, check_mode, check_numbers, param, shape_of
from toolkit.nn.layers.init import draw_weight_or_bias, initialiser, weight_and_bias
from toolkit.registry import register


def _check_size(layer, name: str, value, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, int | np.integer) or value <= 0:
        msg = f"{type(layer).__name__}: {name} must be a positive integer, got {value!r}"
        raise DataError(msg)


@register("layers")
class Dense(Layer):
    """Dense(in_=None, out=None, activation=None, *, bias=True, init="glorot_uniform", seed=None).

    ``y = activation(x @ weight + bias)`` for ``x`` of shape ``(N, in_)`` (or
    ``(..., in_)``); ``weight`` has shape ``(in_, out)`` — batch first, so the
    transpose of Flux's. Leave ``in_`` out to infer it from the first batch.
    ``activation`` is a function or its name (``"relu"``); ``init`` a name from
    the ``inits`` family (``tk.registry("inits").names()``).

    >>> import numpy as np
    >>> d = Dense(out=4)
    >>> d
    Dense(? => 4)
    >>> d(np.zeros((2, 6), np.float32)).shape, d
    ((2, 4), Dense(6 => 4))
    >>> Dense(6, 4, seed=0)(np.zeros((2, 5), np.float32))
    Traceback (most recent call last):
    ...
    toolkit.errors.LayerShapeError: Dense(6 => 4) expects input (N, 6), got (2, 5)
    """

    _fields = ("weight", "bias")
    weight = param()
    bias = param()

    def __init__(self, in_=None, out=None, activation=None, *, bias=True,
                 init="glorot_uniform", seed=None):
        _check_size(self, "in_", in_)
        _check_size(self, "out", out, allow_none=False)
        self.in_, self.out, self.use_bias, self.seed = in_, out, bool(bias), seed
        self.activation = act.resolve(activation)
        self.init_name, self._init = initialiser(init)

    def config(self) -> dict:
        return {"in_": self.in_, "out": self.out, "activation": act.name_of(self.activation),
                "bias": self.use_bias, "init": self.init_name}

    def _shapes(self):
        if self.in_ is None:
            return None
        return weight_and_bias((self.in_, self.out), self.out, self.use_bias)

    def _draw(self, name, shape, rng):
        return draw_weight_or_bias(self._init, name, shape, rng, self.in_, self.out)

    def __call__(self, x):
        check_numbers(self, x)
        shape = shape_of(x)
        if self.in_ is None and len(shape) >= 1:
            self.in_ = int(shape[-1])
            self.build_like(x)
        if len(shape) < 1 or shape[-1] != self.in_:
            raise self._shape_error(f"(N, {self.in_})", x)
        return ops.dense(x, self.weight, self.bias if self.use_bias else None, self.activation)

    def _repr_args(self) -> str:
        name = act.name_of(self.activation)
        extra = "" if name is None else f", {name}"
        extra += "" if self.use_bias else ", bias=False"
        return f"{'?' if self.in_ is None else self.in_} => {self.out}{extra}"


@register("layers")
class Flatten(Layer):
    """Flatten(): ``(N, d1, d2, ...) -> (N, d1*d2*...)``.

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __call__(self, x):
        shape = shape_of(x)
        if len(shape) < 1:
            raise self._shape_error("(N, ...)", x)
        return ops.reshape(x, (shape[0], -1))

    def _repr_args(self) -> str:
        return ""


@register("layers")
class Dropout(Layer):
    """Dropout(p, *, mode="auto", seed=None): zeroes each entry with probability ``p``.

    Kept entries are scaled by ``1/(1-p)``. Active in training only: ``mode="auto"``
    means inside ``tk.gradient`` (when the input is traced); ``tk.trainmode`` /
    ``tk.testmode`` force it. Randomness is deterministic: the mask of the k-th active
    call is drawn from ``(seed, key, k)``; the counter ``calls`` is state, saved in
    checkpoints, so a resumed run draws the same masks.

    >>> import numpy as np
    >>> d = Dropout(0.5, mode="train", seed=1)
    >>> y = d(np.ones((2, 4), np.float32)); sorted(set(y.ravel().tolist()))
    [0.0, 2.0]
    >>> Dropout(0.5)(np.ones(3)).tolist()  # outside training: the identity
    [1.0, 1.0, 1.0]
    """

    _fields = ("calls",)
    _state = ("calls",)

    def __init__(self, p: float, *, mode: str = "auto", seed=None):
        if not 0 <= p < 1:
            raise DataError(f"Dropout: p must lie in [0, 1), got {p!r}")
        self.p, self.mode, self.seed = float(p), check_mode(mode), seed
        self.calls = np.zeros((), np.int64)

    def config(self) -> dict:
        return {"p": self.p, "mode": self.mode}

    def __call__(self, x):
        if self.p == 0 or not active(self, x):
            return x
        if self.seed is None:
            self.seed = int(np.random.SeedSequence().entropy % 2**63)
        count = self._count()
        rng = generator(self.seed, "dropout", self.key, count)
        self.__dict__["_host_count"] = count + 1
        self.calls[...] = count + 1  # on a GPU an asynchronous write: the step never waits
        return ops.dropout(x, self.p, rng)

    def _count(self) -> int:
        """The number of active calls so far, kept on the host (read from ``calls`` once)."""
        if self.__dict__.get("_count_of") is not self.calls:  # new, moved or loaded
            self.__dict__["_host_count"] = int(self.calls)
            self.__dict__["_count_of"] = self.calls
        return self.__dict__["_host_count"]

    def forget_cache(self) -> None:
        """forget_cache() — re-read the call counter (after ``calls`` was overwritten in place)."""
        self.__dict__.pop("_count_of", None)

    def _repr_args(self) -> str:
        return f"{self.p}" + ("" if self.mode == "auto" else f", mode={self.mode!r}")
