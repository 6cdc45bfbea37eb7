"""Machines: MLJ's refit rules, predictions in every form, unfitted errors."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.tree import DecisionTreeClassifier as SklearnTree

import toolkit as tk
from toolkit.errors import DataError, NotTrainedError
from toolkit.models.machine import NotProbabilisticError


@pytest.fixture
def data():
    X = pl.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], "b": [1, 0, 1, 0, 1, 0, 1, 0]})
    y = pl.Series("label", ["no", "no", "no", "no", "yes", "yes", "yes", "yes"])
    return X, y


def test_fit_trains_once_then_does_nothing(data):
    mach = tk.machine(tk.load_model("DecisionTreeClassifier")(), *data)
    tk.fit(mach)
    fitted = mach.fitted_model
    assert tk.fit(mach).n_fits == 1 and mach.fitted_model is fitted


def test_fit_retrains_when_a_hyperparameter_changes(data):
    mach = tk.fit(tk.machine(tk.load_model("DecisionTreeClassifier")(), *data))
    mach.model.max_depth = 1
    assert tk.fit(mach).n_fits == 2 and mach.fitted_model.estimator_.max_depth == 1
    assert tk.fit(mach).n_fits == 2
    mach.model = tk.load_model("DecisionTreeClassifier")(max_depth=1)  # equal params: no refit
    assert tk.fit(mach).n_fits == 2
    mach.model = tk.load_model("ExtraTreeClassifier")(max_depth=1)
    assert tk.fit(mach).n_fits == 3


def test_fit_retrains_when_the_rows_change(data):
    mach = tk.machine(tk.load_model("DecisionTreeClassifier")(), *data)
    assert tk.fit(mach, rows=[0, 1, 4, 5]).n_fits == 1
    assert tk.fit(mach, rows=np.array([0, 1, 4, 5])).n_fits == 1
    assert tk.fit(mach, rows=[0, 1, 4, 6]).n_fits == 2
    assert tk.fit(mach).n_fits == 3 and tk.report(mach)["n_rows"] == 8
    assert tk.fit(mach, force=True).n_fits == 4


def test_fit_retrains_when_a_nested_hyperparameter_changes(data):
    Bag = tk.load_model("BaggingClassifier")
    mach = tk.fit(tk.machine(Bag(estimator=SklearnTree(max_depth=1), n_estimators=2), *data))
    mach.model.estimator.max_depth = 2
    assert tk.fit(mach).n_fits == 2


def test_the_model_itself_never_learns(data):
    model = tk.load_model("DecisionTreeClassifier")()
    tk.fit(tk.machine(model, *data))
    assert not hasattr(model, "estimator_")


def test_predictions_keep_string_labels(data):
    X, y = data
    mach = tk.fit(tk.machine(tk.load_model("DecisionTreeClassifier")(), X, y))
    assert tk.predict(mach, X).tolist() == y.to_list()
    assert tk.predict_mode(mach, X).tolist() == y.to_list()
    proba = tk.predict_proba(mach, X)
    assert proba.columns == ["no", "yes"] and proba["yes"].to_list() == [0.0] * 4 + [1.0] * 4
    assert tk.predict(mach, rows=[0, 7]).tolist() == ["no", "yes"]


def test_predict_proba_follows_an_enum_targets_order(data):
    X, y = data
    y = y.cast(pl.Enum(["yes", "no"]))
    mach = tk.fit(tk.machine(tk.load_model("LogisticRegression")(), X, y))
    proba = tk.predict_proba(mach, X)
    assert proba.columns == ["yes", "no"] and proba["yes"][7] > 0.5
    assert tk.predict_mode(mach, X).tolist()[-1] == "yes"
    assert tk.report(mach)["classes"] == ["yes", "no"]


def test_unfitted_machines_say_how_to_fix_it(data):
    mach = tk.machine(tk.load_model("DecisionTreeClassifier")(), *data)
    for call in (tk.predict, tk.predict_mode, tk.predict_proba, tk.fitted_params, tk.report):
        with pytest.raises(NotTrainedError, match=r"call tk\.fit\(mach\) first"):
            call(mach, data[0]) if call in (
                tk.predict,
                tk.predict_mode,
                tk.predict_proba,
            ) else call(mach)


def test_probabilities_of_a_deterministic_model_are_refused(data):
    mach = tk.fit(tk.machine(tk.load_model("SVC")(), *data))
    with pytest.raises(NotProbabilisticError, match="tk.predict"):
        tk.predict_proba(mach, data[0])
    assert tk.predict_mode(mach, data[0]).tolist() == tk.predict(mach, data[0]).tolist()


def test_predict_mode_refuses_a_regressor():
    mach = tk.fit(tk.machine(tk.load_model("Ridge")(), np.eye(3), np.arange(3.0)))
    with pytest.raises(NotProbabilisticError, match="not a classifier"):
        tk.predict_mode(mach, np.eye(3))


def test_transform_names_its_columns():
    X = pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 9.0]})
    mach = tk.fit(tk.machine(tk.load_model("StandardScaler")(), X))
    out = tk.transform(mach, X)
    assert out.columns == ["a", "b"] and abs(out["a"].mean()) < 1e-12
    pca = tk.fit(tk.machine(tk.load_model("PCA")(n_components=1), X))
    assert tk.transform(pca, X).columns == ["pca0"]


def test_clusterers_label_their_rows():
    X = np.array([[0.0], [0.1], [5.0], [5.1]])
    mach = tk.fit(tk.machine(tk.load_model("KMeans")(n_clusters=2, n_init=1, random_state=0), X))
    labels = tk.predict(mach, X)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    dbscan = tk.fit(tk.machine(tk.load_model("DBSCAN")(eps=0.5, min_samples=1), X))
    assert tk.fitted_params(dbscan)["labels_"].tolist() == [0, 0, 1, 1]
    with pytest.raises(NotProbabilisticError, match="labels_"):
        tk.predict(dbscan, X)


def test_fitted_params_and_report(data):
    mach = tk.fit(tk.machine(tk.load_model("LogisticRegression")(), *data))
    params = tk.fitted_params(mach)
    assert params["coef_"].shape == (1, 2) and "classes_" in params
    report = tk.report(mach)
    assert (
        report["model"] == "LogisticRegression"
        and report["n_fits"] == 1
        and report["fit_time"] >= 0
    )


def test_machines_take_plain_sklearn_estimators(data):
    X, y = data
    mach = tk.fit(tk.machine(SklearnTree(max_depth=1), X.to_numpy(), y.to_numpy()))
    assert tk.predict_proba(mach, X.to_numpy()).columns == ["no", "yes"]


def test_machine_refuses_mismatched_rows_and_non_models(data):
    with pytest.raises(DataError, match="8 rows but y has 3"):
        tk.machine(tk.load_model("Ridge")(), data[0], [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="tk.load_model"):
        tk.machine("DecisionTreeClassifier", *data)
    with pytest.raises(DataError, match=r"rows must be indices in \[0, 8\)"):
        tk.fit(tk.machine(tk.load_model("Ridge")(), data[0], np.arange(8.0)), rows=[0, 9])


def test_a_toolkit_table_brings_its_own_target(wine_csv):
    table = tk.CSV(wine_csv, target="cultivar", classes=["class_2", "class_1", "class_0"])
    mach = tk.fit(tk.machine(tk.load_model("DecisionTreeClassifier")(max_depth=2), table))
    assert tk.predict_proba(mach, table.X).columns == ["class_2", "class_1", "class_0"]
    assert tk.predict(mach, table.X).dtype.kind == "U" and mach.args[0].width == 13


@pytest.mark.parametrize("kind", ["categorical", "enum"])
def test_a_categorical_target_keeps_every_level_when_trained_on_some_rows(wine_csv, kind, tmp_path):
    table = tk.coerce(pl.read_csv(wine_csv), {"cultivar": tk.Multiclass})
    X, y = table.drop("cultivar"), table["cultivar"]
    levels = ["class_0", "class_1", "class_2"]
    if kind == "enum":
        levels = levels[::-1]  # an Enum keeps its own level order
        y = y.cast(pl.String).cast(pl.Enum(levels))
    for model in (
        tk.load_model("DecisionTreeClassifier")(random_state=0),
        tk.Standardizer() >> tk.load_model("LogisticRegression")(),
    ):
        mach = tk.fit(tk.machine(model, X, y), rows=range(100))  # no class_2 in these rows
        proba = tk.predict_proba(mach, X)
        assert proba.columns == levels and tk.report(mach)["classes"] == levels
        assert (proba["class_2"] == 0.0).all()
        np.testing.assert_allclose(proba.sum_horizontal().to_numpy(), 1.0)
        assert set(tk.predict_mode(mach, X).tolist()) == {"class_0", "class_1"}
        tk.save(tmp_path / "m.skops", mach)
        assert tk.predict_proba(tk.load(tmp_path / "m.skops"), X).equals(proba)
    strings = tk.fit(tk.machine(tk.load_model("DecisionTreeClassifier")(), X, y.cast(pl.String)),
                     rows=range(100))  # fmt: skip
    assert tk.predict_proba(strings, X).columns == ["class_0", "class_1"]  # no levels to keep
