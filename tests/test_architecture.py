"""The architecture as a test: which package may import which (protocol <- crypto <- node <- tui <- app,
docs/architecture.md), what the lower packages keep out (I/O, the UI), and no import cycles between
modules. Read from the source with ast, so an import inside a function counts as much as one at the top."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("protocol", "crypto", "node", "tui", "app")

# Packages of ours each may import (itself always). tui sees node only through its client surface.
MAY_IMPORT = {
    "protocol": {"crypto"},
    "crypto": set(),
    "node": {"protocol", "crypto"},
    "tui": {"node", "crypto"},
    "app": {"protocol", "crypto", "node", "tui"},
}
TUI_MAY_USE_OF_NODE = {"antiport.node.client", "antiport.node.home", "antiport.node.ops"}
# Third-party and standard modules a package must not import (the first word of the module name).
MUST_NOT = {
    "protocol": {"trio", "libp2p", "sqlite3", "sqlite_utils", "textual", "httpx", "socket", "time", "asyncio"},
    "crypto": {"trio", "libp2p", "sqlite3", "sqlite_utils", "textual", "cbor2"},
    "node": {"textual"},
    "tui": {"trio", "libp2p", "sqlite3", "sqlite_utils"},
}


def module_name(path: Path) -> str:
    package, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = ["antiport", package, *rest]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imports(name: str) -> set[str]:
    """Every module `name` imports, absolute; `from X import y` is X.y when X.y is a module of ours (and
    then X, a package, is not counted: `from . import codec` does not need the package's __init__)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source)
    return found


def ours(name: str) -> str | None:
    """The module of ours that an imported name is (a package's __init__ for the package)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def package_of(name: str) -> str:
    return name.split(".")[1]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_only(name):
    package = package_of(name)
    wrong = []
    for imported in sorted(imports(name)):
        first = imported.split(".")[0]
        if first in MUST_NOT.get(package, ()):
            wrong.append(imported)
        if first != "antiport":
            continue
        target = package_of(imported)
        if target != package and target not in MAY_IMPORT[package]:
            wrong.append(imported)
        elif package == "tui" and target == "node" and ours(imported) not in TUI_MAY_USE_OF_NODE:
            wrong.append(imported)
    assert not wrong, f"{name} must not import {', '.join(wrong)} (docs/architecture.md)"


def test_no_import_cycles():
    graph = {name: {ours(i) for i in imports(name) if i.startswith("antiport.")} - {None, name} for name in MODULES}
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles)


def test_the_architecture_test_sees_every_package():
    # a test that read no files would pass whatever the imports are
    assert {package_of(n) for n in MODULES} == set(PACKAGES)
    assert "antiport.node.client" in imports("antiport.tui.app")
    assert "antiport.protocol.codec" in imports("antiport.protocol.envelope")


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the graph's strongly connected components."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            out.append(component)

    for v in graph:
        if v not in index:
            visit(v)
    return out
