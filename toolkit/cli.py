"""The ``toolkit`` command.

    toolkit describe datasets/digits --image-size 16 16 --color gray
    toolkit describe datasets/wine.csv --target cultivar
    toolkit cache list datasets/digits
    toolkit cache clean datasets/digits --older-than 30

``describe`` summarises a data source — an image folder (classes, counts, skipped
and bad files, one batch's shapes through the loader) or a CSV/Parquet table (its
schema with scientific types) — so a user sees what toolkit will feed a model
before writing any code.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from toolkit.errors import ToolkitError


def _describe_images(args) -> None:
    import toolkit as tk

    ds = tk.ImageFolder(
        args.path, image_size=tuple(args.image_size), color=args.color, on_error="skip"
    )
    print(repr(ds))
    report = ds.verify()
    counts = ds.manifest.group_by("class").len().sort("class")
    print(f"\n{len(ds)} images in {len(ds.classes)} classes:")
    print(counts)
    if len(report):
        print(f"\n{len(report)} files left out:")
        print(report)
    loader = tk.DataLoader(ds, batch_size=args.batch_size, shuffle=True, seed=args.seed, workers=2)
    x, y = next(iter(loader))
    print(
        f"\none batch of {args.batch_size}: x {tuple(x.shape)} {x.dtype}"
        f" in [{x.min():.2f}, {x.max():.2f}],"
        f" y {tuple(y.shape)} {y.dtype}; {len(loader)} batches per epoch"
    )


def _describe_table(args) -> None:
    import toolkit as tk

    suffix = args.path.suffix.lower()
    if suffix == ".parquet":
        table = tk.Parquet(args.path, target=args.target)
    else:
        table = tk.CSV(args.path, target=args.target, separator="\t" if suffix == ".tsv" else ",")
    print(repr(table))
    print(table.schema())


def describe(args) -> None:
    """Summarise an image folder or a table."""
    if args.path.is_dir():
        _describe_images(args)
    elif args.path.suffix.lower() in {".csv", ".parquet", ".tsv"}:
        _describe_table(args)
    else:
        msg = f"{args.path}: expected an image folder or a .csv, .tsv or .parquet file"
        raise ToolkitError(msg)


def _cache_folders(paths) -> list[Path]:
    from toolkit.data.cache import user_cache_dir

    if not paths:
        return [user_cache_dir()]
    inside = [Path(p) / ".toolkit-cache" for p in paths]
    return [c if c.is_dir() else Path(p) for c, p in zip(inside, paths, strict=True)]


def cache_command(args) -> None:
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


def _add_cache_command(commands) -> None:
    p = commands.add_parser("cache", help="list or remove decoded-image caches")
    p.add_argument("action", choices=["list", "clean"])
    p.add_argument("paths", nargs="*", type=Path, help="image folders or cache folders")
    p.add_argument("--older-than", type=float, default=None, metavar="DAYS",
                   help="clean: only caches not used for DAYS days")
    p.set_defaults(run=cache_command)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toolkit", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("describe", help="summarise an image folder or a table")
    p.add_argument("path", type=Path)
    p.add_argument("--image-size", nargs=2, type=int, default=(32, 32), metavar=("H", "W"))
    p.add_argument("--color", choices=["rgb", "gray", "rgba"], default="rgb")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--target", default=None, help="target column of a table")
    p.set_defaults(run=describe)
    _add_cache_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``toolkit`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if hasattr(args, "path") and not args.path.exists():
        print(f"toolkit: {args.path} does not exist", file=sys.stderr)
        return 2
    try:
        args.run(args)
    except ToolkitError as err:
        print(f"toolkit: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
