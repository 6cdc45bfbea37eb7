"""Data checked against what a model accepts: scitypes, missing values, targets, columns."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import SchemaError
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
    with pytest.raises(SchemaError, match="column 'b' has 1 missing values but M"):
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
    with pytest.raises(SchemaError, match="fitted on 3 features .* X has 2"):
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
    with pytest.raises(SchemaError, match="target 't' has scientific type Continuous"):
        inputs.check_target(pl.Series("t", [0.5, 1.0]), "M", "classifier")
    with pytest.raises(SchemaError, match="scientific type Textual"):
        inputs.check_target(np.array(["a", "b"]), "M", "regressor")
