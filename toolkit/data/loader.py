"""The batch loader: a deterministic order, threads, prefetch, preallocated batches.

``DataLoader(ds, batch_size=32, *, shuffle=False, seed=None, transform=None,
workers=0, drop_last=False, label_mode="int", prefetch=2, epoch=0)`` yields
``(x, y)`` pairs of numpy arrays, batch first:

- image data sets (``ds.kind == "image"``): ``x`` float32 ``(N, H, W, C)`` in
  [0, 1] (or whatever float32 the transform returns, e.g. after ``Normalize``);
- row data sets (``ds.kind == "row"``: ``tk.ArrayDataset``, a prepared table):
  ``x`` is ``ds.batch(indices)`` cast to float32, ``(N, F)`` for features;
- ``y``: int64 class indices ``(N,)``, or float32 one-hot ``(N, K)`` with
  ``label_mode="onehot"``; float targets (regression) come back as float32;
  an unlabelled data set gives ``y = None``.

>>> import numpy as np
>>> from toolkit.data.arrays import ArrayDataset
>>> ds = ArrayDataset(np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10) % 3)
>>> loader = DataLoader(ds, 4, shuffle=True, seed=1, label_mode="onehot")
>>> len(loader), [(x.shape, y.shape) for x, y in loader]
(3, [((4, 2), (4, 3)), ((4, 2), (4, 3)), ((2, 2), (2, 3))])

Determinism: the order of epoch ``e`` is drawn from ``(seed, e)`` alone, and
the transform gets the per-sample seed ``item_seeds(seed, e, keys)[i]``
(``toolkit._seed``: a 32-bit hash of the item's stable key, ``ds.keys()``, and
of ``(seed, e)``), so the batches are the same for any number of ``workers`` and
on every run. (Until issue 12 the seed was ``derive_int(seed, e, key)``, a
SeedSequence per item; the augmentations of a given seed changed with it.)
Each ``iter(loader)`` starts the next epoch; ``loader.set_epoch(n)`` (or
``epoch=n``) resumes at epoch ``n``.
``seed=None`` draws a fresh seed from the operating system once, kept in
``loader.seed`` so that a run can be repeated.

Work: image items are decoded (``ds.load_image``) and transformed in a pool of
``workers`` threads (cv2 and numpy release the GIL), each written straight into
its slot of a preallocated float32 batch (without a transform, decoded into a
uint8 piece of the batch, ``ds.load_image(i, out=)``, and scaled once per piece:
fewer Python steps per image, which the threads would otherwise wait on each
other for); up to ``prefetch`` batches are built ahead of the consumer.
``workers=0`` does everything in the calling thread.
Leaving the loop early (``break``, ``close()``, Ctrl-C) cancels the queued work,
stops the threads after the item each is on, and joins them. With a transform,
the batch shape is that of the epoch's first item, transformed; an item that
comes out another size is named in the ``ShapeError`` beside that first item,
and a transform that raises is reported with the item, its key and its seed.
When an image data set reports its decoded-image cache complete
(``ds.cached_images()`` returns the ``(N, H, W, C)`` uint8 memory map), whole
batches are gathered from it instead.

Bad files: with ``on_error="skip"`` an image data set signals a file that turns
out to be bad mid-epoch by raising :class:`~toolkit.errors.BadFileError` from
``load_image`` (and records it in ``ds.bad_files``); the loader leaves that item
out, so its batch is one shorter, the other batches are untouched, and the
epoch goes on. (Replacing the item by another would show some image twice and
shift what every later batch holds.) ``loader.skipped`` lists the keys left out,
each once over all epochs.
"""

from __future__ import annotations

import concurrent.futures as cf
import inspect
import itertools
import sys
import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from toolkit._seed import generator, item_seeds, key_ints
from toolkit.data.functions import as_transform
from toolkit.errors import BadFileError, DataError, ShapeError, did_you_mean
from toolkit.registry import check_keywords

_LABEL_MODES = ("int", "onehot")
_INV255 = np.float32(1.0 / 255.0)


@check_keywords
class DataLoader:
    """``DataLoader(ds, batch_size=32, *, shuffle=False, seed=None, transform=None, workers=0,
    drop_last=False, label_mode="int", prefetch=2, epoch=0)``: batches ``(x, y)`` of ``ds``.

    See the module documentation (``toolkit.data.loader``) for what ``x`` and
    ``y`` hold, how the order and the augmentations are seeded, and how bad
    files and the decoded-image cache are handled. ``len(loader)`` is the number
    of batches per epoch.

    >>> import numpy as np
    >>> from toolkit.data.arrays import ArrayDataset
    >>> loader = DataLoader(ArrayDataset(np.zeros((5, 3)), [0, 1, 0, 1, 1]), 2, drop_last=True)
    >>> loader  # doctest: +ELLIPSIS
    DataLoader(ArrayDataset(5 items of shape (3,), 2 classes), batch_size=2, ..., next epoch 0)
    >>> [y.tolist() for _, y in loader]
    [[0, 1], [0, 1]]
    """

    def __init__(self, ds, batch_size: int = 32, *, shuffle: bool = False, seed: int | None = None,
                 transform=None, workers: int = 0, drop_last: bool = False,
                 label_mode: str = "int", prefetch: int = 2, epoch: int = 0):
        self.ds = _check_dataset(ds)
        self.batch_size = _check_int("batch_size", batch_size, 1, "the number of items per batch")
        self.workers = _check_int("workers", workers, 0, "threads; 0 runs in the caller")
        self.prefetch = _check_int("prefetch", prefetch, 1, "how many batches to build ahead")
        self.epoch = _check_int("epoch", epoch, 0, "the epoch the next iteration starts")
        self.label_mode = _check_label_mode(label_mode, ds)
        self.transform = _check_transform(transform, ds)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.seed = _check_seed(seed)
        self.skipped: list[str] = []
        self._key_ints = None
        self._out_spec = None
        self._buffers = _Buffers(self.prefetch + 2)

    def __len__(self) -> int:
        n, b = len(self.ds), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __repr__(self) -> str:
        parts = [repr(self.ds), f"batch_size={self.batch_size}", f"shuffle={self.shuffle}"]
        if self.shuffle or self.transform is not None:
            parts.append(f"seed={self.seed}")
        if self.transform is not None:
            parts.append(f"transform={self.transform!r}")
        parts += [f"drop_last={self.drop_last}", f"label_mode={self.label_mode!r}",
                  f"workers={self.workers}"]
        if self.workers:
            parts.append(f"prefetch={self.prefetch}")
        parts += [f"{len(self)} batches per epoch", f"next epoch {self.epoch}"]
        return f"DataLoader({', '.join(parts)})"

    def _repr_html_(self) -> str:
        from toolkit.data.reprs import loader_html  # the notebook repr: its next batch

        return loader_html(self)

    def set_epoch(self, epoch: int) -> None:
        """``loader.set_epoch(n)``: the next ``iter(loader)`` yields epoch ``n`` (to resume).

        >>> import numpy as np
        >>> from toolkit.data.arrays import ArrayDataset
        >>> loader = DataLoader(ArrayDataset(np.arange(6)[:, None]), 3, shuffle=True, seed=0)
        >>> epochs = [np.concatenate([x for x, _ in loader]) for _ in range(3)]
        >>> loader.set_epoch(1)
        >>> bool((np.concatenate([x for x, _ in loader]) == epochs[1]).all()), loader.epoch
        (True, 2)
        """
        self.epoch = _check_int("epoch", epoch, 0, "the epoch the next iteration starts")

    def __iter__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        return self.iter_epoch(epoch)

    def iter_epoch(self, epoch: int):
        """``loader.iter_epoch(e)``: the batches of epoch ``e``; the epoch counter stays."""
        plan = self.plan(_check_int("epoch", epoch, 0, "an epoch number"))
        job = self._job(epoch)
        if self.workers == 0:
            return (job.finish(job.start(idx, None)) for idx in plan)
        return _threaded(job, plan, self.workers, self.prefetch)

    def order(self, epoch: int) -> np.ndarray:
        """``loader.order(e)``: the item indices of epoch ``e`` in the order they are served.

        >>> import numpy as np
        >>> from toolkit.data.arrays import ArrayDataset
        >>> loader = DataLoader(ArrayDataset(np.zeros((5, 1))), 2, shuffle=True, seed=3)
        >>> sorted(loader.order(0).tolist()), loader.order(0).tolist() == loader.order(1).tolist()
        ([0, 1, 2, 3, 4], False)
        """
        n = len(self.ds)
        if not self.shuffle:
            return np.arange(n)
        return generator(self.seed, "toolkit.DataLoader.order", epoch).permutation(n)

    def plan(self, epoch: int) -> list[np.ndarray]:
        """``loader.plan(e)``: the item indices of each batch of epoch ``e``, in order.

        >>> import numpy as np
        >>> from toolkit.data.arrays import ArrayDataset
        >>> [b.tolist() for b in DataLoader(ArrayDataset(np.zeros((5, 1))), 2).plan(0)]
        [[0, 1], [2, 3], [4]]
        """
        order, b = self.order(epoch), self.batch_size
        stops = range(0, len(self) * b, b)
        return [order[i:i + b] for i in stops]

    def builder(self, epoch: int):
        """``loader.builder(e)``: what builds the batches of epoch ``e``; picklable, with
        ``build(indices) -> (x, y, skipped keys)``, for engines that build batches elsewhere
        (``toolkit.distributed.images``): the same code, seeds and checks as ``iter``."""
        return self._job(_check_int("epoch", epoch, 0, "an epoch number"))

    def _job(self, epoch: int):
        if self.ds.kind == "row":
            return _RowJob(self)
        cached = getattr(self.ds, "cached_images", None)
        images = cached() if cached is not None else None
        return _ImageJob(self, epoch, images)

    def _labels(self, y):
        if y is None:
            return None
        y = np.asarray(y)
        if self.label_mode == "onehot":
            out = np.zeros((y.shape[0], len(self.ds.classes)), dtype=np.float32)
            out[np.arange(y.shape[0]), y.astype(np.intp, copy=False)] = 1.0
            return out
        return y.astype(np.float32 if y.dtype.kind == "f" else np.int64, copy=False)

    def _hashed_keys(self) -> np.ndarray:
        # hash every key once, not once per epoch; again if ds.verify() dropped items since
        if self._key_ints is None or len(self._key_ints) != len(self.ds):
            self._key_ints = key_ints(self.ds.keys())
        return self._key_ints

    def output_spec(self) -> tuple[tuple[int, ...], np.dtype]:
        """``loader.output_spec() -> (shape, dtype)`` of one transformed image, before scaling."""
        if self._out_spec is None:
            shape = tuple(self.ds.image_shape)
            if self.transform is None:
                self._out_spec = (shape, np.dtype(np.uint8))
            else:
                probe = np.asarray(self.transform.apply(np.zeros(shape, np.uint8), 0))
                if probe.ndim == 2:  # cv2 drops a single channel axis
                    probe = probe[..., None]
                self._out_spec = (probe.shape, probe.dtype)
        return self._out_spec


class _Buffers:
    """Batch arrays handed out again once nobody but this pool holds them.

    A fresh 3 MB batch costs its page faults on every write (the allocator returns
    big blocks to the system), which took three quarters of a cached epoch. An array
    the consumer still holds (kept in a list, a view of it alive, wrapped by
    ``torch.from_numpy``) keeps a reference and is never reused.
    """

    def __init__(self, size: int):
        self.size, self.arrays = size, []

    def take(self, shape: tuple) -> np.ndarray:
        for array in self.arrays:
            # three references: the list, the loop variable and getrefcount's argument
            if array.shape == shape and sys.getrefcount(array) == 3:
                return array
        array = np.empty(shape, dtype=np.float32)
        if len(self.arrays) < self.size:
            self.arrays.append(array)
        return array

    def __getstate__(self) -> dict:  # a pickled loader starts with an empty pool
        return {"size": self.size, "arrays": []}


# --- one batch of a row data set: a single gather ---------------------------------------------


class _RowJob:
    def __init__(self, loader: DataLoader):
        self.loader = loader

    def start(self, idx, pool):
        work = self.loader.ds.batch
        return work(idx) if pool is None else pool.submit(work, idx)

    def finish(self, pending):
        X, y = pending if isinstance(pending, tuple) else pending.result()
        return np.asarray(X).astype(np.float32, copy=False), self.loader._labels(y)

    def cancel(self, pending):
        if not isinstance(pending, tuple):
            pending.cancel()

    stop = threading.Event()  # a row batch is one gather: nothing to stop inside it

    def build(self, idx: np.ndarray):
        """``job.build(idx) -> (x, y, [])``: one batch, here."""
        return (*self.finish(self.start(idx, None)), [])


# --- one batch of an image data set: items decoded and transformed into their slots ----------


@dataclass
class _Batch:
    idx: np.ndarray
    out: np.ndarray
    parts: list = field(default_factory=list)


class _ImageJob:
    def __init__(self, loader: DataLoader, epoch: int, images):
        self.loader, self.epoch, self.images = loader, epoch, images
        targets = loader.ds.targets
        self.targets = None if targets is None else np.asarray(targets)
        self.stop = threading.Event()  # set on break, close() or Ctrl-C: the chunks stop early
        self.seeds = None if loader.transform is None else \
            item_seeds(loader.seed, epoch, loader._hashed_keys()).tolist()
        self.shape, self.reference = self._reference()
        self.decode_into = images is None and loader.transform is None and \
            "out" in inspect.signature(loader.ds.load_image).parameters

    def __getstate__(self) -> dict:  # a job travels to Ray workers, each builds its batches
        return {k: v for k, v in self.__dict__.items() if k != "stop"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.stop = threading.Event()

    def build(self, idx: np.ndarray):
        """``job.build(idx) -> (x, y, skipped keys)``: one whole batch, here, as an epoch
        would build it (what a Ray Data row runs)."""
        before = len(self.loader.skipped)
        x, y = self.finish(self.start(idx, None))
        return x, y, self.loader.skipped[before:]

    def _reference(self):
        """The shape every image of this epoch must have, and the item that set it (``None``:
        no transform, the data set's own shape): the epoch's first good item, transformed."""
        loader = self.loader
        if loader.transform is None:
            return loader.output_spec()[0], None
        for i in loader.order(self.epoch).tolist():
            try:
                image = self._transform(self._load(i), i)
            except BadFileError:
                if getattr(loader.ds, "on_error", "raise") != "skip":
                    raise
                continue
            shape = image.shape if image.ndim == len(loader.ds.image_shape) else (*image.shape, 1)
            return shape, i
        return loader.output_spec()[0], None

    def start(self, idx, pool) -> _Batch:
        batch = _Batch(idx, self.loader._buffers.take((len(idx), *self.shape)))
        if self.images is not None and self.loader.transform is None:
            # a cached gather is one vectorised copy, memory-bound: splitting it over the
            # threads cost more in hand-offs than it gained (measured, 2 cores)
            pieces, work = 1, self._gather
        else:
            # two pieces per thread: a thread that stalls holds up less of the batch
            pieces, work = max(1, min(2 * self.loader.workers, len(idx))), self._fill
        chunks = np.array_split(np.arange(len(idx)), pieces)
        for slots in chunks:
            args = (batch, slots)
            batch.parts.append(work(*args) if pool is None else pool.submit(work, *args))
        return batch

    def finish(self, batch: _Batch):
        parts = (part if isinstance(part, list) else part.result() for part in batch.parts)
        bad = [slot for part in parts for slot in part]
        idx, out = batch.idx, batch.out
        if bad:
            keep = np.setdiff1d(np.arange(len(idx)), bad)
            idx, out = idx[keep], out[keep]
            keys, skipped = self.loader.ds.keys(), self.loader.skipped
            skipped.extend(k for k in (keys[i] for i in batch.idx[bad]) if k not in skipped)
        y = None if self.targets is None else self.loader._labels(self.targets[idx])
        return out, y

    def cancel(self, batch: _Batch):
        self.stop.set()
        for part in batch.parts:
            if not isinstance(part, list):
                part.cancel()

    def _gather(self, batch: _Batch, slots) -> list[int]:
        rows, out = batch.idx[slots[0]:slots[-1] + 1], batch.out[slots[0]:slots[-1] + 1]
        if rows.size and rows[-1] - rows[0] == rows.size - 1 and (np.diff(rows) == 1).all():
            rows = slice(int(rows[0]), int(rows[-1]) + 1)  # in order: read the map, no copy
        np.multiply(self.images[rows], _INV255, out=out, casting="unsafe")
        return []

    def _fill(self, batch: _Batch, slots) -> list[int]:
        if self.decode_into:
            return self._decode_into(batch, slots)
        skip = getattr(self.loader.ds, "on_error", "raise") == "skip"
        transform, bad, out, stop = self.loader.transform, [], batch.out, self.stop
        for slot, i in zip(slots.tolist(), batch.idx[slots].tolist(), strict=True):
            if stop.is_set():
                break
            try:
                image = self._load(i)
            except BadFileError:
                if not skip:
                    raise
                bad.append(slot)
                continue
            if transform is not None:
                image = self._transform(image, i)
            _write(out[slot], _as_image(image, self.shape, self, i))
        return bad

    def _decode_into(self, batch: _Batch, slots) -> list[int]:
        """No transform, no cache to read: each image decoded straight into a uint8 piece of
        the batch, scaled to float32 in one step at the end (a copy and a GIL hand-off per
        image fewer: two loader threads otherwise wait on each other)."""
        skip = getattr(self.loader.ds, "on_error", "raise") == "skip"
        load, bad, stop = self.loader.ds.load_image, [], self.stop
        first = slots[0] if len(slots) else 0
        pixels = np.empty((len(slots), *self.shape), np.uint8)
        done = 0
        for j, i in enumerate(batch.idx[slots].tolist()):
            if stop.is_set():
                break
            try:
                load(i, pixels[j])
            except BadFileError:
                if not skip:
                    raise
                bad.append(first + j)  # its row holds no image: the batch drops that slot
            done = j + 1
        np.multiply(pixels[:done], _INV255, out=batch.out[first:first + done], casting="unsafe")
        return bad

    def _transform(self, image: np.ndarray, i: int) -> np.ndarray:
        try:
            return np.asarray(self.loader.transform.apply(image, self.seeds[i]))
        except Exception as err:
            msg = (f"the transform {self.loader.transform!r} failed on item {i} "
                   f"({self.loader.ds.keys()[i]!r}, seed {self.seeds[i]}, epoch {self.epoch}): "
                   f"{type(err).__name__}: {err}")
            raise DataError(msg) from err

    def _load(self, i: int) -> np.ndarray:
        if self.images is not None:
            return self.images[i]
        return self.loader.ds.load_image(i)

    def describe(self, i: int) -> tuple[str, str]:
        """`` for item i ('key')`` and where the batch shape came from, for shape errors."""
        keys, r = self.loader.ds.keys(), self.reference
        origin = "" if r is None or r == i else (
            f" (the shape the transform gave the first item of epoch {self.epoch}, "
            f"item {r} ({keys[r]!r}))")
        return f" for item {i} ({keys[i]!r})", origin


def _write(slot: np.ndarray, image: np.ndarray) -> None:
    if image.dtype == np.uint8:
        np.multiply(image, _INV255, out=slot, casting="unsafe")
    elif image.dtype.kind == "f":
        slot[...] = image
    else:
        msg = (f"the transform returned {image.dtype} pixels; the loader takes uint8 "
               "(scaled to [0, 1]) or float (kept as they are)")
        raise DataError(msg)


def _as_image(image, shape, job=None, i=None) -> np.ndarray:
    image = np.asarray(image)
    if image.shape != tuple(shape):
        if image.ndim == len(shape) - 1 and image.size == int(np.prod(shape)):
            return image.reshape(shape)  # cv2 drops a single channel axis
        where, origin = ("", "") if job is None else job.describe(i)
        msg = (f"an image{where} has shape {image.shape}, but this batch holds {tuple(shape)}"
               f"{origin}; "
               "every image in a batch must have one size: resize in the data set "
               "(image_size=) or use transforms that keep the size")
        raise ShapeError(msg)
    return image


# --- the threaded epoch: a bounded window of batches in flight --------------------------------


def _threaded(job, plan, workers: int, prefetch: int):
    pool = cf.ThreadPoolExecutor(workers, thread_name_prefix="toolkit-loader")
    pending: deque = deque()
    todo = iter(plan)
    try:
        for idx in itertools.islice(todo, prefetch):
            pending.append(job.start(idx, pool))
        while pending:
            batch = job.finish(pending.popleft())
            for idx in itertools.islice(todo, 1):
                pending.append(job.start(idx, pool))
            yield batch
    finally:  # also on break, close() and Ctrl-C: drop queued work, stop the chunks, join
        job.stop.set()
        for item in pending:
            job.cancel(item)
        pool.shutdown(wait=True, cancel_futures=True)


# --- argument checks ---------------------------------------------------------------------------


def _check_dataset(ds):
    kind = getattr(ds, "kind", None)
    if kind not in ("image", "row"):
        msg = (f"DataLoader needs a toolkit data set (tk.ImageFolder, tk.ArrayDataset, a table), "
               f"got {type(ds).__name__}; wrap arrays as tk.ArrayDataset(X, y)")
        raise DataError(msg)
    return ds


def _check_int(name: str, value, low: int, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        msg = f"DataLoader {name}= must be an integer >= {low} ({meaning}), got {value!r}"
        raise DataError(msg)
    return int(value)


def _check_seed(seed) -> int:
    if seed is None:  # fresh entropy from the OS, never numpy's global RNG
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        msg = f"DataLoader seed= must be an integer or None, got {seed!r}; e.g. seed=1"
        raise DataError(msg)
    return int(seed)


def _check_label_mode(label_mode, ds) -> str:
    if label_mode not in _LABEL_MODES:
        hint = did_you_mean(label_mode, _LABEL_MODES)
        msg = f"DataLoader label_mode={label_mode!r} is unknown; {hint}"
        raise DataError(msg)
    if label_mode == "onehot" and not getattr(ds, "classes", None):
        msg = (f"DataLoader label_mode='onehot' needs class names, but {ds!r} has no classes "
               "(unlabelled or regression targets); use label_mode='int' or give the data set "
               "classes")
        raise DataError(msg)
    return label_mode


def _check_transform(transform, ds):
    transform = as_transform(transform)  # a plain function wrapped; raw albumentations refused
    if transform is None:
        return None
    if not callable(getattr(transform, "apply", None)):
        msg = (f"DataLoader transform= must have apply(image, seed) -> image (a tk.augment "
               f"transform), got {type(transform).__name__}")
        raise DataError(msg)
    if ds.kind != "image":
        msg = (f"DataLoader transform= works on image data sets, but {ds!r} is a row data set; "
               "transform the arrays beforehand or load them as an image data set")
        raise DataError(msg)
    return transform
