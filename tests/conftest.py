"""Shared fixtures: the bundled data sets, materialised once per session."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _materialise(script: str, marker: Path) -> None:
    if not marker.exists():
        subprocess.run([sys.executable, str(ROOT / "datasets" / script)], check=True, cwd=ROOT)


@pytest.fixture(scope="session")
def digits_dir() -> Path:
    """The scikit-learn digits as an image folder: datasets/digits/<0..9>/*.png."""
    path = ROOT / "datasets" / "digits"
    _materialise("make_datasets.py", path / "9")
    return path


@pytest.fixture(scope="session")
def wine_csv() -> Path:
    """scikit-learn's wine data as datasets/wine.csv (target column: cultivar)."""
    path = ROOT / "datasets" / "wine.csv"
    _materialise("make_datasets.py", path)
    return path


def _ray_skip(config):
    """Why ray-marked tests cannot run in this session, or ``None``: they need the extra, a
    ``-m ray`` selection and no xdist (each xdist worker would start a cluster of its own)."""
    if importlib.util.find_spec("ray") is None:
        return "Ray (the ray extra) is not installed"
    if "ray" not in (config.getoption("-m", default="") or ""):
        return "Ray tests run as their own session: pytest -q -m ray -p no:xdist tests/distributed"
    if getattr(config.option, "numprocesses", None):
        return "Ray tests cannot run under xdist: pytest -q -m ray -p no:xdist tests/distributed"
    return None


def pytest_collection_modifyitems(config, items):
    has_torch = importlib.util.find_spec("torch") is not None
    skip_torch = pytest.mark.skip(reason="PyTorch (the bench extra) is not installed")
    ray_reason = _ray_skip(config)
    for item in items:
        if "torch" in item.keywords and not has_torch:
            item.add_marker(skip_torch)
        if "ray" in item.keywords and ray_reason:
            item.add_marker(pytest.mark.skip(reason=ray_reason))
