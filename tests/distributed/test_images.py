"""Images on Ray Data: batches bitwise equal to the local DataLoader's; a folder preprocessed.

Run alone: ``pytest -q -m ray -p no:xdist tests/distributed``.
"""

from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest

import toolkit as tk
from toolkit.distributed.executor import RayExecutor
from toolkit.distributed.images import preprocess, ray_batches

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Twelve small JPEGs and PNGs in two classes, plus one that is not an image."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(3)
    for i in range(12):
        label = ("cat", "dog")[i % 2]
        (root / label).mkdir(exist_ok=True)
        image = cv2.GaussianBlur(rng.integers(0, 256, (40 + i, 50, 3)).astype(np.uint8), (0, 0), 3)
        cv2.imwrite(str(root / label / f"{i:02d}.{'jpg' if i % 3 else 'png'}"), image)
    (root / "dog" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return root


def local(loader, epoch):
    return [(x.copy(), y.copy()) for x, y in loader.iter_epoch(epoch)]


def test_datasets_and_augmentations_pickle_and_give_the_same_pixels(folder):
    ds = tk.ImageFolder(folder, (16, 16), on_error="skip")
    aug = tk.augment.HorizontalFlip(p=0.5) | tk.augment.Rotate(limit=20)
    ds2, aug2 = pickle.loads(pickle.dumps(ds)), pickle.loads(pickle.dumps(aug))
    image = ds.load_image(1)
    assert np.array_equal(ds2.load_image(1), image)
    assert np.array_equal(aug2.apply(image, 7), aug.apply(image, 7))


def test_ray_batches_are_bitwise_the_local_loaders(ray_cluster, folder):
    ds = tk.ImageFolder(folder, (16, 16), on_error="skip")
    aug = tk.augment.HorizontalFlip(p=0.5) | tk.augment.Rotate(limit=20)
    loader = tk.DataLoader(ds, 5, shuffle=True, seed=4, transform=aug, label_mode="onehot")
    for epoch in (0, 1):
        here = local(loader, epoch)
        there = list(ray_batches(loader, epoch, executor=RayExecutor()))
        assert len(here) == len(there) == 3
        for (xa, ya), (xb, yb) in zip(here, there, strict=True):
            assert xa.dtype == xb.dtype and xa.tobytes() == xb.tobytes()
            assert ya.tobytes() == yb.tobytes()
    assert loader.skipped == ["dog/broken.jpg"]  # found bad on a worker, reported here


def test_a_folder_preprocessed_on_ray_fills_the_cache_as_a_local_epoch_would(
        ray_cluster, folder, tmp_path):
    ds = tk.ImageFolder(folder, (16, 16), on_error="skip", cache=tmp_path / "ray")
    cache = preprocess(ds, RayExecutor(), shard_size=4)
    assert cache.complete and len(cache.bad) == 1  # broken.jpg, recorded as bad
    plain = tk.ImageFolder(folder, (16, 16), on_error="skip", cache=tmp_path / "local")
    list(tk.DataLoader(plain, 4))  # a local epoch fills the other cache
    reopened = tk.ImageFolder(folder, (16, 16), on_error="skip", cache=tmp_path / "ray")
    assert reopened.cache.complete and reopened.cache.bad == plain.cache.bad
    assert np.array_equal(reopened.cache.images, plain.cache.images)
    assert len(reopened) == 12  # the bad file, remembered by the cache, is left out


def test_toolkit_preprocess_fills_the_cache_from_the_command_line(ray_cluster, folder, tmp_path,
                                                                  capsys):
    from toolkit.cli import main

    assert main(["preprocess", str(folder), "--cache", str(tmp_path), "--image-size", "8", "8",
                 "--shard-size", "5"]) == 0
    assert "complete" in capsys.readouterr().out
    assert tk.ImageFolder(folder, (8, 8), on_error="skip", cache=tmp_path).cache.complete
