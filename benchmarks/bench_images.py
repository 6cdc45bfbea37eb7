"""Image folder to float32 batches: toolkit vs a PyTorch DataLoader over PIL vs a bare cv2 loop.

Run (under the shared lock, so that two benchmarks never overlap):

    flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        .venv/bin/python benchmarks/bench_images.py [--repeats 3] [--quick]

The data: 4,000 JPEGs (random sizes 96-320 px a side, smooth content, 4 classes,
fixed seed), generated once under benchmarks/_data/ (git-ignored) and
regenerated when missing. Every loader makes one pass to float32 batches of 64
at 64x64x3 in [0, 1], with the labels:

  toolkit       tk.ImageFolder(image_size=(64, 64)) + tk.DataLoader(workers=2)
  torch+PIL     torch.utils.data.DataLoader(num_workers=2, default collate) over a
                Dataset doing PIL open -> convert("RGB") -> resize(64, 64) -> float32 / 255
  bare cv2      one thread: np.fromfile -> cv2.imdecode -> cv2.resize (INTER_AREA) ->
                BGR->RGB, stacked and scaled per batch: the simplest honest loop
  (toolkit workers=0, for information: the loader in the calling thread only)

then the same with HorizontalFlip(p=0.5) | Rotate(limit=20) (p=0.5 each, the
defaults) after the resize (toolkit: tk.augment; torch: PIL transpose + rotate
with the same probabilities, torchvision being absent),
and the second, cached epoch of toolkit (ImageFolder(cache=...)). Figures are
images per second, medians over --repeats passes run round-robin; the targets
come from issue 2: uncached >= 3x torch and >= 0.9x bare cv2, augmented >= 2x
torch, cached >= 50,000 images/s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

DATA = Path(__file__).resolve().parent / "_data"
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


def bare_cv2(paths, labels):
    """One thread, no framework: decode, resize, convert, stack and scale per batch."""
    n = 0
    for start in range(0, len(paths), BATCH):
        images = []
        for path in paths[start:start + BATCH]:
            bgr = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
            small = cv2.resize(bgr, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
            images.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        x = np.stack(images).astype(np.float32) * np.float32(1 / 255)
        y = labels[start:start + BATCH]
        n += min(x.shape[0], y.shape[0])
    return n


def torch_loader(paths, labels, augment=False):
    import torch.utils.data as tud
    from PIL import Image

    class PILImages(tud.Dataset):
        def __len__(self):
            return len(paths)

        def __getitem__(self, i):
            image = Image.open(paths[i]).convert("RGB").resize((SIZE, SIZE))
            if augment:  # HorizontalFlip(p=0.5) | Rotate(limit=20, p=0.5), seeded per item
                rng = np.random.default_rng((7, i))
                if rng.random() < 0.5:
                    image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
                if rng.random() < 0.5:  # bilinear, black corners: albumentations' defaults
                    angle = rng.uniform(-20, 20)
                    image = image.rotate(angle, resample=Image.Resampling.BILINEAR)
            return np.asarray(image, np.float32) / 255, labels[i]

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


def verdict(value: float, target: float) -> str:
    return "meets" if value >= target else "MISSES"


def show(title: str, rates: dict[str, float], targets: dict[str, float]) -> None:
    print(f"\n{title}")
    for name, r in rates.items():
        print(f"  {name:<22} {r:10,.0f} images/s")
    ours = rates.get("toolkit")
    for peer, target in targets.items():
        if ours is None or peer not in rates:
            continue
        ratio = ours / rates[peer]
        print(f"  toolkit / {peer:<12} = {ratio:5.2f}x   (target >= {target}x: "
              f"{verdict(ratio, target)})")


def environment() -> None:
    import threadpoolctl
    import torch

    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    kernels = "; ".join(f"{Path(i['filepath']).name}: {i['internal_api']} {i['version']} "
                        f"({i.get('architecture', '?')}), {i['num_threads']} threads"
                        for i in blas) or "?"
    print(f"numpy {np.__version__}, BLAS {kernels}")
    print(f"opencv {cv2.__version__} ({cv2.getNumThreads()} threads), torch {torch.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 images, 1 repeat")
    args = parser.parse_args()
    n, repeats = (1000, 1) if args.quick else (4000, args.repeats)
    environment()
    root = make_images(n)
    paths, labels = listing(root)
    print(f"{len(paths)} JPEGs under {root}, batches of {BATCH} at {SIZE}x{SIZE}x3 float32")
    for path in paths:  # every loader reads from the page cache, none from the disk
        Path(path).read_bytes()
    plain = measure({"toolkit": toolkit_loader(root),
                     "torch+PIL": lambda: torch_loader(paths, labels),
                     "bare cv2": lambda: bare_cv2(paths, labels),
                     "toolkit workers=0": toolkit_loader(root, workers=0)}, repeats)
    show("one pass, no augmentation", plain, {"torch+PIL": 3, "bare cv2": 0.9})
    aug = measure({"toolkit": toolkit_loader(root, augment=True),
                   "torch+PIL": lambda: torch_loader(paths, labels, augment=True)}, repeats)
    show("one pass, HorizontalFlip(p=0.5) + Rotate(limit=20)", aug, {"torch+PIL": 2})
    cache = DATA / f"cache-{n}"
    shutil.rmtree(cache, ignore_errors=True)
    cached_pass = toolkit_loader(root, cache=cache)
    print(f"\nfirst epoch, filling the decoded-image cache: {rate(cached_pass):,.0f} images/s")
    cached = measure({"toolkit": cached_pass}, max(repeats, 3))["toolkit"]
    print(f"second epoch on, from the cache\n  toolkit {cached:18,.0f} images/s   "
          f"(target >= 50,000: {verdict(cached, 50_000)})")
    check_cost(cache, n, cached)


def check_cost(cache: Path, n: int, cached_rate: float) -> None:
    """The cache's checksum pass (once per process and file) against one cached epoch."""
    from toolkit.data.cache import block_sums

    (pixels,) = [np.load(p, mmap_mode="r") for p in cache.glob("*.npy")]
    times = []
    for _ in range(5):
        start = time.perf_counter()
        block_sums(pixels)
        times.append(time.perf_counter() - start)
    check, epoch = statistics.median(times), n / cached_rate
    print(f"cache checksum pass {check * 1e3:.1f} ms ({pixels.nbytes / check / 1e9:.1f} GB/s) "
          f"= {check / epoch:.1%} of one cached epoch ({epoch * 1e3:.0f} ms) "
          "(target < 10%; paid once per process and file version)")


if __name__ == "__main__":
    main()
