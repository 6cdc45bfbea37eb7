"""Module: the base class of layers — ordinary, mutable Python objects.

A layer is a plain object whose *tree fields* hold its arrays and sub-layers.
A subclass declares them in two class attributes:

``_fields``
    names of the attributes the generic tree walk (:mod:`toolkit.nn.tree`) visits:
    arrays (parameters and state), sub-modules, and lists / tuples / dicts of them.
    Everything else (sizes, activation functions, flags) is static configuration,
    invisible to the walk and copied as-is when a tree is rebuilt.
``_state``
    the subset of ``_fields`` that is *state*, not trainable parameters — BatchNorm's
    running statistics. The walk still visits them (they are moved to a device, saved,
    printed), but :func:`toolkit.nn.gradient` does not differentiate them (their
    gradient is ``None``) and optimisers leave them alone.

Layers may create fields lazily (``Dense(out=10)`` makes its weight on the first
batch): until then the field holds ``None``. Layers may also reassign fields during a
forward pass (BatchNorm updating its running statistics). :func:`toolkit.nn.gradient`
handles both: it swaps traced values into the fields in place for the call and puts
the plain arrays back afterwards, keeping whatever the layer assigned.

Copies made by the tree walk (``tree_map``, gradients, ``gpu``) are shallow: a new
object of the same class whose ``__dict__`` is copied and whose tree fields are
replaced; ``__init__`` is not run again. So keep per-instance data in ``__dict__``
(no ``__slots__`` in Module subclasses).

>>> import numpy as np
>>> class Scale(Module):
...     _fields = ("weight", "count")
...     _state = ("count",)
...     def __init__(self, n):
...         self.weight = np.ones(n, np.float32)
...         self.count = np.zeros((), np.int64)
...     def __call__(self, x):
...         return x * self.weight
>>> m = Scale(3)
>>> m.tree_fields(), m.state_fields()
(('weight', 'count'), ('count',))
"""

from __future__ import annotations

from toolkit.errors import ToolkitError


class Module:
    """Module() — base class of layers; subclasses list ``_fields`` and ``_state``.

    See the module docstring of :mod:`toolkit.nn.module` for the contract.

    >>> class Empty(Module):
    ...     pass
    >>> Empty().tree_fields()
    ()
    """

    _fields: tuple[str, ...] = ()
    _state: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if isinstance(cls._fields, str) or isinstance(cls._state, str):
            msg = f"{cls.__name__}._fields and ._state must be tuples of names, not strings"
            raise ToolkitError(msg)
        extra = [name for name in cls._state if name not in cls._fields]
        if extra:
            msg = (
                f"{cls.__name__}._state names {extra} which are not in _fields "
                f"{cls._fields}; list every state field in _fields too"
            )
            raise ToolkitError(msg)

    @classmethod
    def tree_fields(cls) -> tuple[str, ...]:
        """tree_fields() -> the names of the attributes the tree walk visits."""
        return cls._fields

    @classmethod
    def state_fields(cls) -> tuple[str, ...]:
        """state_fields() -> the tree fields that are state (not trained)."""
        return cls._state

    def named_children(self) -> list[tuple[str, object]]:
        """named_children() -> [(name, child)]: what this module holds, as it is printed.

        By default each tree field and its value; layers that hold other layers
        (``Chain``, ``Parallel``) give their members, by position or by name.

        >>> import numpy as np
        >>> class Pair(Module):
        ...     _fields = ("a", "b")
        ...     def __init__(self):
        ...         self.a, self.b = np.zeros(2), None
        >>> [name for name, _ in Pair().named_children()]
        ['a', 'b']
        """
        return [(name, getattr(self, name, None)) for name in self._fields]
