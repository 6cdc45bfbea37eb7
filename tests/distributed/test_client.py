"""``executor="ray://host:port"`` through a real Ray Client server, on the session's cluster.

The server (``python -m ray.util.client.server --mode legacy``) is attached to the session's
local cluster (so no second cluster starts) and listens on 127.0.0.1; the client is a fresh
interpreter that never initialised Ray itself. Run alone: ``pytest -q -m ray -p no:xdist
tests/distributed``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import polars as pl
import pytest

import toolkit as tk

from .conftest import ROOT

pytestmark = pytest.mark.ray
LOOPBACK = {"127.0.0.1", "::ffff:127.0.0.1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client_server(ray_cluster):
    """``ray://127.0.0.1:<port>``: a Ray Client server attached to the session's cluster."""
    pytest.importorskip("grpc", reason="Ray Client needs grpcio (the ray extra installs it)")
    import psutil

    gcs = ray_cluster.get_runtime_context().gcs_address
    port = _free_port()
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "ray.util.client.server", "--mode", "legacy",
         "--host", "127.0.0.1", "--port", str(port), "--address", gcs],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the Ray Client server did not start (exit {server.poll()})")
                time.sleep(0.2)
        yield f"ray://127.0.0.1:{port}", psutil.Process(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def test_evaluate_through_ray_client_is_bit_identical_to_sequential(client_server, wine_csv):
    from sklearn.linear_model import LogisticRegression

    address, server = client_server
    table = pl.read_csv(wine_csv)
    X, y = table.drop("cultivar").to_numpy(), table.get_column("cultivar").to_numpy()
    model = tk.Standardizer() >> LogisticRegression(max_iter=500)
    cv = tk.StratifiedCV(nfolds=4, shuffle=True, seed=2)
    here = tk.evaluate(model, X, y, resampling=cv, measures=[tk.log_loss, tk.accuracy])

    script = textwrap.dedent(f"""
        import sys, numpy as np, polars as pl, ray, toolkit as tk
        from sklearn.linear_model import LogisticRegression
        table = pl.read_csv({str(wine_csv)!r})
        X, y = table.drop("cultivar").to_numpy(), table.get_column("cultivar").to_numpy()
        model = tk.Standardizer() >> LogisticRegression(max_iter=500)
        cv = tk.StratifiedCV(nfolds=4, shuffle=True, seed=2)
        assert not ray.is_initialized()
        there = tk.evaluate(model, X, y, resampling=cv, measures=[tk.log_loss, tk.accuracy],
                            executor={address!r})
        assert ray.util.client.ray.is_connected(), "not through Ray Client"
        sys.stdout.write(np.asarray(there.per_fold, np.float64).tobytes().hex())
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RAY_ADDRESS", None)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    there = bytes.fromhex(run.stdout.strip().splitlines()[-1])
    assert there == np.asarray(here.per_fold, np.float64).tobytes()  # every bit, fold order

    import psutil

    pids = {server.pid, *(p.pid for p in server.children(recursive=True))}
    hosts = {c.laddr.ip for c in psutil.net_connections(kind="inet")
             if c.status == psutil.CONN_LISTEN and c.pid in pids}
    assert hosts and hosts <= LOOPBACK, hosts
