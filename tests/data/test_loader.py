"""tk.DataLoader: order, determinism across workers, batching, labels, threads, bad files."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.data.arrays import ArrayDataset
from toolkit.data.dataset import Dataset
from toolkit.data.loader import DataLoader
from toolkit.errors import BadFileError, DataError, ShapeError, ToolkitError


class Images(Dataset):
    """A small image data set: item i is a fixed pseudo-random uint8 image; some may be bad."""

    kind = "image"

    def __init__(self, n=23, shape=(6, 5, 3), classes=("a", "b", "c"), bad=(), on_error="raise",
                 cache=False, labelled=True):
        self.n, self.image_shape, self.bad, self.on_error = n, shape, set(bad), on_error
        self.classes = tuple(classes) if labelled else None
        self._targets = (np.arange(n) * 7 % len(classes)).astype(np.int64) if labelled else None
        rng = np.random.default_rng(12345)
        self.pixels = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
        self.cache = cache
        self.loads = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.load_image(i), None if self._targets is None else int(self._targets[i])

    def keys(self):
        return [f"{self.classes[t] if self.classes else 'x'}/{i:04d}.png"
                for i, t in enumerate(self._targets if self._targets is not None else [0] * self.n)]

    @property
    def targets(self):
        return self._targets

    def load_image(self, i):
        self.loads += 1
        if i in self.bad:
            raise BadFileError(self.keys()[i], "truncated JPEG")
        return self.pixels[i].copy()

    def cached_images(self):
        return self.pixels if self.cache else None


class Jitter:
    """A random transform: flip and noise drawn from the per-sample seed only."""

    def apply(self, image, seed):
        rng = np.random.default_rng(seed)
        if rng.random() < 0.5:
            image = image[:, ::-1]
        noise = rng.integers(-20, 21, image.shape)
        return np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)


class Standardize:
    def apply(self, image, seed):
        return (image.astype(np.float32) - 128.0) / 64.0


def epoch_batches(loader):
    return [(x.copy(), None if y is None else y.copy()) for x, y in loader]


def same(a, b):
    return len(a) == len(b) and all(
        np.array_equal(xa, xb) and (ya is None and yb is None or np.array_equal(ya, yb))
        for (xa, ya), (xb, yb) in zip(a, b, strict=True))


def loader_threads():
    return [t for t in threading.enumerate() if t.name.startswith("toolkit-loader")]


# --- determinism --------------------------------------------------------------------------


@pytest.mark.parametrize("transform", [None, Jitter()])
def test_any_number_of_workers_gives_identical_batches(transform):
    runs = [epoch_batches(DataLoader(Images(), 4, shuffle=True, seed=7, transform=transform,
                                     workers=w)) for w in (0, 1, 2, 4)]
    assert all(same(runs[0], run) for run in runs[1:])


def test_same_seed_gives_same_batches_and_other_seed_differs():
    make = lambda seed: epoch_batches(DataLoader(Images(), 5, shuffle=True, seed=seed,  # noqa: E731
                                                 transform=Jitter(), workers=2))
    assert same(make(3), make(3))
    assert not same(make(3), make(4))


def test_each_epoch_draws_a_new_order_and_set_epoch_resumes():
    loader = DataLoader(Images(n=40), 8, shuffle=True, seed=1, transform=Jitter(), workers=2)
    first, second = epoch_batches(loader), epoch_batches(loader)
    assert not same(first, second)
    assert sorted(np.concatenate([y for _, y in first]).tolist()) == \
        sorted(np.concatenate([y for _, y in second]).tolist())
    assert loader.epoch == 2
    loader.set_epoch(1)
    assert same(epoch_batches(loader), second)
    resumed = DataLoader(Images(n=40), 8, shuffle=True, seed=1, transform=Jitter(), epoch=1)
    assert same(epoch_batches(resumed), second)


def test_augmentation_differs_between_epochs_for_one_item():
    ds = Images(n=1)
    loader = DataLoader(ds, 1, seed=1, transform=Jitter())
    (x0, _), = list(loader)
    (x1, _), = list(loader)
    assert not np.array_equal(x0, x1)


@pytest.mark.parametrize("augment", [False, True])
def test_global_rngs_are_neither_read_nor_moved(augment):
    import random

    import toolkit as tk

    transform = tk.augment.HorizontalFlip(p=0.5) | tk.augment.Rotate(limit=20) if augment \
        else Jitter()

    def run(global_seed):
        np.random.seed(global_seed)
        random.seed(global_seed)
        state, py_state = np.random.get_state()[1].copy(), random.getstate()
        out = epoch_batches(DataLoader(Images(shape=(9, 9, 3)), 4, shuffle=True, seed=2,
                                       transform=transform, workers=2))
        assert np.array_equal(np.random.get_state()[1], state) and random.getstate() == py_state
        return out
    assert same(run(0), run(1))


def test_without_shuffle_the_order_is_the_data_set_order():
    ds = Images(n=10)
    xs = np.concatenate([x for x, _ in DataLoader(ds, 3)])
    np.testing.assert_allclose(xs, ds.pixels / 255.0, rtol=1e-6)


def test_seed_none_draws_a_seed_that_repeats_the_run():
    loader = DataLoader(Images(), 4, shuffle=True, transform=Jitter())
    again = DataLoader(Images(), 4, shuffle=True, seed=loader.seed, transform=Jitter())
    assert same(epoch_batches(loader), epoch_batches(again))


# --- batching -------------------------------------------------------------------------------


def test_last_partial_batch_and_drop_last():
    ds = Images(n=23)
    keep = DataLoader(ds, 5)
    assert len(keep) == 5 and [x.shape[0] for x, _ in keep] == [5, 5, 5, 5, 3]
    drop = DataLoader(ds, 5, drop_last=True, workers=2)
    assert len(drop) == 4 and [x.shape[0] for x, _ in drop] == [5, 5, 5, 5]
    assert len(DataLoader(Images(n=4), 5, drop_last=True)) == 0
    assert list(DataLoader(Images(n=4), 5, drop_last=True)) == []


def test_images_are_float32_in_unit_range_and_labels_int64():
    ds = Images()
    x, y = next(iter(DataLoader(ds, 6, workers=2)))
    assert x.dtype == np.float32 and x.shape == (6, 6, 5, 3)
    assert y.dtype == np.int64 and y.tolist() == ds.targets[:6].tolist()
    np.testing.assert_allclose(x, ds.pixels[:6] / 255.0, rtol=1e-6)
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_onehot_labels():
    ds = Images(classes=("a", "b", "c"))
    x, y = next(iter(DataLoader(ds, 8, label_mode="onehot", workers=2)))
    assert y.dtype == np.float32 and y.shape == (8, 3)
    assert y.sum(axis=1).tolist() == [1.0] * 8
    assert y.argmax(axis=1).tolist() == ds.targets[:8].tolist()


def test_unlabelled_data_yields_y_none():
    batches = list(DataLoader(Images(labelled=False), 10, workers=2))
    assert [y for _, y in batches] == [None, None, None]


def test_float_transform_output_is_kept_as_is():
    ds = Images()
    x, _ = next(iter(DataLoader(ds, 4, transform=Standardize())))
    np.testing.assert_allclose(x, (ds.pixels[:4].astype(np.float32) - 128) / 64)


def test_transform_that_drops_the_channel_axis_of_grey_images_is_reshaped():
    class Squeeze:
        def apply(self, image, seed):
            return image[..., 0]
    ds = Images(shape=(4, 4, 1))
    x, _ = next(iter(DataLoader(ds, 3, transform=Squeeze())))
    assert x.shape == (3, 4, 4, 1)


def test_transform_with_a_fixed_output_size_sets_the_batch_shape():
    import toolkit as tk

    crop = tk.augment.RandomCrop(height=4, width=3)
    x, _ = next(iter(DataLoader(Images(), 5, seed=1, transform=crop, workers=2)))
    assert x.shape == (5, 4, 3, 3)


def test_transform_changing_the_size_of_some_images_is_a_shape_error():
    class Crop:
        def apply(self, image, seed):
            return image[:3] if seed % 2 else image
    with pytest.raises(ShapeError, match="every image in a batch must have one size"):
        list(DataLoader(Images(), 8, seed=1, transform=Crop()))


def test_row_dataset_batches_features():
    X = np.arange(30, dtype=np.float64).reshape(10, 3)
    ds = ArrayDataset(X, ["n", "y", "n", "y", "m", "m", "n", "y", "n", "y"])
    batches = list(DataLoader(ds, 4, shuffle=True, seed=0, workers=2, label_mode="onehot"))
    assert [x.shape for x, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(x.dtype == np.float32 and y.dtype == np.float32 for x, y in batches)
    rows = np.concatenate([x for x, _ in batches])
    assert sorted(rows[:, 0].tolist()) == X[:, 0].tolist()
    x, y = next(iter(DataLoader(ds, 4)))
    assert y.dtype == np.int64 and y.tolist() == ds.y[:4].tolist()


def test_row_dataset_regression_and_unlabelled():
    ds = ArrayDataset(np.ones((5, 2)), np.linspace(0, 1, 5))
    _, y = next(iter(DataLoader(ds, 5)))
    assert y.dtype == np.float32
    _, y = next(iter(DataLoader(ArrayDataset(np.ones((5, 2))), 5)))
    assert y is None


def test_a_csv_table_batches_like_arrays(wine_csv):
    import toolkit as tk

    table = tk.CSV(wine_csv, target="cultivar")
    batches = epoch_batches(DataLoader(table, 50, shuffle=True, seed=1, workers=2,
                                       label_mode="onehot"))
    assert [x.shape for x, _ in batches] == [(50, 13)] * 3 + [(28, 13)]
    assert all(y.shape == (x.shape[0], 3) for x, y in batches)
    X, y = table.batch(np.arange(len(table)))
    order = DataLoader(table, 50, shuffle=True, seed=1).order(0)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), X[order])
    assert np.concatenate([b.argmax(1) for _, b in batches]).tolist() == y[order].tolist()


def test_row_and_image_workers_agree():
    ds = ArrayDataset(np.random.default_rng(0).normal(size=(50, 4)), np.arange(50) % 2)
    a = epoch_batches(DataLoader(ds, 7, shuffle=True, seed=5))
    assert same(a, epoch_batches(DataLoader(ds, 7, shuffle=True, seed=5, workers=3)))


# --- the decoded-image cache --------------------------------------------------------------------


@pytest.mark.parametrize("transform", [None, Jitter()])
def test_cached_epoch_equals_decoded_epoch(transform):
    plain = Images(n=30)
    cached = Images(n=30, cache=True)
    a = epoch_batches(DataLoader(plain, 8, shuffle=True, seed=3, transform=transform, workers=2))
    b = epoch_batches(DataLoader(cached, 8, shuffle=True, seed=3, transform=transform, workers=2))
    assert same(a, b)
    assert cached.loads == 0


# --- bad files ----------------------------------------------------------------------------------


def test_bad_file_with_skip_shortens_its_batch_only():
    ds = Images(n=12, bad={5}, on_error="skip")
    loader = DataLoader(ds, 4, workers=2)
    batches = list(loader)
    assert [x.shape[0] for x, _ in batches] == [4, 3, 4]
    x, y = batches[1]
    np.testing.assert_allclose(x, ds.pixels[[4, 6, 7]] / 255.0, rtol=1e-6)
    assert y.tolist() == ds.targets[[4, 6, 7]].tolist()
    assert loader.skipped == [ds.keys()[5]]
    list(loader)  # the next epoch meets it again; it is listed once
    assert loader.skipped == [ds.keys()[5]]


def test_bad_file_with_raise_stops_the_epoch_naming_the_file():
    ds = Images(n=12, bad={5})
    with pytest.raises(BadFileError, match="0005.png: truncated JPEG"):
        list(DataLoader(ds, 4, workers=2))
    assert loader_threads() == []


# --- threads ------------------------------------------------------------------------------------


def test_breaking_out_early_shuts_the_threads_down():
    loader = DataLoader(Images(n=200), 4, workers=3, prefetch=4, transform=Jitter())
    for i, _ in enumerate(loader):
        assert loader_threads()
        if i == 2:
            break
    assert loader_threads() == []
    it = iter(loader)
    next(it)
    it.close()
    assert loader_threads() == []


def test_prefetch_builds_batches_ahead_of_the_consumer():
    ds = Images(n=80)
    it = iter(DataLoader(ds, 4, workers=2, prefetch=3))
    next(it)
    for _ in range(1000):  # the next batches are built while the consumer holds this one
        if ds.loads >= 16:
            break
        threading.Event().wait(0.005)
    assert ds.loads >= 16
    it.close()


# --- errors and repr ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"batch_size": 0}, DataError, r"batch_size= must be an integer >= 1"),
    ({"batch_size": 2.5}, DataError, r"batch_size= must be an integer"),
    ({"workers": -1}, DataError, r"workers= must be an integer >= 0"),
    ({"prefetch": 0}, DataError, r"prefetch= must be an integer >= 1"),
    ({"label_mode": "one-hot"}, DataError, r"did you mean 'onehot'"),
    ({"seed": "1"}, DataError, r"seed= must be an integer or None"),
    ({"num_workers": 2}, ToolkitError, r"unknown keyword 'num_workers'; did you mean 'workers'"),
    ({"transform": 42}, DataError, r"apply\(image, seed\)"),  # a function is wrapped
])
def test_bad_arguments_are_refused_clearly(kwargs, error, match):
    kwargs = {"batch_size": 4, **kwargs}
    with pytest.raises(error, match=match):
        DataLoader(Images(), **kwargs)


def test_onehot_without_classes_is_refused():
    with pytest.raises(DataError, match="label_mode='onehot' needs class names"):
        DataLoader(Images(labelled=False), 4, label_mode="onehot")
    with pytest.raises(DataError, match="needs class names"):
        DataLoader(ArrayDataset(np.ones((3, 2)), np.ones(3) / 2), 4, label_mode="onehot")


def test_non_dataset_and_transform_on_rows_are_refused():
    with pytest.raises(DataError, match="wrap arrays as tk.ArrayDataset"):
        DataLoader(np.zeros((4, 2)), 2)
    with pytest.raises(DataError, match="works on image data sets"):
        DataLoader(ArrayDataset(np.zeros((4, 2))), 2, transform=Jitter())


def test_repr_shows_the_settings_and_progress():
    loader = DataLoader(Images(), 4, shuffle=True, seed=9, workers=2)
    text = repr(loader)
    for part in ("batch_size=4", "shuffle=True", "seed=9", "workers=2", "prefetch=2",
                 "6 batches per epoch", "next epoch 0"):
        assert part in text
    list(loader)
    assert "next epoch 1" in repr(loader)


def test_transform_gets_the_seed_derived_from_seed_epoch_and_key():
    from toolkit._seed import derive_int

    class Record:
        def __init__(self):
            self.seeds = []

        def apply(self, image, seed):
            self.seeds.append(seed)
            return image
    ds, record = Images(n=9), Record()
    loader = DataLoader(ds, 4, shuffle=True, seed=11, transform=record, workers=2, epoch=3)
    list(loader)
    assert sorted(record.seeds[1:]) == sorted(derive_int(11, 3, key) for key in ds.keys())


# --- with the real transforms of toolkit.augment ------------------------------------------------


def test_augment_pipeline_is_identical_for_any_number_of_workers():
    import toolkit as tk

    aug = tk.augment.HorizontalFlip(p=0.5) | tk.augment.Rotate(limit=20)
    ds = Images(n=16, shape=(12, 10, 3))
    runs = [epoch_batches(DataLoader(ds, 5, shuffle=True, seed=4, transform=aug, workers=w))
            for w in (0, 2, 3)]
    assert same(runs[0], runs[1]) and same(runs[0], runs[2])
    plain = epoch_batches(DataLoader(ds, 5, shuffle=True, seed=4, workers=2))
    assert not same(runs[0], plain)


def test_augment_normalize_output_is_used_as_is():
    import toolkit as tk

    ds = Images(n=4)
    x, _ = next(iter(DataLoader(ds, 4, transform=tk.augment.Normalize(), workers=2)))
    assert x.dtype == np.float32 and x.min() < 0.0


# --- with the real tk.ImageFolder ---------------------------------------------------------------


def test_digits_folder_batches_deterministically(digits_dir):
    import toolkit as tk

    ds = tk.ImageFolder(digits_dir, image_size=(8, 8), color="gray")
    train, _ = ds.split(0.8, stratify=True, seed=1)
    aug = tk.augment.Rotate(limit=10, p=1.0)
    make = lambda w: DataLoader(train, 64, shuffle=True, seed=1, transform=aug,  # noqa: E731
                                workers=w, label_mode="onehot")
    x, y = next(iter(make(2)))
    assert x.shape == (64, 8, 8, 1) and x.dtype == np.float32 and y.shape == (64, 10)
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.5
    assert len(make(0)) == -(-len(train) // 64)
    first = [b for _, b in zip(range(3), make(0), strict=False)]
    assert same(first, [b for _, b in zip(range(3), make(4), strict=False)])


def test_images_match_the_data_set_items(digits_dir):
    import toolkit as tk

    ds = tk.ImageFolder(digits_dir, image_size=(8, 8), color="gray")
    x, y = next(iter(DataLoader(ds, 5, workers=2)))
    for j in range(5):
        image, label = ds[j]
        np.testing.assert_allclose(x[j], image / 255.0, rtol=1e-6)
        assert y[j] == label


def _small_folder(root, bad_name):
    import cv2

    for i in range(6):
        folder = root / ("a" if i % 2 else "b")
        folder.mkdir(exist_ok=True)
        ramp = np.tile(np.arange(10, dtype=np.uint8)[None, :, None] * 20 + 5 * i, (10, 1, 3))
        cv2.imwrite(str(folder / f"{i}.png"), ramp)  # a flip shows
    ok, png = cv2.imencode(".png", np.full((10, 10, 3), 9, np.uint8))
    (root / "a" / bad_name).write_bytes(png.tobytes()[:60])  # truncated, found only when decoded
    return root


def test_a_bad_file_found_mid_epoch_does_not_kill_it(tmp_path):
    import toolkit as tk

    ds = tk.ImageFolder(_small_folder(tmp_path, "9.png"), image_size=(4, 4), on_error="skip")
    assert len(ds) == 7
    loader = DataLoader(ds, 4, workers=2)
    sizes = [x.shape[0] for x, _ in loader]
    assert ds.keys()[3] == "a/9.png" and sizes == [3, 3]  # its batch is one shorter
    assert loader.skipped == ["a/9.png"]
    assert ds.bad_files["path"].to_list() == ["a/9.png"]
    aug = tk.augment.HorizontalFlip(p=0.5)
    loader = DataLoader(ds, 4, seed=3, transform=aug)
    assert [x.shape[0] for x, _ in loader] == [3, 3]
    ds.verify()  # drops the bad file: the loader's next epoch follows the new keys
    assert len(ds) == 6 and len(loader) == 2
    fresh = DataLoader(tk.ImageFolder(tmp_path, image_size=(4, 4), on_error="skip"), 4, seed=3,
                       transform=aug)
    fresh.ds.verify()
    fresh.set_epoch(1)
    assert same(epoch_batches(loader), epoch_batches(fresh))
    strict = tk.ImageFolder(tmp_path, image_size=(4, 4))
    with pytest.raises(BadFileError, match="9.png"):
        list(DataLoader(strict, 4, workers=2))
    assert loader_threads() == []


def test_the_cached_epoch_matches_the_decoded_one(tmp_path, digits_dir):
    import toolkit as tk

    ds = tk.ImageFolder(digits_dir, image_size=(8, 8), color="gray", cache=tmp_path / "cache")
    sub, _ = ds.split(0.9, seed=0)
    loader = DataLoader(ds, 256, shuffle=True, seed=2, workers=2)
    first = epoch_batches(loader)  # fills the cache
    assert ds.cached_images() is not None
    loader.set_epoch(0)
    assert same(first, epoch_batches(loader))
    assert same(epoch_batches(DataLoader(sub, 64, seed=1, workers=2, shuffle=True)),
                [(x.copy(), y.copy()) for x, y in DataLoader(sub, 64, seed=1, shuffle=True)])


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(),
       drop_last=st.booleans(), workers=st.integers(0, 2), seed=st.integers(0, 2**40))
def test_every_item_is_served_once_per_epoch(n, batch_size, shuffle, drop_last, workers, seed):
    ds = ArrayDataset(np.arange(n, dtype=np.float64)[:, None], np.arange(n) % 2 if n else None)
    loader = DataLoader(ds, batch_size, shuffle=shuffle, drop_last=drop_last, workers=workers,
                        seed=seed)
    sizes = [x.shape[0] for x, _ in loader]
    assert len(sizes) == len(loader)
    assert all(s == batch_size for s in sizes[:-1]) and (not sizes or 0 < sizes[-1] <= batch_size)
    served = np.concatenate([x[:, 0] for x, _ in loader]) if sizes else np.array([])
    expected = n - n % batch_size if drop_last else n
    assert len(served) == expected and len(set(served.tolist())) == expected
    if drop_last:
        assert sizes == [batch_size] * (n // batch_size)
