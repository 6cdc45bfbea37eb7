"""Parameter validators: stored forms and the messages of refusals."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.augment import TransformError
from toolkit.augment import params as P


def test_numbers_become_plain_python_values():
    assert P.number("T", "x", np.int64(3), low=0, integer=True) == 3
    assert type(P.number("T", "x", np.float32(0.5))) is float
    assert P.pair("T", "x", np.array([1, 2])) == (1, 2)
    assert P.values("T", "mean", [0.5, np.float64(0.25)]) == (0.5, 0.25)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: P.probability("T", -0.1), r"T: p must lie in \[0, 1\], got -0.1"),
    (lambda: P.probability("T", True), r"got True"),
    (lambda: P.number("T", "n", 2.5, integer=True), r"T: n must be an integer, got 2.5"),
    (lambda: P.number("T", "n", 0, low=1, integer=True), r"an integer >= 1, got 0"),
    (lambda: P.pair("T", "r", [3, 1]), r"a pair \[lo, hi\] of numbers with lo <= hi"),
    (lambda: P.pair("T", "r", [1, 2, 3]), r"got \[1, 2, 3\]"),
    (lambda: P.limit("T", "limit", -5), r"T: limit must be a number >= 0, got -5"),
    (lambda: P.limit("T", "limit", [-400, 0], high=360), r"in \[-360, 360\]"),
    (lambda: P.flag("T", "f", 1), r"T: f must be true or false, got 1"),
    (lambda: P.size("T", "size", [8, 0]), r"a positive integer or a pair"),
    (lambda: P.values("T", "std", [0.2, 0], positive=True), r"positive numbers"),
    (lambda: P.kernel("T", "k", 4), r"an odd kernel size >= 3"),
    (lambda: P.kernel("T", "k", [3, 1]), r"lo <= hi"),
])
def test_refusals_name_the_owner_the_parameter_and_the_value(call, message):
    with pytest.raises(TransformError, match=message):
        call()


def test_ranges_expand_as_documented():
    assert P.symmetric(20) == (-20, 20) and P.symmetric((1, 2)) == (1, 2)
    assert P.kernel_range(7) == (3, 7) and P.kernel_range(0) == (0, 0)
    assert P.hw(8) == (8, 8) and P.hw((4, 6)) == (4, 6)
