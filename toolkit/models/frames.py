"""Rows of any table: numpy arrays, polars, pandas, Arrow tables and plain lists.

The models layer accepts whatever table the data layer (or the user) produced,
and needs only four things from it: how many rows, a subset of rows, a numpy
view, and the column names. pandas and pyarrow are imported only when such an
object actually arrives (pandas is not a runtime dependency).

>>> import numpy as np, polars as pl
>>> df = pl.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
>>> n_rows(df), column_names(df)
(3, ['a', 'b'])
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

from toolkit.errors import DataError

__all__ = ["column_names", "n_rows", "take_rows", "to_numpy"]


def _kind(X) -> str:
    """``"numpy" | "polars" | "pandas" | "arrow" | "list"`` without importing pandas or pyarrow."""
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
    kind = _kind(X)
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
    kind = _kind(X)
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
    kind = _kind(X)
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
    kind = _kind(X)
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
