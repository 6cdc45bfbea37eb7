"""Image batches on Ray Data, and an image folder decoded once on the cluster into its cache.

``ray_batches(loader, epoch=None, *, executor=None)`` yields the same ``(x, y)``
batches as ``iter(loader)``, bit for bit, but builds them on a Ray cluster: the
driver plans the epoch (``loader.plan(e)``: the order and the batch boundaries),
each row of a Ray Data ``Dataset`` is one batch, built by the same code with the
same per-item seeds (``loader.builder(e).build(indices)``), and the rows come
back in plan order. ``batch_dataset(loader, epoch)`` is that ``Dataset`` itself
(columns ``batch``, ``x``, ``y``), for a Ray Train or Ray Data user. The loader,
its data set and its transform travel pickled: a data set names its files (the
workers must see the same paths, e.g. a shared disk) and a complete decoded-image
cache reopens read-only on the workers. Files that turn out bad with
``on_error="skip"`` are left out as locally and reported in ``loader.skipped``.

``preprocess(ds, executor=None, shard_size=256)`` decodes every image of an
``ImageFolder`` opened with ``cache=...`` once, on the cluster: each Ray task
decodes one shard (a run of ``shard_size`` items) and the driver writes the
shards, in order, into the data set's decoded-image cache, which is complete
afterwards, so that every later epoch, local or on Ray, reads pixels from it.
The command-line twin is ``toolkit preprocess FOLDER --cache DIR --image-size H W
[--address ray://head:10001]``.

The epoch counter: ``ray_batches(loader)`` takes the loader's next epoch and
advances it, as ``iter(loader)`` does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np

from toolkit.distributed.cluster import import_ray
from toolkit.errors import BadFileError, DataError


def batch_dataset(loader, epoch: int, *, executor=None):
    """``batch_dataset(loader, epoch) -> ray.data.Dataset``: one row per batch of epoch ``epoch``,
    in order (``batch`` index, ``x``, ``y``; ``y`` is absent for unlabelled data)."""
    executor = _executor(executor)
    ray = executor.connect()
    plan = loader.plan(epoch)
    if not plan:
        msg = f"{loader!r} has no batch in epoch {epoch}: nothing to build on Ray"
        raise DataError(msg)
    build = functools.partial(_build_row, loader.builder(epoch))  # sent once, not per row
    rows = [{"batch": k, "idx": idx.tolist()} for k, idx in enumerate(plan)]
    data = ray.data.from_items(rows, override_num_blocks=len(rows))
    data.context.execution_options.preserve_order = True
    return data.map(build, num_cpus=executor.num_cpus)


def _build_row(builder, row: dict) -> dict:
    """One batch per row, by the loader's own code."""
    x, y, skipped = builder.build(np.asarray(row["idx"], np.int64))
    out = {"batch": row["batch"], "x": x, "skipped": list(skipped) or [""]}
    if y is not None:
        out["y"] = y
    return out


def ray_batches(loader, epoch: int | None = None, *, executor=None) -> Iterator[tuple]:
    """``ray_batches(loader, epoch=None, *, executor=None)``: ``(x, y)`` of one epoch, built
    on Ray, equal bit for bit to the local ``iter(loader)``; ``epoch=None`` takes the next."""
    if epoch is None:
        epoch, loader.epoch = loader.epoch, loader.epoch + 1
    data = batch_dataset(loader, epoch, executor=executor)
    waiting, expected = {}, 0
    for row in data.iter_rows():
        waiting[int(row["batch"])] = row
        while expected in waiting:  # block order is kept; this makes sure of it
            yield _unpack(loader, waiting.pop(expected))
            expected += 1


def _unpack(loader, row: dict) -> tuple:
    skipped = [k for k in row["skipped"] if k and k not in loader.skipped]
    loader.skipped.extend(skipped)
    x = np.asarray(row["x"], np.float32)
    return x, (np.asarray(row["y"]) if "y" in row else None)


# --- decoding a folder once into its cache ------------------------------------------------------


def preprocess(ds, executor=None, shard_size: int = 256):
    """``preprocess(ds, executor=None, shard_size=256) -> ImageCache``: every image of ``ds``
    decoded on Ray, shard by shard, into ``ds``'s decoded-image cache (complete afterwards)."""
    cache = getattr(ds, "cache", None)
    if cache is None:
        msg = ("preprocess needs a data set with a decoded-image cache to fill: open it as "
               "tk.ImageFolder(root, image_size=..., cache='a/folder') (or cache=True)")
        raise DataError(msg)
    if cache.complete:
        return cache
    executor = _executor(executor)
    rows = ds.cache_rows
    shards = [rows[i:i + shard_size] for i in range(0, len(rows), shard_size)]
    ray = executor.connect()
    decode = executor.remote(_decode_shard)
    spec = ray.put(ds)
    refs = [decode.remote(spec, k * shard_size, len(shard)) for k, shard in enumerate(shards)]
    for shard, (images, bad) in zip(shards, executor.gather(refs, "preprocess"), strict=True):
        for j, row in enumerate(shard.tolist()):
            if j in bad:
                cache.put_bad(row, bad[j])
            else:
                cache.put(row, images[j])
    return cache


def _decode_shard(ds, start: int, count: int) -> tuple[np.ndarray, dict[int, str]]:
    images = np.zeros((count, *ds.image_shape), np.uint8)
    bad = {}
    for j in range(count):
        try:
            images[j] = ds.load_image(start + j)
        except BadFileError as err:
            bad[j] = err.reason
    return images, bad


def _executor(executor):
    from toolkit.distributed.executor import RayExecutor, shared

    import_ray()
    if executor is None or executor == "ray":
        return shared()
    if isinstance(executor, str) and executor.startswith("ray://"):
        return shared(executor)
    if isinstance(executor, RayExecutor):
        return executor
    msg = f"images on Ray need a RayExecutor (or 'ray', 'ray://host:port'), got {executor!r}"
    raise DataError(msg)


def run_command(args) -> int:
    """What ``toolkit preprocess`` runs (its arguments: ``toolkit.cli``); the exit status."""
    from toolkit.data.images import ImageFolder
    from toolkit.distributed.executor import RayExecutor

    ds = ImageFolder(args.folder, tuple(args.image_size), color=args.color, on_error="skip",
                     cache=args.cache)
    with RayExecutor(args.address) as executor:
        cache = preprocess(ds, executor, args.shard_size)
    print(f"{cache!r}: {len(ds)} images, {len(cache.bad)} bad")
    return 0
