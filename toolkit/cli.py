"""The ``toolkit`` command.

    toolkit validate pipelines/digits-cnn.yaml          # every problem at once, file:line:column
    toolkit run pipelines/digits-cnn.yaml --set train.epochs=2 --out runs/quick
    toolkit run pipelines/digits-cnn.yaml --resume      # continue a stopped run
    toolkit predict runs/digits-cnn datasets/digits --out predictions.csv
    toolkit describe datasets/digits --image-size 16 16 --color gray
    toolkit describe datasets/wine.csv --target cultivar
    toolkit models --matching datasets/wine.csv --target cultivar
    toolkit list layers      toolkit schema > pipeline.schema.json
    toolkit cache list datasets/digits
    toolkit cache clean datasets/digits --older-than 30

Exit status: 0 success, 2 an invalid pipeline or command line, 1 anything else.
Errors are one message naming where; ``--debug`` shows the traceback.

A subcommand is one function taking the parsed arguments and returning the exit
status, registered with ``@command(name, help, arguments)``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from toolkit.errors import InvalidConfigError, ToolkitError

COMMANDS: dict = {}


def arg(*flags, **options) -> tuple:
    """arg(*flags, **options) -> one argparse argument, as ``command`` takes them."""
    return flags, options


def command(name: str, help: str, arguments=()):
    """@command(name, help, arguments) — register ``fn(args) -> exit status`` as a subcommand."""

    def register(fn):
        COMMANDS[name] = (help, tuple(arguments), fn)
        return fn

    return register


SET = arg("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
          help="override one value (parsed as YAML, checked like the file); repeatable")


# ---------------------------------------------------------------------------- pipelines


@command("validate", "check a pipeline file: every problem at once, with file:line:column", [
    arg("file", type=Path, help="the pipeline YAML file"), SET,
    arg("--no-data", action="store_true", help="check the file only: do not open the data"),
    arg("--no-dry-run", action="store_true",
        help="open the data but do not run one batch through the model"),
])
def validate(args) -> int:
    """Check a pipeline; print 'valid' or every problem (exit status 2)."""
    from toolkit.pipeline import Pipeline

    p = Pipeline.from_yaml(args.file, overrides=args.set)
    p.validate(data=not args.no_data, dry_run=not (args.no_data or args.no_dry_run))
    print(f"{args.file}: valid {p.kind} pipeline")
    return 0


@command("run", "validate and run a pipeline, writing a run folder with a report", [
    arg("file", type=Path, help="the pipeline YAML file"), SET,
    arg("--out", type=Path, default=None,
        help="the run folder (default: the file's 'out', else runs/<file name>)"),
    arg("--resume", action="store_true",
        help="continue the stopped run in the run folder (refused if the config or data changed)"),
    arg("--force", action="store_true", help="replace an earlier run in the run folder"),
    arg("--progress", action=argparse.BooleanOptionalAction, default=None,
        help="a progress bar per epoch (default: when stderr is a terminal)"),
])
def run(args) -> int:
    """Run a pipeline; print where its report is."""
    from toolkit.pipeline import Pipeline

    p = Pipeline.from_yaml(args.file, overrides=args.set)
    try:
        p.run(args.out, resume=args.resume, force=args.force, progress=args.progress)
    except KeyboardInterrupt:
        print(f"toolkit: interrupted; continue with: toolkit run {args.file} --resume"
              + (f" --out {args.out}" if args.out else ""), file=sys.stderr)
        return 1
    return 0


@command("predict", "predict with a finished run (or a model file) on an image folder or table", [
    arg("model", type=Path, help="a run folder, or a model file (.skops, or one in a run folder)"),
    arg("input", type=Path, help="an image folder or a .csv/.parquet table"),
    arg("--out", type=Path, default=None, help="write the predictions here as CSV (default: "
                                               "print them)"),
])
def predict(args) -> int:
    """Write or print the predictions: the class and its probabilities, or the value."""
    from toolkit.pipeline.predict import predict as predict_table

    table = predict_table(args.model, args.input)
    if args.out is None:
        sys.stdout.write(table.write_csv())
    else:
        table.write_csv(args.out)
        print(f"{table.height} predictions written to {args.out}")
    return 0


# ---------------------------------------------------------------------------- data


def _describe_images(args) -> None:
    import toolkit as tk

    ds = tk.ImageFolder(
        args.path, image_size=tuple(args.image_size), color=args.color, on_error="skip"
    )
    print(repr(ds))
    ds.verify()
    counts = ds.manifest.group_by("class").len().sort("class")
    print(f"\n{len(ds)} images in {len(ds.classes)} classes:")
    print(counts)
    skipped = ds.skipped
    if len(skipped):
        print(f"\n{len(skipped)} files left out:")
        for row in skipped.iter_rows(named=True):
            print(f"  {row['path']}: {row['reason']}")
    loader = tk.DataLoader(ds, batch_size=args.batch_size, shuffle=True, seed=args.seed, workers=2)
    x, y = next(iter(loader))
    print(
        f"\none batch of {args.batch_size}: x {tuple(x.shape)} {x.dtype}"
        f" in [{x.min():.2f}, {x.max():.2f}],"
        f" y {tuple(y.shape)} {y.dtype}; {len(loader)} batches per epoch"
    )


def _table(path: Path, target):
    import toolkit as tk

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return tk.Parquet(path, target=target)
    if suffix in {".csv", ".tsv"}:
        return tk.CSV(path, target=target, separator="\t" if suffix == ".tsv" else ",")
    raise ToolkitError(f"{path}: expected an image folder or a .csv, .tsv or .parquet file")


@command("describe", "summarise an image folder or a table", [
    arg("path", type=Path, help="an image folder (one sub-folder per class) or a table"),
    arg("--image-size", nargs=2, type=int, default=(32, 32), metavar=("H", "W"),
        help="the size images are resized to"),
    arg("--color", choices=["rgb", "gray", "rgba"], default="rgb", help="the colour channels"),
    arg("--batch-size", type=int, default=64, help="the size of the batch shown"),
    arg("--seed", type=int, default=1, help="the seed of the shuffled batch"),
    arg("--target", default=None, help="the target column of a table"),
])
def describe(args) -> int:
    """Summarise an image folder (classes, skipped files, a batch) or a table (its schema)."""
    if not args.path.exists():
        print(f"toolkit: {args.path} does not exist", file=sys.stderr)
        return 2
    if args.path.is_dir():
        _describe_images(args)
    else:
        table = _table(args.path, args.target)
        print(repr(table))
        print(table.schema())
    return 0


# ---------------------------------------------------------------------------- caches


def _cache_folders(paths) -> list[Path]:
    from toolkit.data.cache import user_cache_dir

    if not paths:
        return [user_cache_dir()]
    inside = [Path(p) / ".toolkit-cache" for p in paths]
    return [c if c.is_dir() else Path(p) for c, p in zip(inside, paths, strict=True)]


@command("cache", "list or remove the decoded-image caches of image folders", [
    arg("action", choices=["list", "clean"], help="list the caches, or remove them"),
    arg("paths", nargs="*", type=Path, help="image folders or cache folders (default: the user "
        "cache folder)"),
    arg("--older-than", type=float, default=None, metavar="DAYS",
        help="clean: only caches not used for DAYS days"),
])
def cache_command(args) -> int:
    """``toolkit cache list|clean [PATH ...]``: the decoded-image caches of image folders.

    A PATH is an image folder (its ``.toolkit-cache``) or a cache folder; without one,
    the user cache folder (``~/.cache/toolkit``). ``clean`` removes every cache there,
    or with ``--older-than DAYS`` those not used for that long.
    """
    from toolkit.data.cache import clean_caches, list_caches

    for folder in _cache_folders(args.paths):
        if args.action == "list":
            caches = list_caches(folder)
            total = sum(c.bytes for c in caches)
            print(f"{folder}: {len(caches)} caches, {total / 2**20:,.1f} MiB")
            for c in caches:
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.used))
                state = "complete" if c.complete else "partial"
                print(f"  {c.key}  {c.bytes / 2**20:10,.1f} MiB  last used {when}  {state}")
        else:
            removed = clean_caches(folder, older_than=args.older_than)
            freed = sum(c.bytes for c in removed)
            print(f"{folder}: removed {len(removed)} caches, {freed / 2**20:,.1f} MiB")
    return 0


# ---------------------------------------------------------------------------- registries


@command("models", "list the models, or those that match a table and its target", [
    arg("--matching", type=Path, default=None, metavar="TABLE", help="a .csv/.parquet table"),
    arg("--target", default=None, help="the target column of --matching"),
])
def models(args) -> int:
    """Print the registry of models (MLJ's models(matching(X, y)))."""
    import polars as pl

    import toolkit as tk

    if args.matching is None:
        found = tk.models()
    else:
        if args.target is None:
            raise ToolkitError("--matching needs --target COLUMN")
        table = _table(args.matching, args.target)
        found = tk.models(tk.matching(table.X, table.y))
    with pl.Config(tbl_rows=-1, tbl_width_chars=160, fmt_str_lengths=60):
        print(found.select("name", "kind", "probabilistic", "package"))
    return 0


@command("list", "what the registries hold: the families, or one family's entries with their "
                 "parameters", [
    arg("family", nargs="?", default=None, help="a family (layers, transforms, models, ...)"),
])
def list_(args) -> int:
    """Print the registry families, or one family's entries and their parameters."""
    from toolkit.registry import registry

    if args.family is None:
        for name in registry():
            print(f"{name:12} {len(registry(name).names())} entries")
        return 0
    reg = registry(args.family)
    for name in reg.names():
        params = ", ".join(_param(p) for p in reg.params(name))
        print(f"{name}({params})")
    return 0


def _param(p) -> str:
    import inspect

    return p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"


@command("schema", "the JSON Schema of the pipeline format, from the registries (for editors)", [
    arg("--out", type=Path, default=None, help="write it to this file (default: print it)"),
])
def schema(args) -> int:
    """Print or write the JSON Schema of pipeline files."""
    from toolkit.pipeline.spec import schema as pipeline_schema

    text = json.dumps(pipeline_schema(), indent=1, default=str)
    if args.out is None:
        print(text)
    else:
        args.out.write_text(text)
        print(f"schema written to {args.out}")
    return 0


# ---------------------------------------------------------------------------- main


def parser() -> argparse.ArgumentParser:
    """parser() -> the ``toolkit`` argument parser, one sub-parser per registered command."""
    import toolkit

    top = argparse.ArgumentParser(prog="toolkit", description=__doc__.split("\n\n")[0],
                                  formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    top.add_argument("--version", action="version", version=f"toolkit {toolkit.__version__}")
    top.add_argument("--debug", action="store_true", help="show the traceback of an error")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (text, arguments, fn) in COMMANDS.items():
        sub = commands.add_parser(name, help=text, description=text,
                                  formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        for flags, options in arguments:
            sub.add_argument(*flags, **options)
        sub.set_defaults(run=fn)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """main(argv=None) -> the exit status of the ``toolkit`` command (0, 1 or 2)."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except InvalidConfigError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        count = len(err.problems)
        print(f"toolkit: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        _trace(args)
        return 2
    except ToolkitError as err:
        print(f"toolkit: {err}", file=sys.stderr)
        _trace(args)
        return 1
    except Exception as err:  # never a raw traceback: one line, and --debug for the rest
        print(f"toolkit: unexpected {type(err).__name__}: {err} (rerun with --debug for the "
              "traceback, and report it)", file=sys.stderr)
        _trace(args)
        return 1


def _trace(args) -> None:
    if args.debug:
        traceback.print_exc()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
