"""The registry: generated from scikit-learn, listed, matched, looked up; model types' contract."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.utils import all_estimators

import toolkit as tk
from toolkit.errors import SchemaError, UnknownNameError
from toolkit.models import registry


def test_tk_models_is_the_function_and_the_subpackage_still_imports():
    import importlib

    import toolkit.models.frames as frames
    from toolkit.models import machine as machine_function

    assert isinstance(tk.models(), pl.DataFrame) and tk.models is tk.models.models
    assert frames.n_rows([1, 2]) == 2 and machine_function is tk.machine
    assert importlib.import_module("toolkit.models.machine").fit is tk.fit
    assert "models" in tk.models.__all__ and "tk.models(filter=None)" in tk.models.__doc__


def test_the_registry_follows_the_installed_scikit_learn():
    installed = {name for name, _ in all_estimators()}
    table = tk.models()
    listed = set(table.filter(pl.col("package").str.starts_with("sklearn"))["name"].to_list())
    assert listed | set(registry.skipped()) == installed
    assert not listed & set(registry.skipped())
    assert {"DecisionTreeClassifier", "RandomForestRegressor", "KMeans", "PCA"} <= listed


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


def test_kinds_and_probabilistic_come_from_tags():
    table = tk.models()
    row = {r["name"]: r for r in table.iter_rows(named=True)}
    assert row["KMeans"]["kind"] == "clusterer" and row["PCA"]["kind"] == "transformer"
    assert row["Ridge"]["kind"] == "regressor" and row["Ridge"]["target_scitypes"] == [
        "Continuous",
        "Count",
    ]
    assert row["LogisticRegression"]["probabilistic"] and not row["SVC"]["probabilistic"]
    assert row["HistGradientBoostingClassifier"]["missing"] and not row["SVC"]["missing"]
    assert set(table["kind"].unique()) == {"classifier", "regressor", "clusterer", "transformer"}


def test_meta_estimators_and_deprecated_ones_are_skipped_with_a_reason():
    skipped = registry.skipped()
    assert "steps" in skipped["Pipeline"] and "estimator" in skipped["OneVsRestClassifier"]
    with pytest.raises(UnknownNameError, match="meta-estimator"):
        tk.load_model("VotingClassifier")


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


def test_model_types_store_arguments_and_refuse_unknown_ones():
    Tree = tk.load_model("DecisionTreeClassifier")
    tree = Tree(max_depth=3)
    assert tree.max_depth == 3 and tree.get_params()["criterion"] == "gini"
    with pytest.raises(UnknownNameError, match="max_depth"):
        Tree(max_dept=3)
    with pytest.raises(UnknownNameError, match="max_depth"):
        tree.set_params(maxdepth=2)
    with pytest.raises(TypeError):
        Tree(3)  # keyword-only, as scikit-learn's estimators
    assert tree.set_params(max_depth=5) is tree and tree.max_depth == 5


def test_model_types_clone_and_follow_sklearn_tags():
    Tree = tk.load_model("DecisionTreeClassifier")
    tree = Tree(max_depth=2, class_weight={"a": 2.0})
    copy = clone(tree)
    assert copy is not tree and copy.get_params() == tree.get_params()
    assert is_classifier(tree) and is_regressor(tk.load_model("Ridge")())
    assert tk.load_model("Ridge") is tk.load_model("Ridge")  # one class per name


def test_string_targets_keep_their_labels_and_the_training_class_order():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = pl.Series(["lo", "lo", "hi", "hi"], dtype=pl.Enum(["lo", "hi"]))
    model = tk.load_model("LogisticRegression")().fit(X, y)
    assert model.classes_.tolist() == ["lo", "hi"]
    assert model.predict(X).tolist() == ["lo", "lo", "hi", "hi"]
    proba = model.predict_proba(X)
    assert proba[0, 0] > 0.5 and proba[3, 1] > 0.5  # columns follow classes_


def test_scitype_mismatch_names_the_column_types_and_the_coerce_fix():
    X = pl.DataFrame({"x": [1.0, 2.0], "colour": ["red", "blue"]})
    with pytest.raises(SchemaError) as error:
        tk.load_model("Ridge")().fit(X, [1.0, 2.0])
    text = str(error.value)
    assert "'colour'" in text and "Textual" in text and "Continuous or Count" in text
    assert 'tk.coerce(X, {"colour": tk.Continuous})' in text


def test_missing_values_are_refused_for_models_without_allow_nan():
    X = pl.DataFrame({"x": [1.0, None, 3.0]})
    with pytest.raises(SchemaError, match="'x' has 1 missing values.*FillImputer"):
        tk.load_model("SVR")().fit(X, [1.0, 2.0, 3.0])
    tk.load_model("HistGradientBoostingRegressor")(max_iter=2).fit(X, [1.0, 2.0, 3.0])


def test_a_continuous_target_is_refused_by_a_classifier():
    with pytest.raises(SchemaError, match="Finite target.*tk.coerce"):
        tk.load_model("DecisionTreeClassifier")().fit(np.eye(3), np.array([0.5, 1.5, 2.5]))


def test_a_string_target_is_refused_by_a_regressor():
    with pytest.raises(SchemaError, match="Continuous or Count target.*Textual"):
        tk.load_model("Ridge")().fit(np.eye(2), pl.Series("y", ["a", "b"]))


@pytest.mark.parametrize("convert", ["numpy", "pandas", "arrow"])
def test_model_types_take_numpy_pandas_and_arrow(convert):
    X = pl.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1, 0, 1, 0]})
    data = {"numpy": X.to_numpy, "pandas": X.to_pandas, "arrow": X.to_arrow}[convert]()
    model = tk.load_model("LinearRegression")().fit(data, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(model.predict(data), [0.0, 1.0, 2.0, 3.0], atol=1e-9)


def test_generated_docstrings_name_the_sklearn_class():
    doc = tk.load_model("Ridge").__doc__
    assert doc.startswith("``Ridge(*, alpha=1.0") and "sklearn.linear_model.Ridge" in doc
    assert sklearn.__version__  # the registry reads whatever version is installed


def test_a_text_numpy_array_is_refused_with_the_fix():
    with pytest.raises(
        SchemaError, match=r"dtype <U1 \(scientific type Textual\).*astype\(float\)"
    ):
        tk.load_model("Ridge")().fit(np.array([["a"], ["b"]]), [1.0, 2.0])


def test_missing_values_in_numpy_name_the_column():
    X = np.array([[1.0, 2.0], [3.0, np.nan]])
    with pytest.raises(SchemaError, match="column 'x1' has 1 missing values"):
        tk.load_model("Ridge")().fit(X, [1.0, 2.0])


def test_matching_takes_a_toolkit_table(wine_csv):
    table = tk.CSV(wine_csv, target="cultivar")
    names = tk.models(tk.matching(table))["name"].to_list()
    assert "RandomForestClassifier" in names and "Ridge" not in names
