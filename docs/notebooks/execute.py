"""Run the notebooks of docs/notebooks/ and keep their outputs, so that they read on GitHub.

    python docs/notebooks/execute.py              # every notebook, rewritten in place
    python docs/notebooks/execute.py digits.ipynb

Each notebook runs in a fresh Jupyter kernel (this Python, this checkout's toolkit on
``PYTHONPATH``) from a temporary working folder, so that it depends on nothing but
``tk.datasets.path`` and whatever it writes stays out of the repository.
``tests/test_notebooks.py`` runs them the same way and fails on an error or on a warning
in any output. Needs the ``notebook`` extra (ipykernel, nbclient, nbformat, ipywidgets).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TIMEOUT = 120  # seconds per cell


def notebooks() -> list[Path]:
    """The notebooks in this folder, by name."""
    return sorted(HERE.glob("*.ipynb"))


def execute(path: Path, workdir: Path):
    """execute(path, workdir) -> the notebook with fresh outputs, run from ``workdir``."""
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(book, timeout=TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend
    client.execute(env=env)
    return book


def problems(book) -> list[str]:
    """The outputs that show an error or a warning: ``["cell 3: UserWarning: ..."]``."""
    found = []
    for number, cell in enumerate(book.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.output_type == "stream" else ""
            text += "".join(str(v) for k, v in out.get("data", {}).items() if k == "text/plain")
            if out.output_type == "error":
                found.append(f"cell {number}: {out.ename}: {out.evalue}")
            elif (out.output_type == "stream" and out.name == "stderr") or "Warning" in text:
                found.append(f"cell {number}: {text.strip()[:300]}")
    return found


def main(names: list[str]) -> int:
    import nbformat

    chosen = [HERE / n for n in names] if names else notebooks()
    for path in chosen:
        with tempfile.TemporaryDirectory() as workdir:
            book = execute(path, Path(workdir))
        trouble = problems(book)
        if trouble:
            print(f"{path.name}: not written, its outputs show problems:", *trouble, sep="\n  ")
            return 1
        nbformat.write(book, path)
        print(f"{path.name}: executed and written with its outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
