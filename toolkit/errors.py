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


class HyperParameterError(ToolkitError, ValueError, TypeError):
    """A hyper-parameter of the wrong type or out of range (the message names it)."""


class UnknownArgumentError(ToolkitError, TypeError):
    """A keyword argument that a constructor or function does not take (misspelt, most often)."""


class ShapeError(ToolkitError, ValueError):
    """An array of the wrong shape reached a layer or an operation."""


class GradientError(ToolkitError, TypeError):
    """Differentiation that cannot be done (non-scalar output, no derivative)."""


class NotTrainedError(ToolkitError, RuntimeError):
    """A model or machine used before it was fitted."""


class DeviceError(ToolkitError, RuntimeError):
    """A GPU was required (``strict=True``) but cannot be used."""


class WriteError(ToolkitError, OSError):
    """A file that cannot be written (a read-only folder, a file where a folder should be, a
    full disk); the message names the path, the reason and the fix."""

    def __init__(self, path, error: OSError):
        self.path = str(path)
        reason = error.strerror or str(error)
        named = error.filename and str(error.filename) != self.path
        where = f" ({error.filename})" if named else ""
        super().__init__(
            f"{self.path}: cannot write it: {reason}{where}; check that the folder exists and "
            "is writable (and that no file has the name of a folder on the way), or save "
            "elsewhere"
        )


class UnsafeFileError(ToolkitError, ValueError):
    """A model file that is not what it claims, or holds types not trusted to load."""


class UnsupportedModelError(ToolkitError, TypeError):
    """A model that skops cannot write (scikit-learn's ``Birch``, for one)."""


class DataWarning(UserWarning):
    """Data that can be used, but likely not as meant (a class too small for the folds)."""


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


def checked_keywords(function):
    """``@checked_keywords``: a misspelt keyword raises with did-you-mean, not a bare TypeError.

    For constructors and functions without ``**kwargs``; the message names the class
    (for ``__init__``) or the function, the unknown keyword and the valid ones.

    >>> class CSV:
    ...     @checked_keywords
    ...     def __init__(self, path, target=None, separator=","):
    ...         pass
    >>> CSV("a.csv", traget="y")
    Traceback (most recent call last):
    ...
    toolkit.errors.UnknownArgumentError: CSV got an unknown argument 'traget'; did you mean ...
    """
    import functools
    import inspect

    params = inspect.signature(function).parameters
    valid = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    valid = [n for n in valid if n != "self"]

    @functools.wraps(function)
    def checked(*args, **kwargs):
        unknown = [k for k in kwargs if k not in valid]
        if unknown:
            owner = type(args[0]).__name__ if function.__name__ == "__init__" else function.__name__
            hint = did_you_mean(unknown[0], valid)
            msg = f"{owner} got an unknown argument {unknown[0]!r}; {hint}"
            raise UnknownArgumentError(msg)
        return function(*args, **kwargs)

    return checked
