"""Data-parallel steps: the per-step overhead of replicas on Ray, by model size.

Run (under the shared lock):

    flock /tmp/toolkit-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        .venv/bin/python benchmarks/bench_replicas.py [--steps 5]

For MLPs of growing width (batch 256, micro-batches of 128), the median seconds of
one training step: plain local training, 2 replicas one after another here, and 2
replicas as Ray tasks on a local cluster of 2 CPUs. Ray pays when a step's compute
(which replicas divide) outweighs shipping the weights and gradients both ways
plus a task round trip; on one machine the replicas share the same cores, so it
does not pay here: the figure to read is the overhead, ray - local, per step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's toolkit


def step_time(width: int, steps: int, replicas=None, executor=None) -> float:
    import toolkit as tk

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 256)).astype(np.float32)
    y = tk.onehotbatch(rng.integers(0, 10, 256), list(range(10)))
    model = tk.Chain(tk.Dense(256, width, tk.relu, seed=1), tk.Dense(width, width, tk.relu, seed=2),
                     tk.Dense(width, 10, seed=3))
    state = tk.setup(tk.Adam(1e-3), model)
    loss = lambda m, x, y: tk.logitcrossentropy(m(x), y)  # noqa: E731
    times = []
    for _ in range(steps + 1):  # the first step warms up (and starts Ray's workers)
        t0 = time.perf_counter()
        tk.train(loss, model, [(x, y)], state, replicas=replicas, micro_batch=128 if replicas
                 else None, executor=executor)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    import ray

    from toolkit.distributed.cluster import loopback_only
    from toolkit.distributed.executor import RayExecutor

    with loopback_only(ray):
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"{'width':>6} {'params':>10} {'local s':>9} {'2 here s':>9} {'2 on Ray s':>11} "
          f"{'Ray overhead ms/step':>21}")
    for width in (64, 512, 2048):
        params = 256 * width + width * width + width * 10
        local = step_time(width, args.steps)
        here = step_time(width, args.steps, replicas=2)
        there = step_time(width, args.steps, replicas=2, executor=RayExecutor())
        print(f"{width:>6} {params:>10,} {local:>9.4f} {here:>9.4f} {there:>11.4f} "
              f"{(there - here) * 1e3:>21.1f}")
    ray.shutdown()


if __name__ == "__main__":
    main()
