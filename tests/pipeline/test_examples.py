"""The example pipelines in pipelines/ run as they are, each above its floor, and round-trip."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import toolkit as tk
from toolkit.pipeline.source import read

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "pipelines").glob("*.yaml"))

# name: (overrides that keep the suite in minutes, measure, floor or ceiling)
FLOORS = {
    "digits-cnn": (["train.epochs=2"], "accuracy", ">", 0.85),
    "digits-mlp-augmented": (["train.epochs=2"], "accuracy", ">", 0.9),
    "wine-forest": ([], "accuracy", ">", 0.93),
    "wine-tuned-tree": (["tune.strategy.Grid.resolution=3"], "accuracy", ">", 0.85),
    "diabetes-ridge": ([], "rmse", "<", 60.0),
}


def test_every_example_has_a_floor():
    assert len(EXAMPLES) >= 5
    assert {p.stem for p in EXAMPLES} == set(FLOORS)


@pytest.fixture(scope="module")
def data(digits_dir, wine_csv):
    return digits_dir, wine_csv


def _value(run, measure: str) -> float:
    for row in run.evaluation:
        if row.get("measure") == measure:
            return float(row["value"] if "value" in row else row["mean"])
    raise AssertionError(f"{measure} not in {run.evaluation}")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_example_runs_above_its_floor(name, data, tmp_path):
    overrides, measure, side, bound = FLOORS[name]
    run = tk.Pipeline.from_yaml(ROOT / "pipelines" / f"{name}.yaml", overrides=overrides).run(
        tmp_path / name, log=lambda text: None)
    value = _value(run, measure)
    assert value > bound if side == ">" else value < bound, (name, value)
    folder = run.folder
    for file in ("config.yaml", "run.json", "evaluation.csv", "bad_files.csv", "report.html"):
        assert (folder / file).is_file(), file
    model = "model.safetensors" if run.kind == "network" else "model.skops"
    assert isinstance(tk.load(folder / model), object) and (folder / model).is_file()
    if run.kind == "network":
        with open(folder / "metrics.csv") as fh:
            rows = list(csv.DictReader(fh))
        assert [int(r["epoch"]) for r in rows] == [1, 2]
        assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_to_yaml_round_trips(path, data):
    pipeline = tk.Pipeline.from_yaml(path)
    text = pipeline.to_yaml()
    again = tk.Pipeline(read(text, "again.yaml"), base=pipeline.base)
    assert again.config == pipeline.config
    assert again.to_yaml() == text
    again.validate(dry_run=False)


def test_to_yaml_writes_every_default(data):
    text = tk.Pipeline.from_yaml(ROOT / "pipelines" / "digits-cnn.yaml").to_yaml()
    for default in ("batch_size: 32", "workers: 0", "on_error: skip", "checkpoint_every: null",
                    "beta: [0.9, 0.999]", "drop_last: false"):
        assert default in text, default
