"""Image folders as data sets: scan once, decode lazily, report every file left out.

``ImageFolder(root, image_size=(256, 256), *, color="rgb", on_error="raise",
classes=None, labels="inferred", crop_to_aspect_ratio=False,
pad_to_aspect_ratio=False, interpolation="area", cache=False)``

>>> import cv2, numpy as np, tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for name in ["cat/1.png", "cat/2.jpg", "dog/1.png"]:
...     (root / name).parent.mkdir(exist_ok=True)
...     _ = cv2.imwrite(str(root / name), np.zeros((30, 40, 3), np.uint8))
>>> _ = (root / "dog" / "notes.txt").write_text("not an image")
>>> ds = ImageFolder(root, (16, 16))
>>> ds.classes, len(ds), ds.targets.tolist(), ds.keys()
(('cat', 'dog'), 3, [0, 0, 1], ['cat/1.png', 'cat/2.jpg', 'dog/1.png'])
>>> image, label = ds[2]
>>> image.shape, image.dtype, label
((16, 16, 3), dtype('uint8'), 1)
>>> ds.skipped.rows()  # doctest: +ELLIPSIS
[('dog/notes.txt', "not an image: the extension '.txt' is not one of .bmp .gif .jpeg ...")]

Labels: ``labels="inferred"`` takes them from the first level of sub-folders,
sorted (as Keras and torchvision do), or in the order of ``classes=``; files
deeper down belong to their top folder; files in folders not named in
``classes=`` are skipped with that reason; a class with no folder is an error.
``labels="path/to/manifest.csv"`` reads ``path,label`` rows (paths relative to
``root``); ``labels=None`` takes every image under ``root`` without labels.

Listing: one ``os.scandir`` walk (one ``stat`` per image file, for its size
and mtime); nothing is opened or decoded until asked for. Hidden files and
folders (a leading ``.``) are skipped and listed; ``.toolkit-cache`` is ours.
Symbolic links are followed (a link back up the tree is reported, not
followed). A folder with no images at all is refused, saying what it holds.

Bad files and the counts. ``ds.skipped`` lists every file found but left out,
with the reason (other extensions, hidden, outside a class folder, bad);
``ds.bad_files`` the image files among them that cannot be read. Always
``found == loaded + skipped`` (``ds.counts``). Empty files are caught while
listing; truncated, corrupt, non-image and unreadable files when decoded:

- ``ds.load_image(i)`` (and ``ds[i]``) on a bad file records it in
  ``ds.bad_files`` and raises :class:`~toolkit.errors.BadFileError`, whatever
  ``on_error`` says; so does every later call for that item.
- **Contract with the loader**: with ``on_error="skip"`` the loader catches
  that ``BadFileError`` and leaves the item out, so the epoch goes on; with
  ``"raise"`` it lets the error stop the epoch.
- The item keeps its index (``len(ds)`` never changes under a running epoch)
  until ``ds.verify()``, which decodes every item once (in threads), and with
  ``on_error="skip"`` leaves the bad ones out of ``len(ds)``, ``ds.keys()``
  and ``ds.manifest`` from then on (with ``"raise"`` it raises, naming them).
- With ``on_error="raise"``, files known bad when the folder is opened (empty
  files, missing manifest entries, bad files a complete cache remembers) raise
  at once; with ``"skip"`` they are left out at once.

Decoding (see :mod:`toolkit.data.decode`): every image comes out uint8
``(H, W, C)`` of ``ds.image_shape``; ``load_image`` is thread-safe (cv2
releases the GIL, so the loader's threads decode in parallel).

The cache (``cache=True`` for ``<root>/.toolkit-cache``, or ``~/.cache/toolkit``
when the root is read-only; ``cache="some/dir"``): see :mod:`toolkit.data.cache`.
It covers every image file of the folder (subsets share it) and fills as
items are loaded; rows already filled are served from it at once. It is
complete, and saved under its final name for later runs, once every file has
been loaded (a training and a validation epoch, or ``ds.verify()``); a run
that only ever touches part of the folder keeps its rows for itself. Once
complete it serves:

- ``ds.cached_images()``: ``None`` until the cache is complete; then an array
  of shape ``(len(ds), H, W, C)`` uint8 in ``ds``'s order (the read-only
  memory map itself for the full folder, a read-only row view for a subset),
  to be indexed with an int or an int array for a whole batch in one gather.
  It stays ``None`` while ``ds`` holds an item known bad (``ds.verify()``,
  instant on a complete cache, leaves those out).
- ``ds.cache_rows``: each item's row in ``ds.cache.images``.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import posixpath
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from toolkit.data.arrays import encode_labels
from toolkit.data.cache import ImageCache, cache_key, default_cache_dir
from toolkit.data.dataset import Dataset
from toolkit.data.decode import DecodeSettings, decode_image
from toolkit.errors import BadFileError, DataError, TableError, did_you_mean
from toolkit.registry import register

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")
_EXTENSIONS = frozenset(IMAGE_EXTENSIONS)
_CACHE_DIR_NAME = ".toolkit-cache"
_UNCHECKED, _OK, _BAD = 0, 1, 2
_STATUS = np.array(["unchecked", "ok", "bad"], dtype=object)
_ON_ERROR = ("raise", "skip")


# --- what a scan finds --------------------------------------------------------------------------


@dataclass
class _Found:
    """Image files found (relative paths, sizes, mtimes, labels) and files skipped."""

    paths: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    mtimes: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    skipped: list[tuple[str, str, bool]] = field(default_factory=list)  # path, reason, bad file?

    def add(self, rel: str, size: int, mtime: int, label: int) -> None:
        if size == 0:
            self.skipped.append((rel, "empty file (0 bytes)", True))
            return
        self.paths.append(rel)
        self.sizes.append(size)
        self.mtimes.append(mtime)
        self.labels.append(label)

    def skip(self, rel: str, reason: str, bad: bool = False) -> None:
        self.skipped.append((rel, reason, bad))


def _not_image_reason(name: str) -> str:
    ext = os.path.splitext(name)[1]
    what = f"the extension {ext!r}" if ext else "no extension"
    return f"not an image: {what} is not one of {' '.join(IMAGE_EXTENSIONS)}"


def _walk(top: str, prefix: str, label: int, found: _Found, skip_reason: str | None = None) -> None:
    """Add every file under ``top`` (shown as ``prefix`` + name) to ``found``, one scandir walk."""
    st = os.stat(top)
    stack, seen = [(top, prefix)], {(st.st_ino, st.st_dev)}
    while stack:
        folder, pre = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    _visit(entry, pre + entry.name, label, found, stack, seen, skip_reason)
        except OSError as e:
            found.skip(pre or "./", f"unreadable folder: {e.strerror}; its files were not listed")


def _undecodable_name(name: str) -> str | None:
    """Why a file name cannot be used (bytes that are not UTF-8), or None."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        return (f"the name {raw!r} is not valid UTF-8, so it cannot be a key or a manifest "
                "entry; rename it (convmv -f latin1 -t utf8 --notest -r ROOT converts a tree)")
    return None


def _shown(rel: str) -> str:
    """``rel`` with bytes that are not UTF-8 written as \\xNN escapes."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _visit(entry, rel, label, found: _Found, stack, seen, skip_reason) -> None:
    if rel == _CACHE_DIR_NAME:  # our own cache folder, at the top of the root
        return
    if (bad_name := _undecodable_name(entry.name)) is not None:
        found.skip(_shown(rel) + ("/" if entry.is_dir() else ""), bad_name)
    elif entry.name.startswith("."):
        found.skip(rel, "hidden folder: not scanned" if entry.is_dir() else "hidden file")
    elif entry.is_dir():
        ident = entry.stat().st_ino, entry.stat().st_dev
        if ident in seen:  # a symbolic link back up the tree
            found.skip(rel + "/", "folder already scanned (symbolic link loop)")
            return
        seen.add(ident)
        stack.append((entry.path, rel + "/"))
    elif skip_reason is not None:
        found.skip(rel, skip_reason)
    elif not entry.is_file():
        found.skip(rel, "not a regular file (a broken symbolic link, a device or a pipe)", True)
    elif os.path.splitext(entry.name)[1].lower() not in _EXTENSIONS:
        found.skip(rel, _not_image_reason(entry.name))
    else:
        try:
            st = entry.stat()
        except OSError as e:
            found.skip(rel, f"unreadable: {e.strerror}", True)
            return
        found.add(rel, st.st_size, st.st_mtime_ns, label)


def _scan_inferred(root: Path, classes) -> tuple[_Found, tuple[str, ...]]:
    with os.scandir(root) as entries:
        top = sorted(entries, key=lambda e: e.name)
    found = _Found()
    folders = [e.name for e in top if e.is_dir() and not e.name.startswith(".")
               and _undecodable_name(e.name) is None]
    classes = tuple(folders) if classes is None else _check_classes(classes, folders, root)
    index = {c: i for i, c in enumerate(classes)}
    for entry in top:
        name = entry.name
        if name == _CACHE_DIR_NAME:
            continue
        if name.startswith(".") or _undecodable_name(name) is not None:
            _visit(entry, name, -1, found, [], set(), None)  # listed, not walked
        elif not entry.is_dir():
            found.skip(name, "not inside a class folder (labels='inferred' takes labels from "
                             "sub-folders)")
        elif name in index:
            _walk(entry.path, name + "/", index[name], found)
        else:
            reason = f"folder {name!r} is not in classes={list(classes)}"
            _walk(entry.path, name + "/", -1, found, skip_reason=reason)
    return found, classes


def _check_classes(classes, folders, root) -> tuple[str, ...]:
    if isinstance(classes, str) or not all(isinstance(c, str) for c in classes):
        raise DataError(f"classes= must be a list of folder names (strings), got {classes!r}")
    classes = tuple(classes)
    if len(set(classes)) != len(classes):
        raise DataError(f"classes= names a class twice: {list(classes)}")
    missing = [c for c in classes if c not in folders]
    if missing:
        msg = (f"classes= names {missing} but {root} has no such sub-folder; "
               f"the sub-folders are: {folders}")
        raise DataError(msg)
    return classes


def _scan_unlabelled(root: Path) -> _Found:
    found = _Found()
    _walk(str(root), "", -1, found)
    return found


# --- labels from a manifest CSV -----------------------------------------------------------------


def _read_manifest(root: Path, csv_path, classes) -> tuple[_Found, tuple]:
    path = Path(csv_path)
    if not path.exists() and (root / path).exists():
        path = root / path
    if not path.is_file():
        msg = f"labels={str(csv_path)!r}: no such manifest file; give a CSV of path,label"
        raise DataError(msg)
    rows = _manifest_rows(path)
    labels = _manifest_labels(rows["label"].to_list())
    classes = _manifest_classes(path, labels, classes)
    index = {str(c): i for i, c in enumerate(classes)}
    found, seen = _Found(), {}
    for k, (rel, label) in enumerate(zip(rows["path"].to_list(), labels, strict=True)):
        line = k + 2  # the header is line 1
        rel = _manifest_path(path, line, rel, seen)
        _add_listed(root, rel, index[str(label)], line, found)
    return found, classes


def _manifest_rows(path: Path) -> pl.DataFrame:
    try:
        rows = pl.read_csv(path, infer_schema=False)
    except pl.exceptions.PolarsError as e:
        raise TableError(f"{path}: {_ragged_line(path) or str(e).splitlines()[0]}") from e
    missing = [c for c in ("path", "label") if c not in rows.columns]
    if missing:
        msg = (f"{path} line 1: the manifest needs the columns path,label; missing {missing}, "
               f"found {rows.columns}")
        raise TableError(msg)
    for col in ("path", "label"):
        empty = rows[col].is_null() | (rows[col].str.strip_chars() == "")
        if empty.any():
            line = int(empty.arg_max()) + 2
            msg = f"{path} line {line}, column {col!r}: empty {col}; every row needs one"
            raise TableError(msg)
    return rows


def _ragged_line(path: Path) -> str | None:
    import csv

    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        for row in reader:
            if len(row) != len(header):
                return (f"line {reader.line_num}: expected {len(header)} fields "
                        f"({','.join(header)}), got {len(row)}")
    return None


def _manifest_labels(values: list[str]) -> list:
    values = [v.strip() for v in values]
    try:
        return [int(v) for v in values]
    except ValueError:
        return values


def _manifest_classes(path: Path, labels: list, classes) -> tuple:
    if classes is None:
        return encode_labels(np.asarray(labels))[1]
    classes = tuple(classes)
    known = {str(c) for c in classes}
    for k, label in enumerate(labels):
        if str(label) not in known:
            msg = (f"{path} line {k + 2}, column 'label': {label!r} is not among "
                   f"classes={list(classes)}; add it or drop the row")
            raise TableError(msg)
    return classes


def _manifest_path(path: Path, line: int, rel: str, seen: dict) -> str:
    rel = rel.strip().replace("\\", "/")
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or (len(rel) > 1 and rel[1] == ":"):
        msg = (f"{path} line {line}, column 'path': {rel!r} must be relative to the image root "
               "and stay inside it")
        raise TableError(msg)
    rel = posixpath.normpath(rel)  # ./a.png and a.png are one file
    if rel in seen:
        raise TableError(f"{path} line {line}, column 'path': {rel!r} is listed twice "
                         f"(also on line {seen[rel]})")
    seen[rel] = line
    return rel


def _add_listed(root: Path, rel: str, label: int, line: int, found: _Found) -> None:
    if os.path.splitext(rel)[1].lower() not in _EXTENSIONS:
        found.skip(rel, _not_image_reason(rel) + f" (manifest line {line})")
        return
    try:
        st = os.stat(root / rel)
    except OSError as e:
        found.skip(rel, f"unreadable: {e.strerror} (manifest line {line})", True)
        return
    found.add(rel, st.st_size, st.st_mtime_ns, label)


# --- the files of one folder, shared by the folder and its subsets ------------------------------


class _Files:
    """The image files of one scan, their decode state and the cache; safe across threads."""

    def __init__(self, root: Path, found: _Found, settings: DecodeSettings, labelled: bool):
        order = sorted(range(len(found.paths)), key=lambda k: (found.labels[k], found.paths[k]))
        self.root, self.settings = root, settings
        self._prefix = str(root) + os.sep  # str joins: pathlib costs ~25 us per image
        self.paths = np.array([found.paths[k] for k in order], dtype=object)
        self.sizes = np.array([found.sizes[k] for k in order], dtype=np.int64)
        self.mtimes = np.array([found.mtimes[k] for k in order], dtype=np.int64)
        labels = np.array([found.labels[k] for k in order], dtype=np.int64)
        self.labels = labels if labelled else None
        self.status = np.zeros(len(order), dtype=np.uint8)
        self.reasons: dict[int, str] = {}
        self.cache: ImageCache | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:  # pickles (Ray workers); a cache still filling stays here
        state = {k: v for k, v in self.__dict__.items() if k != "_lock"}
        if self.cache is not None and not self.cache.complete:
            state["cache"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.status = np.array(self.status)  # Ray hands arrays over read-only; this one changes
        self._lock = threading.Lock()

    def open_cache(self, directory) -> None:
        key = cache_key(self.root.resolve(), self.paths.tolist(), self.sizes, self.mtimes,
                        self.settings.as_dict())
        try:
            self.cache = ImageCache(directory, key, len(self.paths), self.settings.image_shape)
        except OSError as e:
            size = len(self.paths) * int(np.prod(self.settings.image_shape))
            msg = (f"cannot make the decoded-image cache in {str(directory)!r} ({size:,} bytes): "
                   f"{e.strerror or e}; pass cache='a/writable/folder' or cache=False")
            raise DataError(msg) from e
        if self.cache.complete:
            self.status[:] = _OK
            for i, reason in self.cache.bad.items():
                self.record_bad(i, reason)

    def load(self, i: int, out: np.ndarray | None = None) -> np.ndarray:
        cache = self.cache
        image = None if cache is None else cache.get(i)
        if image is not None:
            if out is None:
                return image
            out[...] = image
            return out
        if self.status[i] == _BAD:
            raise BadFileError(self.root / self.paths[i], self.reasons[i])
        path = self._prefix + self.paths[i]
        try:
            image = decode_image(_read(path, int(self.sizes[i])), self.settings, path, out)
        except BadFileError as e:
            self.record_bad(i, e.reason)
            raise
        self.status[i] = _OK
        if cache is not None:
            cache.put(i, image)
        return image

    def check(self, ids: np.ndarray) -> None:
        for i in ids:
            if self.status[i] == _UNCHECKED:
                try:
                    self.load(int(i))
                except BadFileError:
                    pass

    def record_bad(self, i: int, reason: str) -> None:
        with self._lock:
            self.reasons[i] = reason
            self.status[i] = _BAD
        if self.cache is not None:
            self.cache.put_bad(i, reason)


def _read(path: str, size: int) -> np.ndarray:
    """The file's bytes; ``size`` (from the scan) lets one read() do (a third of np.fromfile's
    time); a file that has grown since is read to its end."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            data = os.read(fd, size + 1)
            if len(data) > size:
                data += b"".join(iter(lambda: os.read(fd, 1 << 20), b""))
        finally:
            os.close(fd)
        return np.frombuffer(data, dtype=np.uint8)
    except FileNotFoundError as e:
        raise BadFileError(path, "unreadable: file not found (moved or deleted since the "
                                 "folder was scanned?)") from e
    except PermissionError as e:
        raise BadFileError(path, "unreadable: permission denied") from e
    except OSError as e:
        raise BadFileError(path, f"unreadable: {e.strerror or e}") from e


class _CachedRows:
    """Read-only rows of a complete cache, in a subset's order: ``rows[i]``, ``rows[indices]``."""

    def __init__(self, images: np.ndarray, rows: np.ndarray):
        self._images, self._rows = images, rows
        self.shape = (len(rows), *images.shape[1:])
        self.dtype, self.ndim = images.dtype, images.ndim

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        return self._images[self._rows[index]]


# --- the data set -------------------------------------------------------------------------------


@register("sources")
class ImageFolder(Dataset):
    """``ImageFolder(root, image_size=(256, 256), *, color="rgb", on_error="raise", classes=None,
    labels="inferred", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
    interpolation="area", cache=False)``: the images under ``root`` as a data set.

    ``ds[i] -> (uint8 (H, W, C), int label or None)``; ``ds.classes``, ``ds.targets``,
    ``ds.keys()`` (relative paths), ``ds.manifest`` (a polars DataFrame of path,
    label, class, bytes, mtime_ns, status), ``ds.skipped`` / ``ds.bad_files`` (path,
    reason), ``ds.counts``, ``ds.verify()``, ``ds.split()`` / ``ds.kfolds()`` /
    ``ds.subset()``. The module documentation (``toolkit.data.images``) gives
    the details: labels, bad files, the cache.

    >>> import cv2, numpy as np, tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "dog").mkdir()
    >>> _ = cv2.imwrite(str(root / "dog" / "rex.webp"), np.zeros((64, 48, 3), np.uint8))
    >>> ds = ImageFolder(root, (16, 16), color="gray", crop_to_aspect_ratio=True)
    >>> ds.load_image(0).shape, ds.classes, ds.counts
    ((16, 16, 1), ('dog',), {'found': 1, 'loaded': 1, 'skipped': 0})
    """

    kind = "image"

    def __init__(self, root, image_size=(256, 256), *, color: str = "rgb", on_error: str = "raise",
                 classes=None, labels="inferred", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, interpolation: str = "area", cache=False):
        self._config = {
            "root": str(root), "image_size": image_size, "color": color, "on_error": on_error,
            "classes": classes, "labels": labels, "crop_to_aspect_ratio": crop_to_aspect_ratio,
            "pad_to_aspect_ratio": pad_to_aspect_ratio, "interpolation": interpolation,
            "cache": cache if isinstance(cache, bool) else str(cache),
        }  # fmt: skip
        if on_error not in _ON_ERROR:
            msg = f"on_error={on_error!r} is unknown; {did_you_mean(on_error, _ON_ERROR)}"
            raise DataError(msg)
        settings = DecodeSettings(image_size, color, bool(crop_to_aspect_ratio),
                                  bool(pad_to_aspect_ratio), interpolation)
        root = _check_root(root)
        found, found_classes = _scan(root, labels, classes)
        if not found.paths and not any(bad for _, _, bad in found.skipped):
            _refuse_empty(root, found.skipped)
        if on_error == "raise":
            _raise_first_bad(root, found.skipped)
        self.on_error, self.settings = on_error, settings
        self.classes = found_classes
        self._files = _Files(root, found, settings, labelled=labels is not None)
        self._scan_skipped = found.skipped
        self._ids = np.arange(len(self._files.paths), dtype=np.int64)
        self._origin = self._ids
        if cache is not False:
            self._files.open_cache(_cache_dir(cache, root))
            self._after_cache_opened()

    def config(self) -> dict:
        """config() -> the keywords this folder was opened with (what the registry writes)."""
        return dict(self._config)

    def _after_cache_opened(self) -> None:
        bad = self._files.status[self._ids] == _BAD
        if bad.any() and self.on_error == "raise":
            i = int(self._ids[np.argmax(bad)])
            raise BadFileError(self._files.root / self._files.paths[i],
                               f"{self._files.reasons[i]} (remembered by the cache)")
        self._ids = self._ids[~bad]

    # --- the Dataset contract -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i):
        fid = int(self._ids[self._index(i)])
        labels = self._files.labels
        return self._files.load(fid), None if labels is None else int(labels[fid])

    def load_image(self, i: int, out: np.ndarray | None = None) -> np.ndarray:
        """``ds.load_image(i, out=None) -> uint8 (H, W, C)``; thread-safe; a bad file raises
        BadFileError. ``out`` (uint8, C-contiguous, ``ds.image_shape``) receives the image."""
        return self._files.load(int(self._ids[self._index(i)]), out)

    def keys(self) -> list[str]:
        """Each item's path relative to the root, with forward slashes."""
        return self._files.paths[self._ids].tolist()

    @property
    def targets(self) -> np.ndarray | None:
        """int64 class indices ``(len(ds),)``, or ``None`` without labels."""
        labels = self._files.labels
        return None if labels is None else labels[self._ids]

    def subset(self, indices) -> ImageFolder:
        """``ds.subset(indices)``: a data set over those items, sharing files, state and cache."""
        view = object.__new__(ImageFolder)
        view.__dict__.update(self.__dict__)
        view._ids = self._ids[np.asarray(indices, dtype=np.int64).reshape(-1)]
        view._origin = view._ids
        view._scan_skipped = []
        return view

    def _index(self, i) -> int:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"ImageFolder indices are integers, got {type(i).__name__}; "
                            "use ds.subset(indices) for several items")
        n = len(self._ids)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for an ImageFolder of {n} images")
        return int(i) % n

    # --- what it holds --------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        """The folder the images were found in."""
        return self._files.root

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, C)`` of every image ``load_image`` returns."""
        return self.settings.image_shape

    @property
    def manifest(self) -> pl.DataFrame:
        """A polars DataFrame: path, label, class, bytes, mtime_ns, status (unchecked/ok/bad)."""
        f, ids = self._files, self._ids
        labels = [None] * len(ids) if f.labels is None else f.labels[ids]
        names = [None] * len(ids) if f.labels is None else [str(self.classes[k]) for k in labels]
        return pl.DataFrame({
            "path": pl.Series(f.paths[ids].tolist(), dtype=pl.String),
            "label": pl.Series(labels, dtype=pl.Int64),
            "class": pl.Series(names, dtype=pl.String),
            "bytes": f.sizes[ids], "mtime_ns": f.mtimes[ids],
            "status": pl.Series(_STATUS[f.status[ids]].tolist(), dtype=pl.String),
        })

    @property
    def skipped(self) -> pl.DataFrame:
        """Every file found but left out (path, reason): other files and bad files alike."""
        rows = [(p, r) for p, r, _ in self._scan_skipped] + self._decode_bad()
        return _path_reason(rows)

    @property
    def bad_files(self) -> pl.DataFrame:
        """The image files that cannot be read (path, reason), found so far."""
        rows = [(p, r) for p, r, bad in self._scan_skipped if bad] + self._decode_bad()
        return _path_reason(rows)

    def _decode_bad(self) -> list[tuple[str, str]]:
        f = self._files
        bad = self._origin[f.status[self._origin] == _BAD]
        return [(f.paths[i], f.reasons[int(i)]) for i in bad]

    @property
    def counts(self) -> dict[str, int]:
        """``{"found": ..., "loaded": ..., "skipped": ...}``; found == loaded + skipped."""
        bad_now = int((self._files.status[self._ids] == _BAD).sum())
        skipped = len(self._scan_skipped) + len(self._decode_bad())
        loaded = len(self._ids) - bad_now
        return {"found": loaded + skipped, "loaded": loaded, "skipped": skipped}

    def __repr__(self) -> str:
        c = self.counts
        if self.classes is None:
            labels = "unlabelled"
        else:
            names = [str(k) for k in self.classes]
            shown = ", ".join(names if len(names) <= 6 else [*names[:3], "...", *names[-2:]])
            labels = f"{len(names)} classes: {shown}"
        cache = "off" if self.cache is None else ("complete" if self.cache.complete else "filling")
        return (f"ImageFolder({str(self.root)!r}, {len(self)} images, {labels}; "
                f"image_size={self.settings.image_size}, color={self.settings.color!r}, "
                f"skipped {c['skipped']} of {c['found']} files, cache {cache})")

    def _repr_html_(self) -> str:
        from toolkit.data.reprs import image_folder_html  # class counts and a sample grid

        return image_folder_html(self)

    # --- checking and caching -------------------------------------------------------------------

    def verify(self, workers: int | None = None) -> pl.DataFrame:
        """``ds.verify(workers=None) -> ds.bad_files``: decode every item once, in threads.

        With ``on_error="skip"`` the bad files are left out of ``len(ds)``,
        ``ds.keys()`` and ``ds.manifest`` from then on; with ``"raise"`` a
        :class:`~toolkit.errors.BadFileError` names the first and counts them.
        With a cache, this fills it (and is instant once it is complete).
        """
        workers = workers or os.cpu_count() or 1
        todo = self._ids[self._files.status[self._ids] == _UNCHECKED]
        if todo.size:
            chunks = np.array_split(todo, max(1, min(todo.size, workers * 8)))
            with cf.ThreadPoolExecutor(workers, thread_name_prefix="toolkit-verify") as pool:
                list(pool.map(self._files.check, chunks))
        bad = self._files.status[self._ids] == _BAD
        if bad.any() and self.on_error == "raise":
            self._raise_bad(self._ids[bad])
        self._ids = self._ids[~bad]
        return self.bad_files

    def _raise_bad(self, bad: np.ndarray) -> None:
        f, first = self._files, int(bad[0])
        more = f"; {bad.size - 1} more bad files" if bad.size > 1 else ""
        msg = (f"{f.reasons[first]}{more} (ds.bad_files lists them; on_error='skip' leaves "
               "them out)")
        raise BadFileError(f.root / f.paths[first], msg)

    @property
    def cache(self) -> ImageCache | None:
        """The decoded-image cache, or ``None`` when ``cache=False``."""
        return self._files.cache

    @property
    def cache_rows(self) -> np.ndarray:
        """Each item's row in ``ds.cache.images`` (int64 ``(len(ds),)``)."""
        return self._ids.copy()

    def cached_images(self):
        """``(len(ds), H, W, C)`` uint8 pixels in ``ds``'s order once the cache is complete, else
        ``None`` (also while ``ds`` holds an item known bad: ``ds.verify()`` drops those)."""
        cache = self._files.cache
        images = None if cache is None else cache.images
        if images is None or (self._files.status[self._ids] == _BAD).any():
            return None
        if len(self._ids) == len(images) and (self._ids == np.arange(len(images))).all():
            return images
        return _CachedRows(images, self._ids)


# --- arguments ----------------------------------------------------------------------------------


def _cache_dir(cache, root: Path) -> Path:
    if cache is True:
        return default_cache_dir(root)
    if isinstance(cache, (str, os.PathLike)):
        return Path(cache)
    msg = (f"cache={cache!r} is not understood; use False (no cache), True (a folder in the "
           "root, or ~/.cache/toolkit if the root is read-only) or a folder path")
    raise DataError(msg)


def _check_root(root) -> Path:
    path = Path(root)
    if not path.is_dir():
        what = "is a file" if path.exists() else "does not exist"
        msg = f"ImageFolder root {str(root)!r} {what}; give the folder that holds the images"
        raise DataError(msg)
    return path


def _scan(root: Path, labels, classes) -> tuple[_Found, tuple | None]:
    if labels == "inferred":
        return _scan_inferred(root, classes)
    if labels is None:
        if classes is not None:
            raise DataError("classes= needs labels: use labels='inferred' or a manifest CSV, "
                            "or leave classes out with labels=None")
        return _scan_unlabelled(root), None
    if isinstance(labels, (str, os.PathLike)) and str(labels).lower().endswith(".csv"):
        return _read_manifest(root, labels, classes)
    msg = (f"labels={labels!r} is not understood; use 'inferred' (from sub-folders), None "
           "(no labels) or the path of a CSV manifest of path,label")
    raise DataError(msg)


def _raise_first_bad(root: Path, skipped) -> None:
    bad = [(p, r) for p, r, is_bad in skipped if is_bad]
    if bad:
        more = f"; {len(bad) - 1} more bad files" if len(bad) > 1 else ""
        raise BadFileError(root / bad[0][0], f"{bad[0][1]}{more} (on_error='skip' leaves them out)")


def _refuse_empty(root: Path, skipped) -> None:
    shown = "; ".join(f"{p}: {r}" for p, r, _ in skipped[:3])
    other = f" ({len(skipped)} other files were skipped: {shown})" if skipped else ""
    msg = (f"ImageFolder found no images under {str(root)!r}{other}; images need one of the "
           f"extensions {' '.join(IMAGE_EXTENSIONS)}, inside one sub-folder per class "
           "(or pass labels=None)")
    raise DataError(msg)


def _path_reason(rows) -> pl.DataFrame:
    return pl.DataFrame({"path": [p for p, _ in rows], "reason": [r for _, r in rows]},
                        schema={"path": pl.String, "reason": pl.String})
