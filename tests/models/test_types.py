"""Generated model types: a table's columns go by name at predict time, as fit saw them."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import SchemaError


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
    with pytest.raises(SchemaError, match="fitted on 13 features .* but X has 5"):
        tree.predict(X.to_numpy()[:, :5])
    on_array = tk.load_model("DecisionTreeClassifier")().fit(X.to_numpy(), y)
    assert (on_array.predict(X) == tree.predict(X)).all()  # fitted without names: by position
    with pytest.raises(SchemaError, match="fitted on 13 features .* but X has 12"):
        on_array.predict(X.drop("alcohol"))
