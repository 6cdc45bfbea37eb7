"""``gradient`` and ``withgradient``, Zygote-style, on top of the tape.

:func:`withgradient` traces each argument — a number or a float array becomes a
:class:`~toolkit.nn.tape.Tracked` value, a model or container has its float arrays
swapped for Tracked values in place (:mod:`toolkit.nn.tracing`) — calls ``f``, runs
:func:`~toolkit.nn.tape.backward` from the scalar it returns, and hands back the
gradients shaped like the arguments: a number for a number, an array for an array, a
tree of the model's structure for a model (see :mod:`toolkit.nn.tree`). ``None`` stands
for "no gradient": the result did not depend on that value, or the value is not
differentiable (integers, BatchNorm running statistics, functions).

Inside ``f`` use Python's operators and toolkit's array functions (``tk.exp``,
``tk.sum``, ``tk.where``...; all in :mod:`toolkit.nn.ops`), or numpy's where a
primitive exists (``np.exp(x)`` works on a traced ``x``). Plain numpy/cupy inputs never
touch the tape, and Python floats stay Python floats all the way through, which is
what makes a scalar gradient cost a few microseconds.

>>> gradient(lambda x: 3 * x**2 + 2 * x + 1, 2.0)
(14.0,)
>>> import numpy as np
>>> value, (g,) = withgradient(lambda w: (w * w).sum(), np.array([1.0, 2.0]))
>>> float(value), g.tolist()
(5.0, [2.0, 4.0])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from toolkit.errors import GradientError
from toolkit.nn import ops  # noqa: F401  (registers every primitive and Tracked's operators)
from toolkit.nn.device import shape_of
from toolkit.nn.module import Module
from toolkit.nn.tape import Tracked, backward, unbroadcast
from toolkit.nn.tracing import Traced, is_float
from toolkit.nn.tree import map_inplace


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
    g = unbroadcast(g, value.data)
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
