"""One local Ray cluster for the whole Ray session, on 127.0.0.1 only, gone at the end.

The Ray tests run as their own pytest invocation (``pytest -q -m ray -p no:xdist
tests/distributed``); in the main suite they are skipped (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def ray_children() -> list:
    """The Ray processes among this process's descendants (not, say, joblib's loky workers)."""
    import psutil

    def is_ray(p) -> bool:
        try:
            words = " ".join(p.cmdline())
            return p.name().startswith("ray::") or "/ray/" in words or "tk-ray-" in words
        except psutil.NoSuchProcess:
            return False
    return [p for p in psutil.Process().children(recursive=True) if is_ray(p)]


@pytest.fixture(scope="session")
def ray_cluster():
    """``ray.init(address="local", num_cpus=2, include_dashboard=False)`` in a folder of its own.

    ``loopback_only`` (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``) keeps every Ray process on
    127.0.0.1 (Ray 2.60 ignores ``_node_ip_address`` for that); ``PYTHONPATH`` makes the
    workers import this checkout's toolkit. At the end the cluster is shut down and no Ray
    process may be left.
    """
    ray = pytest.importorskip("ray")
    import psutil

    from toolkit.distributed.cluster import loopback_only

    if ray.is_initialized():
        pytest.fail("Ray was already initialised before the Ray test session started")
    temp = tempfile.mkdtemp(prefix="tk-ray-", dir="/tmp")  # short: Ray's socket paths
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), saved) if p)
    try:
        with loopback_only(ray):
            ray.init(address="local", num_cpus=2, include_dashboard=False, _temp_dir=temp,
                     log_to_driver=False)
    finally:
        os.environ.pop("PYTHONPATH") if saved is None else os.environ.update(PYTHONPATH=saved)
    yield ray
    children = ray_children()
    ray.shutdown()
    gone, alive = psutil.wait_procs(children, timeout=15)
    shutil.rmtree(temp, ignore_errors=True)
    assert not alive, f"Ray processes left after the session: {[p.pid for p in alive]}"
