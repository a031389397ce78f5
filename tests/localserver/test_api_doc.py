"""docs/api.md, the HTTP API reference, is generated from the local control plane's OpenAPI
document by scripts/make_api_doc.py and kept up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_api_doc", ROOT / "scripts/make_api_doc.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_up_to_date() -> None:
    generator = _generator()
    committed = (ROOT / generator.DOCS_PATH).read_text(encoding="utf-8")
    assert committed == generator.reference(generator.openapi()), (
        "docs/api.md is out of date: run `make docs`"
    )


def test_every_route_has_a_section() -> None:
    generator = _generator()
    document = generator.openapi()
    page = generator.reference(document)
    routes = [(m.upper(), p) for p, methods in document["paths"].items() for m in methods]
    assert ("POST", "/v1/agents/runs") in routes
    for method, path in routes:
        assert page.count(f"### `{method} {path}`\n") == 1, (method, path)
