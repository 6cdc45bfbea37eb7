"""Reaching Ray, the parts that need no cluster (these run in the main suite)."""

from __future__ import annotations

import sys

import pytest

from toolkit.errors import ToolkitError


def test_a_ray_client_address_without_grpcio_says_what_to_install(monkeypatch):
    ray = pytest.importorskip("ray")
    from toolkit.distributed.cluster import connect

    if ray.is_initialized():
        pytest.skip("Ray is initialised in this process: connect() would use it")
    monkeypatch.setitem(sys.modules, "grpc", None)  # as if grpcio were not installed
    with pytest.raises(ToolkitError, match=r"'ray://127.0.0.1:1' goes through Ray Client, "
                                           r"which needs grpcio.*toolkit\[ray\]"):
        connect("ray://127.0.0.1:1")
    assert not ray.is_initialized()  # refused before any connection was tried
