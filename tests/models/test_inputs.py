"""Data checked against what a model accepts: scitypes, missing values, targets, columns."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import DataError, NotNumericError, SchemaError
from toolkit.models import inputs


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


def test_a_text_numpy_array_is_refused_with_the_fix():
    with pytest.raises(
        SchemaError, match=r"dtype <U1 \(scientific type Textual\).*astype\(float\)"
    ):
        tk.load_model("Ridge")().fit(np.array([["a"], ["b"]]), [1.0, 2.0])


def test_missing_values_in_numpy_name_the_column():
    X = np.array([[1.0, 2.0], [3.0, np.nan]])
    with pytest.raises(SchemaError, match="column 'x1' has 1 missing values"):
        tk.load_model("Ridge")().fit(X, [1.0, 2.0])


def test_features_give_floats_and_refuse_by_column():
    X = pl.DataFrame({"a": [1, 2], "b": [0.5, None]})
    out = inputs.features(X, "M", accepts=inputs.NUMERIC, allow_nan=True)
    assert out.dtype == np.float64 and np.isnan(out[1, 1]) and out[:, 0].tolist() == [1.0, 2.0]
    with pytest.raises(SchemaError, match=r"column 'b' has 1 missing values \(NaN\) but M"):
        inputs.features(X, "M", accepts=inputs.NUMERIC)
    with pytest.raises(tk.errors.DataError, match=r"shape \(n_samples, n_features\)"):
        inputs.features(np.zeros(3), "M")


def test_fits_takes_numbers_wherever_continuous_is_accepted():
    column = pl.Series([True, False])
    assert inputs.fits(column, "Binary", inputs.NUMERIC)
    assert not inputs.fits(pl.Series(["a"]), "Textual", inputs.NUMERIC)
    assert inputs.fits(pl.Series(["a"]), "Textual", ("Textual",))


def test_align_reorders_tables_and_checks_array_widths():
    X = pl.DataFrame({"b": [1.0], "a": [2.0]})
    assert inputs.align(X, ["a", "b"], "M").columns == ["a", "b"]
    with pytest.raises(SchemaError, match=r"\['z'\] were not seen in fit"):
        inputs.align(X.with_columns(z=pl.lit(0)), ["a", "b"], "M")
    with pytest.raises(
        SchemaError, match="X has 2 features, but M is expecting 3 features as input"
    ):
        inputs.align(np.zeros((1, 2)), ["x0", "x1", "x2"], "M")
    assert inputs.align(X, ["x0", "x1"], "M", named=False) is X


def test_labels_and_training_class_orders():
    assert inputs.labels(pl.DataFrame({"y": ["a", "b"]})).tolist() == ["a", "b"]
    assert inputs.labels(np.array([[1], [2]])).tolist() == [1, 2]
    assert inputs.labels(np.array(["u", "v"], dtype=object)).dtype.kind == "U"
    assert inputs.training_classes(np.array([3, 1, 3])) == (1, 3)
    pd = pytest.importorskip("pandas")
    y = pd.Series(pd.Categorical(["lo", "hi"], categories=["lo", "mid", "hi"], ordered=True))
    assert inputs.training_classes(y) == ("lo", "hi")
    assert inputs.training_classes(y, pooled=True) == ("lo", "mid", "hi")


def test_check_target_accepts_integer_floats_for_classifiers():
    inputs.check_target(np.array([0.0, 1.0]), "M", "classifier")  # integer-valued: labels
    with pytest.raises(SchemaError, match=r"target 't' is continuous \(scientific type Continuous"):
        inputs.check_target(pl.Series("t", [0.5, 1.0]), "M", "classifier")
    with pytest.raises(SchemaError, match="scientific type Textual"):
        inputs.check_target(np.array(["a", "b"]), "M", "regressor")


def test_check_X_refuses_sparse_complex_and_non_2d_with_the_fix():
    from scipy import sparse

    with pytest.raises(DataError, match=r"does not support sparse input.*X\.toarray\(\)"):
        inputs.check_X(sparse.csr_matrix(np.eye(2)), "M")
    with pytest.raises(DataError, match=r"Complex data not supported.*X\.imag"):
        inputs.check_X(np.ones((2, 2), dtype=complex), "M")
    with pytest.raises(DataError, match=r"M expected a 2D array, got a 1D.*reshape\(-1, 1\)"):
        inputs.check_X(np.ones(3), "M")
    assert inputs.check_X([[1, 2]], "M").tolist() == [[1, 2]]  # a list becomes an array
    table = pl.DataFrame({"a": [1.0]})
    assert inputs.check_X(table, "M") is table  # a table is kept as it is


def test_check_X_refuses_empty_data_only_when_fitting():
    with pytest.raises(DataError, match=r"cannot fit on 0 samples \(shape=\(0, 3\)\)"):
        inputs.check_X(np.zeros((0, 3)), "M", fitting=True)
    with pytest.raises(DataError, match=r"0 feature\(s\) \(shape=\(4, 0\)\) while a minimum of 1"):
        inputs.check_X(np.zeros((4, 0)), "M", fitting=True)
    with pytest.raises(DataError, match="cannot fit on 0 samples"):  # tables too
        inputs.check_X(pl.DataFrame({"a": []}), "M", fitting=True)
    assert inputs.check_X(np.zeros((0, 3)), "M").shape == (0, 3)  # predicting on no rows is fine


def test_check_y_wants_a_target_with_one_value_per_row():
    X = np.zeros((3, 1))
    with pytest.raises(DataError, match="M requires y to be passed, but the target y is None"):
        inputs.check_y(X, None, "M")
    with pytest.raises(DataError, match="X has 3 rows .* but y has 2 values; Fix"):
        inputs.check_y(X, [0, 1], "M")
    series = pl.Series("y", [0, 1, 1])
    assert inputs.check_y(X, series, "M") is series


def test_object_arrays_of_numbers_are_numbers_and_other_objects_are_refused():
    X = np.array([[1.0, 2.0]], dtype=object)
    assert inputs.features(X, "M").dtype == np.float64
    X[0, 0] = {"a": 1}
    with pytest.raises(NotNumericError, match="argument must be a string or a real number"):
        inputs.features(X, "M")
    with pytest.raises(SchemaError, match="Textual"):  # text keeps its scitype refusal and fix
        inputs.features(np.array([["a"]], dtype=object), "M")


def test_infinite_values_are_refused_like_missing_ones():
    with pytest.raises(SchemaError, match="column 'x1' has infinite values"):
        inputs.features(np.array([[1.0, np.inf]]), "M")
    with pytest.raises(SchemaError, match="target 'y' contains NaN or infinity"):
        inputs.check_target(np.array([1.0, np.inf]), "M", "regressor")
