"""Python operators and numpy dispatch for Tracked values, installed once at import.

Kept apart from :class:`~toolkit.nn.tracked.Tracked` itself because the operators
need the primitives, which need the tape. Binary operators go straight to the
two-argument fast path of the tape (the hot path of scalar code).
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import GradientError
from toolkit.nn import ops
from toolkit.nn import primitives as P
from toolkit.nn.autodiff import _apply1, _apply2, apply, new_node
from toolkit.nn.device import shape_of
from toolkit.nn.tracked import Tracked


def _binary(prim):
    """The operator and its reflected form for ``prim``: Tracked's hottest code.

    The reflected form (``3 * x`` calls ``x.__rmul__(3)``) has its own body rather
    than calling the other, which saves a Python call on every operation.
    """
    fwd = prim.forward

    def forward(a, b):
        if type(b) is Tracked:
            return _apply2(prim, a, b)
        out = Tracked(fwd(a.data, b), a.tape)
        a.tape.append(new_node((prim, out, (a, b), (a.data, b), None, None)))
        return out

    def reflected(a, b):  # b op a, where a is Tracked and b is not (or Python would not ask)
        if type(b) is Tracked:
            return _apply2(prim, b, a)
        out = Tracked(fwd(b, a.data), a.tape)
        a.tape.append(new_node((prim, out, (b, a), (b, a.data), None, None)))
        return out

    return forward, reflected


def _compare(prim):
    return lambda a, b: apply(prim, a, b)


def _reshape(self, *shape):
    return ops.reshape(self, shape[0] if len(shape) == 1 else shape)


def _transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], tuple | list)):
        axes = axes[0]
    return ops.transpose(self, tuple(axes) if axes else None)


def _astype(self, dtype):
    return _apply1(P.ASTYPE, self, {"dtype": np.dtype(dtype)})


def _install() -> None:
    T = Tracked
    T.__add__, T.__radd__ = _binary(P.ADD)
    T.__sub__, T.__rsub__ = _binary(P.SUB)
    T.__mul__, T.__rmul__ = _binary(P.MUL)
    T.__truediv__, T.__rtruediv__ = _binary(P.DIV)
    T.__pow__, T.__rpow__ = _binary(P.POW)
    T.__matmul__, T.__rmatmul__ = _binary(P.MATMUL)
    T.__neg__ = lambda a: _apply1(P.NEG, a)
    T.__pos__ = lambda a: a
    T.__abs__ = ops.abs
    T.__lt__, T.__le__ = _compare(P.LT), _compare(P.LE)
    T.__gt__, T.__ge__ = _compare(P.GT), _compare(P.GE)
    T.__eq__, T.__ne__ = _compare(P.EQ), _compare(P.NE)
    T.__getitem__ = ops.getitem
    T.T = property(lambda a: ops.transpose(a), doc="T — the transpose (axes reversed).")
    T.reshape, T.transpose, T.astype = _reshape, _transpose, _astype
    T.sum, T.mean, T.max, T.min = ops.sum, ops.mean, ops.max, ops.min
    T.argmax, T.argmin = ops.argmax, ops.argmin
    T.__array_ufunc__ = _array_ufunc
    T.__array_function__ = _array_function


# numpy ufuncs with a primitive; ufuncs that are piecewise constant run on the plain value.
_UFUNCS = {
    np.add: P.ADD, np.subtract: P.SUB, np.multiply: P.MUL, np.true_divide: P.DIV,
    np.power: P.POW, np.matmul: P.MATMUL, np.maximum: P.MAXIMUM, np.minimum: P.MINIMUM,
    np.negative: P.NEG, np.exp: P.EXP, np.log: P.LOG, np.sqrt: P.SQRT, np.absolute: P.ABS,
    np.tanh: P.TANH, np.less: P.LT, np.less_equal: P.LE, np.greater: P.GT,
    np.greater_equal: P.GE, np.equal: P.EQ, np.not_equal: P.NE, np.sign: P.SIGN,
    np.floor: P.FLOOR,
}  # fmt: skip
_CONSTANT_UFUNCS = {np.isnan, np.isfinite, np.isinf, np.ceil, np.rint, np.logical_not}


def _no_derivative(name: str) -> GradientError:
    msg = (
        f"numpy's {name} was called on a traced value but has no derivative in toolkit; "
        f"use the functions of toolkit.nn.ops (exp, log, sum, where, ...) or register a "
        f"primitive with toolkit.nn.autodiff.register"
    )
    return GradientError(msg)


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs:
        if ufunc in _UFUNCS:
            prim = _UFUNCS[ufunc]
            return apply(prim, *inputs)
        if ufunc in _CONSTANT_UFUNCS:
            return ufunc(*[x.data if type(x) is Tracked else x for x in inputs])
    raise _no_derivative(f"{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))


def _shape_of(x):
    return shape_of(x.data if type(x) is Tracked else x)


_FUNCTIONS = {
    np.sum: ops.sum, np.mean: ops.mean, np.max: ops.max, np.min: ops.min,
    np.reshape: ops.reshape, np.transpose: ops.transpose, np.concatenate: ops.concatenate,
    np.stack: ops.stack, np.where: ops.where, np.clip: ops.clip, np.argmax: ops.argmax,
    np.argmin: ops.argmin, np.shape: _shape_of, np.ndim: lambda x: len(_shape_of(x)),
    np.size: lambda x: int(np.prod(_shape_of(x))),
}  # fmt: skip


def _array_function(self, func, types, args, kwargs):
    if func in _FUNCTIONS:
        return _FUNCTIONS[func](*args, **kwargs)
    raise _no_derivative(f"np.{func.__name__}")


_install()
