"""Where the folds of an evaluation and the candidates of a tuning run.

An executor is anything with ``map(function, tasks) -> list``: it calls
``function(*task)`` for each task (a tuple of arguments) and returns the results
in the order of the tasks. toolkit ships two: :class:`Sequential` (in this
process, no overhead) and :class:`JoblibExecutor` (local processes through
joblib's loky backend, or threads). A cluster engine (Ray's joblib backend, Ray
tasks) only has to offer the same ``map``; ``tk.evaluate(..., executor=...)`` and
``tk.TunedModel(..., executor=...)`` accept it unchanged.

Results never depend on the executor: every task is a pure function of its
arguments (the model is cloned inside, seeds come with the model).

>>> Sequential().map(pow, [(2, 3), (3, 2)])
[8, 9]
>>> JoblibExecutor(workers=2, backend="threading").map(pow, [(2, 3), (3, 2)])
[8, 9]
>>> as_executor(workers=1)
Sequential()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from toolkit.errors import DataError, UnknownNameError, did_you_mean
from toolkit.registry import register

BACKENDS = {"processes": "loky", "threads": "threading"}


@runtime_checkable
class Executor(Protocol):
    """The one method an executor needs: ``map(function, tasks) -> list`` in task order."""

    def map(self, function: Callable, tasks: Sequence[tuple]) -> list: ...


@register("executors", name="sequential", aliases=("local",))
class Sequential:
    """``Sequential()``: run every task here, one after another.

    >>> Sequential().map(divmod, [(7, 2), (9, 4)])
    [(3, 1), (2, 1)]
    """

    def map(self, function: Callable, tasks: Sequence[tuple]) -> list:
        """``map(function, tasks)``: ``[function(*t) for t in tasks]``."""
        return [function(*task) for task in tasks]

    def __repr__(self) -> str:
        return "Sequential()"


@register("executors", name="joblib")
class JoblibExecutor:
    """``JoblibExecutor(workers=2, backend="loky")``: tasks on local processes (or threads).

    ``backend`` is any joblib backend name: ``"loky"`` (processes, the default),
    ``"threading"``, or one registered by a plugin (``"ray"`` after
    ``ray.util.joblib.register_ray()``). Large numpy inputs are memory-mapped to
    worker processes by joblib rather than copied.

    >>> JoblibExecutor(workers=2, backend="threading").map(divmod, [(7, 2), (9, 4)])
    [(3, 1), (2, 1)]
    """

    def __init__(self, workers: int = 2, backend: str = "loky"):
        if (
            not isinstance(workers, int)
            or isinstance(workers, bool)
            or workers == 0
            or workers < -1
        ):
            raise DataError(
                f"workers must be a positive integer (or -1 for all cores), got {workers!r}"
            )
        self.workers, self.backend = workers, backend

    def map(self, function: Callable, tasks: Sequence[tuple]) -> list:
        """``map(function, tasks)``: the results of ``function(*t)``, in the order of ``tasks``."""
        from joblib import Parallel, delayed

        return Parallel(n_jobs=self.workers, backend=self.backend)(
            delayed(function)(*t) for t in tasks
        )

    def __repr__(self) -> str:
        return f"JoblibExecutor(workers={self.workers}, backend={self.backend!r})"


def as_executor(workers: int = 1, executor=None) -> Executor:
    """``as_executor(workers=1, executor=None)``: the executor these two arguments ask for.

    ``executor`` is ``None`` (processes when ``workers > 1``, else sequential),
    ``"processes"``, ``"threads"``, ``"sequential"``, or an object with ``map``.

    >>> as_executor(4, "threads")
    JoblibExecutor(workers=4, backend='threading')
    """
    if executor is None:
        return Sequential() if workers == 1 else JoblibExecutor(workers)
    if isinstance(executor, str):
        if executor == "sequential":
            return Sequential()
        if executor not in BACKENDS:
            valid = [*BACKENDS, "sequential"]
            raise UnknownNameError(
                f"unknown executor {executor!r}; {did_you_mean(executor, valid)}"
            )
        return JoblibExecutor(max(workers, 1) if workers != -1 else -1, BACKENDS[executor])
    if isinstance(executor, Executor):
        return executor
    msg = (
        "executor must be 'processes', 'threads', 'sequential' or an object with a "
        f"map(function, tasks) method, got {executor!r}"
    )
    raise DataError(msg)
