"""Pipelines with >>: tables with missing values and strings, the model contract, saving."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.base import clone, is_classifier
from sklearn.preprocessing import StandardScaler as SklearnScaler

import toolkit as tk
from toolkit.errors import DataError, SchemaError, UnknownNameError
from toolkit.models import io
from toolkit.models.compose import Pipeline


@pytest.fixture
def table():
    X = pl.DataFrame(
        {
            "height": [1.0, 2.0, None, 7.0, 8.0, 9.0, 1.5, 8.5],
            "count": [3, None, 1, 4, 2, 5, 3, 1],
            "colour": ["red", None, "blue", "green", "red", "green", "blue", None],
        }
    )
    y = pl.Series("grade", ["low", "low", "low", "high", "high", "high", "low", "high"])
    return X, y


def prep_tree(**tree):
    Tree = tk.load_model("DecisionTreeClassifier")
    return tk.FillImputer() >> tk.OneHotEncoder() >> tk.Standardizer() >> Tree(**tree)


def test_a_pipeline_learns_from_a_table_with_missing_values_and_strings(table):
    X, y = table
    mach = tk.fit(tk.machine(prep_tree(random_state=0), X, y))
    assert tk.predict(mach, X).tolist() == y.to_list()
    assert tk.predict_proba(mach, X).columns == ["high", "low"]
    unseen_missing = pl.DataFrame(
        {"height": [None], "count": [None], "colour": [None]}, schema=X.schema
    )
    assert tk.predict(mach, unseen_missing).tolist()[0] in {"low", "high"}


def test_the_tree_alone_refuses_that_table_naming_the_fix(table):
    X, y = table
    with pytest.raises(tk.ToolkitError, match="'colour'.*Textual.*tk.OneHotEncoder"):
        tk.fit(tk.machine(tk.load_model("DecisionTreeClassifier")(), X, y))


def test_the_transformers_give_polars_tables(table):
    X, _ = table
    filled = tk.FillImputer().fit_transform(X)
    assert filled.null_count().row(0) == (0, 0, 0) and filled["height"][2] == 7.0
    encoded = tk.OneHotEncoder().fit_transform(filled)
    assert encoded.columns == ["height", "count", "colour__blue", "colour__green", "colour__red"]
    scaled = tk.Standardizer().fit_transform(filled)
    assert abs(scaled["height"].mean()) < 1e-12 and scaled["colour"].dtype == pl.String


def test_a_pipeline_is_a_model(table):
    pipe = prep_tree(max_depth=2)
    assert isinstance(pipe, Pipeline) and is_classifier(pipe)
    params = pipe.get_params()
    assert (
        params["decisiontreeclassifier__max_depth"] == 2
        and params["fillimputer__strategy"] == "median"
    )
    copy = clone(pipe)
    assert copy is not pipe and copy.get_params()["decisiontreeclassifier__max_depth"] == 2
    pipe.set_params(decisiontreeclassifier__max_depth=3, fillimputer__strategy="mean")
    assert pipe.steps[-1][1].max_depth == 3 and pipe.steps[0][1].strategy == "mean"


def test_machines_refit_when_a_nested_hyperparameter_changes(table):
    mach = tk.fit(tk.machine(prep_tree(), *table))
    mach.model.set_params(decisiontreeclassifier__max_depth=1)
    assert tk.fit(mach).n_fits == 2 and tk.fit(mach).n_fits == 2
    mach.model.set_params(fillimputer__strategy="mean")
    assert tk.fit(mach).n_fits == 3


def test_transformers_refuse_unknown_parameters_listing_valid_ones():
    with pytest.raises(UnknownNameError, match="did you mean 'strategy'"):
        tk.FillImputer(stratgy="mean")
    with pytest.raises(UnknownNameError, match="features"):
        tk.Standardizer().set_params(feature=["a"])


def test_only_the_last_step_may_predict():
    Tree = tk.load_model("DecisionTreeClassifier")
    with pytest.raises(DataError, match="only the last step"):
        Tree() >> tk.Standardizer()


def test_pipelines_flatten_and_mix_with_sklearn_steps(table):
    pipe = (tk.FillImputer() >> tk.OneHotEncoder()) >> (
        SklearnScaler() >> tk.load_model("LogisticRegression")()
    )
    assert [n for n, _ in pipe.steps] == [
        "fillimputer",
        "onehotencoder",
        "standardscaler",
        "logisticregression",
    ]
    mach = tk.fit(tk.machine(pipe, *table))
    assert tk.predict_mode(mach, table[0]).tolist() == table[1].to_list()


def test_fitted_params_per_step(table):
    mach = tk.fit(tk.machine(prep_tree(), *table))
    params = tk.fitted_params(mach)
    assert params["fillimputer"]["fill"]["colour"] in {"red", "blue", "green"}
    assert params["onehotencoder"]["levels"]["colour"] == ["blue", "green", "red"]
    assert "tree_" in params["decisiontreeclassifier"]


def test_a_pipeline_machine_round_trips_through_save_and_load(table, tmp_path):
    X, y = table
    mach = tk.fit(tk.machine(prep_tree(random_state=0), X, y))
    io.save_machine(tmp_path / "pipe.skops", mach)
    loaded = io.load_machine(tmp_path / "pipe.skops")
    assert tk.predict_proba(loaded, X).equals(tk.predict_proba(mach, X))
    assert loaded.model.get_params()["decisiontreeclassifier__random_state"] == 0


def test_a_pipeline_evaluates_like_any_model(table):
    X, y = table
    pipe = tk.FillImputer() >> tk.OneHotEncoder() >> tk.load_model("LogisticRegression")()
    folds = [
        (np.array([0, 1, 3, 4, 6, 7]), np.array([2, 5])),
        (np.array([2, 3, 4, 5, 6, 7]), np.array([0, 1])),
    ]
    ev = tk.evaluate(pipe, X, y, resampling=folds, measures=["accuracy"])
    assert len(ev.per_fold[0]) == 2 and 0.0 <= ev.measurement[0] <= 1.0


def test_a_pipeline_tunes_by_its_nested_names(table):
    X, y = table
    pipe = (
        tk.FillImputer()
        >> tk.OneHotEncoder()
        >> tk.load_model("DecisionTreeClassifier")(random_state=0)
    )
    depth = tk.hp_range(pipe, "decisiontreeclassifier__max_depth", lower=1, upper=2)
    folds = [(np.arange(6), np.arange(6, 8))]
    tuned = tk.TunedModel(
        pipe, range=[depth], tuning=tk.Grid(resolution=2), resampling=folds, measure="accuracy"
    )
    mach = tk.fit(tk.machine(tuned, X, y))
    assert set(tk.report(mach)["best_params"]) == {"decisiontreeclassifier__max_depth"}
    assert tk.predict(mach, X).dtype.kind == "U"


def test_table_transformers_take_columns_by_name(table):
    X, _ = table
    scaler = tk.Standardizer().fit(X)
    shuffled = X.select(X.columns[::-1])
    assert scaler.transform(shuffled).equals(scaler.transform(X))
    with pytest.raises(SchemaError, match="column 'height' was seen in fit but is missing"):
        scaler.transform(X.drop("height"))
    with pytest.raises(SchemaError, match=r"\['spare'\] were not seen in fit"):
        scaler.transform(X.with_columns(spare=pl.lit(1.0)))
    numeric = X.select("height", "count").fill_null(0)
    fitted = tk.Standardizer().fit(numeric)
    assert fitted.transform(numeric.to_numpy()).equals(fitted.transform(numeric))
