"""Swapping traced values into a model for one call of ``gradient``, and back.

:func:`toolkit.nn.gradient` differentiates a model by replacing its trainable float
arrays with :class:`~toolkit.nn.tape.Tracked` boxes for the duration of the call.
:class:`Traced` does that in one walk over the tree (:mod:`toolkit.nn.tree`'s nodes:
Module fields, lists, tuples, dicts) and records what it passed:

* every field or item it visited, as a *slot*, so that :meth:`Traced.restore` puts the
  plain values back with one flat loop — also over a traced value that a layer moved
  into another field, and over a sub-tree a layer put in place during the call (the
  lists and dicts it passed are checked for items a layer added to them in place);
* a *plan* of the tree's structure holding the Tracked leaves, so that
  :meth:`Traced.grads` builds the gradient tree without walking the model again.

Walking a model costs little on its own but runs once per training step, between the
cache-hungry forward and backward passes; one walk instead of three saves a few percent
of a small model's step.

>>> import numpy as np
>>> params = {"w": np.ones(2), "n": 3}
>>> traced = Traced(params, [])
>>> type(params["w"]).__name__, params["n"]
('Tracked', 3)
>>> params["w"].grad = np.array([0.5, 1.0])
>>> traced.grads(lambda leaf: leaf.grad)
{'w': array([0.5, 1. ]), 'n': None}
>>> traced.restore(); type(params["w"]).__name__
'ndarray'
"""

from __future__ import annotations

from toolkit.nn.module import Module
from toolkit.nn.tape import Tracked, plain
from toolkit.nn.tree import _LEAF_TYPES, _rebuild, map_inplace

_ATTR, _ITEM = 0, 1  # how a slot's container is read and written


class Traced:
    """Traced(tree, tape) — ``tree``'s trainable float leaves traced in place on ``tape``.

    ``value`` is the tree to call ``f`` with (the same object, except for a tuple root
    holding traced leaves, which is rebuilt); ``empty`` lists the paths of trainable
    fields still ``None`` (layers that build their arrays from the first batch).
    """

    __slots__ = ("value", "plan", "slots", "containers", "empty", "_tape")

    def __init__(self, tree, tape: list):
        self.slots: list = []
        self.containers: list = []  # (list or dict, its keys) to find items added in place
        self.empty: list = []
        self._tape = tape
        self.value, self.plan = self._walk(tree, "", False)

    def _walk(self, obj, path: str, state: bool):
        """(the value to place, its plan) for one node or leaf."""
        if type(obj) in _LEAF_TYPES:  # most leaves are arrays: decided in one look-up
            return self._leaf(obj, path, state)
        if isinstance(obj, Module):
            return self._walk_fields(obj, path, state)
        if isinstance(obj, list | dict):
            return self._walk_items(obj, path, state)
        if isinstance(obj, tuple):
            return self._walk_tuple(obj, path, state)
        return self._leaf(obj, path, state)

    def _leaf(self, obj, path: str, state: bool):
        if state:
            return obj, None
        if type(obj) is Tracked and obj.tape is self._tape:
            # met a second time (a layer used twice, a model passed twice): its gradient,
            # summed over every use, stands at the first place only, so one update steps it once
            return obj, None
        if is_float(obj):
            traced = Tracked(obj, self._tape, path or None)
            return traced, traced
        if obj is None:
            self.empty.append(path)
        return obj, None

    def _walk_fields(self, module: Module, path: str, state: bool):
        plans = []
        state_keys = module._state
        for name in module._fields:
            child = getattr(module, name, None)
            placed, plan = self._walk(child, f"{path}.{name}" if path else name,
                                      state or name in state_keys)  # fmt: skip
            if placed is not child:
                setattr(module, name, placed)
            self.slots.append((_ATTR, module, name, child, placed))
            plans.append(plan)
        return module, ("module", module, module._fields, plans)

    def _walk_items(self, container, path: str, state: bool):
        is_dict = isinstance(container, dict)  # OrderedDict too: walked by key
        keys = tuple(container) if is_dict else tuple(range(len(container)))
        self.containers.append((container, keys))
        plans = []
        for key in keys:
            child = container[key]
            placed, plan = self._walk(child, f"{path}.{key}" if path else str(key), state)
            if placed is not child:
                container[key] = placed
            self.slots.append((_ITEM, container, key, child, placed))
            plans.append(plan)
        kind = "dict" if is_dict else "list"
        return container, (kind, type(container), keys, plans)

    def _walk_tuple(self, items: tuple, path: str, state: bool):
        walked = [
            self._walk(child, f"{path}.{i}" if path else str(i), state)
            for i, child in enumerate(items)
        ]
        placed = [p for p, _ in walked]
        if any(p is not c for p, c in zip(placed, items, strict=True)):
            # a tuple holding traced leaves is rebuilt; its slot in the parent restores it
            items = tuple(placed) if type(items) is tuple else type(items)(*placed)
        return items, ("tuple", type(items), tuple(range(len(placed))), [p for _, p in walked])

    def grads(self, leaf_grad):
        """grads(leaf_grad) -> the traced tree's structure holding ``leaf_grad(tracked)``
        at each traced leaf and ``None`` at every other leaf."""
        return _build(self.plan, leaf_grad)

    def restore(self) -> None:
        """Put the plain values back; safe to call more than once."""
        for how, container, key, original, placed in reversed(self.slots):
            try:
                current = getattr(container, key, None) if how == _ATTR else container[key]
            except (KeyError, IndexError):  # the call removed it: nothing to put back
                continue
            if current is placed:
                new = original
            elif type(current) is Tracked:  # a traced value the call moved here
                new = current.data
            elif current is not original and isinstance(current, Module | list | tuple | dict):
                new = map_inplace(untrace, current, "")  # a sub-tree the call put here
            else:
                continue
            if new is not current:
                if how == _ATTR:
                    setattr(container, key, new)
                else:
                    container[key] = new
        for container, keys in self.containers:  # items the call added (append, a new key)
            grown = len(container) != len(keys)
            if grown or (isinstance(container, dict) and container.keys() - keys):
                map_inplace(untrace, container, "")


def _build(plan, leaf_grad):
    if plan is None:
        return None
    if type(plan) is Tracked:
        return leaf_grad(plan)
    kind, template, keys, children = plan
    return _rebuild(kind, template, keys, [_build(child, leaf_grad) for child in children])


def is_float(value) -> bool:
    """is_float(value) -> whether ``value`` is a Python float or a float array (traceable)."""
    if type(value) is float:
        return True
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype.kind == "f" and hasattr(value, "shape")


def untrace(value, path, state):
    """A function for ``map_inplace``: a Tracked leaf back to its plain value."""
    return plain(value)
