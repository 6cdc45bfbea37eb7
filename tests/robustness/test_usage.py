"""What users tried that should work: the call they wrote, and the answer it must give."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import DataError


def test_evaluate_takes_a_table_carrying_its_target_as_machine_does(wine_csv):
    table = tk.CSV(wine_csv, target="cultivar")
    model = tk.load_model("DecisionTreeClassifier")(max_depth=3, random_state=0)
    cv = tk.StratifiedCV(nfolds=3, shuffle=True, seed=1)
    from_table = tk.evaluate(model, table, resampling=cv, measures=[tk.accuracy])
    frame = pl.read_csv(wine_csv)
    explicit = tk.evaluate(
        model, frame.drop("cultivar"), frame["cultivar"], resampling=cv, measures=[tk.accuracy]
    )
    assert from_table.measurement == explicit.measurement
    with pytest.raises(DataError, match="table without a target"):
        tk.evaluate(model, tk.CSV(wine_csv))


def test_models_searches_by_name_ignoring_case():
    names = tk.models("Forest")["name"].to_list()
    assert names == ["RandomForestClassifier", "RandomForestRegressor"]
    assert tk.models("forest")["name"].to_list() == names
    assert tk.models("no such model").height == 0


def test_split_says_which_side_the_fraction_is_for():
    ds = tk.ArrayDataset(np.arange(200.0)[:, None], np.arange(200) % 2)
    by_validation = ds.split(validation=0.2, seed=3)
    by_train = ds.split(train=0.8, seed=3)
    positional = ds.split(0.8, seed=3)  # the old form: the training fraction
    assert by_validation[0].keys() == by_train[0].keys() == positional[0].keys()
    assert 140 <= len(by_validation[0]) <= 180  # about 80 % trains
    with pytest.raises(DataError, match="give one of"):
        ds.split(0.2, validation=0.2)
    with pytest.raises(DataError, match="validation= must lie strictly between 0 and 1"):
        ds.split(validation=20)
