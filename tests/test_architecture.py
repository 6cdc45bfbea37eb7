"""The package reads from the bottom up: no import cycle, and no layer imports one it must not.

The import graph is built from the source (ast), counting imports inside functions too —
a lazy import is still a dependency. The allowed arrows are those of docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "toolkit"

# layer -> the layers it may import (besides itself). The top package (toolkit/__init__.py)
# knows its layers and imports them lazily; nothing imports it back but for the version.
# toolkit._html (HTML for notebook reprs), toolkit._plot (matplotlib Figures without pyplot)
# and toolkit._blas (one BLAS thread per task) are leaves that any layer may use.
BOTTOM = ("toolkit.errors", "toolkit.registry", "toolkit._seed", "toolkit._html", "toolkit._plot",
          "toolkit._blas")
ALLOWED = {
    "toolkit.errors": (),
    "toolkit._html": (),
    "toolkit._plot": (),
    "toolkit._seed": ("toolkit.errors",),
    "toolkit._blas": (),  # one BLAS thread per parallel task: nn (replicas) and models use it
    "toolkit.registry": ("toolkit.errors",),
    "toolkit.data": BOTTOM,
    "toolkit.augment": BOTTOM,
    "toolkit.nn": BOTTOM,
    "toolkit.models": (*BOTTOM, "toolkit.data", "toolkit.nn", "toolkit.distributed"),
    "toolkit.viz": (*BOTTOM, "toolkit.data", "toolkit.augment", "toolkit.nn"),
    "toolkit.zoo": (*BOTTOM, "toolkit.nn"),
    # Ray: executors for models, batches for data's loader; it reaches nn and models
    # only through the objects it is handed
    "toolkit.distributed": (*BOTTOM, "toolkit.data"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            parent = name.startswith(target + ".") and target != "toolkit"
            if target and target != name and not parent:  # a parent package runs anyway
                out.add(target)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_there_is_no_import_cycle_in_the_package():
    assert _cycles(GRAPH) == []


def _layer(module: str) -> str | None:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_sits_below_it(layer):
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items() if _layer(module) == layer
        for target in targets
        if _layer(target) not in (layer, *ALLOWED[layer]) and target != "toolkit"
    )
    assert wrong == []


def test_no_module_below_the_top_imports_the_top_package():
    wrong = sorted(m for m, targets in GRAPH.items() if "toolkit" in targets and _layer(m))
    assert wrong == []


def test_the_architecture_page_names_every_layer_and_no_file_outside_the_repository():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer in ALLOWED:
        assert layer.replace("toolkit.", "") in page
    assert "../shared" not in page and "/work/" not in page
