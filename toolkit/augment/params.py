"""Validators for transform parameters: each returns the value in its stored form
(plain Python numbers, tuples for pairs) or raises TransformError naming the
transform and the parameter.

>>> limit("Rotate", "limit", 20)
20
>>> limit("Rotate", "limit", [-10, 30])
(-10, 30)
>>> probability("HorizontalFlip", 1.5)
Traceback (most recent call last):
...
toolkit.errors.TransformError: HorizontalFlip: p must lie in [0, 1], got 1.5
"""

from __future__ import annotations

import numbers

import cv2

from toolkit.errors import TransformError

INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}
BORDER_MODES = {
    "constant": cv2.BORDER_CONSTANT,
    "replicate": cv2.BORDER_REPLICATE,
    "reflect": cv2.BORDER_REFLECT,
    "reflect101": cv2.BORDER_REFLECT_101,
    "wrap": cv2.BORDER_WRAP,
}


def _fail(owner: str, name: str, expected: str, value) -> TransformError:
    return TransformError(f"{owner}: {name} must be {expected}, got {value!r}")


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _plain(value, integer: bool):
    """A numpy scalar as a Python int/float; None where the type does not fit."""
    if integer:
        return int(value) if isinstance(value, numbers.Integral) and _is_number(value) else None
    if not _is_number(value):
        return None
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _range_text(low, high) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    return f" <= {high}" if high is not None else ""


def number(owner: str, name: str, value, *, low=None, high=None, integer=False):
    """number(owner, name, value, *, low=None, high=None, integer=False) -> int | float."""
    plain = _plain(value, integer)
    if plain is None or (low is not None and plain < low) or (high is not None and plain > high):
        kind = "an integer" if integer else "a number"
        raise _fail(owner, name, kind + _range_text(low, high), value)
    return plain


def probability(owner: str, value, name: str = "p") -> float:
    """probability(owner, value, name="p") -> float in [0, 1]."""
    plain = _plain(value, integer=False)
    if plain is None or not 0.0 <= plain <= 1.0:
        raise TransformError(f"{owner}: {name} must lie in [0, 1], got {value!r}")
    return plain


def pair(owner: str, name: str, value, *, low=None, high=None, integer=False) -> tuple:
    """pair(owner, name, value, ...) -> (lo, hi) with lo <= hi, both within the bounds."""
    kind = "integers" if integer else "numbers"
    expected = f"a pair [lo, hi] of {kind}{_range_text(low, high)} with lo <= hi"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise _fail(owner, name, expected, value)
    lo, hi = (_plain(v, integer) for v in value)
    if lo is None or hi is None or lo > hi:
        raise _fail(owner, name, expected, value)
    for v in (lo, hi):
        if (low is not None and v < low) or (high is not None and v > high):
            raise _fail(owner, name, expected, value)
    return (lo, hi)


def span(owner: str, name: str, value, *, low=None, high=None, integer=False):
    """span(owner, name, value, ...) -> a number or a pair (lo, hi), all within the bounds."""
    if _is_number(value):
        return number(owner, name, value, low=low, high=high, integer=integer)
    return pair(owner, name, value, low=low, high=high, integer=integer)


def limit(owner: str, name: str, value, *, high=None):
    """limit(owner, name, value, high=None) -> x >= 0 meaning [-x, x], or a pair (lo, hi)."""
    if _is_number(value):
        return number(owner, name, value, low=0, high=high)
    return pair(owner, name, value, low=None if high is None else -high, high=high)


def symmetric(value) -> tuple:
    """symmetric(20) -> (-20, 20); a pair passes through."""
    return (-value, value) if _is_number(value) else tuple(value)


def values(owner: str, name: str, value, *, positive=False):
    """values(owner, name, value, positive=False) -> a number, or a tuple (one per channel)."""
    low_ok = (lambda v: v > 0) if positive else (lambda v: True)
    expected = "a positive number" if positive else "a number"
    if _is_number(value):
        if not low_ok(value):
            raise _fail(owner, name, expected, value)
        return _plain(value, integer=False)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) == 0:
        raise _fail(owner, name, f"{expected} or a list of them (one per channel)", value)
    items = tuple(_plain(v, integer=False) for v in value)
    if any(v is None or not low_ok(v) for v in items):
        raise _fail(owner, name, f"a list of {expected.replace('a ', '', 1)}s", value)
    return items


def flag(owner: str, name: str, value) -> bool:
    """flag(owner, name, value) -> bool (True or False only, not 0/1)."""
    if not isinstance(value, bool):
        raise _fail(owner, name, "true or false", value)
    return value


def choice(owner: str, name: str, value, options) -> str:
    """choice(owner, name, value, options) -> value, one of ``options``."""
    if not isinstance(value, str) or value not in options:
        raise _fail(owner, name, "one of " + ", ".join(map(repr, options)), value)
    return value


def size(owner: str, name: str, value):
    """size(owner, name, value) -> a positive int (square) or a pair (height, width)."""
    if _is_number(value):
        return number(owner, name, value, low=1, integer=True)
    expected = "a positive integer or a pair [height, width] of them"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise _fail(owner, name, expected, value)
    h, w = (_plain(v, integer=True) for v in value)
    if h is None or w is None or h < 1 or w < 1:
        raise _fail(owner, name, expected, value)
    return (h, w)


def hw(value) -> tuple[int, int]:
    """hw(8) -> (8, 8); a pair passes through."""
    return (value, value) if isinstance(value, int) else tuple(value)


def kernel(owner: str, name: str, value, *, allow_zero=False):
    """kernel(owner, name, value) -> an odd int k >= 3 (sizes 3..k) or a pair of them.

    ``allow_zero`` admits 0, meaning "computed from sigma" (GaussianBlur).
    """
    got = span(owner, name, value, low=0, integer=True)
    sizes = (got,) if isinstance(got, int) else got
    if not all((k == 0 and allow_zero) or (k >= 3 and k % 2 == 1) for k in sizes):
        zero = " (or 0: from sigma)" if allow_zero else ""
        expected = f"an odd kernel size >= 3{zero}, or a pair [lo, hi] of them"
        raise _fail(owner, name, expected, value)
    return got


def kernel_range(value) -> tuple[int, int]:
    """kernel_range(7) -> (3, 7); kernel_range(0) -> (0, 0); a pair passes through."""
    if isinstance(value, int):
        return (value, value) if value == 0 else (3, value)
    return tuple(value)
