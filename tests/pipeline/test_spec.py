"""The format: sections by kind, defaults written out, the JSON Schema from the registries."""

from __future__ import annotations

import json

from toolkit.pipeline import spec

NETWORK = {"data": {"images": "d"}, "model": {"chain": ["Flatten", {"Dense": {"out": 2}}]}}
CLASSICAL = {"data": {"table": "t.csv", "target": "y"}, "model": "Ridge"}


def test_the_kind_follows_the_model():
    assert spec.kind_of(NETWORK) == "network" and spec.kind_of(CLASSICAL) == "classical"


def test_filled_writes_every_default_of_the_kind():
    net = spec.filled(NETWORK)
    assert list(net) == ["seed", "data", "augment", "loader", "model", "train", "evaluate", "out"]
    assert net["data"] == {"images": "d", "image_size": [32, 32], "color": "rgb",
                           "on_error": "skip", "split": {"validation": 0.2, "stratify": True}}
    assert net["train"]["optimiser"] == {"Adam": {"lr": 0.001, "beta": [0.9, 0.999], "eps": 1e-08}}
    assert net["model"]["chain"][0] == "Flatten"
    classical = spec.filled(CLASSICAL)
    assert "tune" not in classical and classical["model"]["Ridge"]["alpha"] == 1.0
    assert spec.check(net) == [] and spec.check(classical) == []


def test_filled_leaves_the_given_values():
    assert spec.filled({**NETWORK, "loader": {"batch_size": 8}})["loader"]["batch_size"] == 8


def test_the_schema_is_generated_from_the_registries():
    schema = spec.schema()
    text = json.dumps(schema, default=str)
    assert schema["title"] == "toolkit pipeline" and len(schema["anyOf"]) == 3
    for name in ("Conv", "HorizontalFlip", "logitcrossentropy", "LogisticRegression", "Grid"):
        assert f'"{name}"' in text
    network = schema["anyOf"][0]["properties"]
    assert network["loader"]["properties"]["batch_size"]["default"] == 32
    assert network["loader"]["additionalProperties"] is False
