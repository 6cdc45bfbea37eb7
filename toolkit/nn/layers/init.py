"""Weight initialisers: ``init(rng, shape, fan_in, fan_out) -> float32 array``, by name.

Each takes the layer's generator (drawn from its seed and key), so no global RNG is
ever read. Fans follow Flux: for a Dense weight ``(in, out)`` they are ``in`` and
``out``; for a Conv weight ``(kh, kw, cin, cout)`` ``kh*kw*cin`` and ``kh*kw*cout``.

>>> import numpy as np
>>> w = initialiser("glorot_uniform")[1](np.random.default_rng(0), (100, 50), 100, 50)
>>> w.dtype, bool(abs(w).max() <= np.sqrt(6 / 150))
(dtype('float32'), True)
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import UnknownNameError, did_you_mean
from toolkit.registry import register, registry


@register("inits")
def glorot_uniform(rng, shape, fan_in, fan_out):
    """glorot_uniform(rng, shape, fan_in, fan_out): U(±√(6/(fan_in+fan_out))), Flux's default.

    >>> w = glorot_uniform(np.random.default_rng(0), (30, 20), 30, 20)
    >>> w.shape, bool(abs(w).max() <= np.sqrt(6 / 50))
    ((30, 20), True)
    """
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


@register("inits")
def glorot_normal(rng, shape, fan_in, fan_out):
    """glorot_normal(rng, shape, fan_in, fan_out): N(0, 2/(fan_in+fan_out)).

    >>> w = glorot_normal(np.random.default_rng(0), (200, 300), 200, 300)
    >>> round(float(w.std() ** 2 * 500), 1)
    2.0
    """
    return (rng.standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(np.float32)


@register("inits")
def kaiming_uniform(rng, shape, fan_in, fan_out):
    """kaiming_uniform(rng, shape, fan_in, fan_out): U(±√(6/fan_in)), for relu layers.

    >>> w = kaiming_uniform(np.random.default_rng(0), (24, 10), 24, 10)
    >>> bool(abs(w).max() <= 0.5), w.dtype
    (True, dtype('float32'))
    """
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, shape).astype(np.float32)


@register("inits")
def kaiming_normal(rng, shape, fan_in, fan_out):
    """kaiming_normal(rng, shape, fan_in, fan_out): N(0, 2/fan_in).

    >>> w = kaiming_normal(np.random.default_rng(0), (200, 300), 200, 300)
    >>> round(float(w.std() ** 2 * 200), 1)
    2.0
    """
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


@register("inits")
def zeros(rng, shape, fan_in, fan_out):
    """zeros(rng, shape, fan_in, fan_out): all zeros.

    >>> zeros(None, (2,), 1, 2).tolist()
    [0.0, 0.0]
    """
    return np.zeros(shape, np.float32)


@register("inits")
def ones(rng, shape, fan_in, fan_out):
    """ones(rng, shape, fan_in, fan_out): all ones.

    >>> ones(None, (2,), 1, 2).tolist()
    [1.0, 1.0]
    """
    return np.ones(shape, np.float32)


def initialiser(init):
    """initialiser(init) -> (name, function) for a name or a function of the ``inits`` family.

    >>> initialiser("zeros")[0]
    'zeros'
    """
    inits = registry("inits")
    if isinstance(init, str):
        return inits.canonical(init), inits.get(init)
    name = inits.name_of(init)
    if name is None:
        msg = "init must be one of the named initialisers; " + did_you_mean(str(init), inits)
        raise UnknownNameError(msg)
    return name, init


def weight_and_bias(weight: tuple, out: int, bias: bool) -> dict:
    """weight_and_bias(weight, out, bias) -> {"weight": weight, "bias": (out,)}, no bias if False.

    The array shapes of a layer with a weight and an optional bias (Dense, Conv).

    >>> weight_and_bias((3, 2), 2, bias=True), weight_and_bias((3, 2), 2, bias=False)
    ({'weight': (3, 2), 'bias': (2,)}, {'weight': (3, 2)})
    """
    return {"weight": weight, "bias": (out,)} if bias else {"weight": weight}


def draw_weight_or_bias(init, name: str, shape: tuple, rng, fan_in: int, fan_out: int):
    """draw_weight_or_bias(init, name, shape, rng, fan_in, fan_out) -> a float32 array.

    A ``"bias"`` starts at zero; any other array (the weight) is drawn by ``init``.

    >>> import numpy as np
    >>> draw_weight_or_bias(ones, "bias", (2,), None, 3, 2).tolist()
    [0.0, 0.0]
    >>> draw_weight_or_bias(ones, "weight", (1, 2), None, 1, 2).tolist()
    [[1.0, 1.0]]
    """
    if name == "bias":
        return np.zeros(shape, np.float32)
    return init(rng, shape, fan_in, fan_out)
