"""The catalogue: each model's entry, derived from scikit-learn's tags, and those left out."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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
ROOT = Path(__file__).resolve().parents[2]


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


def test_the_index_finds_each_estimator_as_the_full_catalogue_does():
    from toolkit.models.catalog import sklearn_entries, sklearn_entry
    from toolkit.models.sklearn_index import MODULES

    entries, skipped = sklearn_entries()
    assert set(MODULES) >= set(entries) - _EXPERIMENTAL  # it knows every registered estimator
    for name in set(MODULES) - _EXPERIMENTAL:
        assert sklearn_entry(name) == entries.get(name), name  # skipped ones: None both ways


def test_one_model_name_resolves_without_building_the_whole_catalogue():
    # a fresh interpreter, as `toolkit validate` is: the name, its keywords, its type
    script = textwrap.dedent("""
        import toolkit as tk
        from toolkit.models import catalog
        from toolkit.registry import registry
        models = registry("models")
        assert models.check({"RandomForestClassifier": {"n_estimators": 10}}) == []
        assert models.check({"RandomForestClassifier": {"n_estimator": 10}})  # misspelt
        assert tk.load_model("Ridge")(alpha=2.0).alpha == 2.0
        print(catalog.sklearn_entries.cache_info().currsize)
        assert "RandomForrestClassifier" not in models  # unknown: now the full catalogue
        print(catalog.sklearn_entries.cache_info().currsize)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["0", "1"]
