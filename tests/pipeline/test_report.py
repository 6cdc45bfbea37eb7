"""The HTML report: self-contained, and its plots render in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import toolkit as tk
from toolkit.pipeline import report

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def run(digits_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    pipeline = tk.Pipeline.from_yaml(ROOT / "pipelines" / "digits-cnn.yaml",
                                     overrides=["train.epochs=2"])
    return pipeline.run(out, log=lambda text: None)


def test_the_report_is_self_contained(run):
    text = run.report.read_text()
    assert text.count("data:image/png;base64,") == 3  # loss, measures, confusion matrix
    assert not re.search(r"""(src|href)=["'](?!data:)""", text)  # nothing fetched from outside
    assert "accuracy" in text and "Conv" in text and "validation items" in text


def test_the_plots_are_png_files(run):
    for name in ("loss.png", "measures.png", "confusion.png"):
        assert (run.folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_confusion_matrix_counts_the_validation_items():
    matrix = report.matrix_of([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (.ci/run installs one)")
def test_chromium_renders_the_plots(run, tmp_path):
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                               "--window-size=1200,1400", f"--screenshot={shot}",
                               run.report.as_uri()], capture_output=True, timeout=120)
    assert done.returncode == 0 and shot.is_file(), done.stderr.decode()[-2000:]
    import cv2

    image = cv2.imread(str(shot))[:, :, ::-1]  # RGB
    # matplotlib's default blue (#1f77b4) draws the loss curve; the confusion matrix
    # fills cells with the dark end of the "Blues" map: both appear only if images rendered
    blue = np.all(np.abs(image.astype(int) - (31, 119, 180)) < 30, axis=2)
    dark = np.all(np.abs(image.astype(int) - (8, 48, 107)) < 30, axis=2)
    assert blue.sum() > 200, blue.sum()
    assert dark.sum() > 200, dark.sum()
    rows = np.flatnonzero(blue.any(axis=1))
    assert rows.min() > 100  # below the title and the evaluation table
