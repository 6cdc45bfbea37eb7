"""One BLAS thread while a parallel task runs, whatever executor runs it.

A BLAS library splits some products and reductions over its threads, and how
many it uses changes the order of the additions and so the last bits of a
result. Every fold and tuning point therefore runs with BLAS pinned to one
thread (threadpoolctl), in this process (sequential, threads) and in every
worker process (loky, Ray), so that each executor gives the same bits. The
executors run several tasks at once instead.

>>> run_pinned(pow, 2, 10)
1024
"""

from __future__ import annotations

from collections.abc import Callable


def one_blas_thread():
    """``with one_blas_thread(): ...``: BLAS limited to one thread inside the block."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def run_pinned(function: Callable, *args):
    """``run_pinned(function, *args)``: ``function(*args)`` with BLAS on one thread."""
    with one_blas_thread():
        return function(*args)
