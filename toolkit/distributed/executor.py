"""RayExecutor: folds and tuning points as Ray tasks, results in task order, faults survived.

``RayExecutor(address=None, max_retries=3, runtime_env=None, *, timeout=600.0,
num_cpus=1)`` is an executor (``map(function, tasks) -> list``, see
``toolkit.models.executors``) that runs each task as one Ray task:

- **Data once.** An argument object shared by several tasks (the ``X`` and ``y``
  of every fold, the measures) is put in the object store once and every task
  gets a reference to it; ``function`` too.
- **Identical results.** Each task runs the same pure function with BLAS pinned
  to one thread (``toolkit._blas``), as every toolkit executor does, so the
  results are bit-identical to ``Sequential()``; they come back in task order.
- **Faults.** A task whose worker dies (killed, out of memory, a lost node) is
  run again by Ray, up to ``max_retries`` more times; its result is unchanged,
  the task being pure. A task that raises is not retried (it would raise again)
  and ends the map with :class:`~toolkit.errors.ExecutorError` naming the task and
  the cause; so does one whose worker keeps dying, after ``1 + max_retries`` tries.
- **No hang.** When no task finishes for ``timeout`` seconds the rest are
  cancelled and the error says what they wait for (each task asks for
  ``num_cpus`` CPUs; the cluster's CPUs and how many are free).
- **Whose Ray.** An initialised Ray is used as it is; otherwise ``address``
  (``"ray://head:10001"``, ``"auto"``) or ``RAY_ADDRESS`` is joined, or a local
  instance is started on 127.0.0.1. ``close()`` (or leaving ``with
  RayExecutor() as ex:``) shuts Ray down only if this executor started it.
- ``runtime_env`` (Ray's: ``{"pip": [...], "env_vars": {...}}``) applies to its tasks.

>>> RayExecutor("ray://head:10001", max_retries=2)
RayExecutor('ray://head:10001', max_retries=2)
>>> RayExecutor(max_retries=-1)
Traceback (most recent call last):
...
toolkit.errors.DataError: RayExecutor max_retries= must be an integer >= 0 (extra tries ...), got -1
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence

from toolkit._blas import run_pinned
from toolkit.distributed.cluster import connect, describe_resources, import_ray, shutdown
from toolkit.errors import DataError, ExecutorError
from toolkit.registry import register

_POLL_S = 0.5


@register("executors", name="ray")
class RayExecutor:
    """``RayExecutor(address=None, max_retries=3, runtime_env=None, *, timeout=600.0,
    num_cpus=1)``: tasks on a Ray cluster, in task order, bit-identical to ``Sequential()``.

    See the module documentation (``toolkit.distributed.executor``). Nothing connects
    until the first ``map`` (or ``connect()``, or a ``with`` block):

    >>> RayExecutor(max_retries=1, timeout=30)
    RayExecutor(max_retries=1, timeout=30)
    """

    def __init__(self, address: str | None = None, max_retries: int = 3, runtime_env=None, *,
                 timeout: float = 600.0, num_cpus: float = 1):
        if address is not None and not isinstance(address, str):
            msg = f"RayExecutor address= must be a string, e.g. 'ray://head:10001', got {address!r}"
            raise DataError(msg)
        self.address = address
        self.max_retries = _check_number("max_retries", max_retries, 0, int,
                                         "extra tries after a worker dies")
        self.timeout = _check_number("timeout", timeout, 1e-3, float,
                                     "seconds without a finished task before giving up")
        self.num_cpus = _check_number("num_cpus", num_cpus, 0, float, "CPUs per task")
        if runtime_env is not None and not isinstance(runtime_env, dict):
            msg = f"RayExecutor runtime_env= must be a dict (Ray's own), got {runtime_env!r}"
            raise DataError(msg)
        self.runtime_env = runtime_env
        self._started = None  # None: not connected yet; True: this executor started Ray

    def __repr__(self) -> str:
        parts = [] if self.address is None else [repr(self.address)]
        if self.max_retries != 3:
            parts.append(f"max_retries={self.max_retries}")
        if self.runtime_env is not None:
            parts.append(f"runtime_env={self.runtime_env!r}")
        if self.timeout != 600.0:
            parts.append(f"timeout={self.timeout:g}")
        if self.num_cpus != 1:
            parts.append(f"num_cpus={self.num_cpus:g}")
        return f"RayExecutor({', '.join(parts)})"

    def __enter__(self) -> RayExecutor:
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self):  # an executor travels (a pipeline's config) without its connection
        return {**self.__dict__, "_started": None}

    def connect(self):
        """``ex.connect() -> ray``: join (or start) Ray now rather than at the first ``map``."""
        ray = import_ray()
        if self._started is None or not ray.is_initialized():
            self._started = connect(self.address)
        return ray

    def close(self) -> None:
        """``ex.close()``: shut Ray down if this executor started it; a user's Ray stays up."""
        if self._started:
            shutdown(True)
        self._started = None

    def remote(self, function: Callable):
        """``ex.remote(function)``: the Ray remote function with this executor's options."""
        ray = self.connect()
        options = {"max_retries": self.max_retries, "retry_exceptions": False,
                   "num_cpus": self.num_cpus}
        if self.runtime_env is not None:
            options["runtime_env"] = self.runtime_env
        return ray.remote(function).options(**options)

    def map(self, function: Callable, tasks: Sequence[tuple]) -> list:
        """``map(function, tasks)``: ``[function(*t) for t in tasks]`` as Ray tasks, in order."""
        tasks = [tuple(t) for t in tasks]
        if not tasks:
            return []
        ray = self.connect()
        run = self.remote(run_pinned)
        fn = ray.put(function)
        refs = [run.remote(fn, *args) for args in _shared(ray, tasks)]
        return self.gather(refs, getattr(function, "__name__", repr(function)))

    def gather(self, refs: list, what: str) -> list:
        """``ex.gather(refs, what)``: the results of ``refs`` in order, waiting at most
        ``timeout`` seconds for each next one; a failed task raises ExecutorError."""
        ray = import_ray()
        index = {ref: k for k, ref in enumerate(refs)}
        results, pending = [None] * len(refs), list(refs)
        progress = time.monotonic()
        while pending:
            ready, pending = ray.wait(pending, num_returns=len(pending), timeout=_POLL_S)
            for ref in ready:
                results[index[ref]] = self._result(ray, ref, index[ref], len(refs), what, pending)
            now = time.monotonic()
            if ready:
                progress = now
            elif now - progress > self.timeout:
                self._give_up(ray, pending, len(refs), what)
        return results

    def _result(self, ray, ref, k: int, n: int, what: str, pending: list):
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as err:
            _cancel(ray, pending)
            cause = err.cause if isinstance(err.cause, BaseException) else err
            msg = f"{what} task {k} of {n} raised {type(cause).__name__}: {cause}"
            raise ExecutorError(msg, task=k) from cause
        except ray.exceptions.RayError as err:
            _cancel(ray, pending)
            tries = 1 + self.max_retries
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            msg = (f"{what} task {k} of {n} failed after {tries} tries: {type(err).__name__}: "
                   f"{first} (its worker died each time; check the workers' memory and logs, "
                   "or raise max_retries=)")
            raise ExecutorError(msg, task=k) from err

    def _give_up(self, ray, pending: list, n: int, what: str) -> None:
        _cancel(ray, pending)
        have = describe_resources(ray.cluster_resources(), ray.available_resources())
        msg = (f"{what}: no task finished in {self.timeout:g} s, {len(pending)} of {n} still "
               f"waiting; each task asks for {self.num_cpus:g} CPU(s) and the cluster has {have}")
        if ray.cluster_resources().get("CPU", 0) < self.num_cpus:
            msg += "; no node can run one: lower num_cpus= or add a larger node"
        else:
            msg += "; if the tasks are just slow, raise timeout="
        raise ExecutorError(msg)


_SHARED: dict = {}


def shared(address: str | None = None) -> RayExecutor:
    """``shared(address=None)``: one RayExecutor per address for the whole process (what the
    strings ``"ray"`` and ``"ray://host:port"`` name), so that a started Ray is reused."""
    return _SHARED.setdefault(address, RayExecutor(address))


def _shared(ray, tasks: list[tuple]) -> list[tuple]:
    """The tasks with every object that several tasks share replaced by one object reference."""
    seen: dict[int, int] = {}
    for args in tasks:
        for a in args:
            if not _small(a):
                seen[id(a)] = seen.get(id(a), 0) + 1
    refs: dict[int, object] = {}
    for args in tasks:
        for a in args:
            if seen.get(id(a), 0) > 1 and id(a) not in refs:
                refs[id(a)] = ray.put(a)
    return [tuple(refs.get(id(a), a) for a in args) for args in tasks]


def _small(value) -> bool:
    return value is None or isinstance(value, (bool, numbers.Number, str, bytes))


def _cancel(ray, pending: list) -> None:
    for ref in pending:
        try:
            ray.cancel(ref, force=True)
        except Exception:  # noqa: BLE001 - cancelling is best effort: the error that follows matters
            pass


def _check_number(name: str, value, low, kind, meaning: str):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and value >= low
    if kind is int:
        ok = ok and isinstance(value, numbers.Integral)
    if not ok:
        what = "an integer" if kind is int else "a number"
        msg = f"RayExecutor {name}= must be {what} >= {low:g} ({meaning}), got {value!r}"
        raise DataError(msg)
    return kind(value)
