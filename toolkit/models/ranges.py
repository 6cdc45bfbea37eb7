"""Hyper-parameter ranges and the strategies that pick points from them.

``hp_range(model, "max_depth", lower=1, upper=12)`` is MLJ's ``range``: numeric
(``lower``, ``upper``, ``scale="linear" | "log"``; integer or float after the type
of the model's default value, or of ``lower``/``upper`` when the default is
``None``) or nominal (``values=[...]``). A strategy turns a list of ranges into
candidate points, each a dict ``{parameter: value}``:

- ``Grid(resolution=10)``: every combination; a numeric range contributes
  ``resolution`` evenly spaced values (fewer when integer rounding merges some);
  combinations follow scikit-learn's ``ParameterGrid`` order (parameters sorted
  by name, the last varying fastest).
- ``RandomSearch(n=10, seed=None)``: ``n`` independent draws (uniform on the
  scale; log-uniform for ``scale="log"``; uniform over nominal values).
- ``LatinHypercube(n=10, seed=None)``: ``n`` points whose projections on each
  range fall in ``n`` distinct equal strata (one point per stratum).

>>> from sklearn.tree import DecisionTreeClassifier
>>> r = hp_range(DecisionTreeClassifier(), "max_depth", lower=1, upper=4)
>>> r
NumericRange('max_depth', lower=1, upper=4, scale='linear', integer=True)
>>> Grid(resolution=4).candidates([r])
[{'max_depth': 1}, {'max_depth': 2}, {'max_depth': 3}, {'max_depth': 4}]
>>> len(RandomSearch(n=5, seed=1).candidates([r]))
5
"""

from __future__ import annotations

import copy
import inspect
import itertools

import numpy as np

from toolkit._seed import generator
from toolkit.errors import DataError, UnknownNameError, did_you_mean
from toolkit.models.trust import trust
from toolkit.registry import register

SCALES = ("linear", "log")


class Settings:
    """Settings objects (ranges, tuning and resampling strategies) as scikit-learn parameters.

    ``get_params``/``set_params`` over the ``__init__`` arguments make a change made
    in place (``tuned.tuning.resolution = 20``) visible to ``tk.fit``, which then
    retrains, and allow nested names (``tuned.set_params(resampling__nfolds=3)``);
    ``clone`` copies them; two are equal when their parameters are.

    >>> g = Grid(resolution=3)
    >>> g.set_params(resolution=5) == Grid(5), g.get_params()
    (True, {'resolution': 5})
    """

    def _names(self) -> list[str]:
        init = inspect.signature(type(self).__init__).parameters
        return [name for name in init if name != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """``get_params(deep=True) -> dict``: the ``__init__`` arguments, by name."""
        return {name: getattr(self, name) for name in self._names()}

    def set_params(self, **params):
        """``set_params(**params) -> self``: new values, checked as ``__init__`` checks them."""
        names = self._names()
        for name in params:
            if name not in names:
                where = type(self).__name__
                raise UnknownNameError(
                    f"{where} has no setting {name!r}; {did_you_mean(name, names)}"
                )
        self.__init__(**{**self.get_params(), **params})
        return self

    def __sklearn_clone__(self):
        return copy.deepcopy(self)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params()

    __hash__ = None  # mutable settings


@trust
class NumericRange(Settings):
    """``NumericRange(name, lower, upper, scale, integer)``: made by :func:`hp_range`."""

    def __init__(self, name: str, lower, upper, scale: str, integer: bool):
        self.name, self.lower, self.upper, self.scale, self.integer = (
            name,
            lower,
            upper,
            scale,
            integer,
        )

    def from_unit(self, u: np.ndarray) -> list:
        """``from_unit(u)``: the values at positions ``u`` in [0, 1] along the range's scale."""
        lo, hi = (
            (np.log(self.lower), np.log(self.upper))
            if self.scale == "log"
            else (self.lower, self.upper)
        )
        if self.integer and self.scale == "linear":  # equal chances for every integer
            lo, hi = lo - 0.5, hi + 0.5
        x = lo + np.asarray(u, dtype=np.float64) * (hi - lo)
        x = np.exp(x) if self.scale == "log" else x
        if self.integer:
            return [int(v) for v in np.clip(np.round(x), self.lower, self.upper)]
        return [float(v) for v in x]

    def grid(self, resolution: int) -> list:
        """``grid(resolution)``: ``resolution`` evenly spaced values, ends included."""
        space = np.geomspace if self.scale == "log" else np.linspace
        x = space(self.lower, self.upper, resolution)
        if self.integer:
            return [int(v) for v in np.unique(np.round(x))]
        return [float(v) for v in x]

    def __repr__(self) -> str:
        return (
            f"NumericRange({self.name!r}, lower={self.lower!r}, upper={self.upper!r}, "
            f"scale={self.scale!r}, integer={self.integer})"
        )


@trust
class NominalRange(Settings):
    """``NominalRange(name, values)``: made by :func:`hp_range` with ``values=[...]``."""

    def __init__(self, name: str, values: list):
        self.name, self.values = name, list(values)

    def from_unit(self, u: np.ndarray) -> list:
        """``from_unit(u)``: the value whose equal share of [0, 1) holds each ``u``."""
        index = np.minimum((np.asarray(u) * len(self.values)).astype(int), len(self.values) - 1)
        return [self.values[i] for i in index]

    def grid(self, resolution: int) -> list:
        """``grid(resolution)``: every value (the resolution does not apply)."""
        return list(self.values)

    def __repr__(self) -> str:
        return f"NominalRange({self.name!r}, values={self.values!r})"


def hp_range(model, name: str, *, lower=None, upper=None, scale: str = "linear", values=None):
    """``hp_range(model, name; lower, upper, scale="linear")`` or ``hp_range(model, name; values)``.

    ``name`` is any of ``model.get_params(deep=True)`` (nested ``"step__param"``
    names work); ``model`` may be a model type, whose defaults then count. Unknown
    names and inconsistent bounds are refused.

    >>> from sklearn.linear_model import Ridge
    >>> hp_range(Ridge(), "alpha", lower=1e-3, upper=10, scale="log")
    NumericRange('alpha', lower=0.001, upper=10, scale='log', integer=False)
    >>> hp_range(Ridge(), "fit_intercept", values=[True, False])
    NominalRange('fit_intercept', values=[True, False])
    """
    if isinstance(model, type):  # a model type: its defaults
        model = model()
    params = model.get_params(deep=True)
    if name not in params:
        where = type(model).__name__
        raise UnknownNameError(
            f"{where} has no hyper-parameter {name!r}; {did_you_mean(name, params)}"
        )
    if values is not None:
        if lower is not None or upper is not None:
            raise DataError(
                f"hp_range({name!r}): give either values=[...] or lower/upper, not both"
            )
        if len(values) == 0:
            raise DataError(f"hp_range({name!r}): values is empty; list at least one value")
        return NominalRange(name, values)
    return _numeric(name, params[name], lower, upper, scale)


def _numeric(name, default, lower, upper, scale) -> NumericRange:
    if lower is None or upper is None:
        raise DataError(
            f"hp_range({name!r}) needs lower= and upper= (or values=[...] for a nominal range)"
        )
    if not lower < upper:
        raise DataError(
            f"hp_range({name!r}): lower must be below upper, got lower={lower}, upper={upper}"
        )
    if scale not in SCALES:
        raise DataError(f"hp_range({name!r}): scale must be one of {SCALES}, got {scale!r}")
    if scale == "log" and lower <= 0:
        raise DataError(f"hp_range({name!r}): a log scale needs lower > 0, got {lower}")
    if isinstance(default, (bool, np.bool_)):
        raise DataError(f"hp_range({name!r}) is a boolean; use values=[True, False]")
    if isinstance(default, (int, np.integer)):
        integer = True
    elif isinstance(default, (float, np.floating)):
        integer = False
    else:  # None or another type: let the bounds decide
        integer = all(isinstance(b, (int, np.integer)) for b in (lower, upper))
    return NumericRange(name, lower, upper, scale, integer)


def as_ranges(ranges) -> list:
    """``as_ranges(range) -> list``: one ``hp_range`` or a list of them, one range a name."""
    ranges = list(ranges) if isinstance(ranges, (list, tuple)) else [ranges]
    if not ranges or not all(isinstance(r, (NumericRange, NominalRange)) for r in ranges):
        raise DataError("range must be one tk.hp_range(...) or a non-empty list of them")
    names = [r.name for r in ranges]
    if len(set(names)) != len(names):
        raise DataError(f"each hyper-parameter may have one range only, got {names}")
    return ranges


@register("tuning")
@trust
class Grid(Settings):
    """``Grid(resolution=10)``: every combination of each range's grid (see the module docs).

    ``resolution`` may be a dict ``{name: resolution}`` for different numbers per range.

    >>> from sklearn.tree import DecisionTreeClassifier
    >>> Grid(resolution=3).candidates([hp_range(DecisionTreeClassifier(), "max_depth",
    ...                                         lower=1, upper=5)])
    [{'max_depth': 1}, {'max_depth': 3}, {'max_depth': 5}]
    """

    def __init__(self, resolution: int | dict = 10):
        self.resolution = resolution

    def _resolution(self, name: str) -> int:
        res = (
            self.resolution.get(name, 10) if isinstance(self.resolution, dict) else self.resolution
        )
        if not isinstance(res, (int, np.integer)) or res < 1:
            raise DataError(
                f"Grid: resolution must be a positive integer, got {res!r} for {name!r}"
            )
        return int(res)

    def candidates(self, ranges) -> list[dict]:
        """``candidates(ranges) -> list[dict]``: the grid points, in ``ParameterGrid`` order."""
        ranges = sorted(as_ranges(ranges), key=lambda r: r.name)
        names = [r.name for r in ranges]
        for name in self.resolution if isinstance(self.resolution, dict) else ():
            if name not in names:
                raise UnknownNameError(
                    f"Grid: resolution names {name!r}, which no range varies; "
                    f"{did_you_mean(name, names)}"
                )
        axes = [r.grid(self._resolution(r.name)) for r in ranges]
        return [
            dict(zip([r.name for r in ranges], point, strict=True))
            for point in itertools.product(*axes)
        ]

    def __repr__(self) -> str:
        return f"Grid(resolution={self.resolution!r})"


@register("tuning")
@trust
class RandomSearch(Settings):
    """``RandomSearch(n=10, seed=None)``: ``n`` random points (see the module docs).

    >>> from sklearn.tree import DecisionTreeClassifier
    >>> depth = hp_range(DecisionTreeClassifier(), "max_depth", lower=1, upper=5)
    >>> len(RandomSearch(n=4, seed=1).candidates([depth]))
    4
    """

    def __init__(self, n: int = 10, seed: int | None = None):
        self.n, self.seed = n, seed

    def _units(self, ranges) -> np.ndarray:
        return generator(self.seed, "RandomSearch").random((self.n, len(ranges)))

    def candidates(self, ranges) -> list[dict]:
        """``candidates(ranges) -> list[dict]``: ``n`` points drawn from the seeded generator."""
        ranges = as_ranges(ranges)
        if not isinstance(self.n, (int, np.integer)) or self.n < 1:
            raise DataError(f"{type(self).__name__}: n must be a positive integer, got {self.n!r}")
        u = self._units(ranges)
        columns = [r.from_unit(u[:, j]) for j, r in enumerate(ranges)]
        return [
            {r.name: col[i] for r, col in zip(ranges, columns, strict=True)} for i in range(self.n)
        ]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n!r}, seed={self.seed!r})"


@register("tuning")
@trust
class LatinHypercube(RandomSearch):
    """``LatinHypercube(n=10, seed=None)``: ``n`` points, one in each of ``n`` strata per range.

    >>> from sklearn.tree import DecisionTreeClassifier
    >>> depth = hp_range(DecisionTreeClassifier(), "max_depth", lower=1, upper=4)
    >>> sorted(c["max_depth"] for c in LatinHypercube(n=4, seed=1).candidates([depth]))
    [1, 2, 3, 4]
    """

    def _units(self, ranges) -> np.ndarray:
        rng = generator(self.seed, "LatinHypercube")
        strata = np.stack([rng.permutation(self.n) for _ in ranges], axis=1)
        return (strata + rng.random((self.n, len(ranges)))) / self.n
