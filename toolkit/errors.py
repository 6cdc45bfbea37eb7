"""The exceptions toolkit raises.

One base class, :class:`ToolkitError`, and a few meaningful subclasses. Every
message says what was expected, what arrived, and how to fix it, naming the
file, line, column, YAML key or layer involved.

>>> from toolkit.errors import ToolkitError, DataError
>>> issubclass(DataError, ToolkitError) and issubclass(DataError, ValueError)
True
"""

from __future__ import annotations


class ToolkitError(Exception):
    """Base class of every error toolkit raises on purpose."""


class DataError(ToolkitError, ValueError):
    """Bad input data: a table, an array, a label, a split fraction."""


class BadFileError(DataError):
    """A file that cannot be read or decoded; the message names the file and why."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class TableError(DataError):
    """A malformed table; the message names the file, line and column."""


class SchemaError(DataError):
    """Data whose columns or scientific types do not fit what was asked."""


class UnknownNameError(ToolkitError, KeyError):
    """A name that is not registered (transform, layer, model, measure, option)."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class ShapeError(ToolkitError, ValueError):
    """An array of the wrong shape reached a layer or an operation."""


class GradientError(ToolkitError, TypeError):
    """Differentiation that cannot be done (non-scalar output, no derivative)."""


class NotTrainedError(ToolkitError, RuntimeError):
    """A model or machine used before it was fitted."""


class DeviceError(ToolkitError, RuntimeError):
    """A GPU was required (``strict=True``) but cannot be used."""


class UnsafeFileError(ToolkitError, ValueError):
    """A model file that is not what it claims, or holds types not trusted to load."""


def did_you_mean(name: str, valid) -> str:
    """A sentence listing the valid names, closest first, for error messages.

    >>> did_you_mean("Rotat", ["Rotate", "HorizontalFlip", "Blur"])
    "did you mean 'Rotate'? Valid names: Blur, HorizontalFlip, Rotate"
    """
    import difflib

    valid = sorted(str(v) for v in valid)
    close = difflib.get_close_matches(str(name), valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}Valid names: {', '.join(valid)}"


class Problem:
    """Problem(where, problem, *, mark=None, choices=(), suggestion=None, fix=None, path=None)
    — one thing wrong in a pipeline file: its key path, what is wrong, the valid choices,
    the closest of them and how to fix it; ``mark`` is where it is (file, line, column),
    ``path`` the key path as a tuple where a key holds a dot.

    >>> str(Problem("train.epohcs", "unknown key", choices=["epochs", "loss"], suggestion="epochs"))
    "train.epohcs: unknown key; did you mean 'epochs'? valid: epochs, loss"
    """

    MAX_CHOICES = 40

    def __init__(self, where, problem, *, mark=None, choices=(), suggestion=None, fix=None,
                 path=None):
        self.where, self.problem, self.mark, self.path = str(where), str(problem), mark, path
        self.choices, self.suggestion, self.fix = list(choices), suggestion, fix

    def __str__(self) -> str:
        text = self.problem
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        if self.choices:
            shown = ", ".join(str(c) for c in self.choices[: self.MAX_CHOICES])
            more = len(self.choices) - self.MAX_CHOICES
            text += (" " if self.suggestion else "; ") + f"valid: {shown}"
            text += f" (and {more} more)" if more > 0 else ""
        if self.fix:
            text += f"; {self.fix}"
        head = f"{self.mark}: " if self.mark is not None else ""
        return f"{head}{self.where}: {text}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"


class InvalidConfigError(ToolkitError, ValueError):
    """A pipeline file with problems; ``problems`` lists every one, and the message too."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RunFolderError(ToolkitError, RuntimeError):
    """A run folder that cannot be used as asked: a resume of a changed run, a taken folder."""
