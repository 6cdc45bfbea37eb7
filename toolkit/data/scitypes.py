"""Scientific types: what a column *means* to a model, apart from how it is stored.

Following MLJ's ScientificTypes, every column has one scientific type (a
"scitype"), decided by its storage type, so the rule is predictable:

=========================================  ===============================================
storage (polars dtype)                     scitype
=========================================  ===============================================
Float32/Float64 (and Decimal)              :class:`Continuous`
signed and unsigned integers               :class:`Count`
Boolean                                    :class:`Binary`
Categorical with exactly two levels        :class:`Binary` (a kind of :class:`Multiclass`)
Categorical                                :class:`Multiclass`
Enum (levels in a fixed order)             :class:`OrderedFactor`
String                                     :class:`Textual`
all values missing, Null, dates, nested    :class:`Unknown`
=========================================  ===============================================

"Levels" of a Categorical column are its distinct non-missing values. A string
column stays :class:`Textual` until you say otherwise: :func:`coerce` converts
columns to the scitype you name, and :func:`autotype` applies the usual fixes.
The hierarchy lets a model accept a family: ``Binary`` is a ``Multiclass``;
``Multiclass`` and ``OrderedFactor`` are ``Finite``; ``Continuous`` and ``Count``
are ``Infinite``.

>>> import polars as pl
>>> X = pl.DataFrame({"h": [1.5, None, 2.0], "n": [1, 2, 2], "s": ["a", "b", "a"]})
>>> schema(X).rows()  # column, dtype, scitype, missing, nonfinite
[('h', 'Float64', 'Continuous', 1, 0), ('n', 'Int64', 'Count', 0, 0),
 ('s', 'String', 'Textual', 0, 0)]
>>> scitypes(coerce(X, {"s": Multiclass, "n": Continuous}))
{'h': Continuous, 'n': Continuous, 's': Binary}
>>> issubclass(Binary, Multiclass), issubclass(Count, Finite)
(True, False)

Inputs: polars DataFrame/LazyFrame/Series, pandas DataFrame/Series (pandas is
imported only when you pass one), pyarrow Table/Array and numpy arrays
(columns ``column_0``, ``column_1``, ... for a 2-D array). :func:`coerce` and
:func:`autotype` return the same kind of table they were given.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from toolkit.data.frames import as_polars, table_kind
from toolkit.errors import SchemaError, did_you_mean


class _ScitypeMeta(type):
    def __repr__(cls) -> str:
        return cls.__name__


class Scitype(metaclass=_ScitypeMeta):
    """Base of every scientific type (MLJ's ``Found``). Scitypes are used as classes:
    ``scitype_of(col) is Continuous``, ``issubclass(Binary, Finite)``.
    """


class Unknown(Scitype):
    """A column whose meaning cannot be told from its storage (all missing, dates, nested)."""


class Known(Scitype):
    """Every scitype but :class:`Unknown`."""


class Textual(Known):
    """Free text: a String column (``autotype`` turns few-level strings into Multiclass)."""


class Infinite(Known):
    """Numbers: :class:`Continuous` or :class:`Count`."""


class Continuous(Infinite):
    """Real numbers: float columns."""


class Count(Infinite):
    """Whole numbers: integer columns."""


class Finite(Known):
    """``Finite(levels=None)``: a column with a finite set of levels.

    Used as a class it names the scitype; an instance only carries ``levels``
    for :func:`coerce` (``OrderedFactor(levels=["S", "M", "L"])``).
    """

    def __init__(self, levels=None):
        self.levels = None if levels is None else tuple(levels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(levels={list(self.levels or [])!r})"


class Multiclass(Finite):
    """Unordered categories: a polars Categorical column."""


class Binary(Multiclass):
    """Two categories: a Boolean column, or a Categorical one with exactly two levels."""


class OrderedFactor(Finite):
    """Ordered categories: a polars Enum column, whose categories give the order."""


SCITYPES = (Continuous, Count, Multiclass, OrderedFactor, Binary, Textual, Unknown)

# ---------------------------------------------------------------- conversions


# ---------------------------------------------------------------- inference


def _from_dtype(dtype: pl.DataType, levels: int | None, nonmissing: int) -> type[Scitype]:
    if nonmissing == 0 or dtype == pl.Null:
        return Unknown
    if dtype == pl.Boolean:
        return Binary
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return Continuous
    if dtype.is_integer():
        return Count
    if isinstance(dtype, pl.Enum):
        return OrderedFactor
    if isinstance(dtype, pl.Categorical):
        return Binary if levels == 2 else Multiclass
    if dtype == pl.String:
        return Textual
    return Unknown


def _stats(frame: pl.DataFrame | pl.LazyFrame) -> tuple[dict, pl.DataFrame]:
    """The schema and one row of missing counts, level counts (Categorical) and heights."""
    schema = frame.collect_schema()
    exprs = [pl.len().alias("\x00len")]
    for name, dtype in schema.items():
        exprs.append(pl.col(name).null_count().alias(f"m\x00{name}"))
        if dtype.is_float():  # NaN and ±inf: values, but none a model can use
            exprs.append((~pl.col(name).is_finite()).sum().alias(f"n\x00{name}"))
        if isinstance(dtype, pl.Categorical):
            exprs.append(pl.col(name).drop_nulls().n_unique().alias(f"u\x00{name}"))
    stats = frame.select(exprs)
    return dict(schema), (stats.collect() if isinstance(stats, pl.LazyFrame) else stats)


def scitypes(X) -> dict[str, type[Scitype]]:
    """``scitypes(X) -> {column: scitype}`` for any table :func:`schema` accepts.

    >>> scitypes(pl.DataFrame({"a": [True, False], "b": ["x", "y"]}))
    {'a': Binary, 'b': Textual}
    """
    schema, stats = _stats(as_polars(X))
    row = stats.row(0, named=True)
    height = row["\x00len"]
    return {
        name: _from_dtype(dtype, row.get(f"u\x00{name}"), height - row[f"m\x00{name}"])
        for name, dtype in schema.items()
    }


def scitype_of(column) -> type[Scitype]:
    """``scitype_of(column)``: the scitype of one column (polars/pandas Series, numpy 1-D, arrow).

    >>> scitype_of(pl.Series([1, 2, 3])), scitype_of(np.array([0.5, 1.0]))
    (Count, Continuous)
    """
    (kind,) = scitypes(as_polars(column)).values()
    return kind


def schema(X) -> pl.DataFrame:
    """``schema(X) -> pl.DataFrame`` with one row per column: column, dtype, scitype, missing,
    nonfinite (the NaN and ±inf values of a float column, which no model can use).

    >>> schema(np.array([[1, 2], [3, 4]])).rows()
    [('column_0', 'Int64', 'Count', 0, 0), ('column_1', 'Int64', 'Count', 0, 0)]
    >>> schema(pl.DataFrame({"x": [1.0, float("inf"), None]})).rows()
    [('x', 'Float64', 'Continuous', 1, 1)]
    """
    if getattr(type(X), "_toolkit_table", False):
        return X.schema()  # a toolkit Table: the same inference, with roles
    frame = as_polars(X)
    kinds = scitypes(frame)
    counts = _stats(frame)[1].row(0, named=True)
    return pl.DataFrame(
        {
            "column": list(kinds),
            "dtype": [str(t) for t in frame.collect_schema().dtypes()],
            "scitype": [k.__name__ for k in kinds.values()],
            "missing": [counts[f"m\x00{c}"] for c in kinds],
            "nonfinite": [counts.get(f"n\x00{c}", 0) for c in kinds],
        },
        schema={"column": pl.String, "dtype": pl.String, "scitype": pl.String, "missing": pl.Int64,
                "nonfinite": pl.Int64},
    )


# ---------------------------------------------------------------- coerce


def _target(spec) -> tuple[type, tuple | None]:
    if isinstance(spec, Finite):
        return type(spec), spec.levels
    if isinstance(spec, type) and issubclass(spec, Scitype) and spec not in (Scitype, Known):
        return spec, None
    names = ", ".join(k.__name__ for k in SCITYPES)
    raise SchemaError(f"coerce needs a scitype ({names}) for each column, got {spec!r}")


def _levels(frame, name: str) -> list:
    values = frame.select(pl.col(name).drop_nulls().unique().sort())
    values = values.collect() if isinstance(values, pl.LazyFrame) else values
    return values.to_series().to_list()


def _as_strings(name: str, dtype) -> pl.Expr:
    col = pl.col(name)
    if dtype.is_float():  # 1.0 → "1", not "1.0", when the floats are whole
        whole = col.cast(pl.Int64, strict=False).cast(pl.String)
        return pl.when(col == col.round(0)).then(whole).otherwise(col.cast(pl.String))
    return col.cast(pl.String)


def _coerce_expr(frame, name: str, dtype, kind: type, levels) -> pl.Expr:
    col = pl.col(name)
    if kind is Continuous:
        return col.cast(pl.Float64)
    if kind is Count:
        return col.cast(pl.Float64).cast(pl.Int64) if dtype.is_float() else col.cast(pl.Int64)
    if kind is Textual:
        return col.cast(pl.String)
    if kind is Unknown:
        return col
    text = _as_strings(name, dtype)
    if kind is OrderedFactor:
        if levels is None:
            levels = _levels(frame, name)  # numbers sort as numbers, before becoming strings
            levels = [
                str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in levels
            ]
        return text.cast(pl.Enum([str(v) for v in levels]))
    return text.cast(pl.Categorical)


def _check_fits(frame, name: str, dtype, kind: type, levels) -> None:
    if kind is Count and dtype.is_float():
        parts = frame.select(pl.col(name).filter(pl.col(name) != pl.col(name).round(0)).head(3))
        parts = (
            (parts.collect() if isinstance(parts, pl.LazyFrame) else parts).to_series().to_list()
        )
        if parts:
            msg = f"column {name!r} holds fractions such as {parts!r}, so it cannot be Count; "
            msg += "use Continuous"
            raise SchemaError(msg)
    if levels is not None and kind in (Multiclass, Binary, OrderedFactor):
        wanted = {str(v) for v in levels}
        found = [
            v for v in _levels(frame.select(pl.col(name).cast(pl.String)), name) if v not in wanted
        ]
        if found:
            msg = f"column {name!r}: values {found[:5]!r} are not among levels={list(levels)!r}; "
            msg += "add them"
            raise SchemaError(msg)
    if kind is Binary:
        n = len(_levels(frame, name))
        if n > 2:
            msg = f"column {name!r} has {n} distinct values, so it cannot be Binary; use Multiclass"
            raise SchemaError(msg)


def _coerce_polars(frame, spec: dict) -> pl.DataFrame | pl.LazyFrame:
    schema = frame.collect_schema()
    exprs = []
    for name, wanted in spec.items():
        if name not in schema:
            raise SchemaError(f"coerce: no column {name!r}; {did_you_mean(name, schema.names())}")
        kind, levels = _target(wanted)
        _check_fits(frame, name, schema[name], kind, levels)
        exprs.append(_coerce_expr(frame, name, schema[name], kind, levels).alias(name))
    try:
        out = frame.with_columns(exprs)
        return out.collect().lazy() if isinstance(out, pl.LazyFrame) else out
    except pl.exceptions.PolarsError as error:
        raise SchemaError(f"coerce {spec!r} failed: {error}".split("\n")[0]) from error


def _back_to_pandas(X, out: pl.DataFrame, names):
    import pandas as pd

    result = X.copy()
    for name in names:
        series = out[str(name)]
        if isinstance(series.dtype, (pl.Enum, pl.Categorical)):
            ordered = isinstance(series.dtype, pl.Enum)
            cats = (
                series.dtype.categories.to_list()
                if ordered
                else sorted(series.drop_nulls().unique())
            )
            values = pd.Categorical(
                series.cast(pl.String).to_list(), categories=cats, ordered=ordered
            )
            result[name] = pd.Series(values, index=X.index)
        else:
            result[name] = pd.Series(series.to_numpy(), index=X.index)
    return result


def coerce(X, spec: dict):
    """``coerce(X, {"col": scitype, ...})``: the same kind of table with those columns converted.

    Continuous → Float64, Count → Int64 (floats must be whole), Textual → String,
    Multiclass/Binary → Categorical (numbers become their text, ``1.0`` → ``"1"``),
    OrderedFactor → Enum with the ``levels`` you give (``OrderedFactor(levels=[...])``)
    or the sorted distinct values (numbers sorted as numbers).

    >>> X = pl.DataFrame({"size": ["M", "S", "L"], "k": [3, 1, 2]})
    >>> out = coerce(X, {"size": OrderedFactor(levels=["S", "M", "L"]), "k": OrderedFactor})
    >>> out["size"].dtype.categories.to_list(), out["k"].to_physical().to_list()
    (['S', 'M', 'L'], [2, 0, 1])
    """
    if not isinstance(spec, dict):
        raise SchemaError(f"coerce needs a dict {{column: scitype}}, got {type(spec).__name__}")
    if table_kind(X) == "pandas":
        return _back_to_pandas(X, _coerce_polars(as_polars(X), spec), list(spec))
    if table_kind(X) == "arrow" and hasattr(X, "column_names"):
        return _coerce_polars(as_polars(X), spec).to_arrow()
    if isinstance(X, (pl.DataFrame, pl.LazyFrame)):
        return _coerce_polars(X, spec)
    msg = (
        f"coerce works on polars, pandas and pyarrow tables, got {type(X).__name__}; "
        "a numpy array holds one dtype for all columns, so wrap it first: pl.DataFrame(X)"
    )
    raise SchemaError(msg)


# ---------------------------------------------------------------- autotype

AUTOTYPE_RULES = (
    "few_to_finite",
    "two_to_binary",
    "string_to_multiclass",
    "discrete_to_continuous",
)


def few_levels(n_rows: int) -> int:
    """``few_levels(n_rows)``: the most distinct values a column may have to count as "few".

    ``min(100, max(3, floor(sqrt(n_rows))))``: 13 for 178 rows, 100 from 10,000 rows on.

    >>> few_levels(178), few_levels(10), few_levels(1_000_000)
    (13, 3, 100)
    """
    return min(100, max(3, math.isqrt(max(n_rows, 0))))


def _autotype_one(kind, distinct: int, few: int, rules) -> type | None:
    if kind in (Unknown, Binary):
        return None
    if "two_to_binary" in rules and distinct == 2:
        return Binary
    if "string_to_multiclass" in rules and kind is Textual:
        return Multiclass
    if "few_to_finite" in rules and kind in (Count, Textual) and distinct <= few:
        return Multiclass
    if "discrete_to_continuous" in rules and kind is Count:
        return Continuous
    return None


def autotype(X, rules=("few_to_finite", "two_to_binary")):
    """``autotype(X, rules=("few_to_finite", "two_to_binary"))``: X with the usual scitype fixes.

    The rules, applied to each column in this order (the first that fits wins):

    - ``"two_to_binary"``: exactly two distinct non-missing values → :class:`Binary`
      (any scitype but Unknown; booleans already are);
    - ``"string_to_multiclass"`` (off by default): every String column → :class:`Multiclass`;
    - ``"few_to_finite"``: an integer (Count) or String (Textual) column with at most
      :func:`few_levels` distinct values → :class:`Multiclass`;
    - ``"discrete_to_continuous"`` (off by default): remaining Count columns → Continuous.

    Long free strings (many distinct values) therefore stay :class:`Textual`,
    integer columns with many values stay :class:`Count`, floats stay Continuous.

    >>> X = pl.DataFrame({"k": [1, 2, 3, 1] * 5, "yes": ["y", "n"] * 10, "x": [0.5] * 20})
    >>> scitypes(autotype(X))
    {'k': Multiclass, 'yes': Binary, 'x': Continuous}
    """
    unknown = [r for r in rules if r not in AUTOTYPE_RULES]
    if isinstance(rules, str) or unknown:
        bad = rules if isinstance(rules, str) else unknown[0]
        raise SchemaError(f"autotype: unknown rule {bad!r}; {did_you_mean(bad, AUTOTYPE_RULES)}")
    frame = as_polars(X)
    kinds = scitypes(frame)
    counts = frame.select(
        [pl.col(c).drop_nulls().n_unique() for c in kinds] + [pl.len().alias("\x00n")]
    )
    counts = (counts.collect() if isinstance(counts, pl.LazyFrame) else counts).row(0, named=True)
    few = few_levels(counts.pop("\x00n"))
    plan = {c: _autotype_one(k, counts[c], few, rules) for c, k in kinds.items()}
    plan = {c: k for c, k in plan.items() if k is not None}
    if not plan:
        return X
    if isinstance(X, np.ndarray):
        return coerce(frame, plan)  # a numpy array cannot hold categories: give back polars
    return coerce(X, plan)
