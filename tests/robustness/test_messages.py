"""Inputs that used to end in a raw traceback: each names its culprit and the fix."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import DataError, HyperparameterError, ShapeError, WriteError

X = np.random.default_rng(0).normal(size=(30, 3))
Y = np.where(X[:, 0] > 0, "pos", "neg")
Tree = tk.load_model("DecisionTreeClassifier")


def test_a_hyper_parameter_of_the_wrong_type_names_it():
    with pytest.raises(
        HyperparameterError, match="DecisionTreeClassifier: The 'max_depth' parameter"
    ):
        tk.fit(tk.machine(Tree(max_depth="three"), X, Y))


def test_a_supervised_model_without_a_target_says_so():
    with pytest.raises(DataError, match="is a classifier and learns from a target, but y is None"):
        tk.fit(tk.machine(Tree(), X))


def test_predicting_zero_rows_names_the_problem():
    mach = tk.fit(tk.machine(Tree(), X, Y))
    with pytest.raises(DataError, match=r"got X with 0 rows \(shape \(0, 3\)\)"):
        tk.predict(mach, X[:0])


@pytest.mark.parametrize("as_table", [False, True])
def test_infinity_in_x_names_the_column_and_row(as_table):
    bad = X.copy()
    bad[7, 2] = -np.inf
    data = pl.DataFrame(bad, schema=["a", "b", "c"]) if as_table else bad
    column = "c" if as_table else "x2"
    with pytest.raises(DataError, match=rf"column '{column}' holds -inf at row 7"):
        tk.fit(tk.machine(Tree(), data, Y))
    mach = tk.fit(tk.machine(Tree(), pl.DataFrame(X, schema=["a", "b", "c"]) if as_table else X, Y))
    with pytest.raises(DataError, match=rf"column '{column}' holds -inf at row 7"):
        tk.predict(mach, data)


def test_conv_given_channels_first_input_says_toolkit_is_channels_last():
    model = tk.Chain(tk.Conv((3, 3), 3, 8))
    with pytest.raises(
        ShapeError,
        match=r"looks channels-first.*toolkit is channels-last.*"
        r"transpose\(0, 2, 3, 1\)",
    ):
        model(np.zeros((2, 3, 16, 16), np.float32))
    assert model(np.zeros((2, 16, 16, 3), np.float32)).shape == (2, 14, 14, 8)


@pytest.mark.parametrize("x", [np.array([["a", "b", "c"]]), np.array([[1, 2, 3]], dtype=object)])
def test_text_or_objects_into_a_model_say_how_to_encode_them(x):
    with pytest.raises(DataError, match=r"takes numbers, got an array of dtype .*onehotbatch"):
        tk.Chain(tk.Dense(3, 2))(x)


@pytest.fixture()
def unwritable(tmp_path):
    """A folder that cannot be written even by root: its name is taken by a regular file.

    (The tests run as root, for whom chmod -w folders stay writable; a path under a
    regular file fails for everyone, with ENOTDIR or EEXIST.)
    """
    blocker = tmp_path / "models"
    blocker.write_text("a file, not a folder")
    return blocker / "sub"


@pytest.mark.parametrize(
    "save, name",
    [
        (lambda p: tk.save(p, tk.Chain(tk.Dense(3, 2), seed=0)), "m.safetensors"),
        (lambda p: tk.save(p, tk.fit(tk.machine(Tree(), X, Y))), "m.skops"),
        (lambda p: tk.FeaturePrep().fit(pl.DataFrame({"a": [1.0]})).save(p), "prep.json"),
    ],
    ids=["model", "machine", "prep"],
)
def test_saving_where_no_file_can_be_written_names_the_path(unwritable, save, name):
    with pytest.raises(WriteError, match=rf"{name}: cannot write it: .*save elsewhere"):
        save(unwritable / name)
