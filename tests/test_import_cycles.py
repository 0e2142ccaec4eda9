"""No import circle among the modules of api/ and graph/, and graph/ never imports api/.

Every import statement counts, those inside functions too: an import put off into a
function to dodge a circle still ties the two modules together. Importing `a.b.c` runs
`a/__init__.py` and `a/b/__init__.py` first, so it also reaches each package above it
that the importing module is not itself inside.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "graph")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The modules of api/ and graph/ that `module` imports, packages above them included."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package_of(module, path).split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)  # a submodule?
    reached = set()
    for name in named:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            target = ".".join(parts[:end])
            if target in known and not (module == target or module.startswith(target + ".")):
                reached.add(target)
    return reached


def import_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        graph.add_edges_from((module, target)
                             for target in _imported(module, path, set(modules)))
    return graph


def test_no_module_of_api_or_graph_is_in_an_import_circle():
    circles = sorted(" -> ".join(circle + circle[:1])
                     for circle in nx.simple_cycles(import_graph()))
    assert circles == [], "import circles:\n" + "\n".join(circles)


def test_graph_never_imports_api():
    graph = import_graph()
    assert sorted((a, b) for a, b in graph.edges
                  if a.startswith("graph") and b.startswith("api")) == []


def test_the_check_sees_a_circle_through_an_import_inside_a_function(tmp_path, monkeypatch):
    """The check itself: two modules that import each other, one of them only inside a
    function, make a circle; a sibling import within a package does not."""
    package = tmp_path / "api"
    package.mkdir()
    (package / "__init__.py").write_text("from api import a\n")
    (package / "a.py").write_text("from api.b import thing\n")
    (package / "b.py").write_text("thing = 1\n\ndef later():\n    from api import a\n")
    monkeypatch.setattr("tests.test_import_cycles.ROOT", tmp_path)
    monkeypatch.setattr("tests.test_import_cycles.PACKAGES", ("api",))
    circles = [set(c) for c in nx.simple_cycles(import_graph())]
    assert {"api.a", "api.b"} in circles
    (package / "b.py").write_text("thing = 1\n")
    assert list(nx.simple_cycles(import_graph())) == []
