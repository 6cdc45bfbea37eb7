"""What evaluation and tuning share: uniform inputs, the measures chosen, one fold."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss
from sklearn.svm import SVC

from toolkit.errors import DataError
from toolkit.models.folds import as_inputs, check_fits, choose_measures, run_fold


def test_as_inputs_keeps_tables_and_makes_targets_vectors():
    X, y = as_inputs(pa.table({"a": [1.0, 2.0]}), pl.DataFrame({"y": [0, 1]}))
    assert isinstance(X, pl.DataFrame) and y.tolist() == [0, 1]
    frame = pl.DataFrame({"a": [1.0, 2.0]})
    assert as_inputs(frame, [0, 1])[0] is frame
    with pytest.raises(DataError, match="X has 2 rows but y has 3"):
        as_inputs(frame, [0, 1, 2])


def test_default_measures_are_those_every_model_supports():
    assert [m.name for m in choose_measures(None, LogisticRegression())] == [
        "log_loss",
        "accuracy",
    ]
    assert [m.name for m in choose_measures(None, LogisticRegression(), SVC())] == ["accuracy"]
    assert [m.name for m in choose_measures(None, Ridge())] == ["rmse"]
    assert [m.name for m in choose_measures(["accuracy", "f1_macro"])] == ["accuracy", "f1_macro"]
    with pytest.raises(DataError, match="measures is empty"):
        choose_measures([])


def test_check_fits_refuses_what_a_measure_cannot_measure():
    (proba,) = choose_measures("log_loss")
    with pytest.raises(DataError, match="no predict_proba, which log_loss needs"):
        check_fits("svc", SVC(), (proba,))
    with pytest.raises(DataError, match="is not a classifier but accuracy"):
        check_fits("ridge", Ridge(), choose_measures("accuracy"))
    with pytest.raises(DataError, match="needs fit and predict"):
        check_fits("x", object(), ())


def test_run_fold_equals_fitting_and_scoring_by_hand():
    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    test = rng.choice(len(y), 30, replace=False)
    train = np.setdiff1d(np.arange(len(y)), test)
    model = LogisticRegression(max_iter=500)
    values, fit_time, predict_time = run_fold(
        model, X, y, train, test, choose_measures(None, model)
    )
    fitted = LogisticRegression(max_iter=500).fit(X[train], y[train])
    assert values[0] == pytest.approx(log_loss(y[test], fitted.predict_proba(X[test])))
    assert values[1] == pytest.approx(accuracy_score(y[test], fitted.predict(X[test])))
    assert fit_time >= 0 and predict_time >= 0
    assert not hasattr(model, "coef_")  # the fold fits a clone


def test_run_fold_refuses_test_classes_the_training_rows_lack():
    X, y = np.arange(6.0)[:, None], np.array([0, 0, 1, 1, 2, 2])
    with pytest.raises(DataError, match=r"test rows hold classes \[2\]"):
        run_fold(
            LogisticRegression(), X, y, np.arange(4), np.arange(4, 6), choose_measures("log_loss")
        )
