"""What every built-in layer shares: the registry, lazy seeded parameters, modes, errors.

**Parameters are drawn lazily, from a seed.** A layer declares its arrays with
:func:`param` descriptors and says their shapes in ``_shapes()``; nothing is drawn
until the arrays are first needed (the first batch, ``tk.setup``, saving, or reading
``layer.weight``). So ``Chain(Dense(4, 3), Dense(3, 2), seed=1)`` can hand each
layer a seed and a key (its path in the Chain) before any weight exists, and the same
seed gives bit-identical weights. A layer never given a seed draws one from the
operating system at that moment and keeps it in ``layer.seed``. Sizes left out
(``Dense(out=10)``) are filled in from the first batch, then the arrays are drawn.

**Train and test mode.** Dropout and BatchNorm have ``mode``: ``"auto"`` (the
default: active inside ``tk.gradient``, i.e. when their input or parameters are
traced), ``"train"`` or ``"test"``; :func:`trainmode` / :func:`testmode` set it for a
whole model.

**The registry.** Every layer class is registered by name in the ``layers`` family
(``@register("layers")`` of :mod:`toolkit.registry`); weights files (``toolkit.nn.io``)
and YAML build layers from it and from ``config()``.

>>> import numpy as np
>>> from toolkit.nn.layers import Dense, Chain
>>> a = Chain(Dense(4, 3), Dense(3, 2), seed=1)
>>> b = Chain(Dense(4, 3), Dense(3, 2), seed=1)
>>> bool((a[0].weight == b[0].weight).all()), bool((a[0].weight[:3, :2] == a[1].weight).all())
(True, False)
"""

from __future__ import annotations

import numpy as np

from toolkit._seed import generator
from toolkit.errors import DataError, LayerShapeError, UnknownNameError, did_you_mean
from toolkit.nn.device import array_module
from toolkit.nn.module import Module
from toolkit.nn.tape import Tracked
from toolkit.nn.tree import modules

_MODES = ("auto", "train", "test")


class param:
    """param() — a descriptor for one lazily drawn array field of a :class:`Layer`.

    Reading it draws all the layer's arrays (``Layer.materialise``) if they are not
    there yet and the sizes are known; otherwise it reads ``None``. It has no
    ``__set__``: once the instance holds the field, reads find it in ``__dict__``
    without a Python call (every training step reads every parameter).
    """

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return obj.materialise().__dict__.get(self.name)


def shape_of(x) -> tuple:
    """shape_of(x) -> the shape of an array or traced value."""
    return tuple(np.shape(x.data if type(x) is Tracked else x))


def check_numbers(layer, x) -> None:
    """check_numbers(layer, x) — refuse text or Python objects before they reach the maths.

    >>> from toolkit.nn.layers import Dense
    >>> check_numbers(Dense(1, 1), np.array([["a"]]))
    Traceback (most recent call last):
    ...
    toolkit.errors.DataError: Dense(1 => 1) takes numbers, got an array of dtype <U1 ...
    """
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if kind in ("U", "S", "O"):
        msg = (
            f"{layer!r} takes numbers, got an array of dtype {x.dtype} (text or Python "
            "objects); encode it first: tk.onehotbatch(labels, classes) for labels, "
            "tk.FeaturePrep for table columns, x.astype(np.float32) for numbers held as text"
        )
        raise DataError(msg)


class Layer(Module):
    """Layer — base of the built-in layers: config, lazy seeded arrays, printing.

    Subclasses set ``_fields``/``_state`` (Module's contract), store their static
    configuration as attributes, and define ``config()`` (the constructor keywords,
    JSON-able) and, when they have arrays, ``_shapes()`` and ``_draw(name, shape, rng)``.

    >>> from toolkit.nn.layers import Dense
    >>> Dense(2, 3).nparams()
    (9, 0)
    """

    seed: int | None = None
    key: str = ""

    def config(self) -> dict:
        """config() -> the constructor's keyword arguments (JSON-able), for printing and saving."""
        return {}

    def _shapes(self) -> dict | None:
        """{field: shape} of the layer's arrays, or None while a size is unknown."""
        return {}

    def _draw(self, name: str, shape: tuple, rng):
        raise NotImplementedError

    def materialise(self) -> Layer:
        """materialise() -> self, with every array drawn (if the sizes are known).

        Uses ``self.seed`` and ``self.key``; with no seed, draws one from the OS first
        and records it, so that ``layer.seed`` repeats the layer.
        """
        shapes = self._shapes()
        if not shapes or all(n in self.__dict__ for n in shapes):
            return self
        if self.seed is None:
            self.seed = int(np.random.SeedSequence().entropy % 2**63)
        rng = generator(self.seed, "init", self.key)
        for name, shape in shapes.items():
            self.__dict__.setdefault(name, self._draw(name, shape, rng))
        return self

    def build_like(self, x) -> None:
        """build_like(x) — draw the arrays now (sizes just inferred) on the device of ``x``."""
        self.materialise()
        data = x.data if type(x) is Tracked else x
        xp = array_module(data)
        if xp is not np:
            for name in self._shapes() or {}:
                self.__dict__[name] = xp.asarray(self.__dict__[name])

    def is_built(self) -> bool:
        """is_built() -> whether the arrays exist (drawn, loaded or assigned).

        >>> from toolkit.nn.layers import Dense
        >>> Dense(out=3).is_built()
        False
        """
        shapes = self._shapes()
        names = shapes if shapes is not None else self._fields
        return all(n in self.__dict__ for n in names)

    def param_shapes(self) -> dict | None:
        """param_shapes() -> {field: shape} of the layer's arrays; None while a size is unknown.

        >>> from toolkit.nn.layers import Dense
        >>> Dense(2, 3).param_shapes(), Dense(out=3).param_shapes()
        ({'weight': (2, 3), 'bias': (3,)}, None)
        """
        return self._shapes()

    def nparams(self) -> tuple[int, int]:
        """nparams() -> (trainable, non-trainable) element counts, from the known sizes.

        Counts what the arrays will hold even before they are drawn; unknown sizes
        count 0 (see ``is_built``).
        """
        shapes = self._shapes() or {}
        counts = [0, 0]
        for name, shape in shapes.items():
            counts[name in self._state] += int(np.prod(shape, dtype=np.int64))
        return counts[0], counts[1]

    def named_children(self) -> list[tuple[str, object]]:
        """named_children() -> [(field, value)], read without drawing the arrays.

        >>> from toolkit.nn.layers import Dense
        >>> [(name, value) for name, value in Dense(out=2).named_children()]
        [('weight', None), ('bias', None)]
        """
        return [(name, self.__dict__.get(name)) for name in self._fields]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._repr_args()})"

    def _repr_args(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items())

    def _repr_html_(self) -> str:
        """In a notebook: the layer's ``tk.summary`` table (imported on call: summary imports
        this module)."""
        from toolkit.nn.summary import summary

        return summary(self)._repr_html_()

    def _shape_error(self, expects: str, x) -> LayerShapeError:
        return LayerShapeError(repr(self), expects, str(shape_of(x)))


def seed_layers(model, seed: int, key: str = "") -> None:
    """seed_layers(model, seed, key="") — give every layer not yet drawn a seed and its path.

    Layers whose arrays already exist (a trained base in transfer learning) and
    layers given their own seed keep them.

    >>> from toolkit.nn.layers import Dense
    >>> d = Dense(2, 2); seed_layers(d, 5); d.seed
    5
    """
    for path, layer in modules(model, key):
        if isinstance(layer, Layer) and layer.seed is None:
            shapes = layer._shapes()
            if not (shapes is not None and bool(shapes) and layer.is_built()):
                layer.seed, layer.key = seed, path


def sublayers(model):
    """sublayers(model) -> every Module inside ``model`` (itself included), depth first.

    >>> from toolkit.nn.layers import Chain, Dense
    >>> [type(m).__name__ for m in sublayers(Chain(Dense(1, 1)))]
    ['Chain', 'Dense']
    """
    return (layer for _, layer in modules(model))


def _set_mode(model, mode: str):
    if mode not in _MODES:
        raise UnknownNameError(f"mode {mode!r} is not known; " + did_you_mean(mode, _MODES))
    for layer in sublayers(model):
        if "mode" in getattr(layer, "__dict__", {}):
            layer.mode = mode
    return model


def trainmode(model, mode: str = "train"):
    """trainmode(model, mode="train") -> model: Dropout and BatchNorm act as in training.

    ``mode="auto"`` restores the default (training behaviour only inside
    ``tk.gradient``). Changes the model in place.

    >>> from toolkit.nn.layers import Chain, Dense, Dropout
    >>> trainmode(Chain(Dense(2, 2), Dropout(0.5)))[1].mode
    'train'
    """
    return _set_mode(model, mode)


def testmode(model, mode: str = "test"):
    """testmode(model, mode="test") -> model: Dropout off, BatchNorm on its running statistics.

    >>> from toolkit.nn.layers import Chain, Dropout
    >>> testmode(Chain(Dropout(0.5)))[0].mode
    'test'
    """
    return _set_mode(model, mode)


testmode.__test__ = False  # a name starting with "test" that pytest must not collect


def active(layer, *traced) -> bool:
    """active(layer, *values) -> whether ``layer`` behaves as in training now.

    ``"auto"`` mode: when any of ``values`` is traced (inside ``tk.gradient``).
    """
    if layer.mode == "auto":
        return any(type(v) is Tracked for v in traced)
    return layer.mode == "train"


def check_mode(mode: str) -> str:
    """check_mode(mode) -> mode, if it is one of "auto", "train", "test"."""
    if mode not in _MODES:
        raise UnknownNameError(f"mode {mode!r} is not known; " + did_you_mean(mode, _MODES))
    return mode
