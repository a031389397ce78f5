"""Write docs/api.md, the local control plane's HTTP API reference, from its OpenAPI document.

Run it (``make docs``) after changing a route of the local server; a test fails while the
committed page differs from what this writes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

DOCS_PATH = Path("docs/api.md")

INTRODUCTION = """\
# HTTP API reference

The routes of the local control plane (`agent control-plane serve`), generated from its OpenAPI
document by `scripts/make_api_doc.py` (`make docs`). Every route except `GET /agents/schema`
needs an `Authorization: Bearer TOKEN` header; every error is JSON `{"detail": ...}` and every
response carries `X-Request-ID`. What the routes do is described in
[The local control plane](local-control-plane.md).

Besides these, the server streams a run's events over the WebSocket `/v1/runs/{run_id}/stream`
(resumable with `?after_seq=N`), which OpenAPI does not describe.
"""


def openapi() -> dict[str, Any]:
    """The OpenAPI document of a local server on an in-memory store."""
    from agentsync.localserver.server import ServerOptions, build

    with tempfile.TemporaryDirectory() as state:
        options = ServerOptions(api_tokens=["docs"], key_file=Path(state) / "vault.key")
        app, _ = build(options)
        return app.openapi()


def _type(schema: dict[str, Any]) -> str:
    """A value's type in words: ``string``, ``integer or null``, an enum's values, ``array of
    string``, a schema's name."""
    if "enum" in schema:
        return " \\| ".join(f"`{value}`" for value in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_type(option) for option in schema["anyOf"])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if schema.get("type") == "array" and "items" in schema:
        return f"array of {_type(schema['items'])}"
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {_type(schema['additionalProperties'])}"
    return str(schema.get("type", "any"))


def _one_line(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``, or the components/schemas entry its ``$ref`` names."""
    if "$ref" not in schema:
        return schema
    name = str(schema["$ref"]).removeprefix("#/components/schemas/")
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


def _number(value: float) -> str:
    """A bound as written: ``1``, not ``1.0`` (a float too large to be exact stays a float)."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else str(value)


CONSTRAINTS = {
    "minLength": "length ≥ {}",
    "maxLength": "length ≤ {}",
    "pattern": "matches `{}`",
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "exclusiveMinimum": "> {}",
    "exclusiveMaximum": "< {}",
    "minItems": "items ≥ {}",
    "maxItems": "items ≤ {}",
}


def _constraints(schema: dict[str, Any]) -> str:
    """A field's limits in words (of its non-null options too), its default, and
    ``write-only``."""
    parts = []
    for option in [schema, *schema.get("anyOf", [])]:
        for key, words in CONSTRAINTS.items():
            if key in option:
                value = option[key]
                parts.append(words.format(value if key == "pattern" else _number(value)))
    if schema.get("default") is not None:
        parts.append(f"default `{json.dumps(schema['default'])}`")
    if schema.get("writeOnly"):
        parts.append("write-only")
    return ", ".join(parts)


def _fields(
    document: dict[str, Any], schema: dict[str, Any], prefix: str = ""
) -> list[tuple[str, dict[str, Any], bool]]:
    """Each field of an object schema as ``(name, schema, required)``; a field that is a schema
    of its own (or a list of them) is followed by its fields, as ``field.name`` or
    ``field[].name``."""
    rows = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        rows.append((f"{prefix}{name}", field, name in required))
        if "$ref" in field:
            rows += _fields(document, _resolved(document, field), f"{prefix}{name}.")
        elif "$ref" in field.get("items", {}):
            rows += _fields(document, _resolved(document, field["items"]), f"{prefix}{name}[].")
    return rows


def _body(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """A request body: its schema's name, then a table of its fields (with a description
    column when a field has one)."""
    resolved = _resolved(document, schema)
    closed = "; unknown fields are a 422" if resolved.get("additionalProperties") is False else ""
    fields = _fields(document, resolved)
    described = any("description" in field for _, field, _ in fields)
    header = ["field", "type", "required", "constraints", *(["description"] if described else [])]
    lines = [f"Request body (JSON, `{_type(schema)}`{closed}):", ""]
    lines += [f"| {' | '.join(header)} |", "|---" * len(header) + "|"]
    for name, field, required in fields:
        cells = [f"`{name}`", _type(field), "yes" if required else "no", _constraints(field)]
        if described:
            cells.append(_one_line(field.get("description", "")).replace("|", "\\|"))
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def _operation(
    document: dict[str, Any], path: str, method: str, operation: dict[str, Any]
) -> list[str]:
    # The route function's docstring; FastAPI's summary (its name in words) only without one.
    said = operation.get("description") or operation.get("summary", "")
    lines = [f"### `{method.upper()} {path}`", "", _one_line(said)]
    parameters = operation.get("parameters", [])
    if parameters:
        lines += ["", "| parameter | in | type | required | constraints |", "|---" * 5 + "|"]
        for parameter in parameters:
            required = "yes" if parameter.get("required") else "no"
            schema = parameter.get("schema", {})
            cells = [f"`{parameter['name']}`", parameter["in"], _type(schema), required]
            lines.append(f"| {' | '.join([*cells, _constraints(schema)])} |")
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        lines += ["", *_body(document, body.get("schema", {}))]
    return [*lines, ""]


def _section(path: str) -> str:
    """The heading a path is listed under: the first segments that name what it serves."""
    parts = [part for part in path.split("/") if part and not part.startswith("{")]
    if parts[0] == "v1" and len(parts) > 1:
        return "/".join(parts[:3] if parts[1] in {"agents", "sync"} else parts[:2])
    return "/".join(parts[:2])


def reference(document: dict[str, Any]) -> str:
    """docs/api.md for ``document``: one section per group of paths, in the document's order."""
    sections: dict[str, list[str]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            sections.setdefault(_section(path), []).extend(
                _operation(document, path, method, operation)
            )
    lines = [INTRODUCTION]
    for section, operations in sections.items():
        lines += [f"## `/{section}`", "", *operations]
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> None:
    target = Path(__file__).resolve().parents[1] / DOCS_PATH
    target.parent.mkdir(exist_ok=True)
    target.write_text(reference(openapi()), encoding="utf-8", newline="\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
