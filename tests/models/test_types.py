"""Generated model types: the estimator contract, labels kept, columns by name as in fit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_regressor

import toolkit as tk
from toolkit.errors import SchemaError, UnknownNameError


@pytest.fixture(scope="module")
def wine(wine_csv):
    table = pl.read_csv(wine_csv)
    return table.drop("cultivar"), table["cultivar"]


def _reversed(X: pl.DataFrame) -> pl.DataFrame:
    return X.select(X.columns[::-1])


@pytest.mark.parametrize(
    "model",
    [
        lambda: tk.load_model("DecisionTreeClassifier")(random_state=0),
        lambda: tk.Standardizer() >> tk.load_model("DecisionTreeClassifier")(random_state=0),
        lambda: tk.load_model("KNeighborsClassifier")(),
    ],
    ids=["tree", "pipeline", "neighbours"],
)
@pytest.mark.parametrize("kind", ["polars", "pandas", "arrow"])
def test_reordered_columns_give_the_same_predictions(wine, model, kind):
    X, y = wine
    mach = tk.fit(tk.machine(model(), X, y))
    shuffled = _reversed(X)
    shuffled = {"polars": shuffled, "pandas": shuffled.to_pandas(), "arrow": shuffled.to_arrow()}
    expected = np.asarray(tk.predict(mach, X))
    assert (np.asarray(tk.predict(mach, shuffled[kind])) == expected).all()
    proba = tk.predict_proba(mach, shuffled[kind])
    np.testing.assert_allclose(proba.to_numpy(), tk.predict_proba(mach, X).to_numpy())


def test_reordered_columns_regression_and_transform(wine):
    X, y = wine
    features, target = X.drop("proline"), X["proline"]
    ridge = tk.load_model("Ridge")().fit(features, target)
    np.testing.assert_allclose(ridge.predict(_reversed(features)), ridge.predict(features))
    pca = tk.load_model("PCA")(n_components=2).fit(X)
    np.testing.assert_allclose(pca.transform(_reversed(X)), pca.transform(X))


def test_missing_and_extra_columns_refused_by_name(wine):
    X, y = wine
    tree = tk.load_model("DecisionTreeClassifier")().fit(X, y)
    with pytest.raises(SchemaError, match="column 'alcohol' was seen in fit but is missing here"):
        tree.predict(X.drop("alcohol"))
    with pytest.raises(SchemaError, match=r"\['spare'\] were not seen in fit"):
        tree.predict(X.with_columns(spare=pl.lit(1.0)))


def test_arrays_checked_for_their_width(wine):
    X, y = wine
    tree = tk.load_model("DecisionTreeClassifier")().fit(X, y)
    assert (tree.predict(X.to_numpy()) == tree.predict(X)).all()  # arrays go by position
    with pytest.raises(
        SchemaError, match="X has 5 features, but DecisionTreeClassifier is expecting 13 features"
    ):
        tree.predict(X.to_numpy()[:, :5])
    on_array = tk.load_model("DecisionTreeClassifier")().fit(X.to_numpy(), y)
    assert (on_array.predict(X) == tree.predict(X)).all()  # fitted without names: by position
    with pytest.raises(
        SchemaError, match="X has 12 features, but DecisionTreeClassifier is expecting 13"
    ):
        on_array.predict(X.drop("alcohol"))


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
