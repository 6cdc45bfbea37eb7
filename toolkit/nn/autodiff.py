"""Reverse-mode autodiff on a flat tape: ``gradient`` and ``withgradient``, Zygote-style.

The whole idea, micrograd-sized:

* :func:`gradient` wraps each argument's float values in :class:`Tracked` boxes that
  share one *tape* (a Python list).
* Every operation on a Tracked value is a :class:`Primitive` from one registry
  (:data:`PRIMITIVES`, filled by :mod:`toolkit.nn.ops` and :mod:`toolkit.nn.fused`): it
  computes its result on the plain arrays and appends one :class:`Node` to the tape.
* The backward pass walks the tape in reverse, calling each primitive's
  vector-Jacobian product (VJP); gradients that were broadcast are summed back to the
  input's shape here, once, so VJPs may return broadcast-shaped gradients.

Plain numpy/cupy inputs never touch the tape: the same primitives run directly on
them. Python floats stay Python floats all the way through (no numpy), which is what
makes a scalar gradient cost a few microseconds.

Gradients mirror the arguments: a number for a number, an array for an array, a tree
of the model's structure for a model (see :mod:`toolkit.nn.tree`). ``None`` stands for
"no gradient": the result did not depend on that value, or the value is not
differentiable (integers, BatchNorm running statistics, functions).

>>> gradient(lambda x: 3 * x**2 + 2 * x + 1, 2.0)
(14.0,)
>>> import numpy as np
>>> value, (g,) = withgradient(lambda w: (w * w).sum(), np.array([1.0, 2.0]))
>>> float(value), g.tolist()
(5.0, [2.0, 4.0])
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import itemgetter

import numpy as np

from toolkit.errors import GradientError
from toolkit.nn.device import shape_of
from toolkit.nn.module import Module
from toolkit.nn.tracing import Traced, is_float
from toolkit.nn.tracked import Tracked
from toolkit.nn.tree import map_inplace


class Primitive:
    """Primitive(name, forward, vjp, differentiable=True, residual=False) — one registry entry.

    ``forward(*xs, **kw)`` computes the result from plain values (``xs`` are the array
    inputs, ``kw`` static options). With ``residual=True`` it returns ``(y, residual)``
    and the residual (saved intermediates) is kept for the backward pass.
    ``vjp(node, g)`` returns one gradient (or ``None``) per input, given the output
    gradient ``g``; it reads ``node.xs``, ``node.kw``, ``node.y``, ``node.res`` and may
    skip inputs for which ``node.needs(i)`` is False. VJPs never modify ``g`` in place.
    Non-differentiable primitives (comparisons, argmax) return plain results even
    for traced inputs, which stops the gradient there.

    >>> from toolkit.nn import primitives
    >>> primitives.ADD.differentiable, primitives.ARGMAX.differentiable
    (True, False)
    """

    __slots__ = ("name", "forward", "vjp", "differentiable", "residual")

    def __init__(self, name, forward, vjp=None, differentiable=True, residual=False):
        self.name, self.forward, self.vjp = name, forward, vjp
        self.differentiable, self.residual = differentiable, residual

    def __repr__(self):
        return f"<primitive {self.name}>"


#: name -> Primitive: every operation the tape knows, with its VJP.
PRIMITIVES: dict[str, Primitive] = {}


def register(name: str, forward, vjp=None, *, differentiable=True, residual=False) -> Primitive:
    """register(name, forward, vjp=None, *, differentiable=True, residual=False) -> Primitive.

    Adds one primitive to :data:`PRIMITIVES`; a name may be registered once.

    >>> p = register("doctest_twice", lambda x: 2 * x, lambda node, g: (2 * g,))
    >>> apply(p, 3.0)
    6.0
    >>> del PRIMITIVES["doctest_twice"]
    """
    if name in PRIMITIVES and not _same_origin(PRIMITIVES[name].forward, forward):
        raise GradientError(f"primitive {name!r} is registered twice")
    if differentiable and vjp is None:
        raise GradientError(f"differentiable primitive {name!r} needs a vjp")
    prim = Primitive(name, forward, vjp, differentiable, residual)
    PRIMITIVES[name] = prim
    return prim


def _same_origin(f, g) -> bool:
    """Whether two functions are the same definition (a module imported a second time)."""
    key = lambda fn: (getattr(fn, "__module__", None), getattr(fn, "__qualname__", id(fn)))  # noqa: E731
    return key(f) == key(g)


class Node(tuple):
    """Node(prim, out, ins, xs, kw, res) — one tape entry: the primitive, its traced output,
    its inputs (as passed), their plain values, static options and saved values.

    A tuple underneath, built by the hot paths with :data:`new_node` (``tuple.__new__``
    in C), since every traced operation makes one.

    >>> from toolkit.nn import primitives
    >>> Node(primitives.ADD, None, (1.0, 2.0), (1.0, 2.0), None, None).xs
    (1.0, 2.0)
    """

    __slots__ = ()
    prim = property(itemgetter(0), doc="the Primitive")
    out = property(itemgetter(1), doc="the traced output (Tracked)")
    ins = property(itemgetter(2), doc="the inputs as passed: Tracked or plain")
    xs = property(itemgetter(3), doc="the inputs' plain values")
    kw = property(itemgetter(4), doc="static keyword options, or None")
    res = property(itemgetter(5), doc="the residual saved by the forward pass, or None")

    def __new__(cls, prim, out, ins, xs, kw, res):
        return tuple.__new__(cls, (prim, out, ins, xs, kw, res))

    @property
    def y(self):
        """The primitive's output value (plain)."""
        return self.out.data

    def needs(self, i: int) -> bool:
        """needs(i) -> whether input ``i`` is traced, i.e. wants a gradient."""
        return type(self[2][i]) is Tracked


#: new_node((prim, out, ins, xs, kw, res)) -> Node, without a Python-level call.
new_node = partial(tuple.__new__, Node)


def apply(prim: Primitive, *args, **kw):
    """apply(prim, *args, **kw) -> the primitive applied; traced if any argument is.

    >>> from toolkit.nn import primitives
    >>> apply(primitives.MUL, 2.0, 4.0)
    8.0
    """
    tape = None
    for a in args:
        if type(a) is Tracked:
            tape = a.tape
            break
    if tape is None:
        y = prim.forward(*args, **kw)
        return y[0] if prim.residual else y
    xs = tuple([a.data if type(a) is Tracked else a for a in args])
    y = prim.forward(*xs, **kw)
    if not prim.differentiable:
        return y
    res = None
    if prim.residual:
        y, res = y
    out = Tracked(y, tape)
    tape.append(new_node((prim, out, args, xs, kw, res)))
    return out


def _apply2(prim: Primitive, a, b):
    """apply for binary operators: the hot path of scalar code."""
    if type(a) is Tracked:
        tape, xa = a.tape, a.data
    else:
        tape, xa = None, a
    if type(b) is Tracked:
        tape, xb = b.tape, b.data
    else:
        xb = b
    if tape is None:
        return prim.forward(a, b)
    out = Tracked(prim.forward(xa, xb), tape)
    tape.append(new_node((prim, out, (a, b), (xa, xb), None, None)))
    return out


def _apply1(prim: Primitive, a, kw=None):
    """apply for one traced input and static keyword options."""
    if type(a) is not Tracked:
        y = prim.forward(a, **kw) if kw else prim.forward(a)
        return y[0] if prim.residual else y
    xa = a.data
    y = prim.forward(xa, **kw) if kw else prim.forward(xa)
    if not prim.differentiable:
        return y
    res = None
    if prim.residual:
        y, res = y
    out = Tracked(y, a.tape)
    a.tape.append(new_node((prim, out, (a,), (xa,), kw, res)))
    return out


def _unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x`` (the input that was broadcast)."""
    if type(x) is float:
        return g if type(g) is float else g.sum()
    if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape:
        return g  # the common case, decided without building shapes
    shape = shape_of(x)
    gshape = shape_of(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def backward(tape: list, out: Tracked, seed) -> None:
    """backward(tape, out, seed) — accumulate ``.grad`` on the traced inputs of the tape.

    The pass consumes the tape, as a hand-written backward pass would: each node is
    dropped once its VJP has run, with its output's gradient (no later node reads it),
    so that intermediates are freed as it goes and their memory is reused while still in
    cache. Only the gradients of values no node produced (the traced arguments) remain.
    """
    out.grad = seed
    while tape:
        node = tape.pop()
        prim, node_out, ins = node[0], node[1], node[2]
        g = node_out.grad
        if g is None:
            continue
        node_out.grad = None
        for a, ga in zip(ins, prim.vjp(node, g)):  # noqa: B905  (hot loop)
            if ga is None or type(a) is not Tracked:
                continue
            if type(ga) is not float:  # a float gradient only ever meets a float input
                ga = _unbroadcast(ga, a.data)
            a.grad = ga if a.grad is None else a.grad + ga


# ---------------------------------------------------------------------------- entry points


def _trace_arg(arg, i: int, tape: list):
    """Trace one argument of f: a Tracked number or array, a Traced tree, or arg itself."""
    if type(arg) is float or type(arg) is int:
        return Tracked(float(arg), tape, f"argument {i}")
    if isinstance(arg, Module | list | tuple | dict):
        return Traced(arg, tape)
    if is_float(arg):
        return Tracked(arg, tape, f"argument {i}")
    return arg


def _leaf_grad(value):
    """The gradient accumulated on a traced leaf, shaped like it; None for anything else."""
    if type(value) is not Tracked:
        return None
    g = value.grad
    if g is None:
        return None
    if type(value.data) is float:
        return float(g)
    g = _unbroadcast(g, value.data)
    if 0 in getattr(g, "strides", ()):
        g = g.copy()  # a broadcast view: hand the user an array they own
    return g


def _check_output(out):
    """The scalar to differentiate (Tracked or plain) and the value to return."""
    value = out
    if isinstance(out, tuple) and out:
        out = out[0]  # (loss, aux...): differentiate the first entry, return all
    data = out.data if type(out) is Tracked else out
    if not (type(data) is float or shape_of(data) == ()):
        msg = (
            f"gradient needs f to return a scalar; got shape {shape_of(data)} — reduce it, "
            f"e.g. with sum or mean"
        )
        raise GradientError(msg)
    return out, value


def _uninitialised_params(arg) -> bool:
    """Whether a lazily-built layer created parameters during the traced call."""
    found = []

    def look(value, path, state):
        if not state and type(value) is not Tracked and is_float(value) and len(shape_of(value)):
            found.append(path)
        return value

    map_inplace(look, arg, "")
    return bool(found)


def withgradient(f: Callable, *args):
    """withgradient(f, *args) -> (value, grads): ``f(*args)`` and its gradients.

    ``f`` must return a scalar (a Python number or a 0-d array), or a tuple whose first
    entry is that scalar (the rest comes back in ``value`` untouched). ``grads`` is a
    tuple with one entry per argument, mirroring it: a float for a number, an array
    for an array, a tree of the same structure for a model or container (``None`` where
    there is no gradient). Models are traced in place for the duration of the call;
    a layer that builds its parameters lazily is built by a first call and then traced
    by a second.

    Tracing swaps values into the model's fields, so do not run the same model in
    another thread during the call; nested (higher-order) gradients are not supported.

    Every float argument is differentiated, so close over data you need no gradient
    for — ``withgradient(lambda m: loss(m, x, y), model)``, as Flux's ``train!`` does —
    rather than passing ``x`` as an argument (that would compute ``x``'s gradient too).

    >>> withgradient(lambda x, y: x * y, 3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    if _numbers(args):  # no model to trace and restore
        return _withgradient_numbers(f, args)
    for attempt in (1, 2):
        tape: list = []
        traced = [_trace_arg(arg, i, tape) for i, arg in enumerate(args)]
        trees = [t for t in traced if type(t) is Traced]
        try:
            out, value = _check_output(f(*[t.value if type(t) is Traced else t for t in traced]))
            if attempt == 1 and any(t.empty and _uninitialised_params(t.value) for t in trees):
                continue  # lazy layers built their parameters: trace them this time
            if type(out) is Tracked:
                backward(tape, out, 1.0 if type(out.data) is float else np.ones_like(out.data))
            grads = tuple(_grads_of(t) for t in traced)
        finally:
            for t in trees:
                t.restore()
        return _plain(value), grads


def _withgradient_numbers(f: Callable, args: tuple):
    """withgradient for arguments that are all Python numbers: the scalar hot path."""
    tape: list = []
    if len(args) == 1:
        traced = [Tracked(float(args[0]), tape, "argument 0")]
    else:
        traced = [Tracked(float(a), tape, f"argument {i}") for i, a in enumerate(args)]
    out = f(*traced)
    if type(out) is Tracked and type(out.data) is float:
        value = out.data
        backward(tape, out, 1.0)
    else:
        out, value = _check_output(out)
        if type(out) is Tracked:
            backward(tape, out, np.ones_like(out.data))
        value = _plain(value)
    return value, tuple([None if t.grad is None else float(t.grad) for t in traced])


def _numbers(args: tuple) -> bool:
    for arg in args:
        if type(arg) is not float and type(arg) is not int:
            return False
    return True


def _grads_of(traced):
    if type(traced) is Traced:
        return traced.grads(_leaf_grad)
    return _leaf_grad(traced)


def _plain(value):
    if type(value) is Tracked:
        return value.data
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def gradient(f: Callable, *args) -> tuple:
    """gradient(f, *args) -> tuple of gradients of the scalar ``f(*args)``, one per argument.

    Zygote's ``gradient``: see :func:`withgradient` for what comes back.

    >>> gradient(lambda x: 3 * x**2 + 2 * x + 1, 2.0)
    (14.0,)
    >>> import numpy as np
    >>> gradient(lambda x: (x ** 2).sum(), np.array([1.0, -2.0]))[0].tolist()
    [2.0, -4.0]
    """
    if _numbers(args):
        return _withgradient_numbers(f, args)[1]
    return withgradient(f, *args)[1]


from toolkit.nn import ops  # noqa: E402, F401  (registers the primitives and Tracked's operators)
