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


def pytest_collection_modifyitems(config, items):
    has_torch = importlib.util.find_spec("torch") is not None
    skip_torch = pytest.mark.skip(reason="PyTorch (the bench extra) is not installed")
    for item in items:
        if "torch" in item.keywords and not has_torch:
            item.add_marker(skip_torch)
