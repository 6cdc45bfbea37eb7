"""Every measure equals scikit-learn's metric; lookup by name and by the core's losses."""

import pickle

import numpy as np
import polars as pl
import pytest
from sklearn import metrics

import toolkit as tk
from toolkit.errors import DataError, UnknownNameError

RNG = np.random.default_rng(7)
Y3 = np.array(["cat", "dog", "eel"])[RNG.integers(0, 3, 60)]
YHAT3 = np.where(RNG.random(60) < 0.7, Y3, np.array(["cat", "dog", "eel"])[RNG.integers(0, 3, 60)])
P3 = RNG.dirichlet(np.ones(3), 60)
Y2 = RNG.integers(0, 2, 60)
YHAT2 = np.where(RNG.random(60) < 0.8, Y2, 1 - Y2)
P2 = RNG.dirichlet(np.ones(2), 60)
YR, YRHAT = RNG.normal(size=40), RNG.normal(size=40)


@pytest.mark.parametrize(
    ("m", "yhat", "y", "expected"),
    [
        (tk.accuracy, YHAT3, Y3, metrics.accuracy_score(Y3, YHAT3)),
        (tk.balanced_accuracy, YHAT3, Y3, metrics.balanced_accuracy_score(Y3, YHAT3)),
        (tk.misclassification_rate, YHAT3, Y3, metrics.zero_one_loss(Y3, YHAT3)),
        (tk.f1, YHAT2, Y2, metrics.f1_score(Y2, YHAT2)),
        (tk.f1_macro, YHAT3, Y3, metrics.f1_score(Y3, YHAT3, average="macro")),
        (tk.f1_micro, YHAT3, Y3, metrics.f1_score(Y3, YHAT3, average="micro")),
        (tk.f1(average="weighted"), YHAT3, Y3, metrics.f1_score(Y3, YHAT3, average="weighted")),
        (tk.log_loss, P3, Y3, metrics.log_loss(Y3, P3)),
        (tk.log_loss, P2, Y2, metrics.log_loss(Y2, P2)),
        (tk.brier_score, P2, Y2, metrics.brier_score_loss(Y2, P2[:, 1])),
        (tk.brier_score, P3, Y3, metrics.brier_score_loss(Y3, P3)),
        (tk.auc, P2, Y2, metrics.roc_auc_score(Y2, P2[:, 1])),
        (tk.auc, P3, Y3, metrics.roc_auc_score(Y3, P3, multi_class="ovr")),
        (tk.rmse, YRHAT, YR, metrics.root_mean_squared_error(YR, YRHAT)),
        (tk.measure("mse"), YRHAT, YR, metrics.mean_squared_error(YR, YRHAT)),
        (tk.measure("mae"), YRHAT, YR, metrics.mean_absolute_error(YR, YRHAT)),
        (tk.r2, YRHAT, YR, metrics.r2_score(YR, YRHAT)),
    ],
    ids=lambda v: v.name if isinstance(v, tk.Measure) else "",
)
def test_measure_equals_sklearn(m, yhat, y, expected):
    assert m(yhat, y) == expected  # exact: the same function on the same numbers


def test_orientation_and_needs():
    table = tk.measures()
    lower = set(table.filter(pl.col("orientation") == "lower")["name"])
    assert {"log_loss", "brier_score", "rmse", "mse", "mae", "misclassification_rate"} == lower
    assert (
        tk.auc.needs == "probabilities"
        and tk.accuracy.needs == "labels"
        and tk.r2.needs == "values"
    )
    assert tk.accuracy.greater_is_better and not tk.rmse.greater_is_better


def test_probabilities_as_a_table_or_a_positive_column():
    table = pl.DataFrame({"cat": P3[:, 0], "dog": P3[:, 1], "eel": P3[:, 2]})
    assert tk.log_loss(table, Y3) == metrics.log_loss(Y3, P3)
    numeric = pl.DataFrame({"0": P2[:, 0], "1": P2[:, 1]})
    assert tk.auc(numeric, Y2) == tk.auc(P2[:, 1], Y2) == metrics.roc_auc_score(Y2, P2[:, 1])


def test_classes_name_the_columns_even_when_a_class_is_absent():
    y = np.array(["a", "a", "c", "c"])
    P = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.2, 0.2, 0.6]])
    expected = metrics.log_loss(y, P, labels=["a", "b", "c"])
    assert tk.log_loss(P, y, classes=["a", "b", "c"]) == expected
    with pytest.raises(DataError, match="classes=model.classes_"):
        tk.log_loss(P, y)


def test_f1_binary_refuses_many_classes_with_the_fix():
    with pytest.raises(DataError, match="average='macro'"):
        tk.f1(YHAT3, Y3)


def test_variants_and_their_options():
    assert tk.f1(average="macro") is tk.f1_macro
    assert tk.f1_macro(average="binary") is tk.f1
    assert tk.balanced_accuracy() is tk.balanced_accuracy
    assert tk.f1(average="weighted").name == "f1_weighted"
    with pytest.raises(UnknownNameError, match="unknown keyword"):
        tk.accuracy(average="macro")
    with pytest.raises(UnknownNameError, match="average"):
        tk.f1(avg="macro")
    with pytest.raises(DataError, match="not one of"):
        tk.f1(average="samples-ish")


def test_lookup_by_name_alias_and_function():
    from sklearn.metrics import accuracy_score, mean_absolute_error

    assert tk.measure("accuracy") is tk.accuracy
    assert tk.measure("Root_Mean_Squared_Error") is tk.rmse
    assert tk.measure(accuracy_score) is tk.accuracy
    assert tk.measure(mean_absolute_error).name == "mae"


def test_the_core_losses_map_to_measures():
    def mae(yhat, y, agg=np.mean):  # stands in for toolkit.nn.losses.mae
        return agg(np.abs(yhat - y))

    mae.__module__ = "toolkit.nn.losses"
    assert tk.measure(mae).name == "mae"
    for name in ("mae", "mse"):
        if callable(getattr(tk, name, None)):
            assert tk.measure(getattr(tk, name)).name == name


def test_unknown_names_are_refused_with_suggestions():
    with pytest.raises(UnknownNameError, match="did you mean 'accuracy'"):
        tk.measure("acuracy")
    with pytest.raises(UnknownNameError, match="tk.Measure"):
        tk.measure(lambda a, b: 0.0)


def test_registered_measures_pickle_by_name():
    assert pickle.loads(pickle.dumps(tk.log_loss)) is tk.log_loss


def test_custom_measure():
    worst = tk.Measure(
        "worst",
        lambda p, y, c: float(np.max(np.abs(p - y))),
        orientation="lower",
        needs="values",
        doc="x",
    )
    assert worst(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == 2.0
    with pytest.raises(DataError, match="orientation"):
        tk.Measure("bad", len, orientation="up", needs="values", doc="x")
