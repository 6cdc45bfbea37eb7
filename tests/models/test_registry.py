"""Finding models: tk.models() listed and matched to data, tk.info and tk.load_model."""

from __future__ import annotations

import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import UnknownNameError


def test_tk_models_is_the_function_and_the_subpackage_still_imports():
    import importlib

    import toolkit.models.inputs as inputs
    from toolkit.models import machine as machine_function

    assert isinstance(tk.models(), pl.DataFrame) and tk.models is tk.models.models
    assert inputs.labels([1, 2]).tolist() == [1, 2] and machine_function is tk.machine
    assert importlib.import_module("toolkit.models.machine").fit is tk.fit
    assert "models" in tk.models.__all__ and "tk.models(filter=None)" in tk.models.__doc__


def test_toolkit_own_models_are_registered_too():
    table = tk.models().filter(pl.col("package") == "toolkit.models")
    assert set(table["name"]) == {
        "NeuralNetworkClassifier",
        "NeuralNetworkRegressor",
        "FillImputer",
        "Standardizer",
    }
    assert tk.load_model("NeuralNetworkClassifier") is tk.NeuralNetworkClassifier
    X = pl.DataFrame({"a": [1.0, 2.0, 3.0]})
    assert (
        "NeuralNetworkRegressor"
        in tk.models(tk.matching(X, pl.Series([1.0, 2.0, 3.0])))["name"].to_list()
    )
    assert (
        "FillImputer" in tk.models(tk.matching(pl.DataFrame({"s": ["x", None]})))["name"].to_list()
    )
    assert "epochs = 10" in repr(tk.info("NeuralNetworkClassifier"))


def test_matching_filters_by_column_scitypes_missing_values_and_target():
    X = pl.DataFrame({"a": [1.0, None, 3.0, 4.0], "b": [1, 2, 3, 4]})
    classifiers = tk.models(tk.matching(X, pl.Series(["u", "v", "u", "v"])))
    assert set(classifiers["kind"]) == {"classifier"} and classifiers["missing"].all()
    regressors = tk.models(tk.matching(X.drop_nulls(), pl.Series([0.5, 1.5, 2.5])))
    assert set(regressors["kind"]) == {"regressor"} and "Ridge" in regressors["name"].to_list()
    unsupervised = tk.models(tk.matching(X.drop_nulls()))
    assert set(unsupervised["kind"]) == {"clusterer", "transformer"}
    text = pl.DataFrame({"s": ["x", "y"]})
    assert tk.models(tk.matching(text, pl.Series([1.0, 2.0]))).height == 0


def test_info_shows_hyperparameters_defaults_and_docs():
    info = tk.info("DecisionTreeClassifier")
    assert info.hyperparameters["max_depth"] is None and info.hyperparameters["criterion"] == "gini"
    text = repr(info)
    assert "max_depth = None" in text and "scikit-learn.org" in text and "classifier" in text


def test_unknown_model_names_are_refused_with_did_you_mean():
    with pytest.raises(UnknownNameError, match="did you mean 'RandomForestClassifier'"):
        tk.load_model("RandomForestClasifier")


def test_matching_takes_a_toolkit_table(wine_csv):
    table = tk.CSV(wine_csv, target="cultivar")
    names = tk.models(tk.matching(table))["name"].to_list()
    assert "RandomForestClassifier" in names and "Ridge" not in names
