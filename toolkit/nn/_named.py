"""A table of named parts (schedules, callbacks) built by name or ``{name: {options}}``.

A stand-in for ``toolkit.registry`` until it lands: the same two moves, register and
build, so that moving onto it changes these modules' first lines only.

>>> table = Table("things")
>>> @table.register
... class Thing:
...     def __init__(self, size=1):
...         self.size = size
>>> table.build({"Thing": {"size": 3}}).size, table.build("Thing").size
(3, 1)
>>> table.build("Thin")
Traceback (most recent call last):
...
toolkit.errors.UnknownNameError: no things named 'Thin'; did you mean 'Thing'? Valid names: Thing
"""

from __future__ import annotations

import inspect

from toolkit.errors import UnknownNameError, did_you_mean


class Table:
    """Table(family) — named classes of one family: ``register`` and ``build``."""

    def __init__(self, family: str):
        self.family, self.entries = family, {}

    def register(self, cls):
        self.entries[cls.__name__] = cls
        return cls

    def names(self) -> list[str]:
        return sorted(self.entries)

    def get(self, name: str):
        if name not in self.entries:
            msg = f"no {self.family} named {name!r}; {did_you_mean(name, self.entries)}"
            raise UnknownNameError(msg)
        return self.entries[name]

    def build(self, spec):
        """build("Name") or build({"Name": {options}}); an object already built passes through."""
        if isinstance(spec, str):
            return self.get(spec)()
        if isinstance(spec, dict) and len(spec) == 1:
            (name, options), = spec.items()
            cls = self.get(name)
            valid = set(inspect.signature(cls).parameters)
            for key in options or {}:
                if key not in valid:
                    msg = f"{name} has no option {key!r}; {did_you_mean(key, valid)}"
                    raise UnknownNameError(msg)
            return cls(**(options or {}))
        return spec
