"""The pipeline format: every section, every key, its kind, default and meaning.

A pipeline is a *network* pipeline (``model: {chain: [...]}``, trained by
``tk.train``) or a *classical* one (``model: {pipeline: [...]}`` or one registered
model, fitted and evaluated with resampling). The kind decides which keys a section
has: ``train`` and ``loader`` belong to networks, ``tune`` and ``executor`` to
classical models; a key of the other kind is refused, never ignored.

>>> sorted(sections("network"))
['augment', 'data', 'evaluate', 'loader', 'model', 'out', 'seed', 'train']
>>> sorted(sections("classical"))
['data', 'evaluate', 'executor', 'model', 'out', 'seed', 'tune']
>>> for p in check({"seed": 1, "data": {"table": "w.csv", "target": "y"}, "modle": "Ridge"}):
...     print(p)
modle: unknown key; did you mean 'model'? valid: data, evaluate, executor, model, out, seed, tune
model: missing section: {chain: [...]}, {pipeline: [...]} or a model name; add 'model:'
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from toolkit.errors import Problem
from toolkit.pipeline.components import Component, Components, check_component
from toolkit.pipeline.fields import (
    Bool,
    Choice,
    Field,
    Fraction,
    Int,
    Size,
    Text,
    closest,
    dotted,
    parse,
    wrong,
)

NETWORK, CLASSICAL = "network", "classical"


@dataclass
class Section:
    """Section(fields, doc) — a mapping with known keys; unknown keys are refused."""

    fields: dict = field(default_factory=dict)
    doc: str = ""
    required: bool = False

    def check(self, value, path) -> list[Problem]:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            return wrong(path, "a mapping of " + ", ".join(self.fields), value)
        out = [_unknown(key, self.fields, (*path, key)) for key in value if key not in self.fields]
        for key, f in self.fields.items():
            if key in value:
                out += f.check(value[key], (*path, key))
            elif f.required:
                out.append(Problem(dotted((*path, key)), f"missing: {f.doc}",
                                   fix=f"add '{key}:' under '{dotted(path)}'"))
        return out

    def filled(self, value) -> dict:
        """filled(value) -> the mapping with every default written out."""
        if value is not None and not isinstance(value, dict):
            return value  # refused by check; kept as written
        value = dict(value or {})
        for key, f in self.fields.items():
            if isinstance(f, Section):
                value[key] = f.filled(value.get(key))
            elif key not in value:
                value[key] = copy.deepcopy(f.default)
            if hasattr(f, "filled") and not isinstance(f, Section):
                value[key] = f.filled(value[key])
        return value

    def schema(self) -> dict:
        props = {key: f.schema() for key, f in self.fields.items()}
        required = [key for key, f in self.fields.items() if f.required]
        return {"type": "object", "description": self.doc, "properties": props,
                "required": required, "additionalProperties": False}


def _unknown(key, valid, path) -> Problem:
    return Problem(dotted(path), "unknown key", choices=sorted(valid),
                   suggestion=closest(key, valid))


SPLIT = Section({
    "validation": Fraction(0.2, "the share of items held out to validate each epoch"),
    "stratify": Bool(True, "keep each class's share the same on both sides"),
}, "how the data is split into training and validation items (stable: by each item's key)")

IMAGES = {
    "images": Text(None, "an image folder, one sub-folder per class (relative to this file)",
                   required=True),
    "image_size": Size([32, 32], "[height, width] every image is resized to"),
    "color": Choice(["rgb", "gray", "rgba"], "rgb", "the colour channels: rgb, gray or rgba"),
    "on_error": Choice(["skip", "raise"], "skip",
                       "a file that cannot be decoded: skip it (listed in bad_files.csv) or stop"),
}
TABLE = {
    "table": Text(None, "a .csv, .tsv or .parquet file (relative to this file)", required=True),
    "target": Text(None, "the column to predict", required=True),
}


def data_section(kind: str, value) -> Section:
    """data_section(kind, value) -> the data section's keys: images or a table."""
    images = isinstance(value, dict) and "images" in value and "table" not in value
    fields = dict(IMAGES if images else TABLE)
    if kind == NETWORK:
        fields["split"] = SPLIT
    return Section(fields, "where the data comes from: 'images: FOLDER' or 'table: FILE' "
                           "with 'target: COLUMN'", required=True)


LOADER = Section({
    "batch_size": Int(32, "items per batch", minimum=1),
    "workers": Int(0, "threads that decode and augment (0: in the caller)", minimum=0),
    "shuffle": Bool(True, "a new order every epoch (drawn from the seed)"),
    "drop_last": Bool(False, "leave out a last, smaller batch"),
}, "how batches are drawn")

TRAIN = Section({
    "epochs": Int(5, "passes over the training items", minimum=1),
    "optimiser": Component("rules", {"Adam": {"lr": 0.001}}, "the optimisation rule"),
    "loss": Component("losses", None, "the loss; null: logitcrossentropy for classes, mse for "
                                      "numbers", nullable=True),
    "schedule": Component("schedules", None, "a learning-rate schedule, or null", nullable=True),
    "callbacks": Components("callbacks", [], "called after each epoch"),
    "checkpoint_every": Int(None, "also checkpoint every this many steps (null: each epoch)",
                            minimum=1, nullable=True),
}, "how the network is trained")

NETWORK_EVALUATE = Section({
    "measures": Components("measures", None, "measured on the validation items each epoch; "
                                             "null: accuracy for classes, rmse for numbers",
                           nullable=True),
}, "what is measured")

CLASSICAL_EVALUATE = Section({
    "resampling": Component("resampling", None, "how rows are resampled; null: StratifiedCV "
                                                "for classes, CV for numbers (5 folds, shuffled)",
                            nullable=True),
    "measures": Components("measures", None, "null: log_loss and accuracy for probabilistic "
                                             "classifiers, accuracy for others, rmse for numbers",
                           nullable=True),
}, "how the model is evaluated")


@dataclass
class Ranges(Field):
    """Ranges(...) — {Model.param: {lower, upper, scale} or {values: [...]}}."""

    def check_value(self, value, path):
        if not isinstance(value, dict) or not value:
            return wrong(path, "a mapping of 'Model.param: {lower: .., upper: ..}'", value)
        return [p for key, r in value.items() for p in _check_range(key, r, (*path, key))]

    def json(self):
        one = {"type": "object", "additionalProperties": False,
               "properties": {"lower": {}, "upper": {}, "scale": {"enum": RANGE_SCALES},
                              "values": {"type": "array"}}}
        return {"type": "object", "additionalProperties": one}


RANGE_KEYS = ("lower", "upper", "scale", "values")
RANGE_SCALES = ["linear", "log", "log10", "log2"]


def _check_range(key, value, path) -> list[Problem]:
    out = _range_problems(key, value, path)
    prefix = dotted(path)
    for p in out:  # the key 'Model.param' holds a dot: keep the path as tuples
        p.path = path + parse(p.where[len(prefix):])
    return out


def _range_problems(key, value, path) -> list[Problem]:
    if not isinstance(key, str) or "." not in key:
        return [Problem(dotted(path), "expected 'Model.param', e.g. 'RandomForestClassifier."
                                      "max_depth'")]
    if not isinstance(value, dict):
        return wrong(path, "{lower: .., upper: ..} or {values: [...]}", value)
    out = [_unknown(k, RANGE_KEYS, (*path, k)) for k in value if k not in RANGE_KEYS]
    if "values" in value:
        if not isinstance(value["values"], list) or not value["values"]:
            out += wrong((*path, "values"), "a non-empty list", value["values"])
    elif not {"lower", "upper"} <= set(value):
        out.append(Problem(dotted(path), "a range needs 'lower' and 'upper', or 'values'"))
    if "scale" in value:
        out += Choice(RANGE_SCALES).check(value["scale"], (*path, "scale"))
    return out


TUNE = Section({
    "strategy": Component("tuning", {"Grid": {"resolution": 5}}, "how candidates are chosen"),
    "ranges": Ranges(None, "the hyper-parameters searched, by 'Model.param'", required=True),
    "measure": Component("measures", None, "the measure to optimise; null: the first of "
                                           "evaluate.measures", nullable=True),
    "resampling": Component("resampling", None, "the inner resampling; null: as evaluate's",
                            nullable=True),
}, "search hyper-parameters (tk.TunedModel): the best candidate is evaluated and saved")


def sections(kind: str, data=None) -> dict:
    """sections(kind, data=None) -> {key: Field or Section} of a pipeline of that kind."""
    seed = Int(1, "the seed of every random choice", minimum=0)
    model = Field(None, "the model: {chain: [...]}, {pipeline: [...]} or a model name",
                  required=True)
    out = Text(None, "the run folder (relative to this file); null: runs/<file name> in the "
                     "working directory", nullable=True)
    if kind == NETWORK:
        augment = Components("transforms", [], "image transforms applied to training batches")
        return {"seed": seed, "data": data_section(kind, data), "augment": augment,
                "loader": LOADER, "model": model, "train": TRAIN, "evaluate": NETWORK_EVALUATE,
                "out": out}
    executor = Component("executors", None, "where folds and candidates run; null: here, "
                                            "one after another", nullable=True)
    return {"seed": seed, "data": data_section(kind, data), "model": model,
            "evaluate": CLASSICAL_EVALUATE, "tune": TUNE, "executor": executor, "out": out}


def kind_of(data) -> str:
    """kind_of(config) -> 'network' for a chain model, else 'classical'."""
    model = data.get("model") if isinstance(data, dict) else None
    return NETWORK if isinstance(model, dict) and "chain" in model else CLASSICAL


OPTIONAL = ("tune",)  # sections that are absent unless given


def check(data) -> list[Problem]:
    """check(config) -> every problem of a pipeline's structure (names checked by the registry)."""
    if not isinstance(data, dict):
        return wrong((), "a mapping of sections (seed, data, model, ...)", data)
    kind = kind_of(data)
    fields = sections(kind, data.get("data"))
    out = [_misplaced(key, kind, fields) for key in data if key not in fields]
    for key, f in fields.items():
        if key == "model":
            out += check_model(data.get("model"), kind)
        elif key in data:
            out += f.check(data[key], (key,))
        elif f.required:
            out.append(Problem(key, f"missing section: {f.doc}", fix=f"add '{key}:'"))
    return out


def _misplaced(key, kind: str, fields) -> Problem:
    other = CLASSICAL if kind == NETWORK else NETWORK
    if key in sections(other):
        what = ("a network (model: {chain: [...]})" if other == NETWORK
                else "a classical model (model: {pipeline: [...]} or a model name)")
        return Problem(key, f"applies only to {what}; this pipeline's model is a {kind} one",
                       fix=f"remove '{key}:'")
    return _unknown(key, fields, (key,))


def check_model(value, kind: str) -> list[Problem]:
    """check_model(value, kind) -> the problems of the model section."""
    if value is None:
        return [Problem("model", "missing section: {chain: [...]}, {pipeline: [...]} or a model "
                                 "name", fix="add 'model:'")]
    if isinstance(value, dict) and ("chain" in value or "pipeline" in value):
        key = "chain" if "chain" in value else "pipeline"
        extra = [_unknown(k, [key], ("model", k)) for k in value if k != key]
        steps = value[key]
        if not isinstance(steps, list) or not steps:
            return extra + wrong(("model", key), "a non-empty list of components", steps)
        family_name = "layers" if key == "chain" else "models"
        return extra + [p for i, s in enumerate(steps)
                        for p in check_component(family_name, s, ("model", key, i))]
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        near = closest(key, ["chain", "pipeline"])
        if near and not check_component("models", key, ("model",)) == []:
            return [Problem(f"model.{key}", "unknown key", suggestion=near,
                            choices=["chain", "pipeline", "a registered model name"])]
    return check_component("models", value, ("model",))


def filled(data) -> dict:
    """filled(config) -> the config with every default written out, sections in order."""
    if not isinstance(data, dict):
        return data
    kind = kind_of(data)
    out = {}
    for key, f in sections(kind, data.get("data")).items():
        if key in OPTIONAL and key not in data:
            continue
        if isinstance(f, Section):
            out[key] = f.filled(data.get(key))
        elif key == "model":
            out[key] = _filled_model(data.get(key))
        else:
            out[key] = data.get(key, copy.deepcopy(f.default))
            if hasattr(f, "filled"):
                out[key] = f.filled(out[key])
    return out


def _filled_model(value):
    from toolkit.pipeline.components import filled_component

    if isinstance(value, dict) and ("chain" in value or "pipeline" in value):
        key = "chain" if "chain" in value else "pipeline"
        steps = value[key]
        if not isinstance(steps, list):
            return value
        fam = "layers" if key == "chain" else "models"
        return {key: [filled_component(fam, s) for s in steps]}
    return filled_component("models", value) if value is not None else value


def schema() -> dict:
    """schema() -> a JSON Schema (draft 2020-12) of the whole format, from the registries."""
    network, classical = sections(NETWORK), sections(CLASSICAL)
    from toolkit.pipeline.components import component_schema

    chain = {"type": "object", "properties": {"chain": {"type": "array",
             "items": component_schema("layers")}}, "required": ["chain"],
             "additionalProperties": False}
    pipe = {"type": "object", "properties": {"pipeline": {"type": "array",
            "items": component_schema("models")}}, "required": ["pipeline"],
            "additionalProperties": False}

    def props(fields, model):
        out = {k: f.schema() for k, f in fields.items() if k != "model"}
        out["model"] = model
        return out

    images = {**network, "data": data_section(NETWORK, {"images": "x"})}
    table = {**network, "data": data_section(NETWORK, {"table": "x"})}
    variants = [
        {"type": "object", "properties": props(f, chain), "required": ["data", "model"],
         "additionalProperties": False} for f in (images, table)
    ] + [{"type": "object", "properties": props(classical, {"anyOf": [pipe,
          component_schema("models")]}), "required": ["data", "model"],
          "additionalProperties": False}]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "toolkit pipeline", "anyOf": variants}
