"""Scientific types: inference on polars, pandas, arrow and numpy; coerce; autotype."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import toolkit as tk
from toolkit.data.frames import as_polars
from toolkit.data.scitypes import (
    Finite,
    Infinite,
    Known,
    few_levels,
    scitype_of,
    scitypes,
)
from toolkit.errors import SchemaError


def kinds(X) -> dict:
    s = tk.schema(X)
    return dict(zip(s["column"], s["scitype"], strict=True))


def test_hierarchy():
    assert issubclass(tk.Binary, tk.Multiclass) and issubclass(tk.Multiclass, Finite)
    assert issubclass(tk.OrderedFactor, Finite) and issubclass(tk.Count, Infinite)
    assert issubclass(tk.Continuous, Infinite) and issubclass(tk.Textual, Known)
    assert not issubclass(tk.Unknown, Known)
    assert repr(tk.Continuous) == "Continuous"


def test_polars_every_scitype_and_missing_counts():
    X = pl.DataFrame(
        {
            "f": [0.5, None, 1.5, 2.0],
            "i": [1, 2, None, 4],
            "b": [True, False, None, True],
            "c": pl.Series(["u", "v", "w", None]).cast(pl.Categorical),
            "c2": pl.Series(["u", "v", "u", "u"]).cast(pl.Categorical),
            "e": pl.Series(["S", "M", "L", "S"]).cast(pl.Enum(["S", "M", "L"])),
            "s": ["free text", "more", "words", None],
            "n": [None, None, None, None],
            "d": pl.date_range(pl.date(2020, 1, 1), pl.date(2020, 1, 4), eager=True),
        }
    )
    s = tk.schema(X)
    assert s.columns == ["column", "dtype", "scitype", "missing", "nonfinite"]
    assert kinds(X) == {
        "f": "Continuous",
        "i": "Count",
        "b": "Binary",
        "c": "Multiclass",
        "c2": "Binary",
        "e": "OrderedFactor",
        "s": "Textual",
        "n": "Unknown",
        "d": "Unknown",
    }
    assert s["missing"].to_list() == [1, 1, 1, 1, 0, 0, 1, 4, 0]
    assert kinds(X.lazy()) == kinds(X)


def test_pandas_frame_with_nan_category_and_ordered_category():
    X = pd.DataFrame(
        {
            "f": [1.0, np.nan, 3.0],
            "i": [1, 2, 3],
            "s": ["a", None, "c"],
            "cat": pd.Categorical(["x", "y", "z"]),
            "ord": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
            "b": [True, False, True],
        }
    )
    assert kinds(X) == {
        "f": "Continuous",
        "i": "Count",
        "s": "Textual",
        "cat": "Multiclass",
        "ord": "OrderedFactor",
        "b": "Binary",
    }
    assert tk.schema(X)["missing"].to_list() == [1, 0, 1, 0, 0, 0]


def test_arrow_table():
    X = pa.table({"f": [1.0, None], "i": pa.array([1, 2], pa.int32()), "s": ["a", "b"]})
    assert kinds(X) == {"f": "Continuous", "i": "Count", "s": "Textual"}
    assert tk.schema(X)["dtype"].to_list() == ["Float64", "Int32", "String"]


def test_numpy_arrays():
    assert kinds(np.zeros((3, 2))) == {"column_0": "Continuous", "column_1": "Continuous"}
    assert kinds(np.array([[1, 2]], dtype=np.int8)) == {"column_0": "Count", "column_1": "Count"}
    assert tk.schema(np.array([[np.nan, 1.0], [2.0, np.nan]]))["missing"].to_list() == [1, 1]
    assert kinds(np.array([["a", "b"]], dtype=object)) == {
        "column_0": "Textual",
        "column_1": "Textual",
    }
    with pytest.raises(SchemaError, match="1-D or 2-D"):
        tk.schema(np.zeros((2, 2, 2)))


def test_scitype_of_single_columns():
    assert scitype_of(pl.Series([1.0])) is tk.Continuous
    assert scitype_of(pd.Series(["a", "b"])) is tk.Textual
    assert scitype_of(np.array([True, False])) is tk.Binary
    assert scitype_of(pa.array([1, 2])) is tk.Count
    assert scitypes(pl.DataFrame({"a": [1], "b": ["x"]})) == {"a": tk.Count, "b": tk.Textual}


def test_schema_refuses_what_is_not_a_table():
    with pytest.raises(SchemaError, match="expected a table"):
        tk.schema(42)


def test_coerce_polars_each_target():
    X = pl.DataFrame(
        {"i": [1, 2, 3], "f": [1.0, 2.0, 1.0], "s": ["10", "20", "30"], "t": ["S", "L", "M"]}
    )
    out = tk.coerce(
        X,
        {
            "i": tk.Multiclass,
            "f": tk.Count,
            "s": tk.Continuous,
            "t": tk.OrderedFactor(levels=["S", "M", "L"]),
        },
    )
    assert scitypes(out) == {
        "i": tk.Multiclass,
        "f": tk.Count,
        "s": tk.Continuous,
        "t": tk.OrderedFactor,
    }
    assert out["i"].cast(pl.String).to_list() == ["1", "2", "3"]
    assert out["f"].to_list() == [1, 2, 1] and out["s"].to_list() == [10.0, 20.0, 30.0]
    assert out["t"].to_physical().to_list() == [0, 2, 1]
    assert scitypes(tk.coerce(X, {"f": tk.Binary}))["f"] is tk.Binary
    assert tk.coerce(X, {"f": tk.Multiclass})["f"].cast(pl.String).to_list() == ["1", "2", "1"]
    assert scitypes(tk.coerce(X, {"i": tk.Textual}))["i"] is tk.Textual


def test_coerce_ordered_numbers_sort_as_numbers():
    out = tk.coerce(pl.DataFrame({"k": [10, 9, 100]}), {"k": tk.OrderedFactor})
    assert out["k"].dtype.categories.to_list() == ["9", "10", "100"]


def test_coerce_errors_name_the_column_and_the_fix():
    X = pl.DataFrame({"f": [1.5, 2.0], "s": ["a", "b"], "k": [1, 2]})
    with pytest.raises(SchemaError, match="'f' holds fractions.*Continuous"):
        tk.coerce(X, {"f": tk.Count})
    with pytest.raises(SchemaError, match="no column 'g'"):
        tk.coerce(X, {"g": tk.Count})
    with pytest.raises(SchemaError, match="'s'.*\\['b'\\].*levels"):
        tk.coerce(X, {"s": tk.OrderedFactor(levels=["a"])})
    with pytest.raises(SchemaError, match="cannot be Binary"):
        tk.coerce(pl.DataFrame({"k": [1, 2, 3]}), {"k": tk.Binary})
    with pytest.raises(SchemaError, match="failed"):
        tk.coerce(X, {"s": tk.Continuous})
    with pytest.raises(SchemaError, match="needs a scitype"):
        tk.coerce(X, {"s": str})
    with pytest.raises(SchemaError, match="pl.DataFrame"):
        tk.coerce(np.zeros((2, 2)), {"column_0": tk.Count})


def test_coerce_keeps_the_kind_of_table():
    pdf = pd.DataFrame({"k": [3, 1, 2], "x": [0.5, 0.25, 1.0]}, index=[10, 11, 12])
    out = tk.coerce(pdf, {"k": tk.OrderedFactor})
    assert isinstance(out, pd.DataFrame) and list(out.index) == [10, 11, 12]
    assert out["k"].cat.ordered and list(out["k"].cat.categories) == ["1", "2", "3"]
    assert out["x"].tolist() == [0.5, 0.25, 1.0] and pdf["k"].dtype.kind == "i"  # input untouched
    assert kinds(tk.coerce(pdf, {"k": tk.Multiclass}))["k"] == "Multiclass"
    arrow = tk.coerce(pa.table({"k": [1, 2, 1]}), {"k": tk.Multiclass})
    assert isinstance(arrow, pa.Table) and kinds(arrow)["k"] == "Binary"
    lazy = tk.coerce(pl.LazyFrame({"k": [1, 2, 3]}), {"k": tk.Continuous})
    assert isinstance(lazy, pl.LazyFrame) and lazy.collect()["k"].dtype == pl.Float64


def test_autotype_rules():
    n = 200
    X = pl.DataFrame(
        {
            "few_ints": [i % 5 for i in range(n)],
            "many_ints": list(range(n)),
            "two": ["yes", "no"] * (n // 2),
            "few_strings": [f"c{i % 7}" for i in range(n)],
            "free_text": [f"sentence number {i}" for i in range(n)],
            "floats": [i / 3 for i in range(n)],
            "binary_floats": [float(i % 2) for i in range(n)],
        }
    )
    assert few_levels(n) == 14
    assert kinds(tk.autotype(X)) == {
        "few_ints": "Multiclass",
        "many_ints": "Count",
        "two": "Binary",
        "few_strings": "Multiclass",
        "free_text": "Textual",
        "floats": "Continuous",
        "binary_floats": "Binary",
    }
    every = kinds(tk.autotype(X, rules=("string_to_multiclass", "discrete_to_continuous")))
    assert every["free_text"] == "Multiclass" and every["many_ints"] == "Continuous"
    assert every["few_ints"] == "Continuous" and every["two"] == "Binary"  # two levels: Binary


def test_autotype_on_pandas_numpy_and_bad_rules():
    pdf = pd.DataFrame({"k": [1, 2, 1, 2, 3] * 4})
    assert kinds(tk.autotype(pdf)) == {"k": "Multiclass"} and isinstance(
        tk.autotype(pdf), pd.DataFrame
    )
    out = tk.autotype(np.array([[0, 5], [1, 6], [0, 7], [1, 8]]))
    assert isinstance(out, pl.DataFrame) and kinds(out)["column_0"] == "Binary"
    with pytest.raises(SchemaError, match="did you mean 'two_to_binary'"):
        tk.autotype(pdf, rules=("two_to_bin",))


def test_table_schema_uses_the_same_inference(wine_csv):
    t = tk.CSV(wine_csv, target="cultivar")
    plain = tk.schema(t.frame)
    assert t.schema().drop("role").equals(plain)
    assert tk.schema(t).equals(t.schema())
    assert as_polars(t) is t.frame
    fixed = kinds(tk.autotype(t.frame))
    assert fixed["cultivar"] == "Multiclass" and fixed["alcohol"] == "Continuous"
