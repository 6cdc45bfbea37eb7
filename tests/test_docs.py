"""The guides in docs/ run, example by example (the notebooks: tests/test_notebooks.py).

Each guide's ```pycon blocks are doctests and its ```python blocks plain code; they
run in order in one namespace, from the repository root (so ``datasets/digits`` and
``datasets/wine.csv`` resolve), with the flags the docstrings use.
"""

from __future__ import annotations

import doctest
import io
import re
import tempfile
from pathlib import Path

import pytest
from _pytest.doctest import _get_checker  # pytest's checker: it understands NUMBER

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# interop.md loads PyTorch (the bench extra) and onnxruntime: skipped where they are missing.
GUIDES = ["data.md", "nn.md", "models.md", "pipelines.md", "ode.md",
          pytest.param("interop.md", marks=pytest.mark.torch)]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
FLAGS = (
    doctest.ELLIPSIS
    | doctest.NORMALIZE_WHITESPACE
    | doctest.register_optionflag("NUMBER")  # already registered by pytest: same value
)


def code_blocks(text: str) -> list[tuple[str, int, str]]:
    """``code_blocks(markdown) -> [(language, first line number, code), ...]``."""
    return [(m[1], text.count("\n", 0, m.start(2)), m[2]) for m in FENCE.finditer(text)]


def run_guide(path: Path) -> str:
    """``run_guide(path) -> report``: every block run in order; the failures, or ``""``."""
    globs: dict = {"__name__": path.stem}
    runner = doctest.DocTestRunner(checker=_get_checker(), optionflags=FLAGS)
    out = io.StringIO()
    for language, line, code in code_blocks(path.read_text()):
        if language == "pycon":
            test = doctest.DocTestParser().get_doctest(code, globs, path.name, str(path), line)
            test.globs = globs  # get_doctest copies them; the blocks share one namespace
            runner.run(test, out=out.write, clear_globs=False)
        elif language == "python":
            exec(compile("\n" * line + code, str(path), "exec"), globs)
    return out.getvalue() if runner.failures else ""


@pytest.fixture
def at_root(digits_dir, wine_csv, tmp_path, monkeypatch):
    """Work from the repository root, with the bundled data sets materialised.

    The guides write their files under ``tempfile.mkdtemp()``: here that is inside
    ``tmp_path``, which pytest cleans up.
    """
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.mark.parametrize("guide", GUIDES)
def test_guide_examples_run(guide, at_root):
    path = DOCS / guide
    blocks = code_blocks(path.read_text())
    assert any(language == "pycon" for language, _, _ in blocks), f"{guide} has no examples"
    run = ("pycon", "python", "text")
    unrun = [line + 1 for language, line, _ in blocks if language not in run]
    assert not unrun, f"{guide}: code blocks at lines {unrun} are not run (use pycon or python)"
    failures = run_guide(path)
    assert not failures, failures


def test_code_blocks_finds_fences():
    text = "intro\n```pycon\n>>> 1 + 1\n2\n```\n\n```python\nx = 1\n```\n"
    assert code_blocks(text) == [("pycon", 2, ">>> 1 + 1\n2\n"), ("python", 7, "x = 1\n")]
