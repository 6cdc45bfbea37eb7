"""tk.evaluate equals cross_validate on the same folds; comparisons, parallel runs, tables."""

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import load_diabetes, load_wine
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.model_selection import KFold, cross_validate
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import toolkit as tk
from toolkit.errors import DataError
from toolkit.models.evaluate import evaluate
from toolkit.models.resampling import CV, Holdout, StratifiedCV

WX, WY = load_wine(return_X_y=True)
DX, DY = load_diabetes(return_X_y=True)
FOREST = RandomForestClassifier(n_estimators=8, random_state=0)

CLASSIFICATION = {
    "accuracy": (tk.accuracy, 1),
    "balanced_accuracy": (tk.balanced_accuracy, 1),
    "f1_macro": (tk.f1_macro, 1),
    "f1_micro": (tk.f1_micro, 1),
    "neg_log_loss": (tk.log_loss, -1),
    "neg_brier_score": (tk.brier_score, -1),
    "roc_auc_ovr": (tk.auc, 1),
}
REGRESSION = {
    "neg_root_mean_squared_error": (tk.rmse, -1),
    "neg_mean_squared_error": (tk.measure("mse"), -1),
    "neg_mean_absolute_error": (tk.measure("mae"), -1),
    "r2": (tk.r2, 1),
}


def _assert_equals_cross_validate(model, X, y, pairs, scoring, ev):
    cv = cross_validate(model, X, y, cv=pairs, scoring=list(scoring))
    for (scorer, (m, sign)), ours in zip(scoring.items(), ev.per_fold, strict=True):
        np.testing.assert_array_equal(ours, sign * cv[f"test_{scorer}"], err_msg=m.name)


def test_classifier_equals_cross_validate():
    resampling = StratifiedCV(nfolds=4, seed=0)
    measures = [m for m, _ in CLASSIFICATION.values()]
    ev = evaluate(FOREST, WX, WY, resampling=resampling, measures=measures)
    _assert_equals_cross_validate(FOREST, WX, WY, ev.pairs, CLASSIFICATION, ev)


def test_binary_classifier_equals_cross_validate():
    keep = WY < 2
    X, y = WX[keep], WY[keep]
    scoring = {"f1": (tk.f1, 1), "roc_auc": (tk.auc, 1), "neg_brier_score": (tk.brier_score, -1)}
    ev = evaluate(
        FOREST, X, y, resampling=CV(nfolds=3, seed=2), measures=[m for m, _ in scoring.values()]
    )
    _assert_equals_cross_validate(FOREST, X, y, ev.pairs, scoring, ev)


def test_regressor_equals_cross_validate():
    model = Ridge(alpha=0.5)
    ev = evaluate(
        model, DX, DY, resampling=CV(nfolds=5), measures=[m for m, _ in REGRESSION.values()]
    )
    _assert_equals_cross_validate(model, DX, DY, list(KFold(5).split(DX)), REGRESSION, ev)


def test_comparison_uses_identical_folds():
    models = {"tree": DecisionTreeClassifier(max_depth=3, random_state=0), "forest": FOREST}
    resampling = CV(nfolds=3, shuffle=True, seed=5)
    ev = evaluate(models, WX, WY, resampling=resampling, measures=[tk.accuracy, "log_loss"])
    assert ev.models == ["tree", "forest"] and ev.nfolds == 3
    for name, model in models.items():
        alone = evaluate(model, WX, WY, resampling=resampling, measures=[tk.accuracy, "log_loss"])
        for ours, theirs in zip(ev.per_fold[name], alone.per_fold, strict=True):
            np.testing.assert_array_equal(ours, theirs)
    table = ev.to_polars()
    assert table.height == 4 and set(table["model"]) == {"tree", "forest"}
    assert ev.best("accuracy") in models and "tree" in repr(ev) and "<table>" in ev._repr_html_()


def test_tables_and_string_labels():
    X = pl.DataFrame(WX, schema=[f"f{i}" for i in range(WX.shape[1])])
    y = pl.Series("cultivar", np.array(["barbera", "barolo", "grignolino"])[WY])
    ev = evaluate(FOREST, X, y, resampling=StratifiedCV(nfolds=3), measures=[tk.accuracy, tk.auc])
    numeric = evaluate(FOREST, WX, WY, resampling=StratifiedCV(nfolds=3), measures=[tk.accuracy])
    np.testing.assert_array_equal(ev.per_fold[0], numeric.per_fold[0])
    assert 0.5 < ev.measurement[1] <= 1.0


def test_rows_repeats_and_defaults():
    rows = np.arange(0, len(DY), 2)
    ev = evaluate(DecisionTreeRegressor(max_depth=2), DX, DY, resampling=Holdout(0.5), rows=rows)
    ((train, test),) = ev.pairs
    assert set(train) | set(test) == set(rows) and ev.measures == (tk.rmse,)
    ev = evaluate(FOREST, WX, WY, resampling=CV(nfolds=3, seed=1), repeats=2)
    assert ev.nfolds == 6 and [m.name for m in ev.measures] == ["log_loss", "accuracy"]
    assert ev.to_polars(per_fold=True).height == 6 and (ev.fit_times[ev.models[0]] > 0).all()
    with pytest.raises(DataError, match="shuffle=True"):
        evaluate(FOREST, WX, WY, resampling=CV(nfolds=3), repeats=2)


def test_mismatched_models_and_measures_are_refused():
    with pytest.raises(DataError, match="predict_proba"):
        evaluate(RidgeClassifier(), WX, WY, resampling=CV(3), measures=[tk.log_loss])
    with pytest.raises(DataError, match="classifier"):
        evaluate(FOREST, WX, WY, resampling=CV(3), measures=[tk.rmse])
    with pytest.raises(DataError, match="not a classifier"):
        evaluate(Ridge(), DX, DY, resampling=CV(3), measures=[tk.accuracy])
    with pytest.raises(DataError, match="needs fit and predict"):
        evaluate(PCA(), DX, DY)
    with pytest.raises(DataError, match="rows but y has"):
        evaluate(Ridge(), DX, DY[:-1])


def test_arrow_and_pandas_tables():
    import pyarrow as pa

    pd = pytest.importorskip("pandas")
    names = [f"f{i}" for i in range(WX.shape[1])]
    kwargs = {"resampling": CV(nfolds=3, seed=1), "measures": [tk.accuracy]}
    expected = evaluate(FOREST, WX, WY, **kwargs).per_fold[0]
    for table in (pa.table(dict(zip(names, WX.T, strict=True))), pd.DataFrame(WX, columns=names)):
        np.testing.assert_array_equal(
            evaluate(FOREST, table, list(WY), **kwargs).per_fold[0], expected
        )


def test_evaluate_a_machine():
    if not hasattr(tk, "machine"):
        pytest.skip("machines are not built yet")
    mach = tk.machine(FOREST, WX, WY)
    ev = evaluate(mach, resampling=CV(nfolds=3), measures=[tk.accuracy])
    np.testing.assert_array_equal(
        ev.per_fold[0], evaluate(FOREST, WX, WY, resampling=CV(3), measures=tk.accuracy).per_fold[0]
    )
    with pytest.raises(DataError, match="needs data"):
        evaluate(FOREST)


def test_stratified_folds_refuse_a_continuous_target():
    with pytest.raises(DataError, match="continuous; use CV"):
        evaluate(
            Ridge(), DX, DY.astype(float) + 0.5, resampling=StratifiedCV(3), measures=[tk.rmse]
        )


def test_stratified_folds_refuse_missing_labels():
    y = pl.Series(["a", "b", None, "a", "b", "a"])
    with pytest.raises(DataError, match="1 missing labels"):
        StratifiedCV(2).pairs(6, y)


def test_default_folds_are_cross_validates_stratified_for_classifiers():
    # load_wine is sorted by class: unshuffled KFold would test classes never trained on
    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    ev = evaluate(tree, WX, WY, measures=[tk.accuracy, tk.log_loss])
    assert ev.nfolds == 6 and isinstance(ev.resampling, StratifiedCV)
    scoring = {"accuracy": CLASSIFICATION["accuracy"], "neg_log_loss": (tk.log_loss, -1)}
    cv = cross_validate(tree, WX, WY, cv=6, scoring=list(scoring))  # StratifiedKFold(6)
    np.testing.assert_array_equal(ev.per_fold[0], cv["test_accuracy"])
    np.testing.assert_array_equal(ev.per_fold[1], -cv["test_neg_log_loss"])
    assert ev.measurement[0] > 0.8
    ridge = evaluate(Ridge(), DX, DY)
    assert isinstance(ridge.resampling, CV) and not isinstance(ridge.resampling, StratifiedCV)
    np.testing.assert_array_equal(
        ridge.per_fold[0],
        -cross_validate(Ridge(), DX, DY, cv=6, scoring="neg_root_mean_squared_error")["test_score"],
    )


def test_default_measures_are_those_every_compared_model_supports():
    models = {"forest": FOREST, "ridge": RidgeClassifier()}
    ev = evaluate(models, WX, WY, resampling=StratifiedCV(nfolds=3))
    assert [m.name for m in ev.measures] == ["accuracy"]
    ev = evaluate(
        {"forest": FOREST, "tree": DecisionTreeClassifier()}, WX, WY, resampling=CV(3, seed=0)
    )
    assert [m.name for m in ev.measures] == ["log_loss", "accuracy"]
