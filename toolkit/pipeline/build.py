"""The objects a checked, filled pipeline config describes — the same ones Python builds.

``dataset(cfg, base)`` is a ``tk.ImageFolder`` or a ``tk.CSV``/``tk.Parquet``;
``layers(cfg)`` the registered layers of ``model.chain``; ``classical(cfg)`` the
model of ``model.pipeline`` (composed with ``>>``), one registered model, or the
``tk.TunedModel`` of the ``tune`` section. Every name is built by its registry,
with its key path, so a bad value is reported where it was written.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import InvalidConfigError, Problem, ToolkitError
from toolkit.pipeline.components import component_name, family, params_of
from toolkit.pipeline.fields import closest, dotted


def path_of(value: str, base: Path) -> Path:
    """path_of(value, base) -> ``value`` relative to the pipeline file's folder ``base``."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def component(family_name: str, spec, path: tuple):
    """component(family, spec, path) -> the built component; a failure names ``path``."""
    try:
        return family(family_name).build(spec, where=dotted(path))
    except InvalidConfigError:
        raise
    except ToolkitError as err:
        raise InvalidConfigError([Problem(dotted(path), _strip(str(err), dotted(path)))]) from None


def _strip(message: str, where: str) -> str:
    return message[len(where) + 2:] if message.startswith(f"{where}: ") else message


def dataset(cfg: dict, base: Path):
    """dataset(cfg, base) -> the data set of the ``data`` section."""
    import toolkit as tk

    data = cfg["data"]
    if "images" in data:
        return tk.ImageFolder(path_of(data["images"], base), image_size=tuple(data["image_size"]),
                              color=data["color"], on_error=data["on_error"])
    path = path_of(data["table"], base)
    if path.suffix.lower() == ".parquet":
        return tk.Parquet(path, target=data["target"])
    return tk.CSV(path, target=data["target"], separator="\t" if path.suffix == ".tsv" else ",")


def augment(cfg: dict):
    """augment(cfg) -> the augmentation pipeline of ``augment``, or None."""
    from toolkit.augment.core import Pipeline

    steps = [component("transforms", s, ("augment", i)) for i, s in enumerate(cfg["augment"])]
    return Pipeline(steps) if steps else None


def layers(cfg: dict) -> list:
    """layers(cfg) -> the layers of ``model.chain``, unsized (sizes come from the data)."""
    chain = cfg["model"]["chain"]
    return [component("layers", s, ("model", "chain", i)) for i, s in enumerate(chain)]


def network(cfg: dict):
    """network(cfg) -> ``tk.Chain(*layers, seed=cfg["seed"])``."""
    import toolkit as tk

    return tk.Chain(*layers(cfg), seed=cfg["seed"])


def measures(cfg: dict, classes) -> list:
    """measures(cfg, classes) -> the measures of ``evaluate.measures`` (or the task's default)."""
    specs = cfg["evaluate"]["measures"]
    if specs is None:
        specs = default_measures(classes)
    return [component("measures", s, ("evaluate", "measures", i)) for i, s in enumerate(specs)]


def default_measures(classes) -> list:
    """default_measures(classes) -> ['accuracy'] for classes, ['rmse'] for numbers."""
    return ["accuracy"] if classes is not None else ["rmse"]


def default_loss(classes) -> str:
    """default_loss(classes) -> 'logitcrossentropy' for classes, 'mse' for numbers."""
    return "logitcrossentropy" if classes is not None else "mse"


def _seeded(spec, seed: int, family_name: str):
    """A component's spec with ``seed`` set from the pipeline's, where it takes one and has none."""
    name = component_name(spec)
    params = params_of(spec)
    takes = {p.name for p in family(family_name).params(name)}
    for key in ("seed", "random_state"):
        if key in takes and params.get(key) is None:
            params[key] = seed
    return {name: params}


def seeded(cfg: dict) -> dict:
    """seeded(cfg) -> cfg with the pipeline's seed written into every classical component that
    takes a seed (or random_state) and has none: what the run uses, written out."""
    seed = cfg["seed"]
    model = cfg["model"]
    if isinstance(model, dict) and "pipeline" in model:
        model["pipeline"] = [_seeded(s, seed, "models") for s in model["pipeline"]]
    elif "chain" not in model:
        cfg["model"] = _seeded(model, seed, "models")
    if cfg["evaluate"].get("resampling") is not None:
        cfg["evaluate"]["resampling"] = _seeded(cfg["evaluate"]["resampling"], seed, "resampling")
    if "tune" in cfg:
        tune = cfg["tune"]
        tune["strategy"] = _seeded(tune["strategy"], seed, "tuning")
        if tune["resampling"] is not None:
            tune["resampling"] = _seeded(tune["resampling"], seed, "resampling")
    return cfg


def classical(cfg: dict):
    """classical(cfg) -> the model of a classical pipeline (tuned when ``tune`` is given)."""
    model = cfg["model"]
    seed = cfg["seed"]
    if isinstance(model, dict) and "pipeline" in model:
        steps = [component("models", _seeded(s, seed, "models"), ("model", "pipeline", i))
                 for i, s in enumerate(model["pipeline"])]
        built = steps[0]
        for step in steps[1:]:
            built = built >> step
    else:
        built, steps = component("models", _seeded(model, seed, "models"), ("model",)), None
    if "tune" in cfg:
        built = tuned(cfg, built, steps)
    return built


def resampling(cfg: dict, spec, path: tuple, classifier: bool):
    """resampling(cfg, spec, path, classifier) -> a resampling strategy, seeded by the pipeline."""
    if spec is None:
        spec = {"StratifiedCV" if classifier else "CV": {"nfolds": 5, "shuffle": True}}
    return component("resampling", _seeded(spec, cfg["seed"], "resampling"), path)


def tuned(cfg: dict, model, steps):
    """tuned(cfg, model, steps) -> ``tk.TunedModel`` over ``model`` with the ``tune`` ranges."""
    import toolkit as tk

    tune = cfg["tune"]
    ranges, problems = [], []
    for key, spec in tune["ranges"].items():
        try:
            ranges.append(_range(model, steps, key, spec))
        except InvalidConfigError as err:
            problems += err.problems
        except ToolkitError as err:
            problems.append(Problem(dotted(("tune", "ranges", key)), str(err),
                                    path=("tune", "ranges", key)))
    if problems:
        raise InvalidConfigError(problems)
    classifier = getattr(model, "_estimator_type", None) == "classifier"
    measure = tune["measure"] or (cfg["evaluate"]["measures"] or [None])[0]
    return tk.TunedModel(
        model, range=ranges,
        tuning=component("tuning", _seeded(tune["strategy"], cfg["seed"], "tuning"),
                         ("tune", "strategy")),
        resampling=resampling(cfg, tune["resampling"] or cfg["evaluate"]["resampling"],
                              ("tune", "resampling"), classifier),
        measure=None if measure is None else component("measures", measure, ("tune", "measure")),
    )


def _range(model, steps, key: str, spec: dict):
    import toolkit as tk

    owner, _, param = key.partition(".")
    path = ("tune", "ranges", key)
    if steps is None:
        if owner != type(model).__name__:
            raise InvalidConfigError([Problem(dotted(path), f"the model is "
                                      f"{type(model).__name__}, not {owner!r}", path=path,
                                      choices=[type(model).__name__])])
        name = param
    else:
        names = {type(s).__name__: n for n, s in model.steps}
        if owner not in names:
            raise InvalidConfigError([Problem(dotted(path), f"no step {owner!r} in model.pipeline",
                                              choices=sorted(names), path=path,
                                              suggestion=closest(owner, names))])
        name = f"{names[owner]}__{param}"
    scale = spec.get("scale", "linear")
    return tk.hp_range(model, name, lower=spec.get("lower"), upper=spec.get("upper"),
                       scale=scale, values=spec.get("values"))


def executor(cfg: dict):
    """executor(cfg) -> the executor of ``executor``, or None (sequential)."""
    spec = cfg.get("executor")
    return None if spec is None else component("executors", spec, ("executor",))
