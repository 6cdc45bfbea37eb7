"""FeaturePrep and its steps: equal to scikit-learn, JSON round-trip, unseen categories, tables."""

from __future__ import annotations

import datetime
import json

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import toolkit as tk
from toolkit.data.prep import Imputer, OneHot, Standardize
from toolkit.errors import DataError, NotTrainedError, SchemaError


def mixed_frame(n: int = 300, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)

    def holes(values, p=0.05):
        return [None if h else v for v, h in zip(values.tolist(), rng.random(n) < p, strict=True)]

    return pl.DataFrame(
        {
            "f": holes(rng.normal(3.0, 2.0, n)),
            "i": pl.Series(holes(rng.integers(0, 50, n)), dtype=pl.Int64),
            "s": holes(np.array(["red", "green", "blue", "teal"])[rng.integers(0, 4, n)]),
            "g": holes(np.array(["x", "y"])[rng.integers(0, 2, n)], p=0.1),
            "b": rng.random(n) < 0.3,
        }
    )


def sklearn_matrix(frame: pl.DataFrame, strategy: str) -> tuple[np.ndarray, list[str]]:
    pdf = frame.to_pandas()
    numeric, categorical = ["f", "i", "b"], ["s", "g"]
    ct = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy=strategy), StandardScaler()), numeric),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            ),
        ]
    )
    pdf[numeric] = pdf[numeric].astype(float)
    pdf[categorical] = pdf[categorical].astype(object)
    X = ct.fit_transform(pdf)
    names = []
    for n in ct.get_feature_names_out():
        kind, rest = n.split("__", 1)
        names.append(rest if kind == "num" else "__".join(rest.split("_", 1)))
    return X, names


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_equal_to_sklearn_imputer_onehot_scaler(strategy):
    frame = mixed_frame()
    impute = {"most_frequent": "mode"}.get(strategy, strategy)
    prep = tk.FeaturePrep(impute=impute).fit(frame)
    ours = prep.transform(frame)
    theirs, names = sklearn_matrix(frame, strategy)
    assert sorted(names) == sorted(prep.feature_names_)
    order = [names.index(n) for n in prep.feature_names_]
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs[:, order], rtol=1e-5, atol=1e-5)


def test_output_order_names_and_contiguity():
    prep = tk.FeaturePrep().fit(mixed_frame())
    assert prep.feature_names_ == [
        "f",
        "i",
        "s__blue",
        "s__green",
        "s__red",
        "s__teal",
        "g__x",
        "g__y",
        "b",
    ]
    X = prep.transform(mixed_frame(seed=1))
    assert X.flags["C_CONTIGUOUS"] and X.shape == (300, 9)
    assert np.isfinite(X).all()


def test_fit_on_training_rows_apply_to_new_rows():
    train = pl.DataFrame({"x": [0.0, 2.0, 4.0], "c": ["a", "b", "a"]})
    prep = tk.FeaturePrep().fit(train)
    X = prep.transform(pl.DataFrame({"x": [None, 6.0], "c": [None, "b"]}))
    scale = np.std([0.0, 2.0, 4.0])
    np.testing.assert_allclose(X, [[0.0, 1.0, 0.0], [4.0 / scale, 0.0, 1.0]], rtol=1e-6)


def test_unseen_category_error_names_column_value_and_row():
    prep = tk.FeaturePrep().fit(pl.DataFrame({"c": ["a", "b"], "x": [1.0, 2.0]}))
    with pytest.raises(DataError) as info:
        prep.transform(pl.DataFrame({"c": ["a", "b", "zebra"], "x": [1.0, 2.0, 3.0]}))
    msg = str(info.value)
    assert "'c'" in msg and "'zebra'" in msg and "row 2" in msg and "unseen='zeros'" in msg


def test_unseen_category_in_a_csv_names_the_file_line(tmp_path):
    (tmp_path / "train.csv").write_text("c,y\na,0\nb,1\n")
    (tmp_path / "new.csv").write_text("c,y\nb,0\na,1\nq,0\n")
    prep = tk.FeaturePrep().fit(tk.CSV(tmp_path / "train.csv", target="y"))
    with pytest.raises(DataError, match=r"'c': row 2 \(.*new.csv: line 4\) holds 'q'"):
        prep.transform(tk.CSV(tmp_path / "new.csv", target="y"))


def test_unseen_category_zeros_policy():
    prep = tk.FeaturePrep(unseen="zeros", standardize=False).fit(pl.DataFrame({"c": ["a", "b"]}))
    X = prep.transform(pl.DataFrame({"c": ["b", "zebra", "a"]}))
    assert X.tolist() == [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]


def test_json_round_trip_gives_identical_output(tmp_path):
    frame = mixed_frame()
    prep = tk.FeaturePrep(impute="median").fit(frame)
    path = prep.save(tmp_path / "prep.json")
    again = tk.FeaturePrep.load(path)
    assert json.loads(path.read_text())["format"] == "toolkit.FeaturePrep"
    assert np.array_equal(again.transform(frame), prep.transform(frame))
    assert again.feature_names_ == prep.feature_names_ and again.to_json() == prep.to_json()
    assert b"\x80" not in path.read_bytes()  # text, not a pickle


def test_load_refuses_what_is_not_a_featureprep(tmp_path):
    with pytest.raises(DataError, match="not a saved FeaturePrep"):
        tk.FeaturePrep.from_json('{"format": "something else"}')
    d = json.loads(tk.FeaturePrep().fit(mixed_frame()).to_json())
    d["steps"][0]["step"] = "Exec"
    with pytest.raises(DataError, match="unknown preparation step 'Exec'"):
        tk.FeaturePrep.from_dict(d)


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    xs=st.lists(st.one_of(st.none(), finite), min_size=2, max_size=30),
    words=st.lists(st.sampled_from(["a", "b", "é", "x y", "NA-ish"]), min_size=2, max_size=30),
    impute=st.sampled_from(["mean", "median", "mode", "constant"]),
)
def test_round_trip_property(xs, words, impute):
    n = min(len(xs), len(words))
    if all(x is None for x in xs[:n]):
        xs = [0.0] + xs
    frame = pl.DataFrame({"x": xs[:n] or [0.0], "w": words[:n] or ["a"]}, strict=False)
    prep = tk.FeaturePrep(impute=impute, unseen="zeros").fit(frame)
    again = tk.FeaturePrep.from_json(prep.to_json())
    assert np.array_equal(again.transform(frame), prep.transform(frame), equal_nan=True)


def test_apply_gives_an_arraydataset_that_batches_like_arrays(wine_csv):
    table = tk.CSV(wine_csv, target="cultivar")
    train, val = table.split(0.8, stratify=True, seed=1)
    prep = tk.FeaturePrep().fit(train)
    ds = prep.apply(val)
    assert isinstance(ds, tk.ArrayDataset) and len(ds) == len(val)
    assert ds.classes == table.classes and ds.keys() == val.keys()
    assert np.array_equal(ds.targets, val.targets)
    x, y = next(iter(tk.DataLoader(ds, batch_size=8)))
    assert x.shape == (8, 13) and x.dtype == np.float32 and y.shape == (8,)
    assert abs(float(prep.transform(train).mean())) < 1e-5  # standardized on the training rows


def test_columns_and_refusals():
    frame = mixed_frame()
    prep = tk.FeaturePrep(columns=["f", "s"]).fit(frame)
    assert prep.feature_names_ == ["f", "s__blue", "s__green", "s__red", "s__teal"]
    with pytest.raises(SchemaError, match="no column 'ff'.*'f'"):
        tk.FeaturePrep(columns=["ff"]).fit(frame)
    with pytest.raises(SchemaError, match="'s' is String.*onehot=True"):
        tk.FeaturePrep(onehot=False).fit(frame)
    dated = pl.DataFrame({"d": [datetime.date(2020, 1, 1)]})
    with pytest.raises(SchemaError, match="'d' is Date"):
        tk.FeaturePrep().fit(dated)
    with pytest.raises(SchemaError, match="no column 'g'"):
        prep2 = tk.FeaturePrep().fit(frame)
        prep2.transform(frame.drop("g"))
    with pytest.raises(SchemaError, match="could not be read"):
        tk.FeaturePrep().fit(frame).transform(frame.with_columns(f=pl.lit("text")))
    with pytest.raises(DataError, match="did you mean 'median'"):
        tk.FeaturePrep(impute="medain")
    with pytest.raises(DataError, match="did you mean 'zeros'"):
        tk.FeaturePrep(unseen="zero")
    with pytest.raises(NotTrainedError, match="fit"):
        tk.FeaturePrep().transform(frame)


def test_no_imputation_leaves_nan_and_an_all_missing_column_is_named():
    frame = pl.DataFrame({"x": [1.0, None, 3.0]})
    X = tk.FeaturePrep(impute=None, standardize=False).fit(frame).transform(frame)
    assert np.isnan(X[1, 0]) and X[0, 0] == 1.0
    with pytest.raises(DataError, match="'x' has no values"):
        tk.FeaturePrep().fit(pl.DataFrame({"x": [None, None]}, schema={"x": pl.Float64}))


def test_constant_imputation_numbers_text_and_per_column():
    frame = pl.DataFrame({"x": [None, 2.0], "c": [None, "a"]})
    prep = tk.FeaturePrep(impute="constant", fill_value=-1, standardize=False).fit(frame)
    assert prep.feature_names_ == ["x", "c__a", "c__missing"]
    assert prep.transform(frame).tolist() == [[-1.0, 0.0, 1.0], [2.0, 1.0, 0.0]]
    per = Imputer("constant", fill_value={"x": 7.0, "c": "zz"}).fit(frame).transform(frame)
    assert per.rows() == [(7.0, "zz"), (2.0, "a")]
    with pytest.raises(DataError, match="no entry for column 'c'"):
        Imputer("constant", fill_value={"x": 7.0}).fit(frame)


def test_steps_stand_alone_and_round_trip():
    frame = mixed_frame()
    for step in (Imputer("mode"), OneHot(unseen="zeros"), Standardize()):
        fitted = step.fit(frame)
        again = type(step).from_dict(json.loads(json.dumps(fitted.to_dict())))
        assert fitted.transform(frame).equals(again.transform(frame))
    out = OneHot().fit(frame).transform(frame)
    assert out.columns[:3] == ["f", "i", "s__blue"] and out["g__x"].dtype == pl.Float32
    with pytest.raises(DataError, match="'s': row 1 holds 'purple'"):
        OneHot().fit(frame).transform(
            frame.head(3).with_columns(s=pl.Series(["red", "purple", None]))
        )
    with pytest.raises(NotTrainedError):
        Standardize().transform(frame)


def test_works_on_pandas_and_arrow_inputs():
    frame = mixed_frame()
    prep = tk.FeaturePrep().fit(frame)
    expected = prep.transform(frame)
    np.testing.assert_allclose(prep.transform(frame.to_pandas()), expected, rtol=1e-6)
    np.testing.assert_allclose(prep.transform(frame.to_arrow()), expected, rtol=1e-6)


def test_imputer_on_categorical_enum_and_boolean_columns():
    X = pl.DataFrame(
        {
            "c": pl.Series(["a", None, "b", "a"]).cast(pl.Categorical),
            "e": pl.Series(["S", None, "M", "M"]).cast(pl.Enum(["S", "M", "L"])),
            "b": [True, None, False, True],
        }
    )
    out = Imputer("mode").fit(X).transform(X)
    assert out["c"].cast(pl.String).to_list() == ["a", "a", "b", "a"]
    assert out["e"].cast(pl.String).to_list() == ["S", "M", "M", "M"] and out["b"][1] is True
    with pytest.raises(DataError, match="'e' is an Enum.*'missing' is not one"):
        Imputer("constant").fit(X)
    assert (
        Imputer("constant", fill_value={"c": "z", "e": "L", "b": 0}).fit(X).transform(X)["e"][1]
        == "L"
    )


def test_apply_keeps_row_keys_and_key_columns(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("id,x,y\nq,1.0,a\nr,2.0,b\ns,3.0,a\n")
    plain = tk.FeaturePrep().fit(tk.CSV(path, target="y")).apply(tk.CSV(path, target="y"))
    keyed = tk.CSV(path, target="y", key="id")
    assert plain.keys() == ["0", "1", "2"] and plain.classes == ("a", "b")
    assert tk.FeaturePrep().fit(keyed).apply(keyed).keys() == ["q", "r", "s"]
