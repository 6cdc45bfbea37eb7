"""Image folder to float32 batches: toolkit vs the machine's decode limit, torch and a bare read.

Run (under the shared lock, so that two benchmarks never overlap):

    flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        .venv/bin/python benchmarks/bench_images.py [--repeats 3] [--images 2000] [--quick]

The data: JPEGs (random sizes 96-320 px a side, smooth content, 4 classes, fixed
seed), generated once under benchmarks/_data/ (git-ignored). Every loader makes
one pass to float32 batches of 64 at 64x64x3 in [0, 1], with the labels:

  limit         the decode limit, measured in the same run: the per-core rate of
                the fastest bare reduced-size decode + resize loop (one thread,
                no framework: cv2 IMREAD_REDUCED_* or simplejpeg's DCT scaling at
                eighths, then cv2 INTER_AREA to 64x64), times the cores the
                loader uses (min(workers, cores))
  toolkit       tk.ImageFolder(image_size=(64, 64)) + tk.DataLoader(workers=2)
  torch+PIL     torch.utils.data.DataLoader(num_workers=2, default collate) over a
                Dataset doing PIL open -> convert("RGB") -> resize(64, 64) -> float32 / 255
  (toolkit workers=0..3: how the rate grows with threads; the bare simplejpeg loop
  on 2 threads: the limit as this run's share of a busy machine gives it)

then the same with HorizontalFlip(p=0.5) | Rotate(limit=20) after the resize
(toolkit: tk.augment; torch: the same albumentations Compose on the PIL image's
array, seeded per item), and toolkit's second, cached epoch (ImageFolder(cache=...))
against a bare read of the same memory-mapped cache (one vectorised uint8 -> float32
scale per batch into a fresh array). Figures are images per second, medians over
--repeats rounds run round-robin (so a busy machine slows every entry alike); the
targets (issue 12): first epoch >= 0.8x the limit and >= 3x torch+PIL, augmented
>= 2.5x torch, cached >= 0.9x the bare read. The last lines print the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

DATA = Path(__file__).resolve().parent / "_data"
sys.path.insert(0, str(DATA.parent.parent))  # this checkout's toolkit, not an installed one
SIZE, BATCH, CLASSES = 64, 64, ("circle", "grad", "stripe", "blob")


# --------------------------------------------------------------------------- the data


def _smooth_image(rng: np.random.Generator, label: int) -> np.ndarray:
    """A smooth colour image of a random size: upsampled noise plus a class-dependent pattern."""
    h, w = (int(v) for v in rng.integers(96, 321, 2))
    coarse = rng.integers(0, 256, (rng.integers(3, 9), rng.integers(3, 9), 3)).astype(np.uint8)
    image = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    pattern = [np.hypot(yy - h / 2, xx - w / 2) < min(h, w) / 3, xx / w, np.sin(yy / 6) > 0,
               np.exp(-((yy - h / 3) ** 2 + (xx - w / 3) ** 2) / (h * w / 20))][label]
    image = 0.6 * image + 100 * np.asarray(pattern, np.float32)[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def make_images(n: int, seed: int = 2026) -> Path:
    """``n`` JPEGs under _data/jpegs-<n>/<class>/, made once (a marker file says complete)."""
    root = DATA / f"jpegs-{n}"
    if (root / ".complete").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        label = i % len(CLASSES)
        folder = root / CLASSES[label]
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{i:05d}.jpg"), _smooth_image(rng, label),
                    [cv2.IMWRITE_JPEG_QUALITY, 90])
    (root / ".complete").write_text(f"{n} images, seed {seed}\n")
    return root


def listing(root: Path) -> tuple[list[str], np.ndarray]:
    paths, labels = [], []
    for label, name in enumerate(sorted(p.name for p in root.iterdir() if p.is_dir())):
        for path in sorted((root / name).iterdir()):
            paths.append(str(path))
            labels.append(label)
    return paths, np.asarray(labels, np.int64)


# --------------------------------------------------------------------------- the peers


_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}


def bare_decode_cv2(buffers, sizes):
    """The cv2 bare loop: decode at the largest power-of-two reduction that keeps 64 px, resize."""
    for buf, (h, w) in zip(buffers, sizes, strict=True):
        factor = next((f for f in (8, 4, 2) if min(h, w) / f >= SIZE), 1)
        cv2.resize(cv2.imdecode(buf, _REDUCED[factor]), (SIZE, SIZE),
                   interpolation=cv2.INTER_AREA)
    return len(buffers)


def bare_decode_turbo(buffers, sizes):
    """The simplejpeg bare loop: decode at the smallest eighth that keeps 64 px, resize."""
    import simplejpeg

    for buf in buffers:
        image = simplejpeg.decode_jpeg(buf, min_height=SIZE, min_width=SIZE)
        cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return len(buffers)


def threaded(bare, buffers, sizes, threads: int):
    """A bare loop split over ``threads`` threads: the limit as this run's cores give it."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        parts = [pool.submit(bare, buffers[k::threads], sizes[k::threads]) for k in range(threads)]
        return sum(p.result() for p in parts)


def bare_cache_read(images, labels):
    """A bare read of the memory-mapped cache: per batch, one uint8 -> float32 scale."""
    n = 0
    for start in range(0, len(images), BATCH):
        chunk = images[start:start + BATCH]
        x = np.multiply(chunk, np.float32(1 / 255), out=np.empty(chunk.shape, np.float32),
                        casting="unsafe")
        n += min(x.shape[0], labels[start:start + BATCH].shape[0])
    return n


def torch_loader(paths, labels, augment=False):
    import albumentations as A
    import torch.utils.data as tud
    from PIL import Image

    compose = A.Compose([A.HorizontalFlip(p=0.5), A.Rotate(limit=20, p=0.5)])

    class PILImages(tud.Dataset):
        def __len__(self):
            return len(paths)

        def __getitem__(self, i):
            image = np.asarray(Image.open(paths[i]).convert("RGB").resize((SIZE, SIZE)))
            if augment:  # the same albumentations transforms, seeded per item
                compose.set_random_seed(i)
                image = compose(image=image)["image"]
            return image.astype(np.float32) / 255, labels[i]

    n = 0
    for x, _ in tud.DataLoader(PILImages(), batch_size=BATCH, num_workers=2):
        n += x.shape[0]
    return n


def toolkit_loader(root, augment=False, cache=None, workers=2):
    import toolkit as tk

    ds = tk.ImageFolder(root, image_size=(SIZE, SIZE), cache=cache or False)
    transform = (tk.augment.HorizontalFlip(p=0.5) | tk.augment.Rotate(limit=20)) if augment \
        else None
    loader = tk.DataLoader(ds, BATCH, seed=7, transform=transform, workers=workers)

    def one_pass():
        n = 0
        for x, _ in loader:
            n += x.shape[0]
        return n
    return one_pass


# --------------------------------------------------------------------------- timing


def rate(fn) -> float:
    t0 = time.perf_counter()
    n = fn()
    return n / (time.perf_counter() - t0)


def measure(runs: dict, repeats: int) -> dict[str, float]:
    """Images/s per run: the median over ``repeats`` rounds, the runs taken in turn each round."""
    rates = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            rates[name].append(rate(fn))
    return {name: statistics.median(r) for name, r in rates.items()}


def line(title: str, ours: float, peer: float, target: float) -> str:
    ratio = ours / peer
    mark = "meets" if ratio >= target else "MISSES"
    return f"  {title:<44} {ratio:5.2f}x   (target >= {target}x: {mark})"


def show(title: str, rates: dict[str, float]) -> None:
    print(f"\n{title}")
    for name, r in rates.items():
        print(f"  {name:<30} {r:10,.0f} images/s")


def environment() -> None:
    import threadpoolctl
    import torch

    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    kernels = "; ".join(f"{Path(i['filepath']).name}: {i['internal_api']} {i['version']} "
                        f"({i.get('architecture', '?')}), {i['num_threads']} threads"
                        for i in blas) or "?"
    print(f"numpy {np.__version__}, BLAS {kernels}")
    print(f"opencv {cv2.__version__} ({cv2.getNumThreads()} threads), torch {torch.__version__}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="500 images, 1 repeat")
    args = parser.parse_args()
    n, repeats = (500, 1) if args.quick else (args.images, args.repeats)
    environment()
    root = make_images(n)
    paths, labels = listing(root)
    print(f"{len(paths)} JPEGs under {root}, batches of {BATCH} at {SIZE}x{SIZE}x3 float32")
    buffers = [np.fromfile(p, np.uint8) for p in paths]  # every loader reads the page cache
    from toolkit.data.decode import jpeg_size
    sizes = [jpeg_size(b) for b in buffers]
    cores = min(2, os.cpu_count() or 1)

    plain = measure({"toolkit workers=2": toolkit_loader(root),
                     "torch+PIL workers=2": lambda: torch_loader(paths, labels),
                     "bare cv2 decode, 1 core": lambda: bare_decode_cv2(buffers, sizes),
                     "bare simplejpeg decode, 1 core": lambda: bare_decode_turbo(buffers, sizes),
                     "bare simplejpeg decode, 2 threads":
                         lambda: threaded(bare_decode_turbo, buffers, sizes, cores),
                     **{f"toolkit workers={w}": toolkit_loader(root, workers=w)
                        for w in (0, 1, 3)}}, repeats)
    per_core = max(plain["bare cv2 decode, 1 core"], plain["bare simplejpeg decode, 1 core"])
    plain[f"limit ({cores} cores x best bare loop)"] = limit = cores * per_core
    show("one pass, no augmentation", plain)

    aug = measure({"toolkit": toolkit_loader(root, augment=True),
                   "torch+albumentations": lambda: torch_loader(paths, labels, augment=True)},
                  repeats)
    show("one pass, HorizontalFlip(p=0.5) | Rotate(limit=20)", aug)

    cache = DATA / f"cache-{n}"
    shutil.rmtree(cache, ignore_errors=True)
    cached_pass = toolkit_loader(root, cache=cache)
    print(f"\nfirst epoch, filling the decoded-image cache: {rate(cached_pass):,.0f} images/s")
    import toolkit as tk

    images = tk.ImageFolder(root, image_size=(SIZE, SIZE), cache=cache).cached_images()
    cached = measure({"toolkit": cached_pass,
                      "bare read of the memory map": lambda: bare_cache_read(images, labels)},
                     max(repeats, 3))
    show("second epoch on, from the cache", cached)
    check_cost(root, cache)

    ours = plain["toolkit workers=2"]
    print(f"\nratios (medians of {repeats} round-robin rounds; a loaded machine slows all alike)")
    print(line("first epoch / decode limit", ours, limit, 0.8))
    print(line("first epoch / bare loop on 2 threads (loaded)", ours,
               plain["bare simplejpeg decode, 2 threads"], 0.8))
    print(line("first epoch / torch+PIL (2 workers)", ours, plain["torch+PIL workers=2"], 3))
    print(line("augmented / torch+albumentations (2 workers)", aug["toolkit"],
               aug["torch+albumentations"], 2.5))
    print(line("cached epoch / bare memory-map read", cached["toolkit"],
               cached["bare read of the memory map"], 0.9))
    base = plain["toolkit workers=0"]
    growth = ", ".join(f"{w}: {plain[f'toolkit workers={w}'] / base:.2f}x" for w in (0, 1, 2, 3))
    print(f"  {'workers 0/1/2/3 vs workers=0':<44} {growth}")


def check_cost(root: Path, cache: Path, rounds: int = 15) -> None:
    """What the cache's checks cost the first cached epoch of a new process, each part timed
    on its own (the difference of two whole epochs drowns in this machine's noise): an
    unchanged file whose stamp the index holds (an earlier process's pass wrote it) costs a
    stat; a file written since gets the checksum pass, timed on a fresh mapping of the file
    (as a new process has it: the pass also pays the page faults that the epoch then does
    not) and on a warm one."""
    import toolkit as tk
    import toolkit.data.cache as cache_module

    (data,) = cache.glob("*.npy")
    epochs, stamps, fresh, warm = [], [], [], []
    for _ in range(rounds):
        cache_module._VERIFIED.clear()  # what a new process starts with
        ds = tk.ImageFolder(root, image_size=(SIZE, SIZE), cache=cache)
        epochs.append(_timed(lambda ds=ds: [None for _ in tk.DataLoader(ds, BATCH, seed=7,
                                                                        workers=2)]))
        stamps.append(_timed(lambda: cache_module._stamp(data)))
        pixels = np.load(data, mmap_mode="r")  # a fresh mapping: no page of it touched yet
        fresh.append(_timed(lambda p=pixels: cache_module.block_sums(p)))
        warm.append(_timed(lambda p=pixels: cache_module.block_sums(p)))
        del pixels
    epoch = statistics.median(epochs)
    print(f"cache check in a new process, against its first cached epoch ({epoch * 1e3:.1f} ms, "
          f"medians of {rounds}; target < 10%; later epochs pay nothing):")
    for what, times in (("unchanged file: the stamp (a stat)", stamps),
                        ("changed file: the checksum pass, fresh mapping", fresh),
                        ("changed file: the checksum pass, warm mapping", warm)):
        t = statistics.median(times)
        print(f"  {what:<48} {t * 1e3:7.3f} ms = {t / epoch:6.1%}")


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
