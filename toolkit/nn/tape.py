"""The tape: reverse-mode autodiff in one file, micrograd-sized.

* A :class:`Tracked` value is a box around a plain float or array that is being
  differentiated; every Tracked value of one ``gradient`` call shares one *tape* (a list).
* A :class:`Primitive` is a forward function and its vector-Jacobian product (VJP),
  added to :data:`PRIMITIVES` once by :func:`register` (the families are in
  :mod:`toolkit.nn.primitives`).
* :func:`apply` runs a primitive: on plain inputs it just computes; if any input is
  Tracked it also appends one :class:`Node` to the tape.
* :func:`backward` walks the tape in reverse, calling each node's VJP and summing
  the gradients of inputs that were broadcast back to their shape (once, here, so VJPs
  may return broadcast-shaped gradients).

``gradient`` and ``withgradient`` (:mod:`toolkit.nn.autodiff`) put these together.
Python floats stay Python floats all the way through, which is what makes a scalar
gradient cost a few microseconds; :func:`apply1` and :func:`apply2` are :func:`apply`
for one and two inputs without the generic argument handling, for the same reason.

>>> double = register("doctest_double", lambda x: 2.0 * x, lambda node, g: (2.0 * g,))
>>> tape = []
>>> x = Tracked(3.0, tape, "x")
>>> y = apply(double, x)
>>> y.data, len(tape)
(6.0, 1)
>>> backward(tape, y, 1.0)
>>> x.grad
2.0
>>> del PRIMITIVES["doctest_double"]
"""

from __future__ import annotations

from functools import partial
from operator import itemgetter

import numpy as np

from toolkit.errors import GradientError
from toolkit.nn.device import shape_of, size_of

# ---------------------------------------------------------------------------- the traced value


class Tracked:
    """Tracked(data, tape, name=None) — a float or array recorded on ``tape``.

    ``.data`` is the plain value, ``.grad`` the gradient the backward pass accumulates,
    ``.name`` the argument or parameter path it came from (for error messages). Tracked
    values behave like the arrays they hold: each family of primitives
    (:mod:`toolkit.nn.primitives`) gives them its Python operators and methods
    (``+``, ``x[i]``, ``.T``, ``.sum()``...) and its numpy ufuncs and functions
    (:data:`UFUNCS`, :data:`FUNCTIONS`). Assigning into one raises GradientError.

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
            f"tk.where or tk.concatenate"
        )
        raise GradientError(msg)

    def __array__(self, dtype=None, copy=None):
        msg = (
            f"converting {self.describe()} to a numpy array would cut it from the "
            f"gradient; use toolkit's array functions (tk.exp, tk.sum, ...) or .data for a constant"
        )
        raise GradientError(msg)

    __hash__ = None  # like arrays: comparisons return arrays, so no hashing

    def __pos__(self):
        return self

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs:
            if ufunc in UFUNCS:
                return apply(UFUNCS[ufunc], *inputs)
            if ufunc in CONSTANT_UFUNCS:
                return ufunc(*[plain(x) for x in inputs])
        raise _no_derivative(ufunc.__name__ + ("" if method == "__call__" else f".{method}"))

    def __array_function__(self, func, types, args, kwargs):
        if func in FUNCTIONS:
            return FUNCTIONS[func](*args, **kwargs)
        raise _no_derivative(f"np.{func.__name__}")


#: numpy ufunc -> the Primitive it runs on traced values (filled by each family).
UFUNCS: dict = {}
#: ufuncs that are piecewise constant: they run on the plain value (no gradient).
CONSTANT_UFUNCS = {np.isnan, np.isfinite, np.isinf, np.ceil, np.rint, np.logical_not}
#: numpy function -> the toolkit function it means on traced values (filled by each family).
FUNCTIONS: dict = {
    np.shape: lambda x: shape_of(plain(x)),
    np.ndim: lambda x: len(shape_of(plain(x))),
    np.size: lambda x: int(size_of(plain(x))),
}


def _no_derivative(name: str) -> GradientError:
    msg = (
        f"numpy's {name} was called on a traced value but has no derivative in toolkit; "
        f"use toolkit's array functions (tk.exp, tk.log, tk.sum, tk.where, ...) or register "
        f"a primitive with toolkit.nn.tape.register"
    )
    return GradientError(msg)


def plain(x):
    """plain(x) -> the plain value of a Tracked value; anything else unchanged.

    >>> plain(Tracked(2.0, [])), plain("label")
    (2.0, 'label')
    """
    return x.data if type(x) is Tracked else x


# ---------------------------------------------------------------------------- primitives


class Primitive:
    """Primitive(name, forward, vjp, differentiable=True, residual=False) — one registry entry.

    ``forward(*xs, **kw)`` computes the result from plain values (``xs`` the array
    inputs, ``kw`` static options). With ``residual=True`` it returns ``(y, residual)``,
    and the residual (saved intermediates) is kept for the backward pass.
    ``vjp(node, g)`` returns one gradient (or ``None``) per input given the output
    gradient ``g``; it reads ``node.xs``, ``node.kw``, ``node.y``, ``node.res`` and may
    skip inputs for which ``node.needs(i)`` is False. VJPs never modify ``g`` in place.
    A non-differentiable primitive (a comparison, argmax) returns a plain result even
    for traced inputs, which stops the gradient there.

    >>> Primitive("twice", lambda x: 2 * x, lambda node, g: (2 * g,))
    <primitive twice>
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


# ---------------------------------------------------------------------------- the tape's entries


class Node(tuple):
    """Node(prim, out, ins, xs, kw, res) — one tape entry: the primitive, its traced output,
    its inputs (as passed), their plain values, static options and saved values.

    A tuple underneath, built by the hot paths with :data:`new_node` (``tuple.__new__``
    in C), since every traced operation makes one.

    >>> Node(None, None, (1.0, 2.0), (1.0, 2.0), None, None).xs
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

# ---------------------------------------------------------------------------- forward


def apply(prim: Primitive, *args, **kw):
    """apply(prim, *args, **kw) -> the primitive applied; traced if any argument is.

    >>> p = Primitive("mul", lambda a, b: a * b, lambda node, g: (g * node.xs[1], g * node.xs[0]))
    >>> apply(p, 2.0, 4.0)
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


def apply2(prim: Primitive, a, b):
    """apply2(prim, a, b) -> :func:`apply` for a binary operator: the hot path of scalar code.

    >>> apply2(Primitive("sub", lambda a, b: a - b), 5.0, 2.0)
    3.0
    """
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


def apply1(prim: Primitive, a, kw=None):
    """apply1(prim, a, kw=None) -> :func:`apply` for one input and a dict of static options.

    >>> apply1(Primitive("scale", lambda x, by: x * by), 2.0, {"by": 3.0})
    6.0
    """
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


def operators(prim: Primitive):
    """operators(prim) -> (op, reflected): Tracked's Python operator for ``prim`` and its
    reflected form (``3 * x`` calls ``x.__rmul__(3)``): the hottest code of scalar gradients.

    The reflected form has its own body rather than calling the other, which saves a
    Python call on every operation.

    >>> mul, rmul = operators(Primitive("mul", lambda a, b: a * b))
    >>> rmul(Tracked(2.0, []), 5.0).data
    10.0
    """
    fwd = prim.forward

    def op(a, b):
        if type(b) is Tracked:
            return apply2(prim, a, b)
        out = Tracked(fwd(a.data, b), a.tape)
        a.tape.append(new_node((prim, out, (a, b), (a.data, b), None, None)))
        return out

    def reflected(a, b):  # b op a, where a is Tracked and b is not (or Python would not ask)
        if type(b) is Tracked:
            return apply2(prim, b, a)
        out = Tracked(fwd(b, a.data), a.tape)
        a.tape.append(new_node((prim, out, (b, a), (b, a.data), None, None)))
        return out

    return op, reflected


# ---------------------------------------------------------------------------- backward


def unbroadcast(g, x):
    """unbroadcast(g, x) -> ``g`` summed down to the shape of ``x`` (the input that was broadcast).

    >>> unbroadcast(np.ones((4, 3)), np.zeros(3)).tolist()
    [4.0, 4.0, 4.0]
    """
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
                ga = unbroadcast(ga, a.data)
            a.grad = ga if a.grad is None else a.grad + ga
