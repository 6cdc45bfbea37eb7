"""The kinds of value a pipeline key holds, each with its check, its default and its JSON Schema.

A field's ``check(value, path)`` returns a list of :class:`~toolkit.errors.Problem`
(never raises), so that validation collects every problem of a file at once; the
path is a tuple of keys and indices, ``("train", "epochs")``.

>>> Int(minimum=1, default=5).check(0, ("train", "epochs"))
[Problem('train.epochs: expected an integer of at least 1, got 0')]
>>> Choice(["rgb", "gray"]).check("grey", ("data", "color"))
[Problem("data.color: 'grey' is not one of the choices; did you mean 'gray'? valid: gray, rgb")]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.errors import Problem, closest  # noqa: F401  (closest: for the modules beside)


def dotted(path) -> str:
    """dotted(("model", "chain", 2, "Dense")) -> 'model.chain[2].Dense'.

    >>> dotted(("model", "chain", 2, "Dense"))
    'model.chain[2].Dense'
    """
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def parse(where: str) -> tuple:
    """parse('model.chain[2].Dense') -> ('model', 'chain', 2, 'Dense'), dotted's inverse.

    >>> parse("model.chain[2].Dense.out")
    ('model', 'chain', 2, 'Dense', 'out')
    """
    path: list = []
    for part in where.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].lstrip("-").isdigit():
            path.append(int(part[1:-1]))
        elif part:
            path.append(part)
    return tuple(path)


def _type_name(value) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a mapping",
            type(None): "null"}.get(type(value), type(value).__name__)


def wrong(path, expected: str, value, fix=None) -> list[Problem]:
    """wrong(path, expected, value) -> [Problem 'expected ..., got ...']."""
    got = f"{value!r}" if not isinstance(value, dict | list) else _type_name(value)
    return [Problem(dotted(path), f"expected {expected}, got {got}", fix=fix)]


@dataclass
class Field:
    """Field(default=None, doc="", required=False, nullable=False) — what every kind shares."""

    default: object = None
    doc: str = ""
    required: bool = False
    nullable: bool = False

    def check(self, value, path) -> list[Problem]:
        if value is None and (self.nullable or self.default is None and not self.required):
            return []
        return self.check_value(value, path)

    def check_value(self, value, path) -> list[Problem]:  # pragma: no cover - overridden
        raise NotImplementedError

    def schema(self) -> dict:
        out = self.json()
        if self.nullable or (self.default is None and not self.required):
            out = {"anyOf": [out, {"type": "null"}]}
        out["description"] = self.doc
        if self.default is not None:
            out["default"] = self.default
        return out

    def json(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass
class Int(Field):
    """Int(minimum=None, maximum=None, ...) — an integer (booleans refused)."""

    minimum: int | None = None
    maximum: int | None = None

    def check_value(self, value, path):
        bounds = [f"at least {self.minimum}"] if self.minimum is not None else []
        bounds += [f"at most {self.maximum}"] if self.maximum is not None else []
        expected = "an integer" + (" of " + " and ".join(bounds) if bounds else "")
        if not isinstance(value, int) or isinstance(value, bool):
            return wrong(path, expected, value)
        low = self.minimum is not None and value < self.minimum
        high = self.maximum is not None and value > self.maximum
        return wrong(path, expected, value) if low or high else []

    def json(self):
        out = {"type": "integer"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass
class Fraction(Field):
    """Fraction(...) — a number strictly between 0 and 1."""

    def check_value(self, value, path):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1
        return [] if ok else wrong(path, "a number between 0 and 1 (exclusive)", value)

    def json(self):
        return {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}


@dataclass
class Bool(Field):
    """Bool(...) — true or false."""

    def check_value(self, value, path):
        return [] if isinstance(value, bool) else wrong(path, "true or false", value)

    def json(self):
        return {"type": "boolean"}


@dataclass
class Text(Field):
    """Text(...) — a string (a column name, a path)."""

    def check_value(self, value, path):
        return [] if isinstance(value, str) and value else wrong(path, "a non-empty string", value)

    def json(self):
        return {"type": "string"}


@dataclass
class Choice(Field):
    """Choice(choices, ...) — one of a few strings."""

    choices: list = field(default_factory=list)

    def __init__(self, choices, default=None, doc="", required=False, nullable=False):
        super().__init__(default, doc, required, nullable)
        self.choices = list(choices)

    def check_value(self, value, path):
        if value in self.choices:
            return []
        return [Problem(dotted(path), f"{value!r} is not one of the choices",
                        choices=sorted(self.choices), suggestion=closest(value, self.choices))]

    def json(self):
        return {"enum": list(self.choices)}


@dataclass
class Size(Field):
    """Size(...) — [height, width], two positive integers."""

    def check_value(self, value, path):
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value))
        return [] if ok else wrong(path, "[height, width], two positive integers", value)

    def json(self):
        item = {"type": "integer", "minimum": 1}
        return {"type": "array", "items": item, "minItems": 2, "maxItems": 2}
