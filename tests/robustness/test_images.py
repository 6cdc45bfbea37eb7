"""Image folders a careless user (or a bad disk) hands over: named errors, never a traceback."""

from __future__ import annotations

import os
import struct
import zlib

import cv2
import numpy as np
import pytest

import toolkit as tk
from toolkit.cli import main
from toolkit.errors import BadFileError, DataError


@pytest.fixture()
def latin1_folder(tmp_path):
    """Two classes, one file whose name is Latin-1 bytes (not UTF-8)."""
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(3):
            cv2.imwrite(str(tmp_path / label / f"{i}.png"), np.full((6, 6, 3), 40 * i, np.uint8))
    os.rename(bytes(tmp_path / "a" / "0.png"), bytes(tmp_path / "a") + b"/caf\xe9.png")
    os.mkdir(bytes(tmp_path) + b"/\xff-class")  # a class folder with a non-UTF-8 name
    return tmp_path


def test_a_non_utf8_file_name_is_skipped_and_named_everywhere(latin1_folder, capsys):
    ds = tk.ImageFolder(latin1_folder, image_size=(6, 6))
    assert ds.classes == ("a", "b") and len(ds) == 5
    skipped = dict(ds.skipped.rows())
    assert (
        "not valid UTF-8" in skipped["a/caf\\xe9.png"] and "rename it" in skipped["a/caf\\xe9.png"]
    )
    assert "\\xff-class/" in skipped
    assert ds.manifest.height == 5
    train, val = ds.split(0.6, seed=1)
    assert len(train) + len(val) == 5
    loader = tk.DataLoader(ds, 2, seed=1, transform=tk.augment.HorizontalFlip(p=0.5))
    assert sum(len(x) for x, _ in loader) == 5
    assert (
        main(["describe", str(latin1_folder), "--image-size", "6", "6", "--batch-size", "2"]) == 0
    )
    assert "5 images in 2 classes" in capsys.readouterr().out


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header for a huge image, with a few bytes of data (the file is tiny)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def test_a_png_over_opencvs_pixel_limit_says_too_large_and_how_to_allow_it(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "big.png").write_bytes(_png_claiming(40_000, 30_000))
    ds = tk.ImageFolder(tmp_path, image_size=(8, 8))
    with pytest.raises(
        BadFileError,
        match=r"too large to decode \(40000 x 30000.*"
        r"OPENCV_IO_MAX_IMAGE_PIXELS",
    ):
        ds.load_image(0)


@pytest.mark.parametrize("size", [(100_000, 100_000), 40_000])
def test_an_image_size_needing_gigabytes_is_refused_before_anything_is_read(tmp_path, size):
    with pytest.raises(DataError, match=r"GiB for one decoded rgb image.*e\.g\. \(224, 224\)"):
        tk.ImageFolder(tmp_path, image_size=size)


@pytest.fixture()
def folder(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(4):
            cv2.imwrite(str(tmp_path / label / f"{i}.png"), np.full((6, 6, 3), 30 * i, np.uint8))
    return tk.ImageFolder(tmp_path, image_size=(6, 6))


def _epoch(ds, transform, workers):
    loader = tk.DataLoader(ds, 3, seed=5, transform=transform, workers=workers)
    return np.concatenate([x for x, _ in loader])


def test_a_plain_function_is_a_transform_with_per_item_seeds(folder):
    def noisy(image, rng):
        return np.clip(image + rng.integers(0, 50, image.shape), 0, 255).astype(np.uint8)

    one, two = _epoch(folder, noisy, 0), _epoch(folder, noisy, 2)
    assert np.array_equal(one, two)  # the same whatever the number of workers
    assert not np.array_equal(one[0], one[4])  # items get different draws
    flipped = _epoch(folder, lambda image: image[:, ::-1], 0)
    assert np.array_equal(flipped, _epoch(folder, None, 0)[:, :, ::-1])


def test_a_raw_albumentations_transform_is_refused_with_the_fix(folder):
    import albumentations as A

    with pytest.raises(
        DataError, match=r"albumentations' own HorizontalFlip.*tk\.augment\.HorizontalFlip"
    ):
        tk.DataLoader(folder, 2, transform=A.HorizontalFlip(p=0.5))
