"""The decoded-image cache: resized uint8 pixels kept once in a memory-mapped ``.npy`` file.

``ImageCache(directory, key, n, shape)`` holds ``n`` images of ``shape``
``(H, W, C)`` in ``<directory>/<key>.npy`` beside ``<key>.json`` (the shape and
the files found bad, with their reasons). ``key`` comes from
:func:`cache_key`: a hash of the root folder, every file's relative path, size
and mtime, and the decode settings, so changing any of them gives another
cache, and the old one is simply not used again.

Filling. A new cache lives in a temporary file private to this process
(``<key>.<pid>-<random>.tmp.npy``); ``put(i, image)`` writes row ``i`` and marks
it filled in an in-memory byte map; once every row is filled (or recorded
bad) the file is flushed and renamed to ``<key>.npy`` (the JSON first, the
pixels last). Only a file under the final name is ever trusted; a process that
dies mid-fill leaves a temporary file, which the next process removes and does
not read. Several threads may fill at once: rows are disjoint, the count is
kept under a lock.

>>> import tempfile, numpy as np
>>> folder = tempfile.mkdtemp()
>>> cache = ImageCache(folder, "demo", 2, (4, 4, 1))
>>> cache.put(0, np.full((4, 4, 1), 7, np.uint8)); cache.complete
False
>>> cache.put_bad(1, "corrupt PNG"); cache.complete
True
>>> again = ImageCache(folder, "demo", 2, (4, 4, 1))
>>> int(again.get(0)[0, 0, 0]), again.bad_reason(1), again.images.shape
(7, 'corrupt PNG', (2, 4, 4, 1))
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import threading
import time
from pathlib import Path

import numpy as np

_FORMAT = 1  # bump when the layout or the decoder's output changes


def cache_key(root, paths, sizes, mtimes, settings: dict) -> str:
    """``cache_key(root, paths, sizes, mtimes, settings) -> str``: 32 hex digits naming a cache.

    >>> a = cache_key("/d", ["a.png"], [10], [5], {"image_size": [8, 8]})
    >>> a == cache_key("/d", ["a.png"], [10], [6], {"image_size": [8, 8]})
    False
    """
    h = hashlib.blake2b(digest_size=16)
    head = {"format": _FORMAT, "root": str(root), "settings": settings, "n": len(paths)}
    h.update(json.dumps(head, sort_keys=True).encode())
    h.update("\n".join(map(str, paths)).encode("utf-8", "surrogateescape"))
    h.update(np.asarray(sizes, dtype=np.int64).tobytes())
    h.update(np.asarray(mtimes, dtype=np.int64).tobytes())
    return h.hexdigest()


def default_cache_dir(root) -> Path:
    """``default_cache_dir(root)``: ``<root>/.toolkit-cache`` if ``root`` is writable, else
    ``$XDG_CACHE_HOME/toolkit`` (``~/.cache/toolkit``)."""
    root = Path(root)
    if os.access(root, os.W_OK):
        return root / ".toolkit-cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "toolkit"


class ImageCache:
    """``ImageCache(directory, key, n, shape)``: ``n`` uint8 images of ``shape`` on disk.

    ``get(i)`` gives a copy of row ``i`` or ``None`` when it is not filled (or is
    bad); ``bad_reason(i)`` the reason row ``i`` was recorded bad; ``images`` the
    read-only ``(n, H, W, C)`` memory map once ``complete``, else ``None``.
    """

    def __init__(self, directory, key: str, n: int, shape):
        self.directory = Path(directory)
        self.key, self.n, self.shape = key, int(n), tuple(int(s) for s in shape)
        self.path = self.directory / f"{key}.npy"
        self._meta = self.directory / f"{key}.json"
        self._lock = threading.Lock()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._bad: dict[int, str] = {}
        self._tmp: Path | None = None
        if self._open_trusted():
            return
        self._remove_stale()
        self._start_fill()

    def __reduce__(self):
        """A complete cache pickles as its location and reopens read-only where it lands (a Ray
        worker on a shared disk); one still filling is private to this process."""
        if not self.complete:
            msg = (f"{self!r} is still filling in this process and cannot be sent elsewhere; "
                   "finish an epoch (or tk.distributed.preprocess) first")
            raise TypeError(msg)
        return ImageCache, (self.directory, self.key, self.n, self.shape)

    def __repr__(self) -> str:
        state = "complete" if self.complete else f"{self._count}/{self.n} filled"
        return f"ImageCache({str(self.path)!r}, {self.n} x {self.shape}, {state})"

    @property
    def complete(self) -> bool:
        """``True`` once every row is filled or bad and the file holds its final name."""
        return self._count == self.n and self._tmp is None

    @property
    def images(self) -> np.ndarray | None:
        """The read-only ``(n, H, W, C)`` uint8 memory map when complete, else ``None``."""
        return self._mm if self.complete else None

    @property
    def bad(self) -> dict[int, str]:
        """Rows recorded bad, with their reasons."""
        return dict(self._bad)

    def get(self, i: int) -> np.ndarray | None:
        """A copy of row ``i``, or ``None`` when it is not filled or was recorded bad."""
        if not self._filled[i] or i in self._bad:
            return None
        return np.array(self._mm[i])

    def bad_reason(self, i: int) -> str | None:
        """Why row ``i`` was recorded bad, or ``None``."""
        return self._bad.get(i)

    def put(self, i: int, image: np.ndarray) -> None:
        """Store ``image`` (uint8 of ``shape``) as row ``i``."""
        if self._filled[i]:
            return
        self._mm[i] = image
        self._mark(i)

    def put_bad(self, i: int, reason: str) -> None:
        """Record row ``i`` as a bad file, for ``reason``."""
        with self._lock:
            if self._filled[i]:
                return
            self._bad[i] = reason
        self._mark(i)

    def _mark(self, i: int) -> None:
        with self._lock:
            if self._filled[i]:
                return
            self._filled[i] = 1
            self._count += 1
            if self._count == self.n:
                self._finish()

    # --- on disk --------------------------------------------------------------------------------

    def _open_trusted(self) -> bool:
        if not (self.path.exists() and self._meta.exists()):
            return False
        try:
            meta = json.loads(self._meta.read_text())
            mm = np.load(self.path, mmap_mode="r")
            ok = (meta.get("key") == self.key and mm.dtype == np.uint8
                  and mm.shape == (self.n, *self.shape))
        except (OSError, ValueError):
            ok = False
        if not ok:  # unreadable or not what this key promises: rebuild it
            self._unlink(self.path, self._meta)
            return False
        self._mm = mm
        self._bad = {int(k): str(v) for k, v in meta.get("bad", {}).items()}
        self._filled = np.ones(self.n, np.uint8)
        self._count = self.n
        return True

    def _start_fill(self) -> None:
        self._tmp = self.directory / f"{self.key}.{os.getpid()}-{secrets.token_hex(4)}.tmp.npy"
        self._mm = np.lib.format.open_memmap(self._tmp, mode="w+", dtype=np.uint8,
                                             shape=(self.n, *self.shape))
        _reserve(self._tmp)
        self._filled = np.zeros(self.n, np.uint8)
        self._count = 0

    def _finish(self) -> None:
        self._mm.flush()
        meta = {"key": self.key, "n": self.n, "shape": list(self.shape),
                "bad": {str(k): v for k, v in sorted(self._bad.items())}}
        tmp_meta = self._tmp.with_suffix(".json")
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, self._meta)
        os.replace(self._tmp, self.path)  # last: only now is the cache trusted
        self._tmp = None
        self._mm = np.load(self.path, mmap_mode="r")

    def _remove_stale(self) -> None:
        for tmp in self.directory.glob(f"{self.key}.*.tmp.*"):
            if _stale(tmp, tmp.name[len(self.key) + 1:].split("-", 1)[0]):
                self._unlink(tmp)

    @staticmethod
    def _unlink(*paths: Path) -> None:
        for p in paths:
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def _reserve(path: Path) -> None:
    """Claim the disk space now: a full disk must fail here, not as SIGBUS while filling."""
    if not hasattr(os, "posix_fallocate"):
        return
    with open(path, "r+b") as f:
        try:
            os.posix_fallocate(f.fileno(), 0, os.fstat(f.fileno()).st_size)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                path.unlink()
                raise
            # file systems without fallocate: the space is taken as rows are written


def _stale(tmp: Path, pid: str) -> bool:
    """A temporary file whose writer is gone (by pid; on Windows, where os.kill(pid, 0) would
    end the process, by age: a day)."""
    if os.name == "nt":
        try:
            return time.time() - tmp.stat().st_mtime > 86400
        except OSError:
            return False
    return not pid.isdigit() or not _alive(int(pid))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
