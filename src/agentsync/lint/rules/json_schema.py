"""``json-schema``: ``structured_output.json_schema`` must itself be a valid JSON Schema
(draft 2020-12, as ``jsonschema``'s ``check_schema`` decides).

Most output schemas use a handful of plain keywords; those are recognised as valid without
importing jsonschema (a test checks the fast path against ``check_schema``). Anything else goes
to ``check_schema``, with results cached per distinct schema.

Bad::

    structured_output:
      json_schema:
        type: object
        properties:
          severity: {type: text}

Fixed::

    structured_output:
      json_schema:
        type: object
        properties:
          severity: {type: string}
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agentsync.config.secrets import shortened
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta("json-schema", "error", "structured_output.json_schema must be a valid JSON Schema")

PATH = ("structured_output", "json_schema")
_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_TEXT = frozenset({"description", "title", "$comment", "format"})
_SUBSCHEMA = frozenset({"additionalProperties", "items", "not", "contains", "propertyNames"})
_SCHEMA_LISTS = frozenset({"anyOf", "allOf", "oneOf"})
_COUNTS = frozenset(
    {"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"}
)
_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_ANY = frozenset({"const", "default"})

_CACHE: dict[str, list[tuple[tuple[Any, ...], str]]] = {}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plainly_valid(schema: Any) -> bool:
    """True only when the schema uses plain keywords with valid values (then it is valid)."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key == "type":
            types = value if isinstance(value, list) else [value]
            if not types or not all(isinstance(t, str) and t in _TYPES for t in types):
                return False
            if len(set(types)) != len(types):
                return False
        elif key == "properties":
            if not isinstance(value, dict) or not all(map(_plainly_valid, value.values())):
                return False
        elif key == "required":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return False
            if len(set(value)) != len(value):
                return False
        elif key == "enum":
            if not isinstance(value, list):
                return False
        elif key in _SUBSCHEMA:
            if not _plainly_valid(value):
                return False
        elif key in _SCHEMA_LISTS:
            if not isinstance(value, list) or not value or not all(map(_plainly_valid, value)):
                return False
        elif key in _TEXT:
            if not isinstance(value, str):
                return False
        elif key in _COUNTS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                return False
        elif key in _BOUNDS:
            if not _is_number(value):
                return False
        elif key == "uniqueItems":
            if not isinstance(value, bool):
                return False
        elif key not in _ANY:
            return False
    return True


def schema_problems(schema: Any) -> list[tuple[tuple[Any, ...], str]]:
    """``(path inside the schema, message)`` for each reason ``schema`` is invalid."""
    if _plainly_valid(schema):
        return []
    key = json.dumps(schema, sort_keys=True, default=str)
    if key not in _CACHE:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import relevance

        validator = Draft202012Validator(  # exactly what check_schema builds
            Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        errors = sorted(validator.iter_errors(schema), key=relevance)
        _CACHE[key] = [
            (tuple(e.absolute_path), _message(e.absolute_path, e.message)) for e in errors[:1]
        ]
    return _CACHE[key]


def _message(path: Any, message: str, limit: int = 160) -> str:
    if path and path[-1] == "type":
        return f"'type' must be one of {', '.join(sorted(_TYPES))} (or a list of them)"
    return shortened(message, limit)


def check(ctx: LintContext) -> Iterator[Finding]:
    schema = ctx.get(PATH)
    if not isinstance(schema, dict):
        return
    for inner, message in schema_problems(schema):
        yield ctx.finding(
            (*PATH, *inner),
            f"structured_output.json_schema is not a valid JSON Schema: {message}",
            "see https://json-schema.org/understanding-json-schema/ (draft 2020-12)",
        )
