"""tk.CSV / tk.Parquet / tk.Table: missing markers, malformed files, targets, keys, splits."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.data.tables import MISSING
from toolkit.errors import DataError, TableError


def write(tmp_path, text: str, name: str = "t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("marker", MISSING)
def test_each_missing_marker_reads_as_missing_in_numbers_and_text(tmp_path, marker):
    path = write(tmp_path, f"x,s,y\n1.5,a,0\n{marker},{marker},1\n2.5,b,0\n")
    t = tk.CSV(path, target="y")
    assert t.frame["x"].dtype == pl.Float64
    assert t.frame["x"].to_list() == [1.5, None, 2.5]
    assert t.frame["s"].to_list() == ["a", None, "b"]
    assert dict(zip(t.schema()["column"], t.schema()["missing"], strict=True)) == {
        "x": 1,
        "s": 1,
        "y": 0,
    }


def test_the_missing_list_can_be_changed(tmp_path):
    path = write(tmp_path, "x,y\n?,0\n2,1\n")
    with pytest.raises(TableError):  # '?' in a column of numbers, unlisted
        tk.CSV(path, target="y", infer_rows=100, dtypes={"x": pl.Float64})
    assert tk.CSV(path, target="y", missing=["?"]).frame["x"].to_list() == [None, 2]


def test_too_few_fields_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,x\n3,4\n5,6,z\n")
    with pytest.raises(TableError) as info:
        tk.CSV(path)
    msg = str(info.value)
    assert str(path) in msg and "line 3" in msg and "'c'" in msg and "2 fields" in msg


def test_too_many_fields_names_file_line_and_column(tmp_path):
    rows = "".join(f"{i},{i},x\n" for i in range(50))
    path = write(tmp_path, "a,b,c\n" + rows + "3,4,y,9\n")
    with pytest.raises(TableError) as info:
        tk.CSV(path)
    msg = str(info.value)
    assert str(path) in msg and "line 52" in msg and "'c'" in msg and "too many" in msg


def test_a_short_row_is_found_when_the_file_is_quoted(tmp_path):
    path = write(tmp_path, 'a,b,c\n1,"x,y",z\n3,4\n')
    with pytest.raises(TableError, match=r"line 3 .*too few"):
        tk.CSV(path)


def test_quoted_separators_and_empty_last_cells_are_not_ragged(tmp_path):
    path = write(tmp_path, 'a,b,c\n1,"x,y",\n3,4,z\n')
    assert tk.CSV(path).frame["c"].to_list() == [None, "z"]
    path = write(tmp_path, "a,b,c\n1,2,\n3,4,z\n", "plain.csv")
    assert tk.CSV(path).frame["c"].to_list() == [None, "z"]


@pytest.mark.parametrize("ending", ["\n\n", "\n\n\n", "\r\n\r\n", ""])
def test_blank_lines_at_the_end_are_not_rows(tmp_path, ending):
    t = tk.CSV(write(tmp_path, "a,b\n1,2\n3,\n" if not ending else "a,b\n1,2\n3,4" + ending))
    assert len(t) == 2


def test_a_blank_line_is_named(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n\n3,4\n")
    with pytest.raises(TableError, match=r"line 3 is blank"):
        tk.CSV(path)


def test_unparsable_number_past_type_inference_names_line_and_column(tmp_path):
    rows = "".join(f"{i},{i * 0.5}\n" for i in range(30))
    path = write(tmp_path, "k,x\n" + rows + "30,abc\n")
    with pytest.raises(TableError) as info:
        tk.CSV(path, infer_rows=10)
    msg = str(info.value)
    assert str(path) in msg and "line 32" in msg and "'x'" in msg and "'abc'" in msg


def test_unparsable_number_inside_type_inference_names_line_and_column(tmp_path):
    # polars reads such a column as text; toolkit notices it is numbers but for one cell
    rows = [f"{i},{i * 0.5}" for i in range(40)]
    rows[6] = "6,1.2.3"
    path = write(tmp_path, "k,x\n" + "\n".join(rows) + "\n")
    with pytest.raises(TableError) as info:
        tk.CSV(path)
    msg = str(info.value)
    assert "line 8" in msg and "'x'" in msg and "'1.2.3'" in msg
    assert tk.CSV(path, dtypes={"x": pl.String}).frame["x"].dtype == pl.String  # the fix it names


def test_integer_column_with_a_fraction_past_inference(tmp_path):
    rows = "".join(f"{i}\n" for i in range(20))
    path = write(tmp_path, "n\n" + rows + "2.5\n")
    with pytest.raises(TableError, match=r"line 22 column 'n'.*'2.5'"):
        tk.CSV(path, infer_rows=5)


def test_missing_target_column_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "a,label\n1,x\n")
    with pytest.raises(TableError) as info:
        tk.CSV(path, target="lable")
    msg = str(info.value)
    assert str(path) in msg and "line 1" in msg and "'lable'" in msg and "'label'" in msg


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(TableError, match="no such file"):
        tk.CSV(tmp_path / "nope.csv")
    with pytest.raises(TableError, match="line 1.*empty"):
        tk.CSV(write(tmp_path, ""))


def test_missing_target_value_raises_or_drops(tmp_path):
    path = write(tmp_path, "a,y\n1,u\n2,\n3,v\n")
    with pytest.raises(TableError, match=r"line 3: column 'y' \(the target\) is missing"):
        tk.CSV(path, target="y")
    t = tk.CSV(path, target="y", missing_target="drop")
    assert len(t) == 2 and t.keys() == ["0", "2"] and t.targets.tolist() == [0, 1]


def test_string_targets_are_sorted_classes_and_floats_stay_for_regression(wine_csv):
    t = tk.CSV(wine_csv, target="cultivar")
    assert t.classes == ("class_0", "class_1", "class_2")
    assert t.targets.dtype == np.int64 and set(t.targets.tolist()) == {0, 1, 2}
    assert len(t) == 178 and len(t.features) == 13 and "cultivar" not in t.features
    r = tk.CSV(wine_csv, target="alcohol")
    assert r.classes is None and r.targets.dtype.kind == "f"
    assert r.targets[0] == pytest.approx(14.23)


def test_explicit_classes_order_and_unknown_label(tmp_path):
    path = write(tmp_path, "a,y\n1,lo\n2,hi\n3,mid\n")
    t = tk.CSV(path, target="y", classes=["lo", "mid", "hi"])
    assert t.targets.tolist() == [0, 2, 1]
    with pytest.raises(TableError, match=r"line 3: .*'hi'.*classes"):
        tk.CSV(path, target="y", classes=["lo", "mid"])


def test_schema_of_the_wine_csv(wine_csv):
    s = tk.CSV(wine_csv, target="cultivar").schema()
    kinds = dict(zip(s["column"], s["scitype"], strict=True))
    assert kinds["alcohol"] == "Continuous" and kinds["cultivar"] == "Multiclass"
    assert kinds["proline"] == "Continuous"  # written as 1065.0
    assert s.columns == ["column", "dtype", "scitype", "missing", "nonfinite", "role"]
    assert s["missing"].sum() == 0
    assert s.filter(pl.col("role") == "feature").height == 13


def test_getitem_len_batch_and_frame(wine_csv):
    t = tk.CSV(wine_csv, target="cultivar")
    x, y = t[0]
    assert x["alcohol"] == pytest.approx(14.23) and y == 0
    assert t[-1][1] == 2
    X, ys = t.batch([0, 177])
    assert X.dtype == np.float32 and X.shape == (2, 13) and ys.tolist() == [0, 2]
    assert isinstance(t.frame, pl.DataFrame) and t.X.columns == t.features
    with pytest.raises(IndexError):
        t[178]


def test_batch_refuses_text_features_and_names_the_fix(tmp_path):
    t = tk.CSV(write(tmp_path, "a,c,y\n1,red,0\n2,blue,1\n"), target="y")
    with pytest.raises(DataError, match="'c'.*FeaturePrep"):
        t.batch([0])


def test_key_column_gives_stable_splits_when_rows_are_added(tmp_path):
    rng = np.random.default_rng(0)
    ids = [f"id{i:04d}" for i in range(300)]
    rows = [
        f"{k},{v:.3f},{'ab'[i % 2]}"
        for i, (k, v) in enumerate(zip(ids, rng.random(300), strict=True))
    ]
    small = tk.CSV(
        write(tmp_path, "id,x,y\n" + "\n".join(rows) + "\n", "a.csv"), target="y", key="id"
    )
    shuffled = rows[::-1] + [f"new{i},0.5,a" for i in range(100)]
    big = tk.CSV(
        write(tmp_path, "id,x,y\n" + "\n".join(shuffled) + "\n", "b.csv"), target="y", key="id"
    )
    tr1, va1 = small.split(0.75, seed=3)
    tr2, va2 = big.split(0.75, seed=3)
    assert set(tr1.keys()) <= set(tr2.keys()) and set(va1.keys()) <= set(va2.keys())
    assert not set(tr1.keys()) & set(va1.keys())
    assert "id" not in small.features
    folds = small.kfolds(3, seed=1)
    assert sorted(k for _, va in folds for k in va.keys()) == sorted(ids)


def test_subset_keeps_targets_classes_and_row_keys(wine_csv):
    t = tk.CSV(wine_csv, target="cultivar")
    s = t.subset([5, 100, 177])
    assert len(s) == 3 and s.keys() == ["5", "100", "177"] and s.classes == t.classes
    assert s.targets.tolist() == [t.targets[5], t.targets[100], t.targets[177]]
    assert s.subset([2]).keys() == ["177"]


def test_duplicate_or_missing_keys_are_named(tmp_path):
    with pytest.raises(
        TableError, match=r"line 4: column 'id' \(the key\) is 'a', a duplicate of line 2"
    ):
        tk.CSV(write(tmp_path, "id,x\na,1\nb,2\na,3\n"), key="id")
    with pytest.raises(TableError, match="line 3.*missing"):
        tk.CSV(write(tmp_path, "id,x\na,1\n,2\n", "m.csv"), key="id")


def test_features_selects_columns_and_refuses_unknown_ones(wine_csv):
    t = tk.CSV(wine_csv, target="cultivar", features=["alcohol", "hue"])
    assert t.features == ["alcohol", "hue"] and t.batch([0])[0].shape == (1, 2)
    with pytest.raises(TableError, match="did you mean 'hue'"):
        tk.CSV(wine_csv, target="cultivar", features=["hu"])


def test_parquet_reads_like_csv(tmp_path, wine_csv):
    path = tmp_path / "wine.parquet"
    pl.read_csv(wine_csv).write_parquet(path)
    t = tk.Parquet(path, target="cultivar", features=["alcohol", "hue"])
    c = tk.CSV(wine_csv, target="cultivar", features=["alcohol", "hue"])
    assert t.classes == c.classes and np.array_equal(t.targets, c.targets)
    assert np.array_equal(t.batch(range(178))[0], c.batch(range(178))[0])
    with pytest.raises(TableError, match=r"wine.parquet: no column 'kind'"):
        tk.Parquet(path, target="kind")


def test_table_from_a_polars_frame_and_repr():
    t = tk.Table(pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0.5, 1.5, 2.5, 3.5]}), target="y")
    assert "regression" in repr(t) and t.classes is None
    with pytest.raises(TableError, match="no column 'z'"):
        tk.Table(pl.DataFrame({"x": [1]}), target="z")
