"""Evaluation, what tk.evaluate returns: its table, its best model, its printed rows."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import UnknownNameError
from toolkit.models.evaluation import Evaluation, fold_format, interval


def test_the_table_prints_each_row_in_one_format():


    values = {"tree": {"log_loss": np.array([1.0, 3.0, 2.0, 3.09, 4.12]),
                       "accuracy": np.array([0.9, 1.0, 0.95, 0.9444, 1.0])}}  # fmt: skip
    ev = Evaluation(values, (tk.log_loss, tk.accuracy), {"tree": np.zeros(5)},
                    {"tree": np.zeros(5)}, pairs=[], resampling=None, repeats=1)  # fmt: skip
    rows = repr(ev).splitlines()[2:]
    assert "1.00 3.00 2.00 3.09 4.12" in rows[0] and "2.64" in rows[0]
    assert "0.900 1.000 0.950 0.944 1.000" in rows[1] and "0.959" in rows[1]
    times = {"m": np.zeros(2)}
    tiny = Evaluation({"m": {"log_loss": np.array([2.2e-16, 0.5])}}, (tk.log_loss,), times,
                      times, pairs=[], resampling=None, repeats=1)  # fmt: skip
    assert "0.000 0.500" in repr(tiny)


def test_best_takes_a_measure_or_its_name_and_skips_nan():


    values = {"a": {"rmse": np.array([np.nan, 1.0])}, "b": {"rmse": np.array([3.0, 3.0])},
              "c": {"rmse": np.array([4.0, 4.0])}}  # fmt: skip
    times = {name: np.zeros(2) for name in values}
    ev = Evaluation(values, (tk.rmse,), times, times, pairs=[], resampling=None, repeats=1)
    assert ev.best() == ev.best("rmse") == ev.best(tk.rmse) == "b"
    with pytest.raises(UnknownNameError, match="no measure 'accuracy'"):
        ev.best(tk.accuracy)


def test_interval_is_the_mean_plus_minus_a_normal_quantile_of_the_standard_error():
    values = np.array([0.8, 0.9, 1.0, 0.7])
    mean, sd, low, high = interval(values)
    half = 1.96 * np.std(values, ddof=1) / 2.0
    assert mean == pytest.approx(0.85) and sd == pytest.approx(np.std(values, ddof=1))
    assert (low, high) == pytest.approx((0.85 - half, 0.85 + half))
    assert np.isnan(interval(np.array([1.0]))[1])


def test_one_format_per_row():
    assert [fold_format([1.0, 3.09])(v) for v in (1.0, 3.09)] == ["1.00", "3.09"]
    assert fold_format([2e-5, 3e-4])(2e-5) == "2.00e-05"


def test_the_table_has_one_row_per_model_and_measure():
    times = {name: np.zeros(3) for name in ("a", "b")}
    values = {"a": {"rmse": np.array([1.0, 2.0, 3.0])}, "b": {"rmse": np.array([2.0, 2.0, 2.0])}}
    ev = Evaluation(values, (tk.rmse,), times, times, pairs=[], resampling=None, repeats=1)
    table = ev.to_polars()
    assert table.height == 2 and table["model"].to_list() == ["a", "b"]
    assert table.filter(table["model"] == "a")["mean"].item() == pytest.approx(2.0)
    assert table["better"].to_list() == ["lower", "lower"]
    folds = ev.to_polars(per_fold=True)
    assert folds.height == 6 and folds["rmse"].to_list()[:3] == [1.0, 2.0, 3.0]
