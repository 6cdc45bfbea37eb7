"""Optimiser state trees, as in Optimisers.jl: ``setup``, ``update``, ``adjust``, ``freeze``.

``setup(rule, model)`` returns a *state tree* with the model's structure (shallow
copies of its layers) holding one :class:`Leaf` per trainable array; it lives
outside the model. ``update(state, model, grads)`` applies the rule to every
array in place (``x -= step``: no new parameter arrays, so references to them stay
valid) and returns ``(state, model)``. Running statistics (a layer's ``_state``
fields) and non-float leaves are never touched. A layer whose size is inferred
from the first batch gets its optimiser state at the first update after it is built.

``freeze(state[0])`` stops the updates of a whole sub-tree (transfer learning),
``thaw`` undoes it; ``adjust(state, lr=...)`` changes hyper-parameters in place.

>>> import numpy as np
>>> from toolkit.nn.rules import Descent
>>> params = {"w": np.ones(2, np.float32)}
>>> state = setup(Descent(0.5), params)
>>> state, params = update(state, params, {"w": np.array([1.0, 2.0], np.float32)})
>>> params["w"].tolist()
[0.5, 0.0]
>>> _ = freeze(state); _ = update(state, params, {"w": np.ones(2, np.float32)})
>>> params["w"].tolist()
[0.5, 0.0]
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import GradientError, ShapeError, UnknownNameError, did_you_mean
from toolkit.nn.device import array_module
from toolkit.nn.module import Module
from toolkit.nn.rules import Rule
from toolkit.nn.tree import (
    map_inplace,
    tree_flatten,
    tree_leaves,
    tree_leaves_with_path,
    tree_unflatten,
)

PENDING = type("Pending", (), {"__repr__": lambda self: "PENDING", "__doc__": "no state yet"})()
"""The state of a Leaf whose array a lazy layer has not built yet."""


class Leaf(Module):
    """Leaf(rule, state, frozen=False) — the optimiser state of one array.

    ``rule`` is the (immutable) rule, ``state`` what ``rule.init`` made and
    ``rule.apply`` returned last, ``frozen`` whether updates skip this array.
    ``state`` is a tree field, so ``tk.gpu(state)`` / ``tk.cpu(state)`` move it.

    >>> from toolkit.nn.rules import Momentum
    >>> Leaf(Momentum(), None)
    Leaf(Momentum(lr=0.01, rho=0.9))
    """

    _fields = ("state",)

    def __init__(self, rule: Rule, state, frozen: bool = False):
        self.rule, self.state, self.frozen = rule, state, frozen

    def __repr__(self) -> str:
        return f"Leaf({self.rule!r}{', frozen' if self.frozen else ''})"


def _is_leaf(x) -> bool:
    return isinstance(x, Leaf)


def _trainable(value, is_state: bool) -> bool:
    dtype = getattr(value, "dtype", None)
    return not is_state and dtype is not None and dtype.kind == "f" and hasattr(value, "shape")


def setup(rule: Rule, model):
    """setup(rule, model) -> state tree: one :class:`Leaf` per trainable array of ``model``.

    ``model`` is a layer, a Chain, or any tree of arrays (lists, tuples, dicts).

    >>> import numpy as np
    >>> from toolkit.nn.rules import Adam
    >>> setup(Adam(), [np.zeros(3, np.float32), "not an array"])
    [Leaf(Adam(lr=0.001, beta=(0.9, 0.999), eps=1e-08)), None]
    """
    if not isinstance(rule, Rule):
        msg = f"setup(rule, model) needs a rule such as tk.Adam(1e-3) first, got {rule!r}"
        raise TypeError(msg)
    leaves, treedef = tree_flatten(model)
    state = [_leaf(rule, x, s) for x, s in zip(leaves, treedef.state_mask, strict=True)]
    return tree_unflatten(treedef, state)


def _leaf(rule: Rule, x, is_state: bool) -> Leaf | None:
    if _trainable(x, is_state):
        return Leaf(rule, rule.init(x))
    if x is None and not is_state:  # an array a lazy layer has not built yet
        return Leaf(rule, PENDING)
    return None


def update(state, model, grads):
    """update(state, model, grads) -> (state, model): one optimiser step, in place.

    ``grads`` is the gradient of the model, as ``tk.gradient`` returns it (its first
    entry for a loss of ``(model, x, y)``). ``None`` gradients are skipped.

    >>> import numpy as np
    >>> from toolkit.nn.rules import Descent
    >>> w = [np.ones(2, np.float32)]
    >>> _, w = update(setup(Descent(1.0), w), w, [np.ones(2, np.float32)])
    >>> w[0].tolist()
    [0.0, 0.0]
    """
    work: list = []
    try:  # one walk over the three trees, collecting the work before doing any of it
        _collect(state, model, grads, work)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError):
        _diagnose(state, model, grads)
    for leaf, x, g in work:
        if leaf.state is PENDING:
            leaf.state = leaf.rule.init(x)
        leaf.state = leaf.rule.update(leaf.state, x, g)
    return state, model


def _collect(state, model, grads, work: list) -> None:
    """Append (leaf, array, gradient) for every array to update; the trees share a structure."""
    if grads is None or state is None:
        return
    kind = type(state)
    if kind is Leaf:
        if not state.frozen:
            work.append((state, model, grads))
    elif isinstance(state, Module):
        if type(model) is not kind or type(grads) is not kind:
            raise TypeError("structures differ")
        for name in state._fields:
            _collect(getattr(state, name), getattr(model, name), getattr(grads, name), work)
    elif kind is list or isinstance(state, tuple):  # named tuples too
        for s, m, g in zip(state, model, grads, strict=True):
            _collect(s, m, g, work)
    elif kind is dict:
        for key, s in state.items():
            _collect(s, model[key], grads[key], work)


def _diagnose(state, model, grads) -> None:
    """Raise the error that says how the state, model and gradient trees disagree."""
    params, treedef = tree_flatten(model)
    _grad_leaves(grads, treedef)
    if len(tree_flatten(state, _is_leaf)[0]) != len(params):
        _mismatch(state, model)
    msg = "update: the optimiser state, the model and the gradient have different structures"
    raise ShapeError(msg + "; pass the model's gradient and a state from tk.setup(rule, model)")


def _grad_leaves(grads, treedef) -> list:
    if isinstance(grads, tuple) and treedef.kind != "tuple" and len(grads) == 1:
        msg = (
            "update(state, model, grads): grads is the tuple tk.gradient returns; "
            "pass its entry for the model, e.g. grads[0]"
        )
        raise GradientError(msg)
    leaves, gdef = tree_flatten(grads)
    if len(leaves) != treedef.num_leaves:
        msg = (
            f"update: the gradient tree has {len(leaves)} leaves but the model has "
            f"{treedef.num_leaves}; pass the gradient of this model"
        )
        raise ShapeError(msg)
    return leaves


def _mismatch(state, model):
    msg = (
        "update: the optimiser state does not fit the model (it was set up for another "
        "model, or layers were added since); call tk.setup(rule, model) again"
    )
    raise ShapeError(msg)


def materialise_state(state, model) -> None:
    """materialise_state(state, model) — make the state of arrays built since ``setup``.

    ``update`` does this on the way; checkpoints call it before loading the state.
    """
    params = tree_flatten(model)[0]
    for x, leaf in zip(params, tree_flatten(state, _is_leaf)[0], strict=True):
        if leaf is not None and leaf.state is PENDING and x is not None:
            leaf.state = leaf.rule.init(x)


def adjust(state, lr: float | None = None, **fields):
    """adjust(state, lr=None, **fields) -> state, with the rules' hyper-parameters changed.

    Changes every Leaf in place (momenta are kept); fields a rule does not have are
    skipped, so ``adjust(state, lr=1e-4)`` reaches each rule of an OptimiserChain
    that has a learning rate. An unknown name raises, listing the known ones.

    >>> import numpy as np
    >>> from toolkit.nn.rules import Adam
    >>> adjust(setup(Adam(), [np.zeros(1)]), lr=0.1)
    [Leaf(Adam(lr=0.1, beta=(0.9, 0.999), eps=1e-08))]
    """
    if lr is not None:
        fields["lr"] = lr
    leaves = [leaf for leaf in tree_leaves(state, _is_leaf) if leaf is not None]
    _check_fields(leaves, fields)
    for leaf in leaves:
        leaf.rule = leaf.rule.adjusted(**fields)
    return state


def _check_fields(leaves, fields) -> None:
    known: set[str] = set()
    for leaf in leaves:
        known |= _rule_fields(leaf.rule)
    for name in fields:
        if name not in known:
            msg = f"adjust: no rule in this state has a field {name!r}; "
            msg += did_you_mean(name, known)
            raise UnknownNameError(msg)


def _rule_fields(rule) -> set[str]:
    inner = getattr(rule, "rules", None)
    if inner is not None:
        return set().union(*(_rule_fields(r) for r in inner))
    return set(rule.__dataclass_fields__)


def _set_frozen(tree, frozen: bool):
    count = 0
    for leaf in tree_leaves(tree, _is_leaf):
        if leaf is not None:
            leaf.frozen = frozen
            count += 1
    if not count:
        msg = "freeze/thaw: this part of the state holds no arrays (is it an optimiser state tree?)"
        raise GradientError(msg)
    return tree


def freeze(tree):
    """freeze(tree) -> tree: stop updating every array of this part of a state tree.

    Index the state like the model: ``freeze(state[0])`` freezes the first layer
    of a Chain. The change is made in place, so the whole state sees it.

    >>> import numpy as np
    >>> from toolkit.nn.rules import Descent
    >>> freeze(setup(Descent(), [np.zeros(1)]))
    [Leaf(Descent(lr=0.1), frozen)]
    """
    return _set_frozen(tree, True)


def thaw(tree):
    """thaw(tree) -> tree: undo :func:`freeze`, updating these arrays again.

    >>> import numpy as np
    >>> from toolkit.nn.rules import Descent
    >>> thaw(freeze(setup(Descent(), [np.zeros(1)])))
    [Leaf(Descent(lr=0.1))]
    """
    return _set_frozen(tree, False)


def state_arrays(state) -> dict:
    """state_arrays(state) -> {name: array}: every array and number of a state tree, flat.

    Names are ``"<leaf path>/<path inside the rule's state>"``; numbers become 0-d
    float64 arrays. The inverse is :func:`load_state_arrays` (checkpoints use both).

    >>> import numpy as np
    >>> from toolkit.nn.rules import Adam
    >>> sorted(state_arrays(setup(Adam(), {"w": np.zeros(2)})))
    ['w/0', 'w/1', 'w/2.0', 'w/2.1']
    """
    out = {}
    for path, leaf in _leaf_paths(state):
        if leaf.state is PENDING:
            continue
        for sub, value in tree_leaves_with_path(leaf.state):
            if isinstance(value, float | int):
                out[f"{path}/{sub}"] = np.asarray(value, np.float64)
            elif value is not None:
                out[f"{path}/{sub}"] = value
    return out


def _leaf_paths(state, path: str = "") -> list:
    """[(path, Leaf)] of a state tree, the paths those of the model's arrays."""
    if isinstance(state, Leaf):
        return [(path, state)]
    if isinstance(state, Module):
        items = [(name, getattr(state, name, None)) for name in state._fields]
    elif isinstance(state, list | tuple):
        items = list(enumerate(state))
    elif isinstance(state, dict):
        items = list(state.items())
    else:
        return []
    found = []
    for key, child in items:
        found += _leaf_paths(child, f"{path}.{key}" if path else str(key))
    return found


def load_state_arrays(state, arrays: dict, where: str = "the checkpoint") -> None:
    """load_state_arrays(state, arrays, where=...) — fill ``state`` from :func:`state_arrays`.

    ``state`` must come from ``setup`` on the same model; arrays are copied into the
    existing state arrays (so they stay on their device) after checking each shape.

    >>> from toolkit.nn.rules import Momentum
    >>> s = setup(Momentum(), [np.zeros(2)])
    >>> load_state_arrays(s, {"0/": np.ones(2)}); s[0].state.tolist()
    [1.0, 1.0]
    """
    for path, leaf in _leaf_paths(state):
        if leaf.state is PENDING:
            continue
        leaf.state = map_inplace(_restorer(arrays, path, where), leaf.state)


def _restorer(arrays: dict, path: str, where: str):
    def restore(value, sub, is_state):
        if value is None:
            return None
        key = f"{path}/{sub}"
        if key not in arrays:
            msg = f"{where} has no optimiser state {key!r}; was it saved with another optimiser?"
            raise ShapeError(msg)
        new = arrays[key]
        if isinstance(value, float | int):
            return float(new)
        if tuple(new.shape) != tuple(value.shape):
            msg = (
                f"{where}: optimiser state {key!r} has shape {tuple(new.shape)}, "
                f"the model needs {tuple(value.shape)}"
            )
            raise ShapeError(msg)
        value[...] = array_module(value).asarray(new)
        return value

    return restore
