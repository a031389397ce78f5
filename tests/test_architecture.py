"""The package map holds: no import cycles, each package imports only the packages below it,
and no function or module outgrows what one reader can hold (80 and 500 lines).

The map (the README's "Layout" draws it):

    cli          -> everything below: it parses, calls and prints
    service      -> sync, lint, config, client, the shared modules
    localserver  -> lint, config, client, the shared modules
    platforms    -> config, client, http, the shared modules
    sync         -> lint, config, client, the shared modules
    client       -> http, the shared modules
    lint         -> config, the shared modules
    config       -> the shared modules
    http         -> the shared modules

The shared modules are the top-level ones (``errors``, ``settings``, ``tables``...): they import
no package but ``config``'s leaves they name below.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "agentsync"

SHARED = "(shared)"
MAY_IMPORT: dict[str, set[str]] = {
    "cli": {"service", "localserver", "platforms", "sync", "client", "lint", "config", "http"},
    "service": {"sync", "lint", "config", "client", "http"},
    "localserver": {"lint", "config", "client", "http"},
    "platforms": {"config", "client", "http"},
    "sync": {"lint", "config", "client", "http"},
    "client": {"http"},
    "lint": {"config"},
    "config": set(),
    "http": set(),
    SHARED: set(),
}
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every agentsync module ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
            targets = [t if t in known else base for t in targets]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imported(name, path, known)) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            if component:
                found.append(sorted([node, *component]))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer(name: str) -> str:
    parts = name.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return SHARED


def test_there_are_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_each_package_imports_only_the_packages_below_it() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in targets
        if layer(target) not in {layer(name), SHARED, *MAY_IMPORT[layer(name)]}
        and name != "agentsync.__main__"
    )
    assert wrong == []


def test_the_shared_modules_import_no_package() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        if layer(name) == SHARED and name not in {"agentsync", "agentsync.__main__"}
        for target in targets
        if layer(target) != SHARED
    )
    assert wrong == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_functions_and_modules_stay_small(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{lines} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []
