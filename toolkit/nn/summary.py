"""``summary``: Keras's ``model.summary`` / torchinfo — per layer its output shape and parameters.

``summary(model, x)`` runs ``x`` through the model layer by layer (a ``Chain``'s
members in turn, nested chains opened) and lists, for each, its output shape, its
parameter count and how many of them train. With ``state=`` (from ``tk.setup``) the
layers whose arrays are frozen count as not trainable. It prints as a text table and
shows as an HTML table in a notebook; layers and chains show it as their notebook repr.

>>> import numpy as np
>>> from toolkit.nn.layers import BatchNorm, Chain, Dense
>>> model = Chain(Dense(4, 8, "relu"), BatchNorm(8), Dense(8, 2))
>>> print(summary(model, np.zeros((5, 4), np.float32)))
layer              output   parameters  trainable
Dense(4 => 8, relu)  (5, 8)          40         40
BatchNorm(8)       (5, 8)           32         16
Dense(8 => 2)      (5, 2)           18         18
total                               90         74
"""

from __future__ import annotations

import toolkit._html as _html
from toolkit.nn.optimise import _is_leaf
from toolkit.nn.tree import tree_leaves
from toolkit.registry import registry

_HEADERS = ("layer", "output", "parameters", "trainable")


class Summary:
    """Summary — the rows of :func:`summary`: ``rows`` [(name, depth, output shape, params,
    trainable, is_chain)], ``total`` and ``trainable`` counts; text with ``str``, HTML in a
    notebook.
    """

    def __init__(self, rows: list[tuple]):
        self.rows = rows
        leaves = [r for r in rows if not r[5]]  # a chain's row repeats its members' counts
        self.total = sum(r[3] for r in leaves)
        self.trainable = sum(r[4] for r in leaves)

    def _cells(self) -> list[list[str]]:
        cells = [["  " * depth + name, "" if shape is None else str(shape), f"{n:,}", f"{t:,}"]
                 for name, depth, shape, n, t, _ in self.rows]
        return [*cells, ["total", "", f"{self.total:,}", f"{self.trainable:,}"]]

    def __str__(self) -> str:
        cells = [list(_HEADERS), *self._cells()]
        widths = [max(len(row[i]) for row in cells) for i in range(4)]
        lines = []
        for row in cells:
            left = row[0].ljust(widths[0])
            rest = [row[1].rjust(widths[1])] + [c.rjust(max(widths[i], 10)) for i, c in
                                                 enumerate(row[2:], start=2)]
            lines.append("  ".join([left, *rest]).rstrip())
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return _html.table(_HEADERS, self._cells())


def summary(model, x=None, *, state=None) -> Summary:
    """summary(model, x=None, *, state=None) -> Summary (output shapes only when ``x`` is given)."""
    rows: list[tuple] = []
    if _is_chain(model):  # the top chain's own row would repeat the totals
        for i, (_, child) in enumerate(model.named_children()):
            x = _walk(child, x, _child(state, model, i), 0, rows)
    else:
        _walk(model, x, state, 0, rows)
    return Summary(rows)


def _walk(layer, x, state, depth: int, rows: list):
    """Append the rows of ``layer`` (opening chains); returns its output for ``x``."""
    if _is_chain(layer):
        index = len(rows)
        rows.append(None)
        out = x
        for i, (_, child) in enumerate(layer.named_children()):
            out = _walk(child, out, _child(state, layer, i), depth + 1, rows)
        members = [r for r in rows[index + 1:] if not r[5]]
        rows[index] = ("Chain", depth, _shape(out), sum(r[3] for r in members),
                       sum(r[4] for r in members), True)
        return out
    out = None if x is None else layer(x)
    total, trainable = _counts(layer)
    if _frozen(state):
        trainable = 0
    rows.append((_name(layer), depth, _shape(out), total, trainable, False))
    return out


def _child(state, chain, i: int):
    if state is None:
        return None
    try:
        return state[i] if isinstance(chain.layers, list) else state[chain.named_children()[i][0]]
    except (TypeError, KeyError, IndexError):
        return None


def _is_chain(layer) -> bool:
    """Whether ``layer`` is a Chain, looked up by name: the layers import this module."""
    return isinstance(layer, registry("layers").get("Chain"))


def _frozen(state) -> bool:
    leaves = [leaf for leaf in tree_leaves(state, _is_leaf) if leaf is not None] if state else []
    return bool(leaves) and all(leaf.frozen for leaf in leaves)


def _counts(layer) -> tuple[int, int]:
    if hasattr(layer, "nparams"):  # a Layer
        trainable, fixed = layer.nparams()
        return trainable + fixed, trainable
    n = sum(int(getattr(a, "size", 0)) for a in tree_leaves(layer) if hasattr(a, "shape"))
    return n, n


def _name(layer) -> str:
    if hasattr(layer, "nparams") or hasattr(layer, "_fields"):
        text = repr(layer)
        return text if "\n" not in text else type(layer).__name__
    return getattr(layer, "__name__", type(layer).__name__)


def _shape(out):
    if out is None:
        return None
    if isinstance(out, tuple | list):
        return tuple(_shape(o) for o in out)
    return tuple(getattr(out, "shape", ()))
