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


class NotNumericError(SchemaError, TypeError):
    """A value that is neither a number nor text where a model needs numbers (a dict, say)."""


class ConfigError(ToolkitError, ValueError):
    """A configuration value that is wrong: a YAML key, a keyword, a component's parameter.

    ``where`` is the key path (``"model.chain[2].Dense.out"``), ``problem`` what is wrong,
    ``choices`` the valid values where there is a list of them, ``suggestion`` the closest
    valid one. ``str()`` is ``"{where}: {problem}"`` (just the problem without a path).

    >>> err = ConfigError("unknown keyword 'outs'", where="model.chain[3].Dense",
    ...                   choices=["in_", "out"], suggestion="out")
    >>> str(err), err.suggestion
    ("model.chain[3].Dense: unknown keyword 'outs'", 'out')
    """

    def __init__(self, problem: str = "", *, where: str = "", choices=(), suggestion=None):
        self.problem, self.where = str(problem), str(where)
        self.choices, self.suggestion = tuple(choices), suggestion
        super().__init__(self.problem)
        self.args = (str(self),)

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}" if self.where else self.problem

    def located(self, where: str):
        """located(where) -> the same error with ``where`` put before its key path."""
        self.where = f"{where}.{self.where}" if self.where and where else (where or self.where)
        self.args = (str(self),)
        return self


class UnknownNameError(ConfigError, KeyError):
    """A name that is not registered (transform, layer, model, measure, keyword)."""

    __str__ = ConfigError.__str__  # KeyError would otherwise repr() the message


class TransformError(ToolkitError, ValueError):
    """A transform parameter or input image that does not fit; the message names the
    transform, the parameter, what was expected, what arrived and the fix."""


class ShapeError(ToolkitError, ValueError):
    """An array of the wrong shape reached a layer or an operation."""


class HyperparameterError(ToolkitError, ValueError):
    """A hyper-parameter outside its valid range or of the wrong type (a rule, a model)."""


class LayerShapeError(ShapeError):
    """A batch of the wrong shape reached a layer; the message names the layer and where."""

    def __init__(self, layer: str, expects: str, got: str):
        self.layer, self.expects, self.got, self.where = layer, expects, got, []
        super().__init__(self._message())

    def _message(self) -> str:
        at = f" at {'.'.join(self.where)}" if self.where else ""
        return f"{self.layer}{at} expects input {self.expects}, got {self.got}"

    def locate(self, step: str) -> LayerShapeError:
        """locate(step) -> self, with ``step`` (``"layers[3]"``) prefixed to its location."""
        self.where.insert(0, step)
        self.args = (self._message(),)
        return self


class NotProbabilisticError(ToolkitError, TypeError):
    """A probability was asked of a model that predicts labels or numbers only."""


class UnsupportedModelError(ToolkitError, TypeError):
    """A model that skops cannot write (scikit-learn's ``Birch``, for one)."""


class GradientError(ToolkitError, TypeError):
    """Differentiation that cannot be done (non-scalar output, no derivative)."""


class NotTrainedError(ToolkitError, ValueError, AttributeError):
    """A model or machine used before it was fitted.

    A ValueError and an AttributeError, as scikit-learn's ``NotFittedError`` is, so
    code written for scikit-learn catches it; toolkit's own models raise the subclass
    :class:`ModelNotTrainedError`, which is ``NotFittedError`` itself.
    """


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


class TrainingError(ToolkitError, RuntimeError):
    """Training that cannot go on as asked: no batches, nothing left to train."""


class NonFiniteLossError(TrainingError, FloatingPointError):
    """The loss became NaN or infinite during training; the message names the epoch and step."""


class DetachedLossError(GradientError):
    """A loss that does not depend on the model's parameters (taken out of the trace)."""


class CheckpointError(TrainingError):
    """A training checkpoint that does not fit the run: another optimiser, a later epoch."""


class DataWarning(UserWarning):
    """Data that can be used, but likely not as meant (a class too small for the folds)."""


def __getattr__(name: str):
    # ModelNotTrainedError derives from scikit-learn's NotFittedError; it is made on
    # first use so that importing toolkit.errors (data layer, model core) does not
    # import scikit-learn, which takes a second or more.
    if name != "ModelNotTrainedError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    global ModelNotTrainedError
    from sklearn.exceptions import NotFittedError

    class ModelNotTrainedError(NotTrainedError, NotFittedError):
        """``ModelNotTrainedError(message)``: a toolkit model (not a machine) used before fit.

        Both :class:`NotTrainedError` and scikit-learn's ``NotFittedError``, so
        ``check_is_fitted``-style code and ``parametrize_with_checks`` accept it.

        >>> from sklearn.exceptions import NotFittedError
        >>> issubclass(ModelNotTrainedError, NotTrainedError), issubclass(
        ...     ModelNotTrainedError, NotFittedError)
        (True, True)
        """

    ModelNotTrainedError.__module__, ModelNotTrainedError.__qualname__ = __name__, name
    return ModelNotTrainedError


def closest(name, valid) -> str | None:
    """closest(name, valid) -> the valid name nearest to ``name``, or None if none is close.

    >>> closest("Rotat", ["Rotate", "Blur"]), closest("zzz", ["Rotate"])
    ('Rotate', None)
    """
    import difflib

    close = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1)
    if not close:  # a case slip ("adam" for "Adam") is closer than difflib thinks
        close = [v for v in map(str, valid) if v.lower() == str(name).lower()][:1]
    return close[0] if close else None


def did_you_mean(name: str, valid, what: str = "names", limit: int = 40) -> str:
    """A sentence naming the closest valid name and listing the valid ones, for messages.

    >>> did_you_mean("Rotat", ["Rotate", "HorizontalFlip", "Blur"])
    "did you mean 'Rotate'? Valid names: Blur, HorizontalFlip, Rotate"
    >>> did_you_mean("x", [f"n{i}" for i in range(5)], "keywords", limit=2)
    'Valid keywords: n0, n1, … (3 more)'
    """
    valid = sorted(str(v) for v in valid)
    close = closest(name, valid)
    hint = f"did you mean {close!r}? " if close else ""
    more = f", … ({len(valid) - limit} more)" if len(valid) > limit else ""
    return f"{hint}Valid {what}: {', '.join(valid[:limit])}{more}"


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


class SolverError(ToolkitError, RuntimeError):
    """An ODE solve that cannot go on: too many steps, or a step size collapsing (stiffness)."""


class ExportError(ToolkitError, TypeError):
    """A model (or one of its layers) that cannot be written in the asked format, named."""


class ExecutorError(ToolkitError, RuntimeError):
    """A parallel task that failed for good, or a cluster that cannot run the work.

    ``task`` is the failed task's index in submission order (``None`` when the
    problem is the cluster itself); ``str()`` names the task and the cause.
    """

    def __init__(self, message: str, task: int | None = None):
        self.task = task
        super().__init__(message)
