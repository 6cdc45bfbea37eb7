"""The model core on a GPU: toolkit on cupy vs PyTorch eager on CUDA, side by side.

Run on a machine with a CUDA device, cupy (the ``gpu`` extra) and a CUDA build of torch:

    flock /tmp/toolkit-bench.lock .venv/bin/python benchmarks/bench_gpu.py [mlp] [cnn] [--quick]

Sections (all by default):
  mlp  one training step (forward, backward, Adam) of a 784-256-128-10 MLP, batches 128-1,024
  cnn  one training step of conv3x3(16)-pool-conv3x3(32)-pool-dense on 64x28x28x1 (SGD)

Neither side synchronises with the host inside a step: the loss stays on the device,
and both are timed over many steps with one synchronisation at the end. toolkit's step
runs under ``cupyx.allow_synchronize(False)``, so a hidden device-to-host copy (a
``float(loss)``, a ``.get()``) raises instead of being timed. Ratios are toolkit /
PyTorch (below 1 is faster). Without a GPU the script says why and exits cleanly.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from _steps import toolkit_cnn_model, toolkit_train_step, torch_cnn_model, torch_train_step

QUICK = "--quick" in sys.argv


def why_no_gpu() -> str | None:
    """The reason no benchmark can run here, or None when cupy and torch both see a GPU."""
    try:
        import cupy
    except ImportError:
        return "cupy is not installed (pip install 'toolkit[gpu]')"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "cupy sees no CUDA device"
    except Exception as err:  # cupy raises CUDARuntimeError without a driver
        return f"cupy cannot reach a CUDA device ({err})"
    try:
        import torch
    except ImportError:
        return "torch is not installed (the bench extra)"
    if not torch.cuda.is_available():
        return "torch has no CUDA device (a CPU-only build?)"
    return None


def timed(step, sync, steps: int, repeats: int) -> float:
    """Median seconds per step over ``repeats`` runs of ``steps`` steps, one sync per run."""
    step()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        times.append((time.perf_counter() - t0) / steps)
    return statistics.median(times)


def no_sync(step):
    """Wrap a toolkit step so that any host synchronisation inside it raises."""
    import cupyx

    def guarded():
        with cupyx.allow_synchronize(False):
            return step()

    return guarded


def toolkit_step(tk, model, rule, x, y):
    model = tk.gpu(model, strict=True)
    step = toolkit_train_step(tk, model, tk.setup(rule, model))
    return lambda: step(x, y)


def torch_step(torch, model, opt, x, y):
    step = torch_train_step(torch, model, opt)
    return lambda: step(x, y)


def bench_mlp():
    import cupy
    import torch

    import toolkit as tk

    sizes = (784, 256, 128, 10)
    print("\nMLP 784-256-128-10, one training step (Adam), per batch size")
    for batch in (128, 256, 512, 1024):
        rng = np.random.default_rng(batch)
        xh = rng.standard_normal((batch, 784), dtype=np.float32)
        yh = rng.integers(0, 10, batch)
        layers = [tk.Dense(a, b, tk.relu) for a, b in zip(sizes[:-2], sizes[1:-1], strict=False)]
        ours = toolkit_step(tk, tk.Chain(*layers, tk.Dense(128, 10), seed=1), tk.Adam(1e-3),
                            cupy.asarray(xh), cupy.asarray(yh))
        net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                  torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                  torch.nn.Linear(128, 10)).cuda()
        theirs = torch_step(torch, net, torch.optim.Adam(net.parameters(), lr=1e-3),
                            torch.from_numpy(xh).cuda(), torch.from_numpy(yh).cuda())
        _compare(f"batch {batch:>5}", no_sync(ours), theirs, cupy, torch)


def bench_cnn():
    import cupy
    import torch

    import toolkit as tk

    rng = np.random.default_rng(0)
    xh = rng.standard_normal((64, 28, 28, 1), dtype=np.float32)
    yh = rng.integers(0, 10, 64)
    model = toolkit_cnn_model(tk)
    ours = toolkit_step(tk, model, tk.Descent(0.01), cupy.asarray(xh), cupy.asarray(yh))
    net = torch_cnn_model(torch).cuda()
    tx = torch.from_numpy(xh.transpose(0, 3, 1, 2).copy()).cuda()
    theirs = torch_step(torch, net, torch.optim.SGD(net.parameters(), lr=0.01), tx,
                        torch.from_numpy(yh).cuda())
    print("\nCNN conv3x3(16)-pool-conv3x3(32)-pool-dense, one step on 64x28x28x1 (SGD)")
    _compare("step", no_sync(ours), theirs, cupy, torch)


def _compare(label, ours, theirs, cupy, torch):
    steps, repeats = (20, 3) if QUICK else (200, 7)
    try:
        t_ours = timed(ours, cupy.cuda.Device().synchronize, steps, repeats)
    except Exception as err:  # report, do not hide: e.g. a synchronisation inside the step
        print(f"  {label}: toolkit failed: {type(err).__name__}: {err}")
        t_ours = None
    t_theirs = timed(theirs, torch.cuda.synchronize, steps, repeats)
    ratio = f"   toolkit/pytorch = {t_ours / t_theirs:.2f}x" if t_ours else ""
    ours_text = f"{t_ours * 1e3:8.3f} ms" if t_ours else "     n/a"
    print(f"  {label}: toolkit {ours_text}   pytorch {t_theirs * 1e3:8.3f} ms{ratio}")


SECTIONS = {"mlp": bench_mlp, "cnn": bench_cnn}


def main(argv) -> int:
    chosen = [a for a in argv if not a.startswith("--")] or list(SECTIONS)
    unknown = [a for a in chosen if a not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
        return 2
    reason = why_no_gpu()
    if reason:
        print(f"bench_gpu: skipped — no GPU benchmark can run here: {reason}.")
        return 0
    import cupy
    import torch

    props = cupy.cuda.runtime.getDeviceProperties(0)
    print(f"GPU {props['name'].decode()}; cupy {cupy.__version__}; torch {torch.__version__}")
    for name in chosen:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
