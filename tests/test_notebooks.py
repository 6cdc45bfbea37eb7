"""Every notebook in docs/notebooks/ runs in a fresh Jupyter kernel from a temporary working
folder, with no error and no warning in any output; each is committed with its outputs."""

import importlib.util
import json

import pytest

from tests.test_docs import DOCS

pytest.importorskip("nbclient", reason="the notebook extra is not installed")
pytest.importorskip("ipykernel", reason="the notebook extra is not installed")

_spec = importlib.util.spec_from_file_location("execute", DOCS / "notebooks" / "execute.py")
execute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute)

NOTEBOOKS = [path.name for path in execute.notebooks()]


def test_the_notebooks_are_there():
    assert {"digits.ipynb", "transfer.ipynb", "classical.ipynb", "pipeline.ipynb"} <= set(NOTEBOOKS)


@pytest.mark.notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_without_errors_or_warnings(name, tmp_path, digits_dir, wine_csv):
    book = execute.execute(DOCS / "notebooks" / name, tmp_path)
    assert execute.problems(book) == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_with_its_outputs(name):
    cells = json.loads((DOCS / "notebooks" / name).read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code), "run docs/notebooks/execute.py"
    assert sum(bool(c["outputs"]) for c in code) >= len(code) // 2
    kinds = {k for c in code for o in c["outputs"] for k in o.get("data", {})}
    assert {"text/html", "image/png"} & kinds


def test_problems_finds_warnings_and_errors():
    import nbformat

    book = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="careful\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="UserWarning: odd\n"),
                    nbformat.v4.new_output("error", ename="KeyError", evalue="'a'", traceback=[])]
    book.cells = [cell]
    assert execute.problems(book) == ["cell 0: careful", "cell 0: UserWarning: odd",
                                      "cell 0: KeyError: 'a'"]
