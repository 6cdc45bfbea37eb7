"""Rows of numpy, polars, pandas, Arrow tables and lists."""

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from toolkit.errors import DataError
from toolkit.models.frames import column_names, n_rows, take_rows, to_numpy

pd = pytest.importorskip("pandas")  # pandas is a bench extra, not a runtime dependency

DATA = {"a": [1, 2, 3, 4], "b": [0.5, 1.5, 2.5, 3.5]}
EXPECTED = np.array([[1, 0.5], [2, 1.5], [3, 2.5], [4, 3.5]])


@pytest.mark.parametrize(
    "table",
    [pl.DataFrame(DATA), pd.DataFrame(DATA), pa.table(DATA), EXPECTED, EXPECTED.tolist()],
    ids=["polars", "pandas", "arrow", "numpy", "list"],
)
def test_tables_of_every_kind(table):
    assert n_rows(table) == 4
    picked = take_rows(table, np.array([3, 1]))
    assert type(picked) is type(table)
    np.testing.assert_array_equal(to_numpy(picked), EXPECTED[[3, 1]])
    np.testing.assert_array_equal(
        to_numpy(take_rows(table, np.array([True, False, False, True]))), EXPECTED[[0, 3]]
    )


@pytest.mark.parametrize("table", [pl.DataFrame(DATA), pd.DataFrame(DATA), pa.table(DATA)])
def test_column_names_of_tables(table):
    assert column_names(table) == ["a", "b"]


@pytest.mark.parametrize(
    "series", [pl.Series("y", ["u", "v", "w"]), pd.Series(["u", "v", "w"], name="y")]
)
def test_series(series):
    assert n_rows(series) == 3
    assert to_numpy(take_rows(series, [2, 0])).tolist() == ["w", "u"]
    assert column_names(series) == ["y"]


def test_pandas_rows_are_positional():
    df = pd.DataFrame(DATA, index=[10, 11, 12, 13])
    assert take_rows(df, [0])["a"].tolist() == [1]


def test_unknown_objects_are_refused():
    with pytest.raises(DataError, match="got set"):
        n_rows({1, 2})
    with pytest.raises(DataError, match="scalar"):
        n_rows(np.float64(1.0))
