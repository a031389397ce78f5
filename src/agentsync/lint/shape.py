"""Shape validation against the generated JSON Schema, without pydantic or jsonschema.

agent-lint must start fast, so it checks types, keys and bounds with this small validator over
``schemas/agent-config.v1.json`` (generated from the pydantic model). It understands exactly
the keywords that schema uses (``SUPPORTED_KEYWORDS``; a test keeps the schema inside that
set), with strict types. A key whose value selects the object's shape (the ``if``/``then``
under ``allOf``, as a trigger's ``type``) is reported as ``discriminator`` when it is missing
or not one of the allowed values, and nothing else of that object is checked. A test proves it
agrees with the model on every fixture and on generated documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

from agentsync.config.money import MAX_AMOUNT, fits, unfit_numbers
from agentsync.config.problems import ConfigPath
from agentsync.config.schema import subschemas

SUPPORTED_KEYWORDS = frozenset(
    {
        "$defs", "$id", "$ref", "$schema", "additionalProperties", "allOf", "anyOf", "const",
        "default", "defaultSnippets", "deprecated", "deprecationMessage", "description", "enum",
        "enumDescriptions", "if", "items", "maximum", "minimum", "pattern", "properties",
        "required", "then", "title", "type",
    }
)  # fmt: skip

ShapeKind = Literal[
    "type", "unknown-key", "missing-key", "enum", "range", "pattern", "discriminator"
]

# The Python types of each JSON type, strict: a bool is no integer, a string no number.
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}
_ANY_TYPE = frozenset(t for types in _PYTHON_TYPES.values() for t in types)


def has_type(value: Any, types: Iterable[str]) -> bool:
    """Whether ``value`` is of one of these JSON types (strictly, as validation counts them)."""
    return any(type(value) in _PYTHON_TYPES[name] for name in types)


def _types(schema: dict[str, Any]) -> tuple[str, ...]:
    types = schema.get("type", ())
    return tuple(types) if isinstance(types, list) else (types,)


def _named(values: Any) -> tuple[Any, ...]:
    """What an error lists as expected: null is left out (it only ever means "the default")."""
    return tuple(v for v in values if v is not None and v != "null")


class _Selector(NamedTuple):
    """The key whose value selects the schema the rest of an object follows: an ``allOf`` of
    ``if: {properties: {key: {const: value}}, required: [key]}`` / ``then``, as a trigger's
    ``type`` selects its keys."""

    key: str
    then: dict[str, dict[str, Any]]


def _selector(schema: dict[str, Any]) -> _Selector:
    keys: set[str] = set()
    then: dict[str, dict[str, Any]] = {}
    for condition in schema["allOf"]:
        test = condition["if"]
        [(key, const)] = test["properties"].items()
        if set(test) - {"type", "properties", "required"} or test["required"] != [key]:
            raise ValueError(f"unsupported condition {test}")
        keys.add(key)
        then[const["const"]] = condition["then"]
    [key] = keys
    return _Selector(key, then)


class ShapeError(NamedTuple):
    """One way a value does not fit the schema.

    ``expected`` holds the JSON types (kind ``type``), the allowed values (``enum``,
    ``discriminator``), the known keys (``unknown-key``), the missing key (``missing-key``) or
    the pattern (``pattern``).
    ``bound`` is ``(keyword, limit)`` for ``range``: ``minimum``, ``maximum``, or ``finite``
    for a number that is not finite or is larger than any field holds.
    ``items`` holds the JSON types of the items of a list expected (kind ``type``).
    """

    path: ConfigPath
    kind: ShapeKind
    value: Any = None
    expected: tuple[Any, ...] = ()
    bound: tuple[str, float] | None = None
    items: tuple[str, ...] = ()


def _matches(pattern: str, value: str) -> bool:
    """``value`` matches a schema's ``pattern``, which the model anchors: ``^...$``. Its body is
    matched against the whole value, since Python's ``$`` would also match before a final
    newline (the model's does not)."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise ValueError(f"the schema's pattern {pattern!r} is not anchored with ^ and $")
    return re.fullmatch(pattern[1:-1], value) is not None


class ShapeValidator:
    """Validates plain data against one JSON Schema document."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._root = schema
        self._defs: dict[str, Any] = schema.get("$defs", {})
        # By id of each schema node (they live as long as ``schema``): its Python types, and
        # its selector when it has one.
        self._python_types: dict[int, frozenset[type]] = {}
        self._selectors: dict[int, _Selector] = {}
        for node in subschemas(schema):
            if "type" in node:
                types = (t for name in _types(node) for t in _PYTHON_TYPES[name])
                self._python_types[id(node)] = frozenset(types)
            if "allOf" in node:
                self._selectors[id(node)] = _selector(node)

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
        elif type(value) not in self._python_types.get(id(schema), _ANY_TYPE):
            expected = _named(_types(schema)) or ("null",)
            out.append(ShapeError(path, "type", value, expected, items=self._item_types(schema)))
        elif "const" in schema and value != schema["const"]:
            out.append(ShapeError(path, "enum", value, (schema["const"],)))
        elif "enum" in schema and value not in schema["enum"]:
            out.append(ShapeError(path, "enum", value, _named(schema["enum"])))
        elif "pattern" in schema and type(value) is str and not _matches(schema["pattern"], value):
            out.append(ShapeError(path, "pattern", value, (schema["pattern"],)))
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

    def _item_types(self, schema: dict[str, Any]) -> tuple[str, ...]:
        items = schema.get("items")
        return _types(self._resolve(items)) if isinstance(items, dict) else ()

    def _any_of(
        self, value: Any, options: list[dict[str, Any]], path: ConfigPath, out: list[ShapeError]
    ) -> None:
        branches = [self._resolve(option) for option in options]
        fitting = [b for b in branches if type(value) in self._python_types.get(id(b), _ANY_TYPE)]
        if not fitting:
            types = _named(dict.fromkeys(t for b in branches for t in _types(b)))
            out.append(ShapeError(path, "type", value, types or ("null",)))
            return
        first_errors: list[ShapeError] | None = None
        for branch in fitting:
            errors: list[ShapeError] = []
            self._check(value, branch, path, errors)
            if not errors:
                return
            first_errors = first_errors if first_errors is not None else errors
        out.extend(first_errors or ())

    def _object(
        self, value: dict[str, Any], schema: dict[str, Any], path: ConfigPath, out: list[ShapeError]
    ) -> None:
        selector = self._selectors.get(id(schema))
        then: dict[str, Any] | None = None
        if selector is not None:
            tag = value.get(selector.key)
            then = selector.then.get(tag) if type(tag) is str else None
            if then is None:
                expected = tuple(selector.then)
                out.append(ShapeError((*path, selector.key), "discriminator", tag, expected))
                return
        properties: dict[str, Any] = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                out.append(ShapeError(path, "missing-key", None, (key,)))
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None:
                self._check(item, sub, (*path, key), out)
            elif extra is False:
                documented = (k for k, known in properties.items() if not known.get("deprecated"))
                out.append(ShapeError((*path, key), "unknown-key", key, tuple(documented)))
            elif isinstance(extra, dict):
                self._check(item, extra, (*path, key), out)
        if then is not None:
            self._check(value, then, path, out)


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
