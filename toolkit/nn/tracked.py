"""Tracked: a value being differentiated — a box around a plain float or array.

Inside :func:`toolkit.nn.gradient`, the arguments' float values are Tracked; every
operation on them records itself on the shared tape. Tracked values behave like the
arrays they hold: Python operators (``+ - * / ** @``, unary ``-``, comparisons, which
are not differentiable), indexing and slicing, ``.T``, ``.shape``, ``.reshape``,
``.sum()``, ``.mean()``, ``.max()``, numpy ufuncs and common numpy functions that have
a primitive (``np.exp(x)``, ``np.sum(x)``). The operators are installed by
:mod:`toolkit.nn.ops`, next to the primitives they use.

Assigning into a Tracked value raises GradientError: build a new array instead.

>>> import toolkit.nn as nn
>>> nn.gradient(lambda x: (x[1:] * x.T[:2]).sum(), __import__("numpy").arange(3.0))[0]
array([1., 2., 1.])
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import GradientError
from toolkit.nn.device import shape_of, size_of


class Tracked:
    """Tracked(data, tape, name=None) — a float or array recorded on ``tape``.

    ``.data`` is the plain value, ``.grad`` the gradient accumulated by the backward
    pass, ``.name`` the argument or parameter path it came from (for error messages).

    >>> t = Tracked(2.0, [], "x")
    >>> t.data, t.shape, t.name
    (2.0, (), 'x')
    """

    __slots__ = ("data", "grad", "tape", "name")
    __array_priority__ = 1000.0  # numpy defers binary operators to Tracked

    def __init__(self, data, tape, name=None):
        self.data = data
        self.grad = None
        self.tape = tape
        self.name = name

    # --- array-like attributes (plain values, never traced) ---
    @property
    def shape(self) -> tuple:
        """shape — the shape of the value (``()`` for a scalar)."""
        return shape_of(self.data)

    @property
    def ndim(self) -> int:
        """ndim — the number of dimensions."""
        return len(shape_of(self.data))

    @property
    def size(self) -> int:
        """size — the number of elements."""
        return int(size_of(self.data))

    @property
    def dtype(self):
        """dtype — the value's dtype (float64 for a Python float)."""
        return getattr(self.data, "dtype", np.dtype(np.float64))

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self.data)))

    def __float__(self) -> float:
        return float(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        return f"Tracked({self.data!r}{name})"

    def describe(self) -> str:
        """describe() -> words naming this value for error messages."""
        what = f"the traced value {self.name!r}" if self.name else "a traced intermediate value"
        return f"{what} (shape {self.shape})"

    def __setitem__(self, index, value):
        msg = (
            f"cannot assign into {self.describe()} (x[{index!r}] = ...) inside gradient: "
            f"traced arrays are immutable; build a new array instead, e.g. with "
            f"toolkit.nn.ops.where or concatenate"
        )
        raise GradientError(msg)

    def __array__(self, dtype=None, copy=None):
        msg = (
            f"converting {self.describe()} to a numpy array would cut it from the "
            f"gradient; use the operations of toolkit.nn.ops (or .data for a constant)"
        )
        raise GradientError(msg)

    __hash__ = None  # like arrays: comparisons return arrays, so no hashing


def plain(x):
    """plain(x) -> the plain value of a Tracked value; anything else unchanged.

    >>> plain(Tracked(2.0, [])), plain("label")
    (2.0, 'label')
    """
    return x.data if type(x) is Tracked else x
