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

Checking. When the fill ends, a checksum of every block of 512 KiB (the sum of
its 64-bit words, wrapping) goes into the index; a cache opened from disk is
checked against them (one memory-speed pass) once per process and file version,
so a data file overwritten at the same size, or with its images in another
order, is found, reported (:class:`~toolkit.errors.DataWarning`) and rebuilt. So
is a malformed index. A pass that succeeds writes the file's stamp (device,
inode, size, mtime, ctime) into the index; a later process that finds the same
stamp skips the pass, as git trusts its index's stat data: any write to the file
moves its ctime, which no program can set back. A file changed in the last two
seconds is not stamped (a second write in the same clock tick would not move the
ctime), and a read-only cache folder is checked by every process. (A check
against accidents, not attackers: the cache folder is the user's own.)

Stale caches. Another image size or an added image gives another key, so the old
cache stays on disk unused: :func:`list_caches` and :func:`clean_caches` (and
``toolkit cache list|clean``) show and remove them, and opening a new cache notes
(a :class:`~toolkit.errors.DataWarning`) when the others in its folder take more
than :data:`NOTE_BYTES`.

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

from toolkit.errors import DataWarning

_FORMAT = 2  # bump when the layout or the decoder's output changes (2: block checksums)
_BLOCK_WORDS = 1 << 16  # 64-bit words per checksummed block: 512 KiB
#: Other caches in the folder taking more than this get a note when a new cache is made.
NOTE_BYTES = 1 << 30
_VERIFIED: set[tuple] = set()  # the stamps (_stamp) of files checked in this process
#: A data file changed this recently (ns) may change again within the same clock tick unseen:
#: its stamp is not recorded, so the next open sums it again (git's "racily clean" rule).
_RACY_NS = 2_000_000_000


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
    return user_cache_dir()


def user_cache_dir() -> Path:
    """``user_cache_dir()``: ``$XDG_CACHE_HOME/toolkit`` (``~/.cache/toolkit``)."""
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
        problem, meta, mm = self._read_trusted()
        if problem is not None:  # unreadable or not what this key promises: rebuild it
            if problem:
                import warnings

                msg = f"decoded-image cache {self.path}: {problem}; rebuilding it"
                warnings.warn(msg, DataWarning, stacklevel=4)
            self._unlink(self.path, self._meta)
            return False
        self._mm = mm
        self._bad = {int(k): str(v) for k, v in meta["bad"].items()}
        _touch(self._meta)  # "last used", for clean_caches(older_than=...)
        self._filled = np.ones(self.n, np.uint8)
        self._count = self.n
        return True

    def _read_trusted(self):
        """(problem, index, pixels): problem None when trusted, "" when merely another key."""
        try:
            meta = json.loads(self._meta.read_text())
            mm = np.load(self.path, mmap_mode="r")
        except (OSError, ValueError) as error:
            return f"unreadable ({error})", None, None
        if not _well_formed(meta):
            return f"its index {self._meta.name} is malformed", None, None
        if meta["key"] != self.key or mm.dtype != np.uint8 or mm.shape != (self.n, *self.shape):
            return "", None, None
        stamp = _stamp(self.path)
        if stamp not in _VERIFIED and meta.get("checked") != list(stamp):
            sums, expected = block_sums(mm), np.array(meta["sums"], dtype=np.uint64)
            if sums.shape != expected.shape:
                return f"its index has {len(expected)} checksums for {len(sums)} blocks", None, None
            bad = np.flatnonzero(sums != expected)
            if bad.size:
                return (f"block {int(bad[0])} of its pixels does not match its checksum "
                        "(the file was changed after it was written)"), None, None
            _VERIFIED.add(stamp)
            self._record_checked(meta, stamp)
        return None, meta, mm

    def _record_checked(self, meta: dict, stamp: tuple) -> None:
        """Write the data file's stamp, as checked, into the index: a later process that finds
        the file with that stamp (so unwritten since: any write moves its ctime, which no
        program can set back) skips the checksum pass."""
        if time.time_ns() - stamp[-1] < _RACY_NS:
            return
        tmp = self._private_path("json")
        try:
            tmp.write_text(json.dumps({**meta, "checked": list(stamp)}))
            os.replace(tmp, self._meta)
        except OSError:  # a read-only cache folder: every process checks the file, as before
            tmp.unlink(missing_ok=True)

    def _private_path(self, ext: str) -> Path:
        """``<key>.<pid>-<random>.tmp.<ext>``: a file of this process only (the name that
        ``_remove_stale`` and ``_fill_alive`` read the owner's pid from)."""
        return self.directory / f"{self.key}.{os.getpid()}-{secrets.token_hex(4)}.tmp.{ext}"

    def _start_fill(self) -> None:
        self._tmp = self._private_path("npy")
        self._mm = np.lib.format.open_memmap(self._tmp, mode="w+", dtype=np.uint8,
                                             shape=(self.n, *self.shape))
        _reserve(self._tmp)
        self._filled = np.zeros(self.n, np.uint8)
        self._count = 0

    def _finish(self) -> None:
        self._mm.flush()
        meta = {"key": self.key, "n": self.n, "shape": list(self.shape),
                "bad": {str(k): v for k, v in sorted(self._bad.items())},
                "sums": [int(v) for v in block_sums(self._mm)]}
        tmp_meta = self._tmp.with_suffix(".json")
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, self._meta)
        os.replace(self._tmp, self.path)  # last: only now is the cache trusted
        self._tmp = None
        self._mm = np.load(self.path, mmap_mode="r")
        _VERIFIED.add(_stamp(self.path))  # this process wrote it: its sums are its own

    def _remove_stale(self) -> None:
        for tmp in self.directory.glob(f"{self.key}.*.tmp.*"):
            if _stale(tmp, tmp.name[len(self.key) + 1:].split("-", 1)[0]):
                self._unlink(tmp)
        others = sum(c.bytes for c in list_caches(self.directory) if c.key != self.key)
        if others > NOTE_BYTES:
            import warnings

            msg = (f"the other decoded-image caches in {self.directory} take {others / 2**30:.1f} "
                   "GiB (other image sizes or file lists); remove the unused ones with "
                   f"`toolkit cache clean {self.directory} --older-than DAYS` or "
                   "toolkit.data.cache.clean_caches")
            warnings.warn(msg, DataWarning, stacklevel=4)

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


# --- checksums ---------------------------------------------------------------------------------


def block_sums(images: np.ndarray) -> np.ndarray:
    """``block_sums(images) -> uint64 array``: the wrapping sum of each 512 KiB block's words.

    The bytes left over after the last whole 64-bit word are summed as one more entry.

    >>> a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4, 1)
    >>> b = a[::-1].copy()  # the same images in another order
    >>> same = bool((block_sums(a) == block_sums(a.copy())).all())
    >>> same, bool((block_sums(a) == block_sums(b)).all())
    (True, False)
    """
    flat = np.ascontiguousarray(images).reshape(-1)
    whole = flat.size // 8 * 8
    words = flat[:whole].view(np.uint64)
    blocks = -(-words.size // _BLOCK_WORDS)
    sums = np.zeros(blocks, np.uint64)
    threads = max(1, min(4, os.cpu_count() or 1, blocks // 8))
    bounds = np.linspace(0, blocks, threads + 1).astype(int)

    def part(k):  # numpy releases the GIL in reductions: the parts sum in parallel
        lo, hi = bounds[k], bounds[k + 1]
        chunk = words[lo * _BLOCK_WORDS : hi * _BLOCK_WORDS]
        starts = np.arange(0, chunk.size, _BLOCK_WORDS)
        sums[lo:hi] = np.add.reduceat(chunk, starts)

    if threads == 1:
        part(0) if blocks else None
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(part, range(threads)))
    tail = flat[whole:].astype(np.uint64).sum(dtype=np.uint64)
    return np.append(sums, tail).astype(np.uint64)


def _well_formed(meta) -> bool:
    if not isinstance(meta, dict) or not isinstance(meta.get("key"), str):
        return False
    bad, sums = meta.get("bad"), meta.get("sums")
    bad_ok = isinstance(bad, dict) and all(
        k.isdigit() and isinstance(v, str) for k, v in bad.items())
    return bad_ok and isinstance(sums, list) and all(
        isinstance(v, int) and 0 <= v < 2**64 for v in sums)


def _stamp(path: Path) -> tuple:
    """``(device, inode, size, mtime, ctime)``: which file it is, and what a write to it moves."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:  # a read-only cache folder: it is still used, just not dated
        pass


# --- listing and cleaning ----------------------------------------------------------------------


class CacheInfo:
    """``CacheInfo``: one cache on disk: ``key``, ``paths``, ``bytes``, ``used`` (a Unix time),
    ``complete`` (False for a fill that is in progress or was abandoned)."""

    def __init__(self, key: str, paths: list[Path], used: float, complete: bool):
        self.key, self.paths, self.used, self.complete = key, paths, used, complete
        self.bytes = sum(p.stat().st_size for p in paths if p.exists())

    def __repr__(self) -> str:
        state = "complete" if self.complete else "partial"
        return f"CacheInfo({self.key!r}, {self.bytes:,} bytes, {state})"


def list_caches(directory) -> list[CacheInfo]:
    """``list_caches(directory) -> [CacheInfo]``: the decoded-image caches in a folder, oldest
    first (by last use).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> cache = ImageCache(folder, "k1", 1, (2, 2, 1)); cache.put(0, np.zeros((2, 2, 1), np.uint8))
    >>> [(c.key, c.bytes > 0, c.complete) for c in list_caches(folder)]
    [('k1', True, True)]
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    groups: dict[str, list[Path]] = {}
    for path in directory.iterdir():
        key = path.name.split(".", 1)[0]
        if len(key) > 0 and path.suffix in (".npy", ".json") and path.is_file():
            groups.setdefault(key, []).append(path)
    out = []
    for key, paths in groups.items():
        complete = (directory / f"{key}.npy") in paths and (directory / f"{key}.json") in paths
        used = max(p.stat().st_mtime for p in paths)
        out.append(CacheInfo(key, sorted(paths), used, complete))
    return sorted(out, key=lambda c: c.used)


def clean_caches(directory, *, older_than: float | None = None, keep=()) -> list[CacheInfo]:
    """``clean_caches(directory, older_than=None, keep=()) -> [CacheInfo removed]``

    Removes the caches of a folder not used for ``older_than`` days (all of them by
    default), except the keys in ``keep``, and the temporary files of fills whose
    process is gone; a fill in progress is left alone.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> cache = ImageCache(folder, "k1", 1, (2, 2, 1)); cache.put(0, np.zeros((2, 2, 1), np.uint8))
    >>> [c.key for c in clean_caches(folder)], list_caches(folder)
    (['k1'], [])
    """
    limit = None if older_than is None else time.time() - float(older_than) * 86400
    removed = []
    for cache in list_caches(directory):
        if cache.key in keep or (limit is not None and cache.used > limit):
            continue
        if not cache.complete and any(_fill_alive(p) for p in cache.paths):
            continue
        ImageCache._unlink(*cache.paths)
        removed.append(cache)
    return removed


def _fill_alive(path: Path) -> bool:
    if ".tmp." not in path.name:
        return False
    return not _stale(path, path.name.split(".", 2)[1].split("-", 1)[0])
