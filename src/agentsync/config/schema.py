"""The published JSON Schema of the v1 config: generating it from the model, and loading it.

``generate()`` needs pydantic; ``load()`` reads the checked-in file with the standard library
only, so agent-lint can validate against it without importing pydantic.

pydantic's schema is reshaped for editors (yaml-language-server and the like) without changing
what it accepts, except where the model accepts more than pydantic says:
- null means "use the default" on every optional key (and as the whole document), so each
  optional key's type includes null; nullable types are type lists, not ``anyOf``, whose
  branches editors show as "Run || Run" on hover; no ``default: null`` (editors complete it
  as a literal ``null``): the description says what unset means;
- a tagged union (the triggers) is one object whose tag is an enum of every type, with
  ``if``/``then`` selecting each type's keys: editors pick a ``oneOf`` branch by the other
  keys and ignore OpenAPI's ``discriminator``, so a misspelt type was reported against the
  wrong branch. ``defaultSnippets`` complete a whole item of each type, required keys
  included.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILENAME = "agent-config.v1.json"
SCHEMA_URL = (
    "https://raw.githubusercontent.com/agentsync/agentsync/main/schemas/agent-config.v1.json"
)


def _def_name(ref: str) -> str:
    """The definition a local ``$ref`` names."""
    return ref.removeprefix("#/$defs/")


# Keywords that constrain one JSON type only: branches of a nullable union may each carry
# their own when they merge into one schema with a type list.
_TYPE_SPECIFIC = {
    "number": {"minimum", "maximum"},
    "integer": {"minimum", "maximum"},
    "array": {"items"},
    "string": set(),
}


def generate() -> dict[str, Any]:
    """Build the JSON Schema from the pydantic model (the source of truth)."""
    from agentsync.config.model import AgentConfig

    schema = for_editors(AgentConfig.model_json_schema(mode="validation"))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def for_editors(schema: dict[str, Any]) -> dict[str, Any]:
    """pydantic's ``schema`` in the shape described in this module's docstring."""
    schema = copy.deepcopy(schema)
    defs: dict[str, Any] = schema.get("$defs", {})
    for node in list(subschemas(schema)):
        if "discriminator" in node:
            selecting = _selected_by_tag(node, defs)
            node.clear()
            node.update(selecting)
    nullable_refs: Counter[str] = Counter()
    for node in subschemas(schema):
        required = node.get("required", ())
        for key, value in node.get("properties", {}).items():
            if key not in required:
                node["properties"][key] = _nullable(value, nullable_refs)
    all_refs = Counter(_def_name(node["$ref"]) for node in subschemas(schema) if "$ref" in node)
    for name, count in nullable_refs.items():
        if all_refs[name] != count:
            raise ValueError(f"{name} is used both where null is allowed and where it is not")
        defs[name]["type"] = ["object", "null"]
    schema["type"] = ["object", "null"]  # an empty document is a config with every default
    return schema


def subschemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``schema`` and every schema inside it (not the values of annotations)."""
    yield schema
    for keyword in ("$defs", "properties"):
        for child in schema.get(keyword, {}).values():
            yield from subschemas(child)
    for keyword in ("items", "additionalProperties", "if", "then"):
        if isinstance(schema.get(keyword), dict):
            yield from subschemas(schema[keyword])
    for keyword in ("anyOf", "allOf"):
        for child in schema.get(keyword, ()):
            yield from subschemas(child)


def key_homes(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Each key the schema documents, with the mappings that define it, the nearest to the top
    first: ``{"model": ["claude"], "name": ["ellipsis", "sandbox.repositories[]", ...]}``. A
    deprecated key (a top-level ``name:``) is no home: the reference puts it elsewhere."""
    defs: dict[str, Any] = schema.get("$defs", {})
    homes: dict[str, dict[str, None]] = {}
    seen: set[tuple[str, str]] = set()

    def walk(node: dict[str, Any], where: str) -> None:
        if "$ref" in node:
            name = node["$ref"].rpartition("/")[2]
            if (name, where) in seen:
                return
            seen.add((name, where))
            node = defs[name]
        for keyword in ("anyOf", "allOf"):
            for child in node.get(keyword, ()):
                walk(child, where)
        if isinstance(node.get("then"), dict):
            walk(node["then"], where)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{where}[]")
        for key, child in node.get("properties", {}).items():
            if isinstance(child, dict) and child.get("deprecated"):
                continue
            homes.setdefault(key, {})[where] = None
            if isinstance(child, dict):
                walk(child, f"{where}.{key}" if where else key)

    walk(schema, "")
    return {
        key: sorted(places, key=lambda w: (w.count(".") + w.count("[]"), w))
        for key, places in homes.items()
    }


def _nullable(value: dict[str, Any], nullable_refs: Counter[str]) -> dict[str, Any]:
    """``value`` accepting null as well, as one schema (no ``anyOf``): a type list, or for a
    reference, the definition's own type (counted in ``nullable_refs``)."""
    merged = {k: v for k, v in value.items() if k != "anyOf" and (k, v) != ("default", None)}
    branches = [b for b in value.get("anyOf", ()) if b != {"type": "null"}]
    types: list[str] = [value["type"]] if "type" in value else []
    for branch in branches:
        own = _TYPE_SPECIFIC.get(branch.get("type", ""), set())
        if len(branches) > 1 and set(branch) - {"type"} - own:
            raise ValueError(f"cannot merge {branch} into one nullable schema")
        types += [branch["type"]] if "type" in branch else []
        merged.update((k, v) for k, v in branch.items() if k != "type")
    if "$ref" in merged:
        nullable_refs[_def_name(merged["$ref"])] += 1
        return merged
    if not types:
        raise ValueError(f"cannot make {value} nullable")
    merged["type"] = [*types, "null"]
    if "const" in merged:
        merged["enum"] = [merged.pop("const")]
    if "enum" in merged:
        merged["enum"] = [*merged["enum"], None]
    return merged


def _selected_by_tag(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI-discriminated ``oneOf`` as one object: a tag enum, ``if``/``then``."""
    tag: str = node["discriminator"]["propertyName"]
    refs = [branch["$ref"] for branch in node["oneOf"]]  # the model's order, not the mapping's
    values = {ref: value for value, ref in node["discriminator"]["mapping"].items()}
    kind = node["title"].lower()
    return {
        "title": node["title"],
        "description": node["description"],
        "type": "object",
        "required": [tag],
        "properties": {
            tag: {
                "title": tag.title(),
                "description": f"The {kind} {tag}; it selects which other keys the {kind} takes.",
                "enum": [values[ref] for ref in refs],
                "enumDescriptions": [defs[_def_name(ref)]["description"] for ref in refs],
                "type": "string",
            }
        },
        "defaultSnippets": [
            {
                "label": f"{values[ref]} {kind}",
                "description": defs[_def_name(ref)]["description"],
                "body": _skeleton({"$ref": ref}, defs, itertools.count(1)),
            }
            for ref in refs
        ],
        "allOf": [
            {
                "if": {
                    "type": "object",
                    "properties": {tag: {"const": values[ref]}},
                    "required": [tag],
                },
                "then": {"$ref": ref},
            }
            for ref in refs
        ],
    }


def _skeleton(schema: dict[str, Any], defs: dict[str, Any], stops: Iterator[int]) -> Any:
    """A snippet body of ``schema``: its required keys, with a tab stop for each value."""
    if "$ref" in schema:
        return _skeleton(defs[_def_name(schema["$ref"])], defs, stops)
    if "const" in schema:
        return schema["const"]
    if schema.get("type") == "array":
        return [_skeleton(schema["items"], defs, stops)]
    if schema.get("type") == "object":
        required = schema.get("required", ())
        return {key: _skeleton(schema["properties"][key], defs, stops) for key in required}
    return f"${next(stops)}"


def render(schema: dict[str, Any]) -> str:
    """The exact text of the checked-in schema file."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _schema_path() -> Path:
    # A wheel carries the file inside the package; a source checkout has it at the root.
    package = Path(__file__).resolve().parents[1]
    packaged = package / "schemas" / SCHEMA_FILENAME
    return packaged if packaged.is_file() else package.parents[1] / "schemas" / SCHEMA_FILENAME


@cache
def load() -> dict[str, Any]:
    """The checked-in JSON Schema, as agent-lint validates against it."""
    with _schema_path().open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema
