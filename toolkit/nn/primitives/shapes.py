"""Shape primitives: reshape, transpose, indexing, concatenate and stack.

They move values without computing on them, so each VJP moves the gradient back:
``getitem`` scatters it into zeros (adding where an advanced index repeats),
``concatenate`` splits it, ``stack`` unstacks it.

>>> import numpy as np
>>> reshape(np.arange(6.0), (2, 3)).shape, concatenate([np.ones(2), np.zeros(1)]).tolist()
((2, 3), [1.0, 1.0, 0.0])
"""

from __future__ import annotations

import builtins

import numpy as np

from toolkit.nn.device import scatter_add, shape_of
from toolkit.nn.tape import FUNCTIONS, Tracked, apply, apply1, register


def _transpose_vjp(node, g):
    axes = node.kw and node.kw.get("axes")
    return (np.transpose(g, None if axes is None else tuple(np.argsort(axes).tolist())),)


RESHAPE = register(
    "reshape",
    lambda x, shape: np.reshape(x, shape),
    lambda node, g: (np.reshape(g, node.xs[0].shape),),
)
TRANSPOSE = register("transpose", lambda x, axes=None: np.transpose(x, axes), _transpose_vjp)


def reshape(x, shape):
    """reshape(x, shape) -> the same values in a new shape (one entry may be -1).

    >>> reshape(np.arange(6.0), (2, 3)).shape
    (2, 3)
    """
    return apply1(RESHAPE, x, {"shape": shape})


def transpose(x, axes=None):
    """transpose(x, axes=None) -> x with its axes permuted (reversed when None).

    >>> transpose(np.zeros((2, 3, 4)), (0, 2, 1)).shape
    (2, 4, 3)
    """
    return apply1(TRANSPOSE, x, {"axes": axes})


# ---------------------------------------------------------------------------- indexing


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return builtins.all(
        i is None
        or i is Ellipsis
        or isinstance(i, int | slice | np.integer)
        or getattr(i, "dtype", None) == np.bool_
        for i in items
    )


def _getitem_vjp(node, g):
    x, index = node.xs[0], node.kw["index"]
    out = np.zeros_like(x)
    if _is_basic_index(index):
        out[index] = g
    else:
        scatter_add(out, index, g)
    return (out,)


GETITEM = register("getitem", lambda x, index: x[index], _getitem_vjp)


def _plain_index(index):
    """An index with traced entries replaced by their values (indices are constants)."""
    if type(index) is Tracked:
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if type(i) is Tracked else i for i in index)
    return index


def getitem(x, index):
    """getitem(x, index) -> x[index]: basic or advanced indexing, slicing, boolean masks.

    >>> getitem(np.arange(5.0), slice(1, 3)).tolist()
    [1.0, 2.0]
    """
    return apply1(GETITEM, x, {"index": _plain_index(index)})


# ---------------------------------------------------------------------------- joining


def _split_vjp(node, g):
    axis = node.kw["axis"]
    sizes = np.cumsum([shape_of(x)[axis] for x in node.xs])[:-1]
    return tuple(np.split(g, sizes.tolist(), axis=axis))


def _stack_vjp(node, g):
    return tuple(np.moveaxis(g, node.kw["axis"], 0))


CONCATENATE = register("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), _split_vjp)
STACK = register("stack", lambda *xs, axis: np.stack(xs, axis=axis), _stack_vjp)


def concatenate(xs, axis: int = 0):
    """concatenate(xs, axis=0) -> the arrays of ``xs`` joined along ``axis``.

    >>> concatenate([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    return apply(CONCATENATE, *xs, axis=axis)


def stack(xs, axis: int = 0):
    """stack(xs, axis=0) -> the arrays of ``xs`` stacked along a new ``axis``.

    >>> stack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    return apply(STACK, *xs, axis=axis)


# ---------------------------------------------------------------------------- on traced values


def _reshape_method(self, *shape):
    return reshape(self, shape[0] if len(shape) == 1 else shape)


def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], tuple | list)):
        axes = axes[0]
    return transpose(self, tuple(axes) if axes else None)


Tracked.__getitem__ = getitem
Tracked.T = property(transpose, doc="T — the transpose (axes reversed).")
Tracked.reshape, Tracked.transpose = _reshape_method, _transpose_method
FUNCTIONS.update({
    np.reshape: reshape, np.transpose: transpose, np.concatenate: concatenate, np.stack: stack,
})  # fmt: skip
