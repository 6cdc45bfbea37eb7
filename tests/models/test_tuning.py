"""TunedModel agrees with GridSearchCV; strategies, ranges, nested evaluation, curves."""

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_diabetes, load_wine
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.tree import DecisionTreeClassifier

import toolkit as tk
from toolkit.errors import DataError, NotTrainedError, UnknownNameError
from toolkit.models.evaluate import evaluate
from toolkit.models.ranges import Grid, hp_range
from toolkit.models.resampling import CV, Holdout
from toolkit.models.tuning import TunedModel, learning_curve

WX, WY = load_wine(return_X_y=True)
DX, DY = load_diabetes(return_X_y=True)
TREE = DecisionTreeClassifier(random_state=0)


@pytest.mark.parametrize(
    ("measure", "scoring", "sign"), [("accuracy", "accuracy", 1), ("log_loss", "neg_log_loss", -1)]
)
def test_grid_agrees_with_grid_search_cv(measure, scoring, sign):
    pairs = CV(nfolds=4, seed=0).pairs(len(WY))
    tuned = TunedModel(
        TREE, range=hp_range(TREE, "max_depth", lower=1, upper=6), tuning=Grid(resolution=6),
        resampling=pairs, measure=measure,
    ).fit(WX, WY)  # fmt: skip
    search = GridSearchCV(TREE, {"max_depth": list(range(1, 7))}, cv=pairs, scoring=scoring).fit(
        WX, WY
    )
    assert tuned.best_params_ == search.best_params_
    np.testing.assert_array_equal(
        tuned.history_["measurement"].to_numpy(), sign * search.cv_results_["mean_test_score"]
    )
    assert tuned.best_score_ == sign * search.best_score_
    np.testing.assert_array_equal(tuned.predict(WX), search.predict(WX))


def test_tuned_model_is_a_model():
    r = hp_range(TREE, "max_depth", lower=1, upper=3)
    tuned = TunedModel(TREE, range=r, tuning=Grid(3), resampling=CV(3, seed=0), measure="accuracy")
    assert is_classifier(tuned) and hasattr(tuned, "predict_proba")
    assert clone(tuned).get_params()["tuning"].resolution == 3
    with pytest.raises(NotTrainedError, match="not fitted"):
        tuned.predict(WX)
    ev = evaluate(tuned, WX, WY, resampling=CV(nfolds=3, seed=1), measures=[tk.accuracy])  # nested
    assert len(ev.per_fold[0]) == 3 and 0.6 < ev.measurement[0] <= 1.0
    with pytest.raises(DataError, match="StratifiedCV"):  # wine is sorted by class
        evaluate(TREE, WX, WY, resampling=CV(3), measures=[tk.log_loss])


def test_parallel_tuning_equals_sequential_and_report():
    r = hp_range(Ridge(), "alpha", lower=0.01, upper=100.0, scale="log")
    kwargs = {"range": r, "tuning": Grid(5), "resampling": CV(3), "measure": tk.rmse}
    a = TunedModel(Ridge(), **kwargs).fit(DX, DY)
    b = TunedModel(Ridge(), workers=2, executor="threads", **kwargs).fit(DX, DY)
    assert a.history_.equals(b.history_) and a.best_params_ == b.best_params_
    report = a.report()
    assert report["best_params"] == a.best_params_ and report["history"].height == 5


def test_machine_report_shows_the_tuning():
    if not hasattr(tk, "machine"):
        pytest.skip("machines are not built yet")
    tuned = TunedModel(
        Ridge(), range=hp_range(Ridge(), "alpha", values=[0.1, 1.0]), resampling=Holdout(0.7)
    )
    mach = tk.fit(tk.machine(tuned, DX, DY))
    report = tk.report(mach)
    assert report["best_params"]["alpha"] in (0.1, 1.0) and report["history"].height == 2


def test_learning_curve():
    r = hp_range(TREE, "max_depth", lower=1, upper=5)
    curve = learning_curve(
        TREE, WX, WY, range=r, resolution=5, resampling=CV(3), measure=tk.accuracy
    )
    assert curve.parameter_values == [1, 2, 3, 4, 5] and curve.measurements.shape == (5,)
    assert curve.to_polars().columns == ["max_depth", "accuracy", "sd"]
    with pytest.raises(DataError, match="one hyper-parameter"):
        learning_curve(
            TREE, WX, WY, range=[r, hp_range(TREE, "min_samples_leaf", lower=1, upper=3)]
        )


def test_a_param_grid_dict_is_a_range():
    pairs = CV(nfolds=3, seed=0).pairs(len(WY))
    grid = {"max_depth": [2, 4], "criterion": ["gini", "entropy"]}
    tuned = TunedModel(TREE, range=grid, resampling=pairs, measure="accuracy").fit(WX, WY)
    search = GridSearchCV(
        TREE, {"max_depth": [2, 4], "criterion": ["gini", "entropy"]}, cv=pairs
    ).fit(WX, WY)
    assert tuned.best_params_ == search.best_params_
    with pytest.raises(UnknownNameError):
        TunedModel(TREE, range={"depth": [1]}).fit(WX, WY)


def test_settings_changed_in_place_retrain_the_machine():
    r = hp_range(Ridge(), "alpha", lower=0.1, upper=10.0, scale="log")
    tuned = TunedModel(Ridge(), range=r, tuning=Grid(2), resampling=CV(3), measure="rmse")
    mach = tk.fit(tk.machine(tuned, DX, DY))
    assert tk.fit(mach).n_fits == 1  # nothing changed
    tuned.tuning.resolution = 3
    assert tk.fit(mach).n_fits == 2 and tk.report(mach)["history"].height == 3
    tuned.resampling.nfolds = 4
    assert tk.fit(mach).n_fits == 3 and len(tk.report(mach)["history"]["per_fold"][0]) == 4
    r.upper = 100.0
    assert tk.fit(mach).n_fits == 4 and tk.report(mach)["history"]["alpha"].max() == 100.0


def test_settings_are_nested_parameters():
    tuned = TunedModel(TREE, range=hp_range(TREE, "max_depth", lower=1, upper=3), tuning=Grid(2),
                       resampling=CV(3), measure="accuracy")  # fmt: skip
    tuned.set_params(tuning__resolution=3, resampling__nfolds=4)
    assert tuned.tuning == Grid(3) and tuned.resampling == CV(4)
    copy = clone(tuned)
    assert copy.tuning == tuned.tuning and copy.tuning is not tuned.tuning
    assert copy.range == tuned.range and copy.range is not tuned.range
    with pytest.raises(UnknownNameError, match="resolution"):
        tuned.set_params(tuning__resolutoin=3)
    with pytest.raises(DataError, match="strictly between"):
        Holdout(0.7).set_params(fraction_train=2.0)


def test_a_list_of_measures_is_refused_saying_one():
    tuned = TunedModel(TREE, range=hp_range(TREE, "max_depth", lower=1, upper=3),
                       measure=[tk.accuracy, tk.log_loss])  # fmt: skip
    with pytest.raises(DataError, match="one measure"):
        tuned.fit(WX, WY)


def test_a_nan_measurement_is_never_the_best():
    from toolkit.models.tuning import _best_index

    history = [{"measurement": float("nan")}, {"measurement": 2.0}, {"measurement": 1.0}]
    assert _best_index(history, tk.rmse) == 2 and _best_index(history, tk.r2) == 1
    with pytest.raises(DataError, match="every candidate measured NaN"):
        _best_index(history[:1], tk.rmse)


def test_a_tuned_model_scores_as_scikit_learn_expects():
    from sklearn.model_selection import cross_val_score

    tuned = TunedModel(TREE, range={"max_depth": [1, 3]}, resampling=CV(3, seed=0),
                       measure="accuracy")  # fmt: skip
    scores = cross_val_score(tuned, WX, WY, cv=3)  # no scoring: the estimator's score
    np.testing.assert_array_equal(scores, cross_val_score(tuned, WX, WY, cv=3, scoring="accuracy"))
    tuned.fit(WX, WY)
    assert tuned.n_features_in_ == WX.shape[1]
    with np.errstate(divide="ignore"):  # a tree's probabilities of 0
        np.testing.assert_array_equal(
            tuned.predict_log_proba(WX[:3]), tuned.best_model_.predict_log_proba(WX[:3])
        )
    assert not hasattr(TunedModel(Ridge(), range={"alpha": [1.0]}), "decision_function")


def test_object_values_show_as_text_in_the_history():
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    pipe = tk.load_model("StandardScaler")() >> Ridge()
    scalers = [StandardScaler(), MinMaxScaler()]
    tuned = TunedModel(pipe, range=hp_range(pipe, "standardscaler", values=scalers),
                       resampling=CV(3), measure="rmse").fit(DX, DY)  # fmt: skip
    assert tuned.history_["standardscaler"].to_list() == ["StandardScaler()", "MinMaxScaler()"]
    assert tuned.best_params_["standardscaler"] in scalers


def test_unknown_settings_are_refused_with_the_valid_names():
    with pytest.raises(UnknownNameError, match="'ranges'.*'range'"):
        TunedModel(TREE, ranges=[])
    tuned = TunedModel(TREE, range={"max_depth": [1, 2]})
    with pytest.raises(UnknownNameError, match="'mesure'.*'measure'"):
        tuned.set_params(mesure="accuracy")
    assert tuned.set_params(measure="accuracy").measure == "accuracy"


def test_default_resampling_is_stratified_for_classifiers():
    # load_wine is sorted by class: an unshuffled holdout or KFold tests unseen classes
    r = hp_range(TREE, "max_depth", lower=1, upper=3)
    curve = learning_curve(TREE, WX, WY, range=r, resolution=3, measure=tk.accuracy)
    assert curve.per_fold[0].shape == (6,) and curve.measurements[-1] > 0.8
    tuned = TunedModel(TREE, range=r, measure="accuracy").fit(WX, WY)
    theirs = cross_val_score(clone(TREE).set_params(max_depth=3), WX, WY, cv=6)
    np.testing.assert_array_equal(tuned.history_["per_fold"][-1].to_numpy(), theirs)
