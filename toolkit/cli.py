"""The ``toolkit`` command.

    toolkit describe datasets/digits --image-size 16 16 --color gray
    toolkit describe datasets/wine.csv --target cultivar

``describe`` summarises a data source — an image folder (classes, counts, skipped
and bad files, one batch's shapes through the loader) or a CSV/Parquet table (its
schema with scientific types) — so a user sees what toolkit will feed a model
before writing any code.
"""

from __future__ import annotations

import argparse
import sys
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
    from toolkit.distributed.images import add_command as add_preprocess  # Ray, issue 12

    add_preprocess(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``toolkit`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if not args.path.exists():
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
