"""Reaching Ray: an initialised Ray if there is one, else a cluster address, else a local one.

``connect(address=None) -> started`` makes sure this process is a Ray driver
and says whether toolkit started Ray itself (then toolkit may shut it down;
a Ray the user initialised is never shut down by toolkit). ``address`` is
``None`` (``RAY_ADDRESS`` if set, else a new local instance), ``"local"``,
``"auto"`` (a cluster started with ``ray start`` on this machine) or
``"ray://host:10001"`` (Ray Client to a remote head).

A local instance that toolkit starts listens on 127.0.0.1 only: nothing
outside this machine needs to reach it. With Ray 2.60 on Linux only the
environment variable ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` keeps every Ray
process there (``_node_ip_address="127.0.0.1"`` leaves the GCS, raylet and
workers listening on every interface; tests/distributed reads the sockets), and
Ray reads it when imported: :func:`loopback_only` sets it for the processes Ray
spawns and Ray's own copy of the flag in this driver while ``ray.init`` runs.

>>> describe_resources({"CPU": 2.0, "memory": 1e9}, {"CPU": 0.0})
'2 CPUs (0 free), no GPUs'
"""

from __future__ import annotations

import contextlib
import logging
import os

from toolkit.errors import ToolkitError

LOCALHOST_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def import_ray():
    """``import ray``, or an error that says how to install it."""
    try:
        import ray
    except ImportError as err:
        msg = ("this needs Ray, which is not installed; install the extra: "
               "pip install 'toolkit[ray]' (ray[data,client] 2.50 or later)")
        raise ToolkitError(msg) from err
    return ray


def connect(address: str | None = None) -> bool:
    """``connect(address=None) -> bool``: this process joins Ray; ``True`` if toolkit started
    it."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    local = address in (None, "local") and not (address is None and os.environ.get("RAY_ADDRESS"))
    if not local:
        if str(address).startswith("ray://"):
            _need_ray_client(address)
        ray.init(address=address, logging_level=logging.WARNING)
        return False
    with loopback_only(ray):
        ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING)
    return True


def _need_ray_client(address: str) -> None:
    try:
        import grpc  # noqa: F401 - Ray Client's transport
    except ImportError as err:
        msg = (f"address {address!r} goes through Ray Client, which needs grpcio; install the "
               "extra: pip install 'toolkit[ray]' (or pip install 'ray[client]')")
        raise ToolkitError(msg) from err


@contextlib.contextmanager
def loopback_only(ray):
    """``with loopback_only(ray): ray.init(...)``: the Ray started inside listens on 127.0.0.1.

    The processes Ray spawns inherit the environment variable; this driver read it
    when ``ray`` was imported, so its copy of the flag is set for the block too.
    """
    from ray._private import ray_constants

    saved = {k: os.environ.get(k) for k in LOCALHOST_ENV}
    flag = ray_constants.ENABLE_RAY_CLUSTER
    os.environ.update(LOCALHOST_ENV)
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = flag
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def shutdown(started: bool) -> None:
    """``shutdown(started)``: end Ray in this process if toolkit started it, else leave it."""
    if started:
        import_ray().shutdown()


def describe_resources(total: dict, free: dict) -> str:
    """``describe_resources(total, free) -> str``: CPUs and GPUs, for messages."""
    def count(name: str, word: str) -> str:
        have = total.get(name, 0)
        if not have:
            return f"no {word}s"
        return f"{have:g} {word}{'s' if have != 1 else ''} ({free.get(name, 0):g} free)"
    return f"{count('CPU', 'CPU')}, {count('GPU', 'GPU')}"
