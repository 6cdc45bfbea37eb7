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


class TrainingError(ToolkitError, RuntimeError):
    """Training that cannot go on as asked: no batches, nothing left to train."""


class NonFiniteLossError(TrainingError, FloatingPointError):
    """The loss became NaN or infinite during training; the message names the epoch and step."""


class DetachedLossError(GradientError):
    """A loss that does not depend on the model's parameters (taken out of the trace)."""


class CheckpointError(TrainingError):
    """A training checkpoint that does not fit the run: another optimiser, a later epoch."""


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
