"""The catalogue: each model's entry, derived from scikit-learn's tags, and those left out."""

from __future__ import annotations

import polars as pl
import pytest
from sklearn.utils import all_estimators

import toolkit as tk
from toolkit.errors import UnknownNameError
from toolkit.models import catalog

# Importing sklearn.utils.estimator_checks (tests/models/test_sklearn_checks.py) enables
# scikit-learn's experimental halving searches; the catalogue, built once per process, may
# predate that import, so those two are left out of the comparison on both sides.
_EXPERIMENTAL = {"HalvingGridSearchCV", "HalvingRandomSearchCV"}


def test_the_registry_follows_the_installed_scikit_learn():
    installed = {name for name, _ in all_estimators()} - _EXPERIMENTAL
    table = tk.models()
    listed = set(table.filter(pl.col("package").str.starts_with("sklearn"))["name"].to_list())
    assert (listed | set(catalog.skipped())) - _EXPERIMENTAL == installed
    assert not listed & set(catalog.skipped())
    assert {"DecisionTreeClassifier", "RandomForestRegressor", "KMeans", "PCA"} <= listed


def test_kinds_and_probabilistic_come_from_tags():
    table = tk.models()
    row = {r["name"]: r for r in table.iter_rows(named=True)}
    assert row["KMeans"]["kind"] == "clusterer" and row["PCA"]["kind"] == "transformer"
    assert row["Ridge"]["kind"] == "regressor" and row["Ridge"]["target_scitypes"] == [
        "Continuous",
        "Count",
    ]
    assert row["LogisticRegression"]["probabilistic"] and not row["SVC"]["probabilistic"]
    assert row["HistGradientBoostingClassifier"]["missing"] and not row["SVC"]["missing"]
    assert set(table["kind"].unique()) == {"classifier", "regressor", "clusterer", "transformer"}


def test_meta_estimators_and_deprecated_ones_are_skipped_with_a_reason():
    skipped = catalog.skipped()
    assert "steps" in skipped["Pipeline"] and "estimator" in skipped["OneVsRestClassifier"]
    with pytest.raises(UnknownNameError, match="meta-estimator"):
        tk.load_model("VotingClassifier")


def test_own_models_get_their_entry_from_model_traits():
    entry = catalog.entry("NeuralNetworkClassifier")
    assert entry.kind == "classifier" and entry.input_scitypes == ("Continuous", "Count")
    assert entry.package == "toolkit.models" and not entry.missing
    assert "Textual" in entry.target_scitypes  # a classifier learns string labels
    assert entry.hyperparameters["epochs"] == 10


def test_wraps_sklearn_tells_generated_types_from_the_rest():
    assert catalog.wraps_sklearn("DecisionTreeClassifier")
    assert not catalog.wraps_sklearn("Standardizer")  # toolkit's own
    assert not catalog.wraps_sklearn("Pipeline")  # skipped
    assert not catalog.wraps_sklearn("NoSuchModel")


def test_entries_are_sorted_and_hold_every_sklearn_entry():
    names = [e.name for e in catalog.entries()]
    assert names == sorted(names)
    assert set(catalog.sklearn_entries()[0]) <= set(names)
    with pytest.raises(UnknownNameError, match="did you mean 'Ridge'"):
        catalog.entry("Ridg")
