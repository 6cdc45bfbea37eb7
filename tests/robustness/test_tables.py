"""Careless and hostile tables: every one gives the right result or a named error.

The cases an ML user meets with real CSV files: junk cells in a numeric column,
repeated header names, another separator, another encoding, infinity, damaged
Parquet, misspelt keywords and damaged saved preparations.
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import DataError, DataWarning, TableError, UnknownNameError


def _csv(tmp_path, text, name="t.csv", mode="w"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


# ---------------------------------------------------------------- silent wrong results


@pytest.mark.parametrize("rows", [5, 9, 40, 400])
@pytest.mark.parametrize("junk", ["?", "n/a", "-"])
def test_a_numeric_column_with_a_few_junk_cells_is_refused_naming_the_line(tmp_path, rows, junk):
    values = [str(i * 0.5) for i in range(rows)]
    bad = sorted({1, rows // 2, rows - 1} if rows > 5 else {1, 4})  # 2-3 junk cells
    for i in bad:
        values[i] = junk
    text = "x,y\n" + "".join(f"{v},{i % 2}\n" for i, v in enumerate(values))
    path = _csv(tmp_path, text)
    with pytest.raises(TableError, match=rf"line {bad[0] + 2} column 'x' .*{junk!r}.* missing="):
        tk.CSV(path, target="y")
    table = tk.CSV(path, target="y", missing=[junk])  # the fix the message gives
    assert table.frame.schema["x"] == pl.Float64
    assert table.frame.get_column("x").null_count() == len(bad)


def test_a_text_column_that_merely_holds_some_numbers_stays_text(tmp_path):
    text = "size,y\n" + "".join(f"{v},{i % 2}\n" for i, v in enumerate(["S", "M", "L", "1"] * 5))
    table = tk.CSV(_csv(tmp_path, text), target="y")
    assert table.frame.schema["size"] in (pl.String, pl.Categorical)


def test_low_cardinality_string_features_are_multiclass_like_the_target(tmp_path):
    rows = "".join(f"{i},{'abc'[i % 3]},{'text ' + str(i)},{'uv'[i % 2]}\n" for i in range(60))
    table = tk.CSV(_csv(tmp_path, "n,colour,note,y\n" + rows), target="y")
    kinds = dict(zip(*table.schema().select("column", "scitype").to_dict().values(), strict=True))
    assert kinds == {"n": "Count", "colour": "Multiclass", "note": "Textual", "y": "Binary"}
    assert tk.FeaturePrep().fit(table).feature_names_[:4] == [
        "n",
        "colour__a",
        "colour__b",
        "colour__c",
    ]


def test_duplicate_header_names_are_refused_naming_the_columns(tmp_path):
    path = _csv(tmp_path, "a,label,b,label\n1,x,2,y\n")
    with pytest.raises(TableError, match=r"line 1 \(header\).*'label' in columns 2, 4"):
        tk.CSV(path, target="label")


def test_infinity_in_a_table_is_refused_naming_the_column_and_line(tmp_path):
    path = _csv(tmp_path, "a,b,y\n1,2,u\ninf,3,v\n3,4,u\n")
    table = tk.CSV(path, target="y")
    with pytest.raises(DataError, match=r"line 3\): column 'a' holds inf"):
        tk.FeaturePrep().fit(table)
    with pytest.raises(DataError, match=r"line 3: column 'a' is infinite"):
        table.batch([0, 1, 2])
    prep = tk.FeaturePrep().fit(table.subset([0, 2]))
    with pytest.raises(DataError, match=r"line 3\): column 'a' is infinite"):
        prep.transform(table)


def test_the_schema_counts_infinity_and_nan_beside_the_missing_values(tmp_path):
    path = _csv(tmp_path, "a,b,y\n1,2,u\ninf,,v\nNaN,4,u\n-inf,5,v\n")
    rows = tk.CSV(path, target="y").schema().iter_rows(named=True)
    counts = {row["column"]: (row["missing"], row["nonfinite"]) for row in rows}
    assert counts == {"a": (1, 2), "b": (1, 0), "y": (0, 0)}  # "NaN" in a CSV reads as missing


def test_values_beyond_float32_are_refused_not_made_infinite(tmp_path):
    table = tk.CSV(_csv(tmp_path, "a,y\n1,u\n1e300,v\n"), target="y")
    with pytest.raises(DataError, match="column 'a' is infinite as float32"):
        table.batch([0, 1])


# ---------------------------------------------------------------- named errors


def test_a_semicolon_separated_file_suggests_the_separator(tmp_path):
    path = _csv(tmp_path, "a;b;y\n1;2;u\n3;4;v\n")
    with pytest.raises(TableError, match="separator=';'"):
        tk.CSV(path, target="y")
    assert tk.CSV(path, target="y", separator=";").features == ["a", "b"]


def test_a_latin1_file_names_the_line_and_the_encoding(tmp_path):
    path = _csv(tmp_path, "name,v\nabc,1\ncaf\xe9,2\n".encode("latin-1"))
    with pytest.raises(TableError, match=r"line 3: byte b'\\xe9' is not UTF-8.*encoding='cp1252'"):
        tk.CSV(path)
    table = tk.CSV(path, encoding="cp1252")
    assert table.frame.get_column("name").to_list() == ["abc", "café"]


@pytest.mark.parametrize("damage", ["truncated", "empty", "not parquet"])
def test_a_damaged_parquet_file_is_a_table_error(tmp_path, damage):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"a": np.arange(500.0), "y": ["u", "v"] * 250}).write_parquet(path)
    data = path.read_bytes()
    path.write_bytes(
        {"truncated": data[: len(data) // 2], "empty": b"", "not parquet": b"a,y\n1,u\n"}[damage]
    )
    with pytest.raises(TableError, match="not a readable Parquet file"):
        tk.Parquet(path, target="y")


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda p: tk.CSV(p, traget="y"),
            "CSV: unknown keyword 'traget'; did you mean 'target'",
        ),
        (lambda p: tk.CV(nfold=3), "CV: unknown keyword 'nfold'; did you mean 'nfolds'"),
        (lambda p: tk.StratifiedCV(nfols=3), "did you mean 'nfolds'"),
        (lambda p: tk.FeaturePrep(standardise=False), "did you mean 'standardize'"),
    ],
)
def test_misspelt_keywords_get_a_did_you_mean(tmp_path, build, message):
    path = _csv(tmp_path, "a,y\n1,u\n")
    with pytest.raises(UnknownNameError, match=message):
        build(path)


def test_stratified_folds_above_the_smallest_class_warn_as_scikit_learn_does():
    y = ["a"] * 10 + ["b"] * 2
    with pytest.warns(DataWarning, match="least populated class in y has only 2 members"):
        pairs = tk.StratifiedCV(nfolds=3).pairs(len(y), y)
    assert len(pairs) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tk.StratifiedCV(nfolds=2).pairs(len(y), y)  # no warning when every class fits


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text[: len(text) // 2],
        lambda text: text.replace('"numeric"', '"numerics"'),
        lambda text: text.replace('"x"', '"z"', 1),
        lambda text: "[" * 100_000,
    ],
    ids=["truncated", "key renamed", "column renamed", "deep"],
)
def test_a_damaged_saved_feature_prep_is_a_named_error(tmp_path, edit):
    prep = tk.FeaturePrep().fit(pl.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"]}))
    path = tmp_path / "prep.json"
    path.write_text(edit(prep.to_json()))
    with pytest.raises(DataError, match=rf"{path}.*(damaged|not valid JSON|nested too deep)"):
        tk.FeaturePrep.load(path)


def test_a_parquet_file_whose_page_fails_its_checksum_is_refused(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    frame = pl.DataFrame({"a": np.arange(500.0), "y": ["u", "v"] * 250})
    pq.write_table(frame.to_arrow(), path, write_page_checksum=True)
    assert tk.Parquet(path, target="y").frame.equals(frame)
    data = bytearray(path.read_bytes())
    data[200] ^= 0x10  # inside the first column's data page
    path.write_bytes(bytes(data))
    with pytest.raises(TableError, match=r"t.parquet: a data page fails its CRC checksum"):
        tk.Parquet(path, target="y")


@pytest.mark.parametrize("bit", [4, 7])
def test_a_flipped_bit_that_made_polars_panic_is_a_table_error_or_a_table(tmp_path, bit):
    # polars 1.x's own reader panics (pyo3 PanicException, not an Exception) on these
    # flips of byte 50 in this uncompressed file; toolkit reads through pyarrow instead
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"a": rng.normal(size=2000), "b": rng.integers(0, 100, 2000),
                          "y": ["u", "v"] * 1000})
    path = tmp_path / "t.parquet"
    frame.write_parquet(path, compression="uncompressed")
    data = bytearray(path.read_bytes())
    data[50] ^= 1 << bit
    path.write_bytes(bytes(data))
    try:
        table = tk.Parquet(path, target="y")
    except TableError as error:
        assert "t.parquet" in str(error)
    else:  # a page without a checksum may read as other values: nothing can tell
        assert table.frame.height == 2000
