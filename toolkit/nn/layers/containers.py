"""Chain, SkipConnection and Parallel: layers made of layers.

>>> import numpy as np
>>> from toolkit.nn.layers import Dense
>>> model = Chain(Dense(4, 8, "relu"), Dense(8, 2), seed=1)
>>> model(np.ones((3, 4), np.float32)).shape
(3, 2)
>>> model[:-1]
Chain(
  Dense(4 => 8, relu),                  # 40 parameters
)                   # Total: 2 trainable arrays, 40 parameters, summarysize 0.156 KiB.
"""

from __future__ import annotations

import operator
from functools import reduce

from toolkit.errors import DataError, UnknownNameError, did_you_mean
from toolkit.nn import ops
from toolkit.nn.layers.base import Layer, LayerShapeError, seed_layers
from toolkit.nn.layers.show import render
from toolkit.registry import register


def _cat(*xs):
    return ops.concatenate(list(xs), axis=-1)


def _add(*xs):
    return reduce(operator.add, xs)


def _mul(*xs):
    return reduce(operator.mul, xs)


#: How SkipConnection and Parallel combine outputs, by name ("cat" joins the last axis).
CONNECTIONS = {"add": _add, "mul": _mul, "cat": _cat}
_ALIASES = {operator.add: "add", operator.mul: "mul", ops.concatenate: "cat"}


def _connection(connection) -> tuple[str, object]:
    if isinstance(connection, str):
        if connection not in CONNECTIONS:
            msg = f"unknown connection {connection!r}; " + did_you_mean(connection, CONNECTIONS)
            raise UnknownNameError(msg)
        return connection, CONNECTIONS[connection]
    for name, fn in CONNECTIONS.items():
        if fn is connection:
            return name, fn
    if connection in _ALIASES:
        name = _ALIASES[connection]
        return name, CONNECTIONS[name]
    if not callable(connection):
        raise DataError(f"a connection must be a function or one of {list(CONNECTIONS)}")
    return f"<{getattr(connection, '__name__', 'function')}>", connection


def _check_member(owner: str, layer) -> None:
    if not callable(layer):
        msg = f"{owner}: every member must be a layer or a function, got {layer!r}"
        raise DataError(msg)


class Container(Layer):
    """Container — base of layers whose ``layers`` field holds sub-layers (a list or a dict)."""

    def named_children(self) -> list[tuple[str, object]]:
        """named_children() -> [(name, layer)] — list indices as strings, or the names."""
        layers = self.layers
        if isinstance(layers, dict):
            return list(layers.items())
        return [(str(i), layer) for i, layer in enumerate(layers)]

    def _step(self, name: str) -> str:
        return f"layers.{name}" if isinstance(self.layers, dict) else f"layers[{name}]"

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers.values() if isinstance(self.layers, dict) else self.layers)

    def __repr__(self) -> str:
        return render(self)


def _expect(cls, config: dict, keys: tuple, children: dict, kids: tuple) -> None:
    if set(config) != set(keys) or set(children) != set(kids):
        msg = (
            f"{cls.__name__} takes config keys {list(keys)} and children {list(kids)}; "
            f"got {sorted(config)} and {sorted(children)}"
        )
        raise DataError(msg)
    for value in config.values():
        if not isinstance(value, str) or value not in CONNECTIONS:
            raise DataError(f"{cls.__name__}: connection must be one of {list(CONNECTIONS)}")


def _members(owner: str, layers: tuple, named: dict):
    if layers and named:
        msg = f"{owner}: give the layers either all by position or all by name, not both"
        raise DataError(msg)
    for layer in (*layers, *named.values()):
        _check_member(owner, layer)
    return dict(named) if named else list(layers)


@register("layers")
class Chain(Container):
    """Chain(*layers, seed=None) or Chain(name=layer, ..., seed=None): layers in sequence.

    ``model[i]`` is a layer, ``model["name"]`` a named one, ``model[:-2]`` a Chain of
    the same layer objects (transfer learning: ``Chain(base[:-2], Dense(out=2))``).
    ``seed`` draws the weights of every layer not yet drawn, each from the seed and
    its path, so the same seed gives bit-identical weights. A shape mismatch names
    the layer and where it sits.

    >>> import numpy as np
    >>> from toolkit.nn.layers import Dense
    >>> m = Chain(enc=Chain(Dense(4, 3), Dense(3, 2)), head=Dense(2, 1), seed=0)
    >>> m["enc"][1], len(m), m(np.ones((1, 4), np.float32)).shape
    (Dense(3 => 2), 2, (1, 1))
    >>> m(np.ones((1, 5), np.float32))
    Traceback (most recent call last):
    ...
    toolkit.errors.LayerShapeError: Dense(4 => 3) at layers.enc.layers[0] expects input ...
    """

    _fields = ("layers",)

    config_children = ("layers",)  # the registry writes and builds them as components

    def __init__(self, *layers, seed=None, **named):
        self.layers = _members("Chain", layers, named)
        if seed is not None:
            seed_layers(self, seed)

    @classmethod
    def from_children(cls, children: dict, *, seed=None) -> Chain:
        """from_children({"layers": list or dict}, *, seed=None) -> a Chain (registry builds)."""
        layers = children.get("layers", [])
        return cls(**layers, seed=seed) if isinstance(layers, dict) else cls(*layers, seed=seed)

    @classmethod
    def from_config(cls, config: dict, children: dict) -> Chain:
        """from_config(config, children) -> a Chain (weights files): children {"layers": ...}."""
        _expect(cls, config, (), children, ("layers",))
        layers = children["layers"]
        return cls(**layers) if isinstance(layers, dict) else cls(*layers)

    def __call__(self, x):
        for name, layer in self.named_children():
            try:
                x = layer(x)
            except LayerShapeError as err:
                raise err.locate(self._step(name)) from None
        return x

    def __getitem__(self, index):
        layers = self.layers
        if isinstance(index, slice):
            if isinstance(layers, dict):
                return Chain(**dict(list(layers.items())[index]))
            return Chain(*layers[index])
        if isinstance(layers, dict) and isinstance(index, int):
            return list(layers.values())[index]
        try:
            return layers[index]
        except (KeyError, TypeError):
            msg = f"Chain has no layer {index!r}; " + did_you_mean(str(index), layers)
            raise UnknownNameError(msg) from None


@register("layers")
class SkipConnection(Layer):
    """SkipConnection(layer, connection="add"): ``connection(layer(x), x)``.

    ``connection`` is "add", "cat" (join the last axis), "mul" or a function.


    >>> import numpy as np
    >>> from toolkit.nn.layers import Dense
    >>> SkipConnection(Dense(3, 3, seed=0), "cat")(np.ones((2, 3), np.float32)).shape
    (2, 6)
    """

    _fields = ("layer",)

    config_children = ("layer",)

    def __init__(self, layer, connection="add"):
        _check_member("SkipConnection", layer)
        self.layer = layer
        self.connection_name, self.connection = _connection(connection)

    def config(self) -> dict:
        return {"connection": self.connection_name}

    @classmethod
    def from_children(cls, children: dict, *, connection="add") -> SkipConnection:
        """from_children({"layer": layer}, *, connection="add") -> a SkipConnection."""
        return cls(children["layer"], connection)

    @classmethod
    def from_config(cls, config: dict, children: dict) -> SkipConnection:
        """from_config(config, children) -> a SkipConnection (weights files)."""
        _expect(cls, config, ("connection",), children, ("layer",))
        return cls(children["layer"], config["connection"])

    def __call__(self, x):
        try:
            y = self.layer(x)
        except LayerShapeError as err:
            raise err.locate("layer") from None
        return self.connection(y, x)

    def __repr__(self) -> str:
        return render(self)


@register("layers")
class Parallel(Container):
    """Parallel(connection, *layers) or Parallel(connection, name=layer, ...).

    Every layer sees the same input (or, given a tuple of inputs, one each);
    ``connection`` ("cat", "add", "mul" or a function) combines their outputs.

    >>> import numpy as np
    >>> from toolkit.nn.layers import Dense
    >>> Parallel("cat", Dense(2, 3), Dense(2, 1), seed=0)(np.ones((4, 2), np.float32)).shape
    (4, 4)
    """

    _fields = ("layers",)

    config_children = ("layers",)

    def __init__(self, connection, *layers, seed=None, **named):
        self.connection_name, self.connection = _connection(connection)
        self.layers = _members("Parallel", layers, named)
        if seed is not None:
            seed_layers(self, seed)

    @classmethod
    def from_children(cls, children: dict, *, connection: str, seed=None) -> Parallel:
        """from_children({"layers": list or dict}, *, connection, seed=None) -> a Parallel."""
        layers = children.get("layers", [])
        if isinstance(layers, dict):
            return cls(connection, **layers, seed=seed)
        return cls(connection, *layers, seed=seed)

    def config(self) -> dict:
        return {"connection": self.connection_name}

    @classmethod
    def from_config(cls, config: dict, children: dict) -> Parallel:
        """from_config(config, children) -> a Parallel (weights files)."""
        _expect(cls, config, ("connection",), children, ("layers",))
        layers = children["layers"]
        if isinstance(layers, dict):
            return cls(config["connection"], **layers)
        return cls(config["connection"], *layers)

    def __call__(self, x):
        children = self.named_children()
        xs = x if isinstance(x, tuple) else (x,) * len(children)
        if len(xs) != len(children):
            msg = f"Parallel of {len(children)} layers was given {len(xs)} inputs"
            raise DataError(msg)
        outs = []
        for (name, layer), xi in zip(children, xs, strict=True):
            try:
                outs.append(layer(xi))
            except LayerShapeError as err:
                raise err.locate(self._step(name)) from None
        return self.connection(*outs)

    def __getitem__(self, index):
        layers = self.layers
        if isinstance(layers, dict) and isinstance(index, int):
            return list(layers.values())[index]
        return layers[index]
