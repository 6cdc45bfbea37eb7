"""tk.ImageFolder: listing, labels, manifest CSV, formats, bad files, verify, cache, splits."""

from __future__ import annotations

import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import cv2
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import toolkit as tk
from toolkit.errors import BadFileError, DataError, TableError, ToolkitError

FORMATS = ["a.jpg", "b.JPEG", "c.png", "d.BMP", "e.gif", "f.tif", "g.TIFF", "h.webp"]


def smooth(h: int, w: int, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 4)


def write(path: Path, image: np.ndarray | None = None, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = smooth(24 + seed % 5, 32, seed) if image is None else image
    ok, buf = cv2.imencode(path.suffix.lower(), image)
    assert ok
    buf.tofile(path)
    return path


def folder(root: Path, layout: dict[str, int]) -> Path:
    """``{"cat": 3, "dog": 2}``: that many PNGs in each class folder."""
    for name, n in layout.items():
        for k in range(n):
            write(root / name / f"{k:03d}.png", seed=hash((name, k)) % 1000)
    return root


# --- the bundled digits -------------------------------------------------------------------------


def test_digits_folder(digits_dir):
    ds = tk.ImageFolder(digits_dir, (8, 8), color="gray")
    assert len(ds) == 1797 and ds.classes == tuple(str(d) for d in range(10))
    assert ds.kind == "image" and ds.image_shape == (8, 8, 1)
    image, label = ds[1000]
    assert image.shape == (8, 8, 1) and image.dtype == np.uint8 and label == ds.targets[1000]
    keys = ds.keys()
    assert keys[0] == "0/0000.png" and all("/" in k and "\\" not in k for k in keys)
    assert ds.targets.dtype == np.int64 and np.bincount(ds.targets).min() >= 170
    m = ds.manifest
    assert {"path", "label", "class", "bytes", "status"} <= set(m.columns)
    assert m["bytes"].min() > 0 and m["class"][1000] == str(ds.targets[1000])


def test_repr_is_informative(digits_dir):
    ds = tk.ImageFolder(digits_dir, 16, color="gray")
    text = repr(ds)
    for part in ["digits", "1797 images", "10 classes", "(16, 16)", "'gray'", "skipped 0",
                 "cache off"]:
        assert part in text
    page = ds._repr_html_()
    assert "1797 images" in page and "0/0000.png" in page and "<table" in page


# --- listing ------------------------------------------------------------------------------------


def test_every_format_is_found_case_insensitively_and_other_files_are_listed(tmp_path):
    for k, name in enumerate(FORMATS):
        write(tmp_path / "x" / name, seed=k)
    (tmp_path / "x" / "notes.txt").write_text("hi")
    (tmp_path / "x" / "Makefile").write_text("hi")
    (tmp_path / "x" / ".DS_Store").write_bytes(b"\0\0")
    (tmp_path / "README.md").write_text("top-level file")
    (tmp_path / ".git").mkdir()
    ds = tk.ImageFolder(tmp_path, (12, 12))
    assert sorted(ds.keys()) == sorted(f"x/{n}" for n in FORMATS)
    reasons = dict(ds.skipped.rows())
    assert set(reasons) == {"x/notes.txt", "x/Makefile", "x/.DS_Store", "README.md", ".git"}
    assert "'.txt'" in reasons["x/notes.txt"] and "no extension" in reasons["x/Makefile"]
    assert "class folder" in reasons["README.md"] and "hidden" in reasons[".git"]
    assert ds.counts == {"found": 13, "loaded": 8, "skipped": 5}
    assert ds.bad_files.is_empty()
    for i in range(len(ds)):
        assert ds[i][0].shape == (12, 12, 3)


def test_files_deeper_down_belong_to_their_top_folder(tmp_path):
    write(tmp_path / "cat" / "a" / "b" / "deep.png")
    write(tmp_path / "dog" / "x.png")
    ds = tk.ImageFolder(tmp_path, 8)
    assert ds.keys() == ["cat/a/b/deep.png", "dog/x.png"] and ds.targets.tolist() == [0, 1]


@pytest.fixture
def fast_tmp(tmp_path):
    """A folder in memory (tmpfs) where there is one: creating 20,000 files on a busy disk
    takes longer than the listing under test."""
    if not os.path.isdir("/dev/shm") or not os.access("/dev/shm", os.W_OK):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(dir="/dev/shm", prefix="toolkit-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_listing_20000_files_reads_and_decodes_none_of_them(fast_tmp, monkeypatch):
    for c in range(4):
        (fast_tmp / f"c{c}").mkdir()
        for k in range(5000):
            fd = os.open(fast_tmp / f"c{c}" / f"{k:05d}.jpg", os.O_WRONLY | os.O_CREAT)
            os.write(fd, b"x")
            os.close(fd)
    import toolkit.data.images as images

    def refuse(*args, **kwargs):
        raise AssertionError("listing a folder decoded an image")

    monkeypatch.setattr(images, "decode_image", refuse)
    ds = tk.ImageFolder(fast_tmp, 32, on_error="skip")
    assert len(ds) == 20000  # the speed of listing is measured in benchmarks/, not here
    assert (ds.manifest["status"] == "unchecked").all()


def test_symbolic_links_are_followed_and_loops_reported(tmp_path):
    write(tmp_path / "cat" / "a.png")
    (tmp_path / "cat" / "loop").symlink_to(tmp_path / "cat")
    (tmp_path / "cat" / "gone.png").symlink_to(tmp_path / "nowhere.png")
    ds = tk.ImageFolder(tmp_path, 8, on_error="skip")
    reasons = dict(ds.skipped.rows())
    assert ds.keys() == ["cat/a.png"]  # listed once, not again through the loop
    assert "broken symbolic link" in reasons["cat/gone.png"]
    assert "loop" in reasons["cat/loop/"]


# --- labels -------------------------------------------------------------------------------------


def test_classes_fix_the_order_and_other_folders_are_skipped_with_the_reason(tmp_path):
    folder(tmp_path, {"cat": 2, "dog": 3, "bird": 1})
    ds = tk.ImageFolder(tmp_path, 8, classes=["dog", "cat"])
    assert ds.classes == ("dog", "cat") and ds.targets.tolist() == [0, 0, 0, 1, 1]
    assert ds.skipped["path"].to_list() == ["bird/000.png"]
    assert "not in classes=" in ds.skipped["reason"][0]
    assert ds.counts == {"found": 6, "loaded": 5, "skipped": 1}


def test_a_class_without_a_folder_is_an_error_listing_the_folders(tmp_path):
    folder(tmp_path, {"cat": 1, "dog": 1})
    with pytest.raises(DataError, match=r"\['cow'\].*\['cat', 'dog'\]"):
        tk.ImageFolder(tmp_path, 8, classes=["cat", "cow"])


def test_no_labels_takes_every_image(tmp_path):
    write(tmp_path / "a.png")
    write(tmp_path / "sub" / "b.jpg")
    ds = tk.ImageFolder(tmp_path, 8, labels=None)
    assert ds.keys() == ["a.png", "sub/b.jpg"] and ds.targets is None and ds.classes is None
    assert ds[0][1] is None and ds.manifest["label"].is_null().all()
    with pytest.raises(DataError, match="needs labels"):
        tk.ImageFolder(tmp_path, 8, labels=None, classes=["a"])


def manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_labels_from_a_manifest(tmp_path):
    for name in ["img/a.png", "img/b.png", "img/c.png", "img/unlisted.png"]:
        write(tmp_path / name)
    csv = manifest(tmp_path, """
        path,label,note
        img/a.png,dog,x
        img/b.png,cat,y
        img/c.png,dog,z
        """)
    ds = tk.ImageFolder(tmp_path, 8, labels=csv)
    assert ds.classes == ("cat", "dog")
    assert dict(zip(ds.keys(), ds.targets.tolist(), strict=True)) == {
        "img/a.png": 1, "img/b.png": 0, "img/c.png": 1}
    ordered = tk.ImageFolder(tmp_path, 8, labels=str(csv), classes=["dog", "cat"])
    assert ordered.classes == ("dog", "cat") and ordered[ordered.keys().index("img/b.png")][1] == 1


def test_integer_labels_in_a_manifest(tmp_path):
    write(tmp_path / "a.png")
    write(tmp_path / "b.png")
    ds = tk.ImageFolder(tmp_path, 8, labels=manifest(tmp_path, "path,label\na.png,7\nb.png,3\n"))
    assert ds.classes == (3, 7) and ds.targets.tolist() == [0, 1]


@pytest.mark.parametrize(
    ("text", "match"),
    [("path,label\na.png,1\nb.png,2,3\n", "line 3: expected 2 fields"),
     ("path,label\na.png,1\nb.png,\n", r"line 3, column 'label': empty label"),
     ("path,label\n,1\n", r"line 2, column 'path': empty path"),
     ("file,label\na.png,1\n", r"line 1: .*missing \['path'\]"),
     ("path,label\na.png,1\n./a.png,2\n", r"line 3.*listed twice \(also on line 2\)"),
     ("path,label\n../a.png,1\n", r"line 2.*stay inside"),
     ("path,label\n/etc/a.png,1\n", r"line 2.*relative")],
)
def test_bad_manifest_rows_are_named_by_line(tmp_path, text, match):
    write(tmp_path / "a.png")
    write(tmp_path / "b.png")
    with pytest.raises(TableError, match=match):
        tk.ImageFolder(tmp_path, 8, labels=manifest(tmp_path, text))


def test_a_manifest_label_outside_classes_is_named_by_line(tmp_path):
    write(tmp_path / "a.png")
    csv = manifest(tmp_path, "path,label\na.png,cow\n")
    with pytest.raises(TableError, match=r"line 2.*'cow' is not among classes"):
        tk.ImageFolder(tmp_path, 8, labels=csv, classes=["cat"])


def test_a_missing_manifest_file_follows_on_error(tmp_path):
    write(tmp_path / "a.png")
    csv = manifest(tmp_path, "path,label\na.png,x\nmissing.png,y\n")
    with pytest.raises(BadFileError, match=r"missing\.png: unreadable.*manifest line 3"):
        tk.ImageFolder(tmp_path, 8, labels=csv)
    ds = tk.ImageFolder(tmp_path, 8, labels=csv, on_error="skip")
    assert ds.keys() == ["a.png"] and ds.bad_files["path"].to_list() == ["missing.png"]


# --- colours ------------------------------------------------------------------------------------


def test_grey_rgba_and_16_bit_files_convert_to_the_requested_colour(tmp_path):
    write(tmp_path / "c" / "grey.png", np.full((10, 10), 90, np.uint8))
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 1], rgba[..., 3] = 200, 255
    write(tmp_path / "c" / "rgba.png", rgba)
    write(tmp_path / "c" / "deep.png", np.full((10, 10), 150 * 256 + 77, np.uint16))
    for color, channels in [("rgb", 3), ("gray", 1), ("rgba", 4)]:
        ds = tk.ImageFolder(tmp_path, 10, color=color)
        images = {k: ds.load_image(i) for i, k in enumerate(ds.keys())}
        assert all(im.shape == (10, 10, channels) and im.dtype == np.uint8
                   for im in images.values())
        assert (images["c/grey.png"][..., :min(channels, 3)] == 90).all()
        assert (images["c/deep.png"][..., :min(channels, 3)] == 150).all()
    rgb = tk.ImageFolder(tmp_path, 10).load_image(2)
    assert rgb[0, 0].tolist() == [0, 200, 0]


def test_crop_and_pad_options_reach_the_decoder(tmp_path):
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 20:40] = 255
    write(tmp_path / "c" / "wide.png", wide)
    assert (tk.ImageFolder(tmp_path, 10, crop_to_aspect_ratio=True)[0][0] == 255).all()
    padded = tk.ImageFolder(tmp_path, 30, pad_to_aspect_ratio=True)[0][0]
    assert (padded[:10] == 0).all() and (padded[12:18, 12:18] == 255).all()
    with pytest.raises(DataError, match="choose one"):
        tk.ImageFolder(tmp_path, 8, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


# --- bad files ----------------------------------------------------------------------------------


def bad_folder(root: Path) -> dict[str, str]:
    """Good images plus one of each kind of bad file; returns {path: expected reason}."""
    for k in range(4):
        write(root / "ok" / f"{k}.jpg", seed=k)
    jpg = cv2.imencode(".jpg", smooth(80, 80))[1].ravel()
    png = cv2.imencode(".png", smooth(40, 40))[1].ravel().copy()
    (root / "bad").mkdir()
    (root / "bad" / "empty.png").write_bytes(b"")
    jpg[: jpg.size // 2].tofile(root / "bad" / "truncated.jpg")
    png[:-30].tofile(root / "bad" / "truncated.png")
    png[60:-20] ^= 0x33
    png.tofile(root / "bad" / "corrupt.png")
    (root / "bad" / "text.jpg").write_text("this is not an image")
    return {"bad/empty.png": "empty file", "bad/truncated.jpg": "truncated JPEG",
            "bad/truncated.png": "truncated PNG", "bad/corrupt.png": "corrupt PNG",
            "bad/text.jpg": "not an image"}


def test_raise_names_the_file_and_the_reason(tmp_path):
    bad_folder(tmp_path)
    with pytest.raises(BadFileError, match=r"bad/empty\.png: empty file"):
        tk.ImageFolder(tmp_path, 8)  # empty files are seen while listing
    (tmp_path / "bad" / "empty.png").unlink()
    ds = tk.ImageFolder(tmp_path, 8)
    i = ds.keys().index("bad/truncated.jpg")
    with pytest.raises(BadFileError, match=r"truncated\.jpg: truncated JPEG") as info:
        ds[i]
    assert info.value.path.endswith("truncated.jpg")
    with pytest.raises(BadFileError, match=r"bad files.*on_error='skip'"):
        ds.verify()


def test_skip_lists_every_bad_file_and_the_counts_add_up(tmp_path):
    expected = bad_folder(tmp_path)
    ds = tk.ImageFolder(tmp_path, 8, on_error="skip")
    assert len(ds) == 8 and ds.bad_files["path"].to_list() == ["bad/empty.png"]
    report = ds.verify()
    reasons = dict(report.rows())
    assert set(reasons) == set(expected)
    for path, reason in expected.items():
        assert reason in reasons[path], (path, reasons[path])
    assert len(ds) == 4 and sorted(ds.keys()) == [f"ok/{k}.jpg" for k in range(4)]
    assert (ds.manifest["status"] == "ok").all() and ds.manifest.height == 4
    assert ds.counts == {"found": 9, "loaded": 4, "skipped": 5}


def test_a_bad_file_found_mid_epoch_keeps_its_index_until_verify(tmp_path):
    bad_folder(tmp_path)
    ds = tk.ImageFolder(tmp_path, 8, on_error="skip")
    i = ds.keys().index("bad/corrupt.png")
    with pytest.raises(BadFileError, match="corrupt PNG"):
        ds.load_image(i)
    with pytest.raises(BadFileError, match="corrupt PNG"):  # remembered, not decoded again
        ds.load_image(i)
    assert len(ds) == 8 and "bad/corrupt.png" in ds.bad_files["path"].to_list()
    c = ds.counts
    assert c["found"] == c["loaded"] + c["skipped"] == 9 and c["skipped"] == 2
    assert ds.manifest.filter(pl.col("path") == "bad/corrupt.png")["status"][0] == "bad"


def test_the_loader_finishes_an_epoch_over_bad_files(tmp_path):
    bad_folder(tmp_path)
    ds = tk.ImageFolder(tmp_path, 8, on_error="skip")
    batches = list(tk.DataLoader(ds, 3, workers=2))
    assert sum(len(x) for x, _ in batches) == 4
    assert len(ds.bad_files) == 5


def test_a_file_that_vanishes_after_listing_is_unreadable(tmp_path):
    folder(tmp_path, {"cat": 2})
    ds = tk.ImageFolder(tmp_path, 8, on_error="skip")
    (tmp_path / "cat" / "001.png").unlink()
    with pytest.raises(BadFileError, match="unreadable: file not found"):
        ds.load_image(1)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a non-root POSIX user for permissions to bite")
def test_a_file_without_read_permission_is_unreadable(tmp_path):
    path = write(tmp_path / "cat" / "locked.png")
    path.chmod(0)
    try:
        with pytest.raises(BadFileError, match="permission denied"):
            tk.ImageFolder(tmp_path, 8).load_image(0)
    finally:
        path.chmod(0o644)


def test_a_directory_named_like_an_image_in_a_manifest_is_unreadable(tmp_path):
    (tmp_path / "fake.png").mkdir()
    (tmp_path / "fake.png" / "x").write_text("x")
    ds = tk.ImageFolder(tmp_path, 8, labels=manifest(tmp_path, "path,label\nfake.png,a\n"),
                        on_error="skip")
    with pytest.raises(BadFileError, match="unreadable"):
        ds.load_image(0)


# --- threads ------------------------------------------------------------------------------------


def test_load_image_from_many_threads_matches_serial(tmp_path):
    folder(tmp_path, {"a": 12, "b": 12})
    ds = tk.ImageFolder(tmp_path, 16)
    serial = [ds.load_image(i) for i in range(len(ds))]
    with cf.ThreadPoolExecutor(6) as pool:
        threaded = list(pool.map(ds.load_image, list(range(len(ds))) * 2))
    assert all((a == b).all() for a, b in zip(serial * 2, threaded, strict=True))


# --- the cache ----------------------------------------------------------------------------------


def test_the_cache_fills_during_the_first_epoch_and_serves_the_same_pixels(tmp_path):
    root = folder(tmp_path / "data", {"a": 5, "b": 4})
    plain = tk.ImageFolder(root, 12)
    ds = tk.ImageFolder(root, 12, cache=tmp_path / "cache")
    assert ds.cached_images() is None and "filling" in repr(ds)
    for i in range(len(ds)):
        assert (ds.load_image(i) == plain.load_image(i)).all()
    images = ds.cached_images()
    assert images.shape == (9, 12, 12, 3) and "complete" in repr(ds)
    assert all((images[i] == plain.load_image(i)).all() for i in range(9))
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1


def test_a_complete_cache_is_used_by_the_next_folder_without_decoding(tmp_path):
    root = folder(tmp_path / "data", {"a": 3})
    first = tk.ImageFolder(root, 12, cache=tmp_path / "cache")
    expected = [first.load_image(i) for i in range(3)]
    # same size and mtime but other pixels: only a cache hit can still give the old pixels
    victim = root / "a" / "001.png"
    st = victim.stat()
    other = write(tmp_path / "other.png", smooth(24, 32, seed=99))
    data = other.read_bytes()
    victim.write_bytes((data + b"\0" * st.st_size)[: st.st_size])
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = tk.ImageFolder(root, 12, cache=tmp_path / "cache")
    assert again.cache.complete and (again.manifest["status"] == "ok").all()
    assert (again.load_image(1) == expected[1]).all()


def test_changing_a_file_or_a_setting_gives_another_cache(tmp_path):
    root = folder(tmp_path / "data", {"a": 3})
    ds = tk.ImageFolder(root, 12, cache=tmp_path / "cache")
    ds.verify()
    assert ds.cache.complete
    os.utime(root / "a" / "000.png", ns=(1, 10**18))
    touched = tk.ImageFolder(root, 12, cache=tmp_path / "cache")
    assert not touched.cache.complete and touched.cache.key != ds.cache.key
    resized = tk.ImageFolder(root, 14, cache=tmp_path / "cache")
    grey = tk.ImageFolder(root, 12, color="gray", cache=tmp_path / "cache")
    assert len({ds.cache.key, touched.cache.key, resized.cache.key, grey.cache.key}) == 4
    write(root / "a" / "new.png")
    assert tk.ImageFolder(root, 12, cache=tmp_path / "cache").cache.key != ds.cache.key


def test_a_crash_mid_fill_is_not_trusted_on_reopening(tmp_path):
    root = folder(tmp_path / "data", {"a": 4})
    script = textwrap.dedent(f"""
        import os, toolkit as tk
        ds = tk.ImageFolder({str(root)!r}, 12, cache={str(tmp_path / "cache")!r})
        for i in range(2):
            ds.load_image(i)
        os._exit(1)
    """)
    subprocess.run([sys.executable, "-c", script], check=False)
    ds = tk.ImageFolder(root, 12, cache=tmp_path / "cache")
    assert not ds.cache.complete and ds.cached_images() is None
    assert (ds.manifest["status"] == "unchecked").all()
    ds.verify()
    assert ds.cache.complete


def test_cache_true_uses_a_folder_in_the_root_that_the_scan_ignores(tmp_path):
    folder(tmp_path, {"a": 2})
    ds = tk.ImageFolder(tmp_path, 8, cache=True)
    ds.verify()
    assert ds.cache.path.parent == tmp_path / ".toolkit-cache"
    again = tk.ImageFolder(tmp_path, 8, cache=True)
    assert again.skipped.is_empty() and again.cache.complete


def test_subsets_share_the_cache_and_read_it_in_their_order(tmp_path):
    root = folder(tmp_path / "data", {"a": 6, "b": 6})
    ds = tk.ImageFolder(root, 10, cache=tmp_path / "cache")
    train, val = ds.split(0.5, seed=3)
    assert train.cache is ds.cache
    for part in (train, val):
        part.verify()
    assert ds.cache.complete and ds.cached_images() is ds.cache.images
    rows = val.cached_images()
    assert rows.shape == (len(val), 10, 10, 3)
    picks = np.array([len(val) - 1, 0])
    assert (rows[picks] == np.stack([val.load_image(int(i)) for i in picks])).all()
    assert (val.cache.images[val.cache_rows] == rows[np.arange(len(val))]).all()


def test_a_complete_cache_remembers_bad_files(tmp_path):
    bad_folder(tmp_path / "data")
    (tmp_path / "data" / "bad" / "empty.png").unlink()
    cache = tmp_path / "cache"
    first = tk.ImageFolder(tmp_path / "data", 8, on_error="skip", cache=cache)
    assert first.cached_images() is None
    first.verify()
    assert first.cache.complete and first.cached_images() is not None
    again = tk.ImageFolder(tmp_path / "data", 8, on_error="skip", cache=cache)
    assert len(again) == 4 and len(again.bad_files) == 4
    assert again.counts == {"found": 8, "loaded": 4, "skipped": 4}
    with pytest.raises(BadFileError, match="remembered by the cache"):
        tk.ImageFolder(tmp_path / "data", 8, cache=cache)


def test_the_cached_epoch_of_the_loader_equals_the_decoded_epoch(tmp_path):
    root = folder(tmp_path / "data", {"a": 7, "b": 6})
    ds = tk.ImageFolder(root, 10, cache=tmp_path / "cache")
    loader = tk.DataLoader(ds, 4, shuffle=True, seed=2, workers=2)
    first = [x for x, _ in loader.iter_epoch(0)]
    assert ds.cached_images() is not None
    second = [x for x, _ in loader.iter_epoch(0)]
    assert all((a == b).all() for a, b in zip(first, second, strict=True))


# --- splits -------------------------------------------------------------------------------------


def test_split_is_stable_when_files_are_added_and_never_overlaps(tmp_path):
    folder(tmp_path, {"a": 20, "b": 20})
    train, val = tk.ImageFolder(tmp_path, 8).split(0.75, stratify=True, seed=5)
    assert not set(train.keys()) & set(val.keys())
    assert len(train) + len(val) == 40
    for k in range(20, 30):
        write(tmp_path / "a" / f"{k:03d}.png", seed=k)
    train2, val2 = tk.ImageFolder(tmp_path, 8).split(0.75, stratify=True, seed=5)
    assert set(train.keys()) <= set(train2.keys()) and set(val.keys()) <= set(val2.keys())
    assert not set(train2.keys()) & set(val2.keys())
    assert train.targets.tolist() == [0 if k.startswith("a/") else 1 for k in train.keys()]


def test_kfolds_cover_every_item_once(tmp_path):
    folder(tmp_path, {"a": 9, "b": 6})
    folds = tk.ImageFolder(tmp_path, 8).kfolds(3, stratify=True, seed=1)
    seen = [k for _, val in folds for k in val.keys()]
    assert sorted(seen) == sorted(tk.ImageFolder(tmp_path, 8).keys())


# --- arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"colour": "rgb"}, ToolkitError, "did you mean 'color'"),
     ({"on_error": "ignore"}, DataError, "raise, skip"),
     ({"color": "grayscale"}, DataError, "gray"),
     ({"labels": "folders"}, DataError, "inferred"),
     ({"labels": "nope.csv"}, DataError, "no such manifest"),
     ({"cache": 1}, DataError, "folder path")],
)
def test_bad_arguments_are_refused_listing_the_valid_ones(tmp_path, kwargs, error, match):
    folder(tmp_path, {"a": 1})
    with pytest.raises(error, match=match):
        tk.ImageFolder(tmp_path, 8, **kwargs)


def test_a_missing_root_is_refused(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        tk.ImageFolder(tmp_path / "nope", 8)


def test_indexing_checks_its_bounds(tmp_path):
    folder(tmp_path, {"a": 2})
    ds = tk.ImageFolder(tmp_path, 8)
    assert (ds[-1][0] == ds[1][0]).all()
    with pytest.raises(IndexError, match="out of range"):
        ds[2]
    assert len(list(ds)) == 2


def test_a_folder_without_images_is_refused_saying_what_was_there(tmp_path):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "notes.txt").write_text("x")
    with pytest.raises(DataError, match=r"found no images.*cat/notes\.txt"):
        tk.ImageFolder(tmp_path, 8)


def test_a_cache_folder_that_cannot_be_made_is_a_clear_error(tmp_path):
    folder(tmp_path / "data", {"a": 1})
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(DataError, match=r"cannot make the decoded-image cache.*cache=False"):
        tk.ImageFolder(tmp_path / "data", 8, cache=tmp_path / "file" / "cache")


def test_a_file_that_changed_since_listing_is_read_whole(tmp_path):
    write(tmp_path / "a" / "x.png", smooth(10, 10))
    ds = tk.ImageFolder(tmp_path, 8)
    write(tmp_path / "a" / "x.png", smooth(300, 300, seed=5))  # far larger now
    assert ds.load_image(0).shape == (8, 8, 3)
    (tmp_path / "a" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # and now cut short
    ds2 = tk.ImageFolder(tmp_path, 8)
    write(tmp_path / "a" / "x.png", smooth(300, 300, seed=5))
    assert ds2.load_image(0).shape == (8, 8, 3)


KINDS = {
    "good.png": lambda: cv2.imencode(".png", smooth(12, 12))[1].tobytes(),
    "good.jpg": lambda: cv2.imencode(".jpg", smooth(40, 40))[1].tobytes(),
    "empty.png": lambda: b"",
    "text.jpg": lambda: b"not an image at all",
    "cut.jpg": lambda: cv2.imencode(".jpg", smooth(40, 40))[1].tobytes()[:300],
    "notes.txt": lambda: b"hello",
}


@settings(max_examples=12, deadline=None)
@given(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=12))
def test_found_always_equals_loaded_plus_skipped(kinds):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for k, kind in enumerate(kinds):
            (root / f"c{k % 2}").mkdir(exist_ok=True)
            (root / f"c{k % 2}" / f"{k:02d}-{kind}").write_bytes(KINDS[kind]())
        good = sum(kind.startswith("good") for kind in kinds)
        if not any(kind.endswith((".png", ".jpg")) for kind in kinds):
            return  # only other files: refused, tested above
        ds = tk.ImageFolder(root, 8, on_error="skip")
        before = ds.counts
        assert before["found"] == len(kinds) == before["loaded"] + before["skipped"]
        ds.verify()
        assert ds.counts == {"found": len(kinds), "loaded": good, "skipped": len(kinds) - good}
        assert len(ds) == good and len(ds.bad_files) == len(kinds) - good - kinds.count("notes.txt")
