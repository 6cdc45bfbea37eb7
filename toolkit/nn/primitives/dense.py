"""Matrix products: ``matmul``, and ``dense`` — activation(x @ W + b) as one fused primitive.

``dense`` is one tape entry with a hand-written VJP, so a layer costs a few BLAS calls
and no Python-level graph of small operations; relu, tanh, sigmoid and identity are
applied in place on the fresh product (:func:`activate_inplace`, which ``conv2d``
shares). :func:`dense_reference` is the same function composed of the small primitives,
kept to test the fused one against. Layouts are batch-first, features last: ``x`` of
shape ``(..., in)`` and ``W`` of shape ``(in, out)``.

>>> import numpy as np
>>> x, W, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32), np.zeros(4, np.float32)
>>> dense(x, W, b, "relu").shape
(2, 4)
"""

from __future__ import annotations

import operator

import numpy as np

from toolkit.errors import ShapeError
from toolkit.nn.activations import activation as lookup_activation
from toolkit.nn.device import check_same_device, shape_of
from toolkit.nn.primitives.elementwise import identity, relu, sigmoid, tanh
from toolkit.nn.tape import UFUNCS, Tracked, apply, apply2, operators, plain, register

# ---------------------------------------------------------------------------- matmul


def _matmul_grad_a(g, a, b):
    if b.ndim == 1:
        return g[..., None] * b if a.ndim > 1 else g * b
    if a.ndim == 1:
        return (b @ g[..., None])[..., 0] if b.ndim > 2 else b @ g
    return g @ b.swapaxes(-1, -2)


def _matmul_grad_b(g, a, b):
    if a.ndim == 1:
        return a[:, None] * g[..., None, :] if b.ndim > 1 else g * a
    if b.ndim == 1:
        return (a * g[..., None]).reshape(-1, a.shape[-1]).sum(0)
    return a.swapaxes(-1, -2) @ g


def _matmul_vjp(node, g):
    a, b = node.xs
    ga = _matmul_grad_a(g, a, b) if node.needs(0) else None
    gb = _matmul_grad_b(g, a, b) if node.needs(1) else None
    return ga, gb


MATMUL = register("matmul", operator.matmul, _matmul_vjp)


def matmul(a, b):
    """matmul(a, b) -> a @ b (numpy's matmul rules, batched over leading axes).

    >>> matmul(np.eye(2), np.ones(2)).tolist()
    [1.0, 1.0]
    """
    return apply2(MATMUL, a, b)


Tracked.__matmul__, Tracked.__rmatmul__ = operators(MATMUL)
UFUNCS[np.matmul] = MATMUL


# ---------------------------------------------------------------------------- fused activations

_FUSABLE = {None: None, identity: None, relu: "relu", tanh: "tanh", sigmoid: "sigmoid"}


def fusable(activation):
    """fusable(activation) -> (kind, rest): the fused activation's name and what is left to apply.

    ``activation`` is None, a function or a name (any of the ``activations`` family of
    the registry); relu, tanh, sigmoid and identity are
    fused into the preceding primitive, anything else comes back as ``rest``.

    >>> fusable("relu"), fusable(None), fusable("elu")[0]
    (('relu', None), (None, None), None)
    """
    if isinstance(activation, str):
        activation = lookup_activation(activation)
    try:
        if activation in _FUSABLE:
            return _FUSABLE[activation], None
    except TypeError:  # an unhashable callable
        pass
    return None, activation


def activate_inplace(z, kind):
    """activate_inplace(z, kind) -> ``z`` with the fused activation ``kind`` applied in place.

    >>> activate_inplace(np.array([-1.0, 2.0]), "relu").tolist()
    [0.0, 2.0]
    """
    if kind == "relu":
        np.maximum(z, 0, out=z)
    elif kind == "tanh":
        np.tanh(z, out=z)
    elif kind == "sigmoid":
        z *= 0.5
        np.tanh(z, out=z)
        z *= 0.5
        z += 0.5
    return z


def activation_vjp(g, y, kind):
    """activation_vjp(g, y, kind) -> the gradient before the fused activation, from its output y.

    >>> activation_vjp(np.ones(2), np.array([0.0, 2.0]), "relu").tolist()
    [0.0, 1.0]
    """
    if kind == "relu":
        return g * (y > 0)
    if kind == "tanh":
        return g * (1 - y * y)
    if kind == "sigmoid":
        return g * y * (1 - y)
    return g


# ---------------------------------------------------------------------------- dense


def _dense_forward(x, W, b, act):
    z = x @ W
    if b is not None:
        z += b
    return activate_inplace(z, act)


def _dense_vjp(node, g):
    x, W, b = node.xs
    dz = activation_vjp(g, node.out.data, node.kw["act"])
    dz2 = dz.reshape(-1, dz.shape[-1])
    dx = dz @ W.T if node.needs(0) else None
    dW = x.reshape(-1, x.shape[-1]).T @ dz2 if node.needs(1) else None
    db = dz2.sum(0) if node.needs(2) else None
    return dx, dW, db


DENSE = register("dense", _dense_forward, _dense_vjp)


def _check_dense(x, W):
    check_same_device("dense", plain(x), plain(W))
    if shape_of(x)[-1] != shape_of(W)[0]:
        msg = (
            f"dense: x has {shape_of(x)[-1]} features (shape {shape_of(x)}) but W has "
            f"{shape_of(W)[0]} input rows (shape {shape_of(W)})"
        )
        raise ShapeError(msg)


def dense(x, W, b=None, activation=None):
    """dense(x, W, b=None, activation=None) -> activation(x @ W + b), one primitive.

    ``x`` (..., in), ``W`` (in, out), ``b`` (out,) or None; relu/tanh/sigmoid/identity
    are fused (applied in place), other activations are applied after.

    >>> dense(np.ones((1, 2)), np.ones((2, 3)), np.full(3, -5.0), "relu").tolist()
    [[0.0, 0.0, 0.0]]
    """
    kind, rest = fusable(activation)
    _check_dense(x, W)
    y = apply(DENSE, x, W, b, act=kind)
    return y if rest is None else rest(y)


def dense_reference(x, W, b=None, activation=None):
    """dense_reference(x, W, b=None, activation=None) -> :func:`dense` as matmul, add, activation.

    The plain composition of small primitives (three tape entries) that the fused
    ``dense`` must equal, values and gradients.

    >>> x, W, b = np.ones((1, 2)), np.ones((2, 3)), np.full(3, -1.0)
    >>> bool((dense_reference(x, W, b, "relu") == dense(x, W, b, "relu")).all())
    True
    """
    _check_dense(x, W)
    y = matmul(x, W)
    if b is not None:
        y = y + b
    return lookup_activation(activation)(y)
