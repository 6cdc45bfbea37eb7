"""What kind of table is this: one adapter for numpy, polars, pandas, Arrow and lists.

Both layers take whatever table the user (or the data layer) produced, and need a
few things from it: its kind, how many rows, a subset of rows, a numpy view, the
column names, and a polars frame to reason about columns (:func:`as_polars`, which
the scientific types, feature preparation and the models layer read). pandas and
pyarrow are imported only when such an object actually arrives (pandas is not a
runtime dependency).

>>> import numpy as np, polars as pl
>>> df = pl.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
>>> n_rows(df), column_names(df), is_table(df), is_table(np.zeros((2, 2)))
(3, ['a', 'b'], True, False)
>>> take_rows(df, [2, 0])["a"].to_list()
[3, 1]
>>> to_numpy(take_rows(np.arange(6).reshape(3, 2), [1])).tolist()
[[2, 3]]
>>> take_rows(["x", "y", "z"], np.array([2, 1]))
['z', 'y']
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toolkit.errors import DataError, SchemaError


def table_kind(X) -> str:
    """``table_kind(X) -> "numpy" | "polars" | "pandas" | "arrow" | "list" | "unknown"``.

    Told apart without importing pandas or pyarrow (a LazyFrame is "unknown" here:
    :func:`as_polars` keeps it lazy).

    >>> table_kind(pl.DataFrame({"a": [1]})), table_kind([1, 2]), table_kind(np.zeros(2))
    ('polars', 'list', 'numpy')
    """
    if isinstance(X, np.ndarray):
        return "numpy"
    if isinstance(X, (pl.DataFrame, pl.Series)):
        return "polars"
    if isinstance(X, (list, tuple)):
        return "list"
    module = type(X).__module__.split(".")[0]
    if module == "pandas":
        return "pandas"
    if module == "pyarrow":
        return "arrow"
    return "numpy" if hasattr(X, "__array__") else "unknown"


def _refuse(X, what: str) -> DataError:
    msg = (
        f"{what}: expected a numpy array, a polars/pandas DataFrame or Series, a pyarrow "
        f"Table or a list, got {type(X).__name__}; convert it with numpy.asarray(...) first"
    )
    return DataError(msg)


def n_rows(X) -> int:
    """``n_rows(X) -> int``: the number of rows (items along the first axis).

    >>> n_rows([[1, 2], [3, 4]])
    2
    """
    kind = table_kind(X)
    if kind == "unknown":
        raise _refuse(X, "n_rows")
    if kind == "arrow":
        return X.num_rows if hasattr(X, "num_rows") else len(X)
    if kind == "numpy" and not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if kind == "numpy" and X.ndim == 0:
        raise DataError("n_rows: got a scalar array; expected rows along the first axis")
    return X.shape[0] if kind in ("numpy", "pandas") else len(X)


def take_rows(X, rows):
    """``take_rows(X, rows)``: the rows ``rows`` (int indices) of ``X``, of the same kind.

    Boolean masks are accepted too. pandas objects are indexed by position (``iloc``).

    >>> import pyarrow as pa
    >>> take_rows(pa.table({"a": [10, 20, 30]}), [0, 2]).column("a").to_pylist()
    [10, 30]
    """
    rows = np.asarray(rows)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    kind = table_kind(X)
    if kind == "numpy":
        return np.asarray(X)[rows]
    if kind == "polars":
        return X[rows]
    if kind == "pandas":
        return X.iloc[rows]
    if kind == "arrow":
        return X.take(rows)
    if kind == "list":
        picked = [X[i] for i in rows.tolist()]
        return tuple(picked) if isinstance(X, tuple) else picked
    raise _refuse(X, "take_rows")


def to_numpy(X) -> np.ndarray:
    """``to_numpy(X) -> numpy.ndarray``: ``X`` as a numpy array (a table becomes ``(N, F)``).

    >>> to_numpy(pl.Series(["a", "b"])).tolist()
    ['a', 'b']
    """
    kind = table_kind(X)
    if kind in ("numpy", "list"):
        return np.asarray(X)
    if kind in ("polars", "pandas"):
        return X.to_numpy()
    if kind == "arrow":
        return pl.from_arrow(X).to_numpy()
    raise _refuse(X, "to_numpy")


def column_names(X) -> list[str]:
    """``column_names(X) -> list[str]``: a table's column names; ``x0, x1, ...`` for arrays.

    >>> column_names(np.zeros((2, 3)))
    ['x0', 'x1', 'x2']
    """
    kind = table_kind(X)
    if kind == "polars":
        return [X.name] if isinstance(X, pl.Series) else list(X.columns)
    if kind == "pandas":
        return [str(X.name)] if X.ndim == 1 else [str(c) for c in X.columns]
    if kind == "arrow":
        return list(X.column_names) if hasattr(X, "column_names") else ["x0"]
    if kind in ("numpy", "list"):
        array = np.asarray(X)
        return [f"x{i}" for i in range(array.shape[1])] if array.ndim == 2 else ["x0"]
    raise _refuse(X, "column_names")


def is_table(X) -> bool:
    """``is_table(X) -> bool``: whether ``X`` is a polars, pandas or Arrow table (named columns)."""
    if isinstance(X, pl.DataFrame):
        return True
    kind = table_kind(X)
    return (kind == "pandas" and getattr(X, "ndim", 0) == 2) or (
        kind == "arrow" and hasattr(X, "column_names")
    )


def _pandas_to_polars(X) -> pl.DataFrame:
    """pandas → polars, keeping ordered categoricals ordered (as Enum)."""
    import pandas as pd

    frame = X.to_frame() if isinstance(X, pd.Series) else X
    out = pl.from_pandas(frame.reset_index(drop=True))
    ordered = [
        pl.col(str(c)).cast(pl.String).cast(pl.Enum([str(v) for v in frame[c].cat.categories]))
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.CategoricalDtype) and frame[c].cat.ordered
    ]
    return out.with_columns(ordered) if ordered else out


def _numpy_to_polars(X) -> pl.DataFrame:
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise SchemaError(f"a numpy table must be 1-D or 2-D (rows, columns), got shape {X.shape}")
    if X.dtype.kind == "O":
        columns = {f"column_{j}": X[:, j].tolist() for j in range(X.shape[1])}
        return pl.DataFrame(columns, strict=False)
    out = pl.from_numpy(X, schema=[f"column_{j}" for j in range(X.shape[1])])
    if X.dtype.kind == "f":  # numpy marks missing floats with NaN
        out = out.with_columns(pl.all().fill_nan(None))
    return out


def as_polars(X) -> pl.DataFrame | pl.LazyFrame:
    """``as_polars(X)``: X as a polars DataFrame (a LazyFrame stays lazy).

    >>> as_polars(np.array([[1.0, np.nan]])).null_count().rows()
    [(0, 1)]
    """
    if isinstance(X, (pl.DataFrame, pl.LazyFrame)):
        return X
    if isinstance(X, pl.Series):
        return X.to_frame()
    if getattr(type(X), "_toolkit_table", False):
        return X.frame
    if table_kind(X) == "pandas":
        return _pandas_to_polars(X)
    if table_kind(X) == "arrow":
        out = pl.from_arrow(X)
        return out.to_frame() if isinstance(out, pl.Series) else out
    if isinstance(X, (np.ndarray, list)):
        return _numpy_to_polars(X)
    msg = (
        f"expected a table (polars, pandas, pyarrow or a 2-D numpy array), got {type(X).__name__}; "
        "convert it with pl.DataFrame(...)"
    )
    raise SchemaError(msg)


def as_polars_vector(y) -> pl.DataFrame | pl.Series:
    """``as_polars_vector(y)``: a polars Series (vectors, named "y") or DataFrame (tables).

    What targets become: unlike :func:`as_polars`, a 1-D array stays a Series and
    NaN stays NaN.

    >>> as_polars_vector(np.array([1.0, 2.0])).name, as_polars_vector(np.zeros((1, 2))).columns
    ('y', ['x0', 'x1'])
    """
    if isinstance(y, (pl.DataFrame, pl.Series)):
        return y
    kind = table_kind(y)
    if kind == "pandas":
        return pl.from_pandas(y)
    if kind == "arrow":
        return pl.from_arrow(y)
    array = np.asarray(y)
    if array.ndim == 1:
        return pl.Series("y", array)
    return pl.DataFrame(array, schema=column_names(array), orient="row")
