"""toolkit.data.cache: fill, finish by rename, trust only complete files, survive crashes."""

from __future__ import annotations

import concurrent.futures as cf
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import toolkit.data.cache
from toolkit.data.cache import ImageCache, cache_key, default_cache_dir

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
        meta.write_text(json.dumps({"key": "other"}))
    else:
        meta.unlink()
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
