"""Fields whose values are registered names: ``Name`` or ``{Name: {param: value}}``.

Every name comes from :func:`toolkit.registry.registry`; nothing here lists a layer,
a transform or a model. Checking defers to ``Registry.check``, which returns every
problem of one component, and building to ``Registry.build`` with the key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.errors import Problem
from toolkit.pipeline.fields import Field, dotted, wrong

_KEYWORD = re.compile(r"unknown keyword '([^']+)'")


def problems_from(errors) -> list[Problem]:
    """problems_from([ConfigError, ...]) -> Problems; an unknown keyword names its own key path.

    >>> from toolkit.errors import ConfigError
    >>> err = ConfigError("unknown keyword 'ot'; did you mean 'out'? Valid keywords: in_, out",
    ...                   where="model.chain[2].Dense", choices=["in_", "out"], suggestion="out")
    >>> print(problems_from([err])[0])
    model.chain[2].Dense.ot: unknown key; did you mean 'out'? valid: in_, out
    """
    out = []
    for e in errors:
        keyword = _KEYWORD.match(e.problem)
        if keyword:
            out.append(Problem(f"{e.where}.{keyword.group(1)}", "unknown key",
                               choices=e.choices or (), suggestion=e.suggestion))
            continue
        told = "did you mean" in e.problem or "Valid" in e.problem  # choices said already
        out.append(Problem(e.where, e.problem, choices=() if told else e.choices or (),
                           suggestion=None if told else e.suggestion))
    return out


def family(name: str):
    """family(name) -> the registry of one family (imported on first use)."""
    from toolkit.registry import registry

    return registry(name)


def check_component(family_name: str, spec, path) -> list[Problem]:
    """check_component(family, spec, path) -> every problem of one ``Name``/``{Name: {...}}``."""
    return problems_from(family(family_name).check(spec, where=dotted(path)))


def component_name(spec) -> str | None:
    """component_name("Dense") == component_name({"Dense": {...}}) == 'Dense'; else None."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and len(spec) == 1:
        return next(iter(spec))
    return None


def params_of(spec) -> dict:
    """params_of({"Dense": {"out": 3}}) -> {'out': 3}; a bare name -> {}."""
    if isinstance(spec, dict) and len(spec) == 1:
        inner = next(iter(spec.values()))
        return dict(inner) if isinstance(inner, dict) else {}
    return {}


def _plain(value) -> bool:
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, bool | int | float | str)


def filled_component(family_name: str, spec):
    """filled_component(family, spec) -> {Name: {every parameter}}: the defaults written out.

    Defaults that YAML cannot write (functions, objects) are left to the component.
    A spec with problems comes back as it is (the check reports them).

    >>> filled_component("layers", {"Dense": {"out": 3}})
    {'Dense': {'in_': None, 'out': 3, 'activation': None, 'bias': True,
               'init': 'glorot_uniform', 'seed': None}}
    >>> filled_component("layers", {"Flatten": None})
    'Flatten'
    """
    from toolkit.errors import ConfigError

    name = component_name(spec)
    reg = family(family_name)
    if name is None or name not in reg or reg.check(spec):
        return spec
    try:
        params = reg.params(name)
    except ConfigError:
        return spec
    out = {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default)
           for p in params if not p.required and _plain(p.default)}
    out.update(params_of(spec))
    return {reg.canonical(name): out} if out else reg.canonical(name)


def component_schema(family_name: str) -> dict:
    """component_schema(family) -> a JSON Schema: a registered name, or {name: {params}}."""
    reg = family(family_name)
    options = []
    for name in reg.names():
        params = {p.name: {"description": p.doc or ""} for p in reg.params(name)}
        body = {"type": ["object", "null"], "properties": params, "additionalProperties": False}
        options.append({"type": "object", "properties": {name: body}, "required": [name],
                        "additionalProperties": False})
    return {"anyOf": [{"enum": list(reg.names())}, *options]}


@dataclass
class Component(Field):
    """Component(family, ...) — one registered component of ``family``."""

    family: str = ""

    def __init__(self, family, default=None, doc="", required=False, nullable=False):
        super().__init__(default, doc, required, nullable)
        self.family = family

    def check_value(self, value, path):
        return check_component(self.family, value, path)

    def filled(self, value):
        return None if value is None else filled_component(self.family, value)

    def json(self):
        return component_schema(self.family)


class Components(Component):
    """Components(family, ...) — a list of registered components of ``family``."""

    def check_value(self, value, path):
        if not isinstance(value, list):
            return wrong(path, f"a list of {self.family} ('- Name' or '- Name: {{...}}')", value)
        return [p for i, v in enumerate(value) for p in check_component(self.family, v, (*path, i))]

    def filled(self, value):
        if not isinstance(value, list):
            return value
        return [filled_component(self.family, v) for v in value]

    def json(self):
        return {"type": "array", "items": component_schema(self.family)}
