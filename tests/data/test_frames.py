"""What kind of table: rows, columns and polars views of numpy, polars, pandas, Arrow, lists."""

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from toolkit.data.frames import (
    as_polars,
    as_polars_vector,
    column_names,
    is_table,
    n_rows,
    table_kind,
    take_rows,
    to_numpy,
)
from toolkit.errors import DataError, SchemaError

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


@pytest.mark.parametrize(
    ("table", "kind", "named"),
    [
        (pl.DataFrame(DATA), "polars", True),
        (pd.DataFrame(DATA), "pandas", True),
        (pa.table(DATA), "arrow", True),
        (EXPECTED, "numpy", False),
        (EXPECTED.tolist(), "list", False),
        (pd.Series([1, 2]), "pandas", False),
        (pl.Series([1, 2]), "polars", False),
    ],
)
def test_the_kind_of_every_table(table, kind, named):
    assert table_kind(table) == kind
    assert is_table(table) is named
    assert table_kind(object()) == "unknown" and table_kind(pl.LazyFrame(DATA)) == "unknown"


def test_as_polars_gives_one_frame_for_every_kind():
    expected = pl.DataFrame(DATA)
    assert as_polars(expected) is expected
    assert as_polars(pd.DataFrame(DATA)).equals(expected)
    assert as_polars(pa.table(DATA)).equals(expected)
    assert as_polars(pl.Series("a", [1, 2])).columns == ["a"]
    lazy = pl.LazyFrame(DATA)
    assert as_polars(lazy) is lazy
    from_numpy = as_polars(np.array([[1.0, np.nan], [2.0, 3.0]]))
    assert from_numpy.columns == ["column_0", "column_1"]
    assert from_numpy["column_1"].to_list() == [None, 3.0]  # numpy's NaN is missing
    with pytest.raises(SchemaError, match="1-D or 2-D"):
        as_polars(np.zeros((2, 2, 2)))
    with pytest.raises(SchemaError, match="got object"):
        as_polars(object())


def test_as_polars_keeps_pandas_ordered_categories_in_order():
    levels = pd.Categorical(["lo", "hi", "lo"], categories=["lo", "mid", "hi"], ordered=True)
    frame = as_polars(pd.DataFrame({"size": levels, "n": [1, 2, 3]}))
    assert frame.schema["size"] == pl.Enum(["lo", "mid", "hi"])
    assert frame["size"].to_list() == ["lo", "hi", "lo"]


def test_targets_stay_vectors_with_their_nan():
    y = as_polars_vector(np.array([1.0, np.nan]))
    assert isinstance(y, pl.Series) and y.name == "y" and y.is_nan().to_list() == [False, True]
    assert as_polars_vector(pd.Series([1, 2], name="t")).name == "t"
    assert as_polars_vector(pa.chunked_array([[1, 2]])).to_list() == [1, 2]
    wide = as_polars_vector(np.zeros((2, 2)))
    assert isinstance(wide, pl.DataFrame) and wide.columns == ["x0", "x1"]
