"""``run(pipeline, out)``: validate, train or fit, evaluate, and write the run folder.

A network pipeline splits its data (stable, by each item's key), trains with
``tk.train`` (checkpoints in the run folder, so ``resume=True`` continues where a
killed run stopped and ends with the same weights), measures the validation items
after each epoch (``metrics.csv``) and saves ``model.safetensors``. A classical one
evaluates with its resampling (``evaluation.csv``), builds the confusion matrix from
out-of-fold predictions, fits on every row and saves ``model.skops``. Both write
plots and ``report.html``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit.errors import RunFolderError
from toolkit.pipeline import build, report, runfolder
from toolkit.pipeline.source import dump


@dataclass
class Run:
    """Run(folder, kind, evaluation, report) — a finished run: its folder and its numbers."""

    folder: Path
    kind: str
    evaluation: list = field(default_factory=list)
    report: Path | None = None
    metrics: list = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Run({str(self.folder)!r}, {self.kind}, report {self.report})"


def folder_of(pipeline, out) -> Path:
    """folder_of(pipeline, out) -> ``out``, else the config's ``out``, else runs/<name>."""
    if out is not None:
        return Path(out)
    written = pipeline.data.get("out") if isinstance(pipeline.data, dict) else None
    if isinstance(written, str):
        return build.path_of(written, pipeline.base)
    return Path("runs") / pipeline.name


def resolved(pipeline, ds) -> dict:
    """resolved(pipeline, ds) -> the config with the task's defaults chosen (loss, measures...)."""
    cfg = pipeline.config
    classes = ds.classes
    for key in ("images", "table"):  # the run folder's config holds where the data was
        if key in cfg["data"]:
            cfg["data"][key] = str(build.path_of(cfg["data"][key], pipeline.base).resolve())
    if "train" in cfg and cfg["train"]["loss"] is None:
        cfg["train"]["loss"] = build.default_loss(classes)
    if cfg["evaluate"]["measures"] is None:
        cfg["evaluate"]["measures"] = _classical_measures(cfg, classes) if "resampling" in \
            cfg["evaluate"] else build.default_measures(classes)
    if "resampling" in cfg["evaluate"] and cfg["evaluate"]["resampling"] is None:
        cfg["evaluate"]["resampling"] = {("StratifiedCV" if classes is not None else "CV"):
                                         {"nfolds": 5, "shuffle": True, "seed": cfg["seed"]}}
    return build.seeded(cfg)


def _classical_measures(cfg, classes) -> list:
    if classes is None:
        return ["rmse"]
    model = build.classical(cfg)
    probabilistic = hasattr(model, "predict_proba")
    return ["log_loss", "accuracy"] if probabilistic else ["accuracy"]


def run(pipeline, out=None, *, resume=False, force=False, progress=None, log=None) -> Run:
    """run(pipeline, out=None, *, resume=False, force=False, progress=None, log=print) -> Run."""
    say = log or (lambda text: print(text, flush=True))
    pipeline.validate()
    ds = build.dataset(pipeline.config, pipeline.base)
    cfg = resolved(pipeline, ds)
    folder = folder_of(pipeline, out)
    source = build.path_of(cfg["data"].get("images") or cfg["data"]["table"], pipeline.base)
    info = {"status": "running", "kind": pipeline.kind, "seed": cfg["seed"],
            "versions": runfolder.versions(), "fingerprint": runfolder.fingerprint(source),
            "data": str(source), "classes": None if ds.classes is None else list(ds.classes)}
    finished = _finished(folder, info, cfg) if not (resume or force) else None
    if finished is not None:
        say(f"{folder} holds this run, finished, with the same config and data: nothing to do "
            f"(--force runs it again)\nreport: {finished.report}")
        return finished
    earlier = runfolder.prepare(folder, resume=resume, force=force)
    if earlier is not None:
        _check_resume(folder, earlier, info, cfg)
        if earlier.get("status") == "done":
            say(f"{folder}: the run had finished; nothing to resume (report: "
                f"{folder / 'report.html'})")
            return Run(folder, pipeline.kind, report=folder / "report.html")
        say(f"resuming the run in {folder}")
    (folder / "config.yaml").write_text(dump(cfg))
    runfolder.write_info(folder, info)
    say(f"run folder: {folder}")
    if pipeline.kind == "network":
        result = _network(cfg, ds, folder, progress, say)
    else:
        result = _classical(cfg, ds, folder, say)
    info["status"] = "done"
    runfolder.write_info(folder, info)
    say(f"report: {result.report}")
    return result


def _finished(folder: Path, info: dict, cfg: dict) -> Run | None:
    """The finished run in ``folder`` if it is this very run (config, data, toolkit), else None;
    a finished run of another config is refused naming what differs."""
    earlier = runfolder.read_info(folder)
    if earlier is None or earlier.get("status") != "done":
        return None
    _refuse_changes(folder, earlier, info, cfg,
                    f"{folder} holds a finished run that differs from this one",
                    "replace it with --force, or choose another folder with --out DIR")
    with open(folder / "evaluation.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return Run(folder, earlier["kind"], rows, folder / "report.html")


def _refuse_changes(folder: Path, earlier: dict, info: dict, cfg: dict, what: str,
                    fix: str) -> None:
    """Raise RunFolderError listing each difference between the folder's run and this one."""
    import yaml

    old = yaml.safe_load((folder / "config.yaml").read_text())
    changed = runfolder.changes(earlier, info, old, cfg)
    if changed:
        lines = "\n  ".join(changed)
        raise RunFolderError(f"{what}:\n  {lines}\n{fix}")


def _check_resume(folder: Path, earlier: dict, info: dict, cfg: dict) -> None:
    _refuse_changes(folder, earlier, info, cfg, f"{folder}: cannot resume, the run has changed "
                    "since it started", "resume with the same config and data, or start afresh "
                    "with --force or --out DIR")


# ---------------------------------------------------------------------------- networks


def _network(cfg: dict, ds, folder: Path, progress, say) -> Run:
    import toolkit as tk

    bad = _bad_files(ds, folder)
    fraction = 1 - cfg["data"]["split"]["validation"]
    train_ds, val_ds = ds.split(fraction, stratify=cfg["data"]["split"]["stratify"] and
                                ds.classes is not None, seed=cfg["seed"])
    lo = cfg["loader"]
    loader = tk.DataLoader(train_ds, batch_size=lo["batch_size"], shuffle=lo["shuffle"],
                           seed=cfg["seed"], transform=build.augment(cfg), workers=lo["workers"],
                           drop_last=lo["drop_last"])
    model = build.network(cfg)
    state = tk.setup(build.component("rules", cfg["train"]["optimiser"], ("train", "optimiser")),
                     model)
    loss = build.component("losses", cfg["train"]["loss"], ("train", "loss"))
    classes = ds.classes
    shaped = (lambda y: y) if classes is not None else (lambda y: np.asarray(y).reshape(-1, 1))
    metrics = _Metrics(folder, val_ds, build.measures(cfg, classes), loss, shaped, say)
    user = [build.component("callbacks", c, ("train", "callbacks", i))
            for i, c in enumerate(cfg["train"]["callbacks"])]
    extra = {}
    if cfg["train"]["schedule"] is not None:  # preflight refused it where train takes none
        extra["schedule"] = build.component("schedules", cfg["train"]["schedule"],
                                            ("train", "schedule"))
    tk.train(lambda m, x, y: loss(m(x), shaped(y)), model, loader, state,
             epochs=cfg["train"]["epochs"], callbacks=[metrics, *user], checkpoint=folder,
             checkpoint_every=cfg["train"]["checkpoint_every"], progress=progress, quiet=True,
             **extra)  # quiet: the run prints its own lines (the metrics callback)
    tk.save(folder / "model.safetensors", model)
    truth, out = metrics.predict(model)
    evaluation = metrics.measured(truth, out)
    plots = report.curves(metrics.rows, folder)
    if classes is not None:
        matrix = report.matrix_of(truth, out.argmax(1), len(classes))
        plots.append(report.confusion(matrix, classes, folder))
    else:
        plots.append(report.scatter(truth, out[:, 0], folder))
    _write_csv(folder / "evaluation.csv", evaluation)
    summary = _summary(ds, {"training items": len(train_ds), "validation items": len(val_ds),
                            "bad files": bad})
    page = report.html(folder, title=f"{folder.name}: {cfg['train']['epochs']} epochs",
                       config_text=dump(cfg), summary=summary, evaluation=evaluation, plots=plots,
                       notes=[f"measured on the {len(val_ds)} validation items"])
    return Run(folder, "network", evaluation, page, metrics.rows)


class _Metrics:
    """The callback that measures the validation items after each epoch (metrics.csv)."""

    def __init__(self, folder: Path, val_ds, measures, loss, shaped, say):
        self.path, self.val_ds, self.measures = folder / "metrics.csv", val_ds, measures
        self.loss, self.shaped, self.say = loss, shaped, say
        self.rows = _read_csv(self.path)

    def predict(self, model):
        import toolkit as tk

        loader = tk.DataLoader(self.val_ds, batch_size=256)
        truth, outs = [], []
        for x, y in loader:
            outs.append(np.asarray(tk.cpu(model(x))))
            truth.append(np.asarray(y))
        return np.concatenate(truth), np.concatenate(outs)

    def measured(self, truth, out) -> list[dict]:
        values = {"validation_loss": float(self.loss(out, self.shaped(truth)))}
        for m in self.measures:
            values[m.name] = _measure(m, truth, out)
        return [{"measure": k, "value": v} for k, v in values.items()]

    def __call__(self, end) -> bool:
        truth, out = self.predict(end.model)
        row = {"epoch": end.epoch, "loss": end.loss}
        row.update({r["measure"]: r["value"] for r in self.measured(truth, out)})
        self.rows = [r for r in self.rows if int(r["epoch"]) < end.epoch] + [row]
        _write_csv(self.path, self.rows)
        self.say(f"epoch {end.epoch}  " + "  ".join(f"{k} {_fmt(v)}" for k, v in row.items()
                                                    if k != "epoch"))
        return False


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _measure(m, truth, out) -> float:
    if m.needs == "values":
        return float(m(out[:, 0], truth.astype(np.float64)))
    if m.needs == "probabilities":
        return float(m(softmax(out), truth, classes=np.arange(out.shape[1])))
    return float(m(out.argmax(1), truth))


def softmax(out) -> np.ndarray:
    """softmax(out) -> float64 probabilities of each row of logits (rows sum to 1 exactly enough).

    >>> softmax(np.array([[0.0, 0.0]], np.float32)).tolist()
    [[0.5, 0.5]]
    """
    z = np.asarray(out, np.float64)
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def _bad_files(ds, folder: Path) -> int:
    rows = []
    if ds.kind == "image":
        ds.verify()
        rows = [dict(zip(ds.skipped.columns, r, strict=True)) for r in ds.skipped.rows()]
    _write_csv(folder / "bad_files.csv", rows, header=["path", "reason"])
    return len(rows)


def _summary(ds, extra: dict) -> list[dict]:
    rows = [{"": "source", " ": str(getattr(ds, "root", getattr(ds, "source", "")))},
            {"": "items", " ": len(ds)}]
    if ds.classes is not None:
        rows.append({"": "classes", " ": ", ".join(map(str, ds.classes))})
    rows += [{"": k, " ": v} for k, v in extra.items()]
    return rows


def _write_csv(path: Path, rows: list[dict], header=None) -> None:
    header = header or (list(rows[0]) if rows else [])
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _read_csv(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return [{k: (float(v) if k != "epoch" else int(v)) for k, v in r.items()}
                for r in csv.DictReader(fh)]


# ---------------------------------------------------------------------------- classical


def _classical(cfg: dict, table, folder: Path, say) -> Run:
    import toolkit as tk

    _write_csv(folder / "bad_files.csv", [], header=["path", "reason"])
    X, y = table.X, table.y
    classifier = table.classes is not None
    model = build.classical(cfg)
    resampling = build.resampling(cfg, cfg["evaluate"]["resampling"], ("evaluate", "resampling"),
                                  classifier)
    measures = [build.component("measures", m, ("evaluate", "measures", i))
                for i, m in enumerate(cfg["evaluate"]["measures"])]
    say(f"evaluating {type(model).__name__} with {resampling!r}")
    ev = tk.evaluate(model, X, y, resampling=resampling, measures=measures,
                     executor=build.executor(cfg))
    say(repr(ev))
    evaluation = [_plain_row(r) for r in ev.to_polars().drop("model").to_dicts()]
    _write_csv(folder / "evaluation.csv", evaluation)
    plots = [_out_of_fold(model, X, y, resampling, table, folder)]
    say("fitting on every row")
    mach = tk.fit(tk.machine(model, X, y))
    tk.save(folder / "model.skops", mach)
    notes = [f"{ev.nfolds} folds of {resampling!r}"]
    if "tune" in cfg:
        plots += _tuning(mach, folder, notes)
    summary = _summary(table, {"rows": X.height, "features": ", ".join(X.columns),
                               "target": cfg["data"]["target"]})
    page = report.html(folder, title=f"{folder.name}: {type(model).__name__}",
                       config_text=dump(cfg), summary=summary, evaluation=evaluation, plots=plots,
                       notes=notes)
    return Run(folder, "classical", evaluation, page)


def _plain_row(row: dict) -> dict:
    return {k: (" ".join(f"{x:.4g}" for x in v) if isinstance(v, list) else v)
            for k, v in row.items()}


def _out_of_fold(model, X, y, resampling, table, folder: Path) -> Path:
    """The confusion matrix (classes) or predicted-vs-true plot (numbers) of held-out rows."""
    import toolkit as tk
    from toolkit.models.resampling import resample

    truth, predicted = [], []
    for train, test in resample(resampling, X, y, X.height):
        mach = tk.fit(tk.machine(model, X, y), rows=train)
        predicted.append(np.asarray(tk.predict(mach, rows=test)))
        truth.append(np.asarray(y.to_numpy()[test]))
    truth, predicted = np.concatenate(truth), np.concatenate(predicted)
    if table.classes is None:
        return report.scatter(truth, predicted, folder)
    index = {c: i for i, c in enumerate(table.classes)}
    code = np.vectorize(index.__getitem__)
    return report.confusion(report.matrix_of(code(truth), code(predicted), len(index)),
                            table.classes, folder)


def _tuning(mach, folder: Path, notes: list) -> list[Path]:
    import toolkit as tk

    rep = tk.report(mach)
    history = rep["history"].drop("per_fold")
    history.write_csv(folder / "tuning.csv")
    notes.append(f"tuned: best {rep['best_params']} of {history.height} candidates")
    return []

