"""docs/scale.md's Python examples run, in order, on the session's local cluster."""

from __future__ import annotations

import pytest

from tests.test_docs import ROOT, run_guide

pytestmark = pytest.mark.ray


def test_the_scale_guide_runs(ray_cluster, digits_dir, wine_csv, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert run_guide(ROOT / "docs" / "scale.md") == ""
