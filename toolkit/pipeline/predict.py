"""``predict(run_or_model, input)``: a table of predictions from a run folder or a model file.

``run_or_model`` is a run folder (its ``run.json`` says the classes, the image size
and the colour) or a model file inside one; a ``.skops`` machine also stands alone.
``input`` is an image folder (every image under it, labelled or not) or a table.
For classifiers the table has the predicted class and one probability column per
class; for regressors the prediction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import yaml

from toolkit.errors import RunFolderError
from toolkit.pipeline import runfolder


def _locate(target: Path) -> tuple[Path, dict | None]:
    """(model file, run info or None) for a run folder or a model file."""
    if target.is_dir():
        info = runfolder.read_info(target)
        if info is None:
            raise RunFolderError(f"{target} is not a run folder (no run.json); give a run folder "
                                 "or a model file")
        if info.get("status") != "done":
            raise RunFolderError(f"the run in {target} has not finished; finish it with "
                                 "toolkit run FILE --resume")
        for name in ("model.safetensors", "model.skops"):
            if (target / name).is_file():
                return target / name, info
        raise RunFolderError(f"{target} holds no model file")
    if not target.is_file():
        raise RunFolderError(f"{target} does not exist")
    return target, runfolder.read_info(target.parent)


def predict(run_or_model, input_path) -> pl.DataFrame:
    """predict(run_or_model, input) -> a polars table of predictions, one row per item."""
    model_file, info = _locate(Path(run_or_model))
    source = Path(input_path)
    if not source.exists():
        raise RunFolderError(f"{source} does not exist")
    if model_file.suffix == ".skops":
        return _classical(model_file, source)
    if info is None:
        raise RunFolderError(f"{model_file} is not inside a run folder, so its image size, "
                             "colour and classes are unknown; give the run folder")
    return _network(model_file, info, source)


def _config(model_file: Path) -> dict:
    return yaml.safe_load((model_file.parent / "config.yaml").read_text())


def _network(model_file: Path, info: dict, source: Path) -> pl.DataFrame:
    import toolkit as tk

    cfg, model = _config(model_file), tk.load(model_file)
    data = cfg["data"]
    if "images" in data:
        if not source.is_dir():
            raise RunFolderError(f"this model takes images: give a folder of images, not {source}")
        ds = tk.ImageFolder(source, image_size=tuple(data["image_size"]), color=data["color"],
                            labels=None, on_error="skip")
        names = [str(p) for p in ds.manifest["path"].to_list()]
        X = None
    else:
        X = _features(source, cfg)
        names, ds = list(range(X.shape[0])), None
    outs = []
    batches = tk.DataLoader(ds, batch_size=256) if ds is not None else \
        [(X[i:i + 256],) for i in range(0, X.shape[0], 256)]
    for batch in batches:
        outs.append(np.asarray(tk.cpu(model(batch[0]))))
    out = np.concatenate(outs) if outs else np.zeros((0, 1), np.float32)
    return _table(names, out, info.get("classes"))


def _features(source: Path, cfg: dict) -> np.ndarray:
    import toolkit as tk

    train = tk.CSV(_training_table(cfg), target=cfg["data"]["target"])
    frame = _read_table(source)
    missing = [c for c in train.X.columns if c not in frame.columns]
    if missing:
        raise RunFolderError(f"{source} lacks the feature columns {missing} the model was "
                             "trained on")
    return frame.select(train.X.columns).to_numpy().astype(np.float32)


def _read_table(source: Path) -> pl.DataFrame:
    from toolkit.data.tables import read_parquet

    return pl.read_csv(source) if source.suffix != ".parquet" else read_parquet(source)


def _training_table(cfg: dict) -> Path:
    return Path(cfg["data"]["table"])


def _table(names, out: np.ndarray, classes) -> pl.DataFrame:
    if classes is None:
        return pl.DataFrame({"item": names, "prediction": out[:, 0].astype(np.float64)})
    from toolkit.pipeline.run import softmax

    p = softmax(out)
    columns = {"item": names, "prediction": [classes[i] for i in p.argmax(1)]}
    columns.update({f"p_{c}": p[:, i].astype(np.float64) for i, c in enumerate(classes)})
    return pl.DataFrame(columns)


def _classical(model_file: Path, source: Path) -> pl.DataFrame:
    import toolkit as tk

    mach = tk.load(model_file)
    frame = _read_table(source)
    names = list(range(frame.height))
    classes = tk.report(mach).get("classes")
    if classes is not None and hasattr(mach.model, "predict_proba"):
        proba = tk.predict_proba(mach, _drop_target(mach, frame))
        columns = {"item": names, "prediction": tk.predict_mode(mach, _drop_target(mach, frame))}
        columns.update({f"p_{c}": proba[c] for c in proba.columns})
        return pl.DataFrame(columns)
    return pl.DataFrame({"item": names, "prediction": tk.predict(mach, _drop_target(mach, frame))})


def _drop_target(mach, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without columns the model never saw (a target column left in the file)."""
    seen = getattr(mach.fitted_model, "feature_names_in_", None)
    if seen is None:
        return frame
    return frame.select([c for c in frame.columns if c in set(seen)])
