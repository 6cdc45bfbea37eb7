"""One generic tree walk over models, gradients, optimiser state and plain containers.

A *tree* is built from nodes — :class:`~toolkit.nn.module.Module` (its ``_fields``),
``list``, ``tuple`` (named tuples too) and ``dict`` — and *leaves*: everything else
(arrays, Python numbers, ``None``, functions such as an activation inside a Chain).
The same walk finds parameters, moves them to a device, saves and prints them, and
:func:`modules` finds every layer (to seed it, set its mode, count its parameters).

Paths name leaves as dotted strings: a Module field by its name, a list/tuple item
by its index, a dict entry by its key — ``"layers.0.weight"``. They are the tensor
names in safetensors files and the names in error messages.

Gradients of a model (:func:`toolkit.nn.gradient`) are trees with the model's exact
structure: shallow copies of the same Module classes whose array fields hold the
gradients (``None`` for state, non-float leaves and leaves the loss did not reach), so
``tree_map(lambda p, g: p - 0.1 * g, model, grads)`` walks both together.

>>> import numpy as np
>>> tree = {"w": np.ones(2), "layers": [np.zeros(1), 3.0]}
>>> [path for path, _ in tree_leaves_with_path(tree)]
['w', 'layers.0', 'layers.1']
>>> leaves, treedef = tree_flatten(tree)
>>> tree_unflatten(treedef, [x * 2 for x in leaves])["layers"][1]
6.0
>>> tree_map(lambda a, b: a + b, [1.0, 2.0], [10.0, 20.0])
[11.0, 22.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from toolkit.errors import ShapeError
from toolkit.nn.module import Module

# Types that are always leaves: checked first, as most of a model's leaves are arrays.
_LEAF_TYPES = frozenset({np.ndarray, float, int, bool, str, type(None)})


class TreeDef:
    """TreeDef — the structure of a tree without its leaves (from :func:`tree_flatten`).

    ``treedef.num_leaves`` counts the leaves; ``treedef.state_mask`` is a tuple of
    booleans, one per leaf, True where the leaf sits under a Module's ``_state`` field.
    Two treedefs compare equal when their node types, field names, keys and lengths agree.

    >>> tree_flatten([1.0, (2.0, 3.0)])[1].num_leaves
    3
    """

    __slots__ = ("kind", "keys", "template", "children", "num_leaves", "state_mask")

    def __init__(self, kind, keys, template, children, state_mask):
        self.kind, self.keys, self.template, self.children = kind, keys, template, children
        self.state_mask = state_mask
        self.num_leaves = len(state_mask)

    def _signature(self):
        kind = type(self.template) if self.kind == "module" else self.template
        return (self.kind, self.keys, kind, tuple(c._signature() for c in self.children))

    def __eq__(self, other):
        return isinstance(other, TreeDef) and self._signature() == other._signature()

    def __hash__(self):
        return hash(self._signature())

    def __repr__(self):
        return f"TreeDef({self.kind}, {self.num_leaves} leaves)"


def _node_items(obj) -> tuple[str, tuple, list, tuple[str, ...]] | None:
    """(kind, keys, children, state keys) for a node; None for a leaf."""
    if isinstance(obj, Module):
        fields = obj._fields
        return "module", fields, [getattr(obj, f, None) for f in fields], obj._state
    if isinstance(obj, list):
        return "list", tuple(range(len(obj))), obj, ()
    if isinstance(obj, tuple):
        return "tuple", tuple(range(len(obj))), list(obj), ()
    if isinstance(obj, dict):
        return "dict", tuple(obj), list(obj.values()), ()
    return None


def _copy_module(module: Module) -> Module:
    new = object.__new__(type(module))
    new.__dict__.update(module.__dict__)
    return new


def _rebuild(kind: str, template, keys, children: list):
    if kind == "module":
        new = _copy_module(template)
        for name, child in zip(keys, children, strict=True):
            setattr(new, name, child)
        return new
    if kind == "list":
        return list(children)
    if kind == "dict":
        return dict(zip(keys, children, strict=True))
    if template is tuple:
        return tuple(children)
    return template(*children)  # a named tuple


def tree_flatten(obj, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, TreeDef]:
    """tree_flatten(obj, is_leaf=None) -> (leaves, treedef), leaves in depth-first order.

    ``is_leaf(node)`` returning True stops the walk at that node.

    >>> leaves, treedef = tree_flatten({"a": [1, 2], "b": 3})
    >>> leaves, treedef.num_leaves
    ([1, 2, 3], 3)
    """
    leaves: list = []
    treedef = _flatten(obj, is_leaf, leaves, False)
    return leaves, treedef


def _flatten(obj, is_leaf, leaves: list, state: bool) -> TreeDef:
    items = None if is_leaf is not None and is_leaf(obj) else _node_items(obj)
    if items is None:
        leaves.append(obj)
        return TreeDef("leaf", (), None, (), (state,))
    kind, keys, children, state_keys = items
    defs = [
        _flatten(c, is_leaf, leaves, state or k in state_keys)
        for k, c in zip(keys, children, strict=False)
    ]
    template = obj if kind == "module" else type(obj)
    mask = tuple(m for d in defs for m in d.state_mask)
    return TreeDef(kind, keys, template, tuple(defs), mask)


def tree_unflatten(treedef: TreeDef, leaves) -> Any:
    """tree_unflatten(treedef, leaves) -> a tree of ``treedef``'s structure holding ``leaves``.

    Modules are rebuilt as shallow copies of the flattened ones (``__init__`` is not run).

    >>> leaves, treedef = tree_flatten((1, [2, 3]))
    >>> tree_unflatten(treedef, [10, 20, 30])
    (10, [20, 30])
    """
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        msg = f"tree_unflatten: the treedef has {treedef.num_leaves} leaves, got {len(leaves)}"
        raise ShapeError(msg)
    it = iter(leaves)
    return _unflatten(treedef, it)


def _unflatten(treedef: TreeDef, it) -> Any:
    if treedef.kind == "leaf":
        return next(it)
    children = [_unflatten(c, it) for c in treedef.children]
    return _rebuild(treedef.kind, treedef.template, treedef.keys, children)


def tree_leaves(obj, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """tree_leaves(obj, is_leaf=None) -> the leaves of ``obj`` in depth-first order.

    >>> tree_leaves([1, {"x": 2, "y": (3, None)}])
    [1, 2, 3, None]
    """
    return tree_flatten(obj, is_leaf)[0]


def tree_leaves_with_path(obj, *, with_state: bool = False) -> list[tuple]:
    """tree_leaves_with_path(obj, *, with_state=False) -> [(path, leaf), ...].

    Paths are dotted strings (``"layers.0.weight"``); the root leaf's path is ``""``.
    With ``with_state=True`` each item is ``(path, leaf, is_state)``, ``is_state``
    True for leaves under a Module's ``_state`` fields (running statistics).

    >>> tree_leaves_with_path({"a": [1.0, 2.0]})
    [('a.0', 1.0), ('a.1', 2.0)]
    """
    out: list[tuple] = []
    _walk_paths(obj, "", False, out, with_state)
    return out


def _walk_paths(obj, path: str, state: bool, out: list, with_state: bool) -> None:
    items = _node_items(obj)
    if items is None:
        out.append((path, obj, state) if with_state else (path, obj))
        return
    _, keys, children, state_keys = items
    for key, child in zip(keys, children, strict=False):
        child_path = f"{path}.{key}" if path else str(key)
        _walk_paths(child, child_path, state or key in state_keys, out, with_state)


def tree_map(fn: Callable, tree, *rest, is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """tree_map(fn, tree, *rest, is_leaf=None) -> a new tree of ``fn(leaf, *rest_leaves)``.

    ``rest`` are trees of the same structure as ``tree`` (a gradient tree, an optimiser
    state tree); a ``None`` in ``rest`` where ``tree`` has a sub-tree stands for
    ``None`` at each of its leaves. Modules come back as shallow copies; the input trees
    are not modified. A structure mismatch raises ShapeError naming the path.

    >>> tree_map(lambda x: x * 10, {"a": 1, "b": [2, 3]})
    {'a': 10, 'b': [20, 30]}
    >>> tree_map(lambda p, g: p if g is None else p - g, [5.0, 6.0], [1.0, None])
    [4.0, 6.0]
    """
    return _map(fn, tree, rest, is_leaf, "")


def _map(fn, node, rest: tuple, is_leaf, path: str):
    if is_leaf is None:
        items = None if type(node) in _LEAF_TYPES else _node_items(node)
    else:
        items = None if is_leaf(node) else _node_items(node)
    if items is None:
        return fn(node, *rest)
    kind, keys, children, _ = items
    paths = [f"{path}.{key}" if path else str(key) for key in keys]
    if rest:
        rest_children = [_children_like(r, kind, keys, path) for r in rest]
        new = [
            _map(fn, child, tuple(rc[i] for rc in rest_children), is_leaf, paths[i])
            for i, child in enumerate(children)
        ]
    else:
        new = [_map(fn, child, (), is_leaf, p) for child, p in zip(children, paths, strict=True)]
    return _rebuild(kind, node if kind == "module" else type(node), keys, new)


def _children_like(other, kind: str, keys: tuple, path: str) -> list:
    """The children of ``other`` at the same keys, checking it has the same node type."""
    if other is None:
        return [None] * len(keys)
    items = _node_items(other)
    where = f"at {path!r}" if path else "at the root"
    if items is None or items[0] != kind or items[1] != keys:
        got = "a leaf" if items is None else f"a {items[0]} with keys {list(items[1])}"
        msg = (
            f"tree structures differ {where}: expected a {kind} with keys {list(keys)}, "
            f"got {got}; pass trees built from the same model (e.g. its gradients)"
        )
        raise ShapeError(msg)
    return items[2]


def modules(tree, path: str = "") -> Iterator[tuple[str, Module]]:
    """modules(tree, path="") -> (path, module) for every Module in ``tree``, depth first.

    The tree itself comes first (with ``path``); the paths are those of
    :func:`tree_leaves_with_path`. Fields are read from each module's ``__dict__``, so
    arrays not drawn yet stay undrawn: seeding walks a model before any weight exists.

    >>> from toolkit.nn.layers import Chain, Dense
    >>> [(path, type(m).__name__) for path, m in modules(Chain(Dense(1, 1), Chain(Dense(1, 1))))]
    [('', 'Chain'), ('layers.0', 'Dense'), ('layers.1', 'Chain'), ('layers.1.layers.0', 'Dense')]
    """
    if isinstance(tree, Module):
        yield path, tree
        items = [(name, tree.__dict__.get(name)) for name in tree._fields]
    elif isinstance(tree, list | tuple):
        items = [(str(i), child) for i, child in enumerate(tree)]
    elif isinstance(tree, dict):
        items = [(str(key), child) for key, child in tree.items()]
    else:
        return
    for key, child in items:
        if isinstance(child, Module | list | tuple | dict):
            yield from modules(child, f"{path}.{key}" if path else key)


def map_inplace(fn: Callable, obj, path: str = "", state: bool = False) -> Any:
    """map_inplace(fn, obj) -> obj with each leaf replaced by ``fn(leaf, path, is_state)``.

    Unlike :func:`tree_map`, Modules, lists and dicts are modified in place (tuples are
    rebuilt, when a leaf changed, and re-assigned in their parent):
    :func:`toolkit.nn.gradient` uses it to swap traced values into a model for one
    call and to put plain arrays back afterwards, so it is written for speed.

    >>> xs = [1.0, (2.0, 3.0)]
    >>> map_inplace(lambda leaf, path, state: (path, leaf), xs) is xs
    True
    >>> xs
    [('0', 1.0), (('1.0', 2.0), ('1.1', 3.0))]
    """
    if type(obj) in _LEAF_TYPES:
        return fn(obj, path, state)
    if isinstance(obj, Module):
        state_keys = obj._state
        for name in obj._fields:
            child = getattr(obj, name, None)
            sub = f"{path}.{name}" if path else name
            new = map_inplace(fn, child, sub, state or name in state_keys)
            if new is not child:
                setattr(obj, name, new)
        return obj
    if isinstance(obj, list | dict):
        for key, child in list(obj.items() if isinstance(obj, dict) else enumerate(obj)):
            new = map_inplace(fn, child, f"{path}.{key}" if path else str(key), state)
            if new is not child:
                obj[key] = new
        return obj
    if isinstance(obj, tuple):
        new = [
            map_inplace(fn, child, f"{path}.{i}" if path else str(i), state)
            for i, child in enumerate(obj)
        ]
        if all(a is b for a, b in zip(new, obj, strict=True)):
            return obj
        return type(obj)(new) if type(obj) is tuple else type(obj)(*new)
    return fn(obj, path, state)
