"""The local control plane's HTTP layer is built from routers that share one plumbing module:
nothing but the server's start-up imports the app, so routers and dialects cannot form an
import cycle with it."""

from __future__ import annotations

import ast
from pathlib import Path

import agentsync

SRC = Path(agentsync.__file__).parent


def importers_of(module: str) -> list[str]:
    """The modules under ``agentsync`` that import ``module`` (as ``import`` or ``from``)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if module in names:
                found.append(path.relative_to(SRC).as_posix())
                break
    return found


def test_only_the_server_start_up_imports_the_app() -> None:
    assert importers_of("agentsync.localserver.app") == ["localserver/server.py"]


def test_no_router_or_dialect_imports_another_package_of_routes() -> None:
    """Routers and dialects depend on the shared plumbing, never on each other's package."""
    routers = importers_of("agentsync.localserver.routers")
    dialects = importers_of("agentsync.localserver.dialects")
    assert not [m for m in routers if m.startswith("localserver/dialects/")]
    assert not [m for m in dialects if m.startswith("localserver/routers/")]
    assert "localserver/app.py" in routers
    assert "localserver/app.py" in dialects
