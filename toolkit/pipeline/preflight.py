"""Checks that read the data and push one small batch through the model, before any training.

``data_problems(cfg, base)`` opens the data (the folder exists and lists images, the
table reads and has the target column); ``dry_run(cfg, base)`` builds the model and
sends two items through it layer by layer, so that a shape mismatch is reported
with the layer's key path (``model.chain[3].Dense``) — and the loss on the output,
so that a last layer of the wrong width is caught too.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from toolkit.errors import InvalidConfigError, Problem, ToolkitError
from toolkit.pipeline import build, spec
from toolkit.pipeline.components import component_name
from toolkit.pipeline.fields import closest, dotted


def data_problems(cfg: dict, base: Path) -> list[Problem]:
    """data_problems(cfg, base) -> what is wrong with the data the config points at."""
    data = cfg["data"]
    key = "images" if "images" in data else "table"
    path = build.path_of(data[key], base)
    if not path.exists():
        return [Problem(f"data.{key}", f"{path} does not exist",
                        fix=f"paths are relative to the pipeline file's folder ({base})")]
    if key == "images" and not path.is_dir():
        return [Problem("data.images", f"{path} is not a folder of images",
                        fix="for a table, write 'table:' with 'target:'")]
    if key == "table" and path.is_dir():
        return [Problem("data.table", f"{path} is a folder", fix="for images, write 'images:'")]
    if key == "table":
        found = _target_problem(path, data["target"])
        if found:
            return [found]
    try:
        ds = build.dataset(cfg, base)
    except ToolkitError as err:
        return [Problem(f"data.{key}", str(err))]
    if len(ds) == 0:
        return [Problem(f"data.{key}", f"{path} holds no items")]
    return _misused(cfg, ds)


def _target_problem(path: Path, target: str) -> Problem | None:
    import polars as pl

    try:
        if path.suffix.lower() == ".parquet":
            from toolkit.data.tables import parquet_columns

            columns = parquet_columns(path)
        else:
            sep = "\t" if path.suffix == ".tsv" else ","
            columns = pl.read_csv(path, n_rows=1, separator=sep, infer_schema=False).columns
    except Exception as err:  # polars raises its own hierarchy for unreadable files
        return Problem("data.table", f"{path} cannot be read as a table: {err}")
    if target not in columns:
        return Problem("data.target", f"{path.name} has no column {target!r}",
                       choices=columns, suggestion=closest(target, columns))
    return None


def _misused(cfg: dict, ds) -> list[Problem]:
    network = spec.kind_of(cfg) == spec.NETWORK
    out = []
    if not network and ds.kind == "image":
        out.append(Problem("model", "a classical model takes a table, not an image folder",
                           fix="use model: {chain: [...]} for images"))
    if network and ds.kind != "image" and cfg.get("augment"):
        out.append(Problem("augment", "image transforms need 'data.images'",
                           fix="remove 'augment:' for a table"))
    if network and ds.classes is not None and len(ds.classes) < 2:
        out.append(Problem("data", f"the data has {len(ds.classes)} class; a classifier needs 2"))
    return out


def dry_run(cfg: dict, base: Path) -> list[Problem]:
    """dry_run(cfg, base) -> the problems of building the model and running two items through it."""
    try:
        if spec.kind_of(cfg) == spec.NETWORK:
            return _dry_network(cfg, base)
        return _dry_classical(cfg, base)
    except InvalidConfigError as err:
        return err.problems


def _takes_schedule() -> bool:
    import inspect

    import toolkit as tk

    return "schedule" in inspect.signature(tk.train).parameters


def _dry_network(cfg: dict, base: Path) -> list[Problem]:
    if cfg["train"]["schedule"] is not None and not _takes_schedule():
        return [Problem("train.schedule", "tk.train in this build takes no schedule, so it "
                                          "would be ignored", fix="remove 'schedule:'")]
    ds = build.dataset(cfg, base)
    build.augment(cfg)
    x, y = _two_items(ds)
    layers = build.layers(cfg)
    import toolkit as tk

    tk.Chain(*layers, seed=cfg["seed"])  # sizes the layers' seeds the same way as the run
    for i, layer in enumerate(layers):
        where = dotted(("model", "chain", i, component_name(cfg["model"]["chain"][i])))
        shape = tuple(x.shape)
        try:
            x = layer(x)
        except ToolkitError as err:
            return [Problem(where, f"cannot take the output of the layer before, of shape "
                                   f"{shape}: {err}")]
    return _output_problems(cfg, ds, x, y)


def _two_items(ds):
    import toolkit as tk

    loader = tk.DataLoader(ds.subset(np.arange(min(2, len(ds)))), batch_size=2)
    return next(iter(loader))


def _output_problems(cfg: dict, ds, out, y) -> list[Problem]:
    last = len(cfg["model"]["chain"]) - 1
    where = dotted(("model", "chain", last, component_name(cfg["model"]["chain"][last])))
    width = ds.classes and len(ds.classes)
    if width and (out.ndim != 2 or out.shape[1] != width):
        return [Problem(where, f"the model's output has shape {tuple(out.shape)} but the data has "
                               f"{width} classes: the last layer must give {width} outputs",
                        fix=f"end the chain with '- Dense: {{out: {width}}}'")]
    if not width and (out.ndim != 2 or out.shape[1] != 1):
        return [Problem(where, f"the model's output has shape {tuple(out.shape)}; a regression "
                               "needs one output per item", fix="end with '- Dense: {out: 1}'")]
    spec = cfg["train"]["loss"] or build.default_loss(ds.classes)
    loss = build.component("losses", spec, ("train", "loss"))
    try:
        loss(out, y if width else np.asarray(y, np.float32).reshape(-1, 1))
    except ToolkitError as err:
        return [Problem("train.loss", f"cannot take the model's output {tuple(out.shape)} and "
                                      f"the targets {tuple(np.shape(y))}: {err}")]
    return []


def _dry_classical(cfg: dict, base: Path) -> list[Problem]:
    import toolkit as tk

    model = build.classical(cfg)
    build.executor(cfg)
    inner = model.model if isinstance(model, tk.TunedModel) else model
    table = build.dataset(cfg, base)
    rows = np.unique(np.linspace(0, len(table) - 1, min(len(table), 60)).astype(np.int64))
    try:
        with warnings.catch_warnings():  # a fit on a few rows checks the data fits the model;
            warnings.simplefilter("ignore")  # whether it converges there says nothing
            tk.fit(tk.machine(inner, table.X, table.y), rows=rows)
    except ToolkitError as err:
        return [Problem("model", f"cannot be fitted to this data: {err}")]
    return []
