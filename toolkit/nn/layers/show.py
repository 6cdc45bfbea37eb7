"""Printing models as Flux does: one line per layer with its parameter count, then totals.

>>> from toolkit.nn.layers import BatchNorm, Chain, Dense
>>> Chain(Dense(784, 256, "relu"), BatchNorm(256), Dense(256, 10))
Chain(
  Dense(784 => 256, relu),              # 200,960 parameters
  BatchNorm(256),                       # 512 parameters, plus 512 non-trainable
  Dense(256 => 10),                     # 2,570 parameters
)                   # Total: 6 trainable arrays, 204,042 parameters,
                    # plus 2 non-trainable, 512 parameters, summarysize 799.039 KiB.
"""

from __future__ import annotations

import inspect

import numpy as np

from toolkit.nn.layers.base import Layer, sublayers
from toolkit.nn.module import Module

_COLUMN = 40


def render(model) -> str:
    """render(model) -> the multi-line text of a container layer (its ``repr``)."""
    rows: list[tuple[str, str]] = []
    _rows(model, 0, "", rows, last=True)
    lines = [text if not note else f"{text.ljust(_COLUMN - 2)}  # {note}" for text, note in rows]
    lines[-1] = lines[-1] + _totals(model)
    return "\n".join(lines)


def _rows(obj, depth: int, label: str, rows: list, last: bool = False) -> None:
    pad = "  " * depth
    end = "" if last else ","
    if not (depth == 0 or _nested(obj)):
        rows.append((f"{pad}{label}{_short(obj)}{end}", _note(obj)))
        return
    rows.append((f"{pad}{label}{type(obj).__name__}(", ""))
    connection = getattr(obj, "connection_name", None)
    first = connection is not None and _connection_first(obj)
    if first:
        rows.append((f"  {pad}{connection},", ""))
    # a plain Module names every field; a layer names its members only when they have names
    named = not isinstance(obj, Layer) or isinstance(obj.__dict__.get("layers"), dict)
    for name, child in obj.named_children():
        _rows(child, depth + 1, f"{name} = " if named else "", rows)
    if connection is not None and not first:
        rows.append((f"  {pad}{connection},", ""))
    rows.append((f"{pad}){end}", ""))


def _nested(obj) -> bool:
    """Whether ``obj`` is printed over several lines: a module holding layers or functions.

    A plain Module always is (one row per field); a layer when it keeps members in a
    ``layers`` field (``Chain``, even empty) or one of its children is a layer or a
    function (``SkipConnection``); ``Dense`` holds only arrays.
    """
    if not isinstance(obj, Module):
        return False
    if not isinstance(obj, Layer) or isinstance(obj.__dict__.get("layers"), list | dict):
        return True
    return any(isinstance(c, Module) or callable(c) for _, c in obj.named_children())


def _connection_first(layer) -> bool:
    """Whether the constructor takes the connection first (Parallel) or last (SkipConnection)."""
    names = list(inspect.signature(type(layer)).parameters)
    return bool(names) and names[0] == "connection"


def _short(obj) -> str:
    if isinstance(obj, Module):
        return repr(obj)
    if callable(obj):
        return getattr(obj, "__name__", repr(obj))
    if hasattr(obj, "shape"):
        return f"{type(obj).__name__}{tuple(obj.shape)}"
    return repr(obj)


def _note(obj) -> str:
    if not isinstance(obj, Layer):
        return ""
    if obj.param_shapes() is None:
        return "? parameters (sized by the first batch)"
    trainable, fixed = obj.nparams()
    if not trainable and not fixed:
        return ""
    note = f"{trainable:,} parameters"
    return note + (f", plus {fixed:,} non-trainable" if fixed else "")


def counts(model) -> dict:
    """counts(model) -> arrays, parameters and bytes, trainable and not, of every layer.

    >>> from toolkit.nn.layers import Dense
    >>> counts(Dense(2, 3))["parameters"]
    9
    """
    out = dict(arrays=0, parameters=0, fixed_arrays=0, fixed=0, bytes=0, unknown=0)
    for layer in sublayers(model):
        if not isinstance(layer, Layer):
            continue
        shapes = layer.param_shapes()
        if shapes is None:
            out["unknown"] += 1
            continue
        for name, shape in shapes.items():
            n = int(np.prod(shape, dtype=np.int64))
            fixed = name in layer._state
            out["fixed_arrays" if fixed else "arrays"] += 1
            out["fixed" if fixed else "parameters"] += n
            out["bytes"] += n * _itemsize(layer.__dict__.get(name))
    return out


def _itemsize(array) -> int:
    return getattr(getattr(array, "dtype", None), "itemsize", 4)


def _totals(model) -> str:
    c = counts(model)
    pad = " " * 19
    text = f"{pad}# Total: {c['arrays']} trainable arrays, {c['parameters']:,} parameters,"
    if c["fixed_arrays"]:
        text += f"\n{' ' * 20}# plus {c['fixed_arrays']} non-trainable, {c['fixed']:,} parameters,"
    size = f" summarysize {c['bytes'] / 1024:.3f} KiB."
    if c["unknown"]:
        noun = "layer" if c["unknown"] == 1 else "layers"
        size += f" ({c['unknown']} {noun} sized by the first batch not counted)"
    return text + size
