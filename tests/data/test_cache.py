"""toolkit.data.cache: fill, finish by rename, trust only complete files, survive crashes."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import toolkit.data.cache
import toolkit.data.cache as cache_module
from toolkit.data.cache import ImageCache, cache_key, default_cache_dir
from toolkit.errors import DataWarning

SHAPE = (5, 4, 3)
CACHE_PY = toolkit.data.cache.__file__


def image(i: int) -> np.ndarray:
    return np.full(SHAPE, i * 10 + 1, np.uint8)


def fill(cache: ImageCache, rows) -> None:
    for i in rows:
        cache.put(i, image(i))


def test_a_filled_cache_is_renamed_and_trusted_by_the_next_opener(tmp_path):
    cache = ImageCache(tmp_path, "k", 4, SHAPE)
    fill(cache, range(3))
    assert not cache.complete and cache.images is None
    assert not (tmp_path / "k.npy").exists()  # only a temporary file so far
    assert cache.get(1)[0, 0, 0] == 11 and cache.get(3) is None
    fill(cache, [3])
    assert cache.complete and (tmp_path / "k.npy").exists()
    assert not list(tmp_path.glob("*.tmp.*"))
    again = ImageCache(tmp_path, "k", 4, SHAPE)
    assert again.complete
    assert [int(again.get(i)[0, 0, 0]) for i in range(4)] == [1, 11, 21, 31]
    assert not again.images.flags.writeable  # a reader cannot damage the cache


def test_get_returns_a_copy(tmp_path):
    cache = ImageCache(tmp_path, "k", 1, SHAPE)
    fill(cache, [0])
    got = cache.get(0)
    got[:] = 0
    assert cache.get(0)[0, 0, 0] == 1


def test_bad_rows_count_as_filled_and_are_remembered(tmp_path):
    cache = ImageCache(tmp_path, "k", 2, SHAPE)
    fill(cache, [0])
    cache.put_bad(1, "truncated JPEG")
    assert cache.complete
    again = ImageCache(tmp_path, "k", 2, SHAPE)
    assert again.bad == {1: "truncated JPEG"} and again.get(1) is None


def test_an_unfinished_cache_of_another_opener_is_never_trusted(tmp_path):
    first = ImageCache(tmp_path, "k", 4, SHAPE)
    fill(first, range(2))
    second = ImageCache(tmp_path, "k", 4, SHAPE)
    assert not second.complete and second.get(0) is None


def test_a_crash_mid_fill_leaves_nothing_trusted(tmp_path):
    script = textwrap.dedent(f"""
        import importlib.util, os, numpy as np
        # cache.py needs only numpy: load it alone, not the whole toolkit, to keep this quick
        spec = importlib.util.spec_from_file_location("cache", {CACHE_PY!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        ImageCache = module.ImageCache
        cache = ImageCache({str(tmp_path)!r}, "k", 4, {SHAPE!r})
        for i in range(3):
            cache.put(i, np.full({SHAPE!r}, 9, np.uint8))
        os._exit(1)  # dies before the fourth row: no cleanup, no rename
    """)
    subprocess.run([sys.executable, "-c", script], check=False)
    assert list(tmp_path.glob("k.*.tmp.npy")), "the crashed process should leave its temporary file"
    cache = ImageCache(tmp_path, "k", 4, SHAPE)
    assert not cache.complete and all(cache.get(i) is None for i in range(4))
    assert len(list(tmp_path.glob("k.*.tmp.npy"))) == 1  # the stale one was removed, ours remains


@pytest.mark.parametrize("damage", ["truncate", "shape", "key", "no-json"])
def test_a_damaged_or_mismatched_final_file_is_rebuilt(tmp_path, damage):
    cache = ImageCache(tmp_path, "k", 3, SHAPE)
    fill(cache, range(3))
    del cache
    npy, meta = tmp_path / "k.npy", tmp_path / "k.json"
    if damage == "truncate":
        npy.write_bytes(npy.read_bytes()[:-10])
    elif damage == "shape":
        np.save(npy, np.zeros((3, 2, 2, 3), np.uint8))
    elif damage == "key":
        meta.write_text(json.dumps({**json.loads(meta.read_text()), "key": "other"}))
    else:
        meta.unlink()
    if damage == "truncate":
        with pytest.warns(DataWarning, match="unreadable.*rebuilding it"):
            again = ImageCache(tmp_path, "k", 3, SHAPE)
    else:
        again = ImageCache(tmp_path, "k", 3, SHAPE)
    assert not again.complete and again.get(0) is None
    fill(again, range(3))
    assert ImageCache(tmp_path, "k", 3, SHAPE).complete


def test_threads_filling_at_once_complete_it_exactly_once(tmp_path):
    n = 200
    cache = ImageCache(tmp_path, "k", n, SHAPE)
    with cf.ThreadPoolExecutor(8) as pool:  # every row put twice, from different threads
        list(pool.map(lambda i: cache.put(i % n, np.full(SHAPE, i % n % 256, np.uint8)),
                      range(2 * n)))
    assert cache.complete
    assert [int(cache.images[i, 0, 0, 0]) for i in range(n)] == [i % 256 for i in range(n)]


def test_the_key_changes_with_every_part():
    base = ("/root", ["a.png", "b.png"], [10, 20], [1, 2], {"image_size": [8, 8], "color": "rgb"})
    key = cache_key(*base)
    assert key == cache_key(*base)
    changed = [
        ("/other", *base[1:]),
        (base[0], ["a.png", "c.png"], *base[2:]),
        (*base[:2], [10, 21], *base[3:]),
        (*base[:3], [1, 3], base[4]),
        (*base[:4], {"image_size": [9, 8], "color": "rgb"}),
        (*base[:4], {"image_size": [8, 8], "color": "gray"}),
    ]
    assert len({key, *(cache_key(*c) for c in changed)}) == len(changed) + 1


def test_default_cache_dir_is_inside_a_writable_root(tmp_path):
    assert default_cache_dir(tmp_path) == tmp_path / ".toolkit-cache"


def test_repr_says_how_full_it_is(tmp_path):
    cache = ImageCache(tmp_path, "k", 2, SHAPE)
    fill(cache, [0])
    assert "1/2 filled" in repr(cache)
    fill(cache, [1])
    assert "complete" in repr(cache)


def _filled_cache(tmp_path, n=3):
    cache = ImageCache(tmp_path, "k", n, SHAPE)
    for i in range(n):
        cache.put(i, np.full(SHAPE, 10 * i + 1, np.uint8))
    return tmp_path / "k.npy"


def _reopen_in_a_new_process():
    cache_module._VERIFIED.clear()  # what a new process starts with


@pytest.mark.parametrize("overwrite", ["other pixels", "same images reordered"])
def test_a_data_file_overwritten_at_the_same_size_is_found_and_rebuilt(tmp_path, overwrite):
    npy = _filled_cache(tmp_path)
    pixels = np.load(npy)
    size = npy.stat().st_size
    np.save(npy, pixels + 1 if overwrite == "other pixels" else pixels[::-1].copy())
    assert npy.stat().st_size == size
    _reopen_in_a_new_process()
    with pytest.warns(DataWarning, match="does not match its checksum.*rebuilding it"):
        again = ImageCache(tmp_path, "k", 3, SHAPE)
    assert not again.complete and again.get(0) is None


def test_an_intact_cache_reopened_is_trusted_without_a_warning(tmp_path):
    _filled_cache(tmp_path)
    _reopen_in_a_new_process()
    again = ImageCache(tmp_path, "k", 3, SHAPE)
    assert again.complete and int(again.get(2)[0, 0, 0]) == 21


def _count_checksum_passes(monkeypatch) -> list:
    passes = []
    real = cache_module.block_sums
    monkeypatch.setattr(cache_module, "block_sums", lambda a: passes.append(1) or real(a))
    return passes


def test_a_checked_file_unwritten_since_is_trusted_by_later_processes_without_a_pass(
        tmp_path, monkeypatch):
    _filled_cache(tmp_path)
    monkeypatch.setattr(cache_module, "_RACY_NS", 0)  # as if written long ago
    passes = _count_checksum_passes(monkeypatch)
    _reopen_in_a_new_process()
    assert ImageCache(tmp_path, "k", 3, SHAPE).complete and passes == [1]  # checked, recorded
    assert "checked" in json.loads((tmp_path / "k.json").read_text())
    for _ in range(2):
        _reopen_in_a_new_process()
        again = ImageCache(tmp_path, "k", 3, SHAPE)
        assert again.complete and int(again.get(2)[0, 0, 0]) == 21
    assert passes == [1]
    assert not list(tmp_path.glob("*.tmp*"))


def test_a_just_written_file_is_checked_again_by_the_next_process(tmp_path, monkeypatch):
    _filled_cache(tmp_path)  # its ctime is now: a write in the same clock tick could hide
    passes = _count_checksum_passes(monkeypatch)
    for _ in range(2):
        _reopen_in_a_new_process()
        assert ImageCache(tmp_path, "k", 3, SHAPE).complete
    assert passes == [1, 1]
    assert "checked" not in json.loads((tmp_path / "k.json").read_text())


def test_a_checked_file_overwritten_with_its_old_mtime_is_still_found(tmp_path, monkeypatch):
    npy = _filled_cache(tmp_path)
    monkeypatch.setattr(cache_module, "_RACY_NS", 0)
    _reopen_in_a_new_process()
    ImageCache(tmp_path, "k", 3, SHAPE)  # checked and recorded
    before = npy.stat()
    with open(npy, "r+b") as f:  # other pixels in place, the size kept
        f.seek(before.st_size - 8)
        f.write(b"\x07" * 8)
    os.utime(npy, ns=(before.st_atime_ns, before.st_mtime_ns))  # the mtime put back
    assert npy.stat().st_mtime_ns == before.st_mtime_ns
    _reopen_in_a_new_process()
    with pytest.warns(DataWarning, match="does not match its checksum.*rebuilding it"):
        again = ImageCache(tmp_path, "k", 3, SHAPE)
    assert not again.complete


@pytest.mark.parametrize(
    "index",
    ["[1, 2]", "{not json", '{"key": "k", "bad": [], "sums": []}', '{"key": "k", "bad": {}}',
     '{"key": "k", "bad": {"x": 1}, "sums": [1]}', '{"key": "k", "bad": {}, "sums": [-1]}'],
)
def test_a_malformed_index_is_reported_and_rebuilt(tmp_path, index):
    _filled_cache(tmp_path)
    (tmp_path / "k.json").write_text(index)
    with pytest.warns(DataWarning, match="k.json is malformed|unreadable"):
        again = ImageCache(tmp_path, "k", 3, SHAPE)
    assert not again.complete
    fill(again, range(3))
    assert ImageCache(tmp_path, "k", 3, SHAPE).complete


def test_stale_caches_are_listed_and_cleaned(tmp_path):
    for key in ("old", "new"):
        cache = ImageCache(tmp_path, key, 2, SHAPE)
        fill(cache, range(2))
    os.utime(tmp_path / "old.json", (0, 0))
    os.utime(tmp_path / "old.npy", (0, 0))
    assert [c.key for c in cache_module.list_caches(tmp_path)] == ["old", "new"]
    removed = cache_module.clean_caches(tmp_path, older_than=1)
    assert [c.key for c in removed] == ["old"]
    assert [c.key for c in cache_module.list_caches(tmp_path)] == ["new"]
    assert cache_module.clean_caches(tmp_path, keep={"new"}) == []


def test_a_new_cache_notes_when_the_others_are_large(tmp_path, monkeypatch):
    fill(ImageCache(tmp_path, "old", 2, SHAPE), range(2))
    monkeypatch.setattr(cache_module, "NOTE_BYTES", 10)
    with pytest.warns(DataWarning, match="other decoded-image caches .*toolkit cache clean"):
        ImageCache(tmp_path, "another", 2, SHAPE)
