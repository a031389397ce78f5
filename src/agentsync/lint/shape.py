"""Shape validation against the generated JSON Schema, without pydantic or jsonschema.

agent-lint must start fast, so it checks types, keys and bounds with this small validator over
``schemas/agent-config.v1.json`` (generated from the pydantic model). It understands exactly
the keywords pydantic emits for the model (``SUPPORTED_KEYWORDS``; a test keeps the schema
inside that set) and follows the model's conventions: strict types, and a null value on an
optional key means "use the default". A test proves it agrees with the model on every fixture
and on generated documents.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from agentsync.config.problems import ConfigPath
from agentsync.money import MAX_AMOUNT, fits, unfit_numbers

SUPPORTED_KEYWORDS = frozenset(
    {
        "$defs", "$id", "$ref", "$schema", "additionalProperties", "anyOf", "const", "default",
        "description", "discriminator", "enum", "items", "maximum", "minimum", "oneOf",
        "properties", "required", "title", "type",
    }
)  # fmt: skip

ShapeKind = Literal["type", "unknown-key", "missing-key", "enum", "range", "discriminator"]

_TYPE_CHECKS: dict[str, Any] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,
    "number": lambda v: type(v) is int or type(v) is float,
    "boolean": lambda v: type(v) is bool,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
    "null": lambda v: v is None,
}


class ShapeError(NamedTuple):
    """One way a value does not fit the schema.

    ``expected`` holds the JSON types (kind ``type``), the allowed values (``enum``,
    ``discriminator``), the known keys (``unknown-key``) or the missing key (``missing-key``).
    ``bound`` is ``(keyword, limit)`` for ``range``: ``minimum``, ``maximum``, or ``finite``
    for a number that is not finite or is larger than any field holds.
    """

    path: ConfigPath
    kind: ShapeKind
    value: Any = None
    expected: tuple[Any, ...] = ()
    bound: tuple[str, float] | None = None


class ShapeValidator:
    """Validates plain data against one JSON Schema document."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._root = schema
        self._defs: dict[str, Any] = schema.get("$defs", {})

    def validate(self, data: Any) -> list[ShapeError]:
        errors: list[ShapeError] = []
        self._check(data, self._root, (), errors)
        # A number no field can hold (NaN, infinity, 10^309), wherever it is, open mappings
        # included: the model refuses the same (AgentConfig), so lint and sync agree.
        reported = {error.path for error in errors}
        for path, value in unfit_numbers(data):
            if path not in reported:
                errors.append(ShapeError(path, "range", value, bound=("finite", MAX_AMOUNT)))
        return errors

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self._defs[schema["$ref"].rpartition("/")[2]]
        return schema

    def _check(
        self, value: Any, schema: dict[str, Any], path: ConfigPath, out: list[ShapeError]
    ) -> None:
        schema = self._resolve(schema)
        if "anyOf" in schema:
            self._any_of(value, schema["anyOf"], path, out)
        elif "discriminator" in schema:
            self._discriminated(value, schema, path, out)
        elif "type" in schema and not _TYPE_CHECKS[schema["type"]](value):
            out.append(ShapeError(path, "type", value, (schema["type"],)))
        elif "const" in schema and value != schema["const"]:
            out.append(ShapeError(path, "enum", value, (schema["const"],)))
        elif "enum" in schema and value not in schema["enum"]:
            out.append(ShapeError(path, "enum", value, tuple(schema["enum"])))
        elif type(value) is dict:
            self._object(value, schema, path, out)
        elif type(value) is list and "items" in schema:
            for index, item in enumerate(value):
                self._check(item, schema["items"], (*path, index), out)
        elif type(value) in (int, float) and fits(value):  # the others: see validate()
            if "minimum" in schema and not value >= schema["minimum"]:
                out.append(ShapeError(path, "range", value, bound=("minimum", schema["minimum"])))
            elif "maximum" in schema and not value <= schema["maximum"]:
                out.append(ShapeError(path, "range", value, bound=("maximum", schema["maximum"])))

    def _any_of(
        self, value: Any, options: list[dict[str, Any]], path: ConfigPath, out: list[ShapeError]
    ) -> None:
        branches = [self._resolve(option) for option in options]
        fitting = [b for b in branches if "type" not in b or _TYPE_CHECKS[b["type"]](value)]
        if not fitting:
            types = tuple(dict.fromkeys(b.get("type", "object") for b in branches))
            out.append(ShapeError(path, "type", value, types))
            return
        first_errors: list[ShapeError] | None = None
        for branch in fitting:
            errors: list[ShapeError] = []
            self._check(value, branch, path, errors)
            if not errors:
                return
            first_errors = first_errors if first_errors is not None else errors
        out.extend(first_errors or ())

    def _discriminated(
        self, value: Any, schema: dict[str, Any], path: ConfigPath, out: list[ShapeError]
    ) -> None:
        if type(value) is not dict:
            out.append(ShapeError(path, "type", value, ("object",)))
            return
        tag_key: str = schema["discriminator"]["propertyName"]
        mapping: dict[str, str] = schema["discriminator"]["mapping"]
        tag = value.get(tag_key)
        if type(tag) is not str or tag not in mapping:
            out.append(ShapeError((*path, tag_key), "discriminator", tag, tuple(mapping)))
            return
        self._check(value, {"$ref": mapping[tag]}, path, out)

    def _object(
        self, value: dict[str, Any], schema: dict[str, Any], path: ConfigPath, out: list[ShapeError]
    ) -> None:
        properties: dict[str, Any] = schema.get("properties", {})
        required = schema.get("required", ())
        for key in required:
            if key not in value:
                out.append(ShapeError(path, "missing-key", None, (key,)))
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None:
                if item is None and key not in required:
                    continue  # null means "use the default"
                self._check(item, sub, (*path, key), out)
            elif extra is False:
                out.append(ShapeError((*path, key), "unknown-key", key, tuple(properties)))
            elif isinstance(extra, dict):
                self._check(item, extra, (*path, key), out)


YAML11_BOOLEANS = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    ]
)


def is_yaml11_boolean(error: ShapeError) -> bool:
    """A string that YAML 1.1 would have read as a boolean, where a boolean is expected."""
    return error.kind == "type" and "boolean" in error.expected and error.value in YAML11_BOOLEANS
