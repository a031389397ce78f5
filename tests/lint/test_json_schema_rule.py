"""The json-schema rule's fast path never calls a schema valid that check_schema rejects."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from agentsync.lint.rules.json_schema import _plainly_valid, schema_problems

keywords = st.sampled_from(
    [
        "type",
        "properties",
        "required",
        "enum",
        "items",
        "additionalProperties",
        "anyOf",
        "minLength",
        "maximum",
        "uniqueItems",
        "description",
        "format",
        "const",
        "pattern",
        "not",
        "minItems",
        "$ref",
        "x-custom",
    ]
)
values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 3)
    | st.floats(-1, 1)
    | st.sampled_from(["object", "string", "integer", "strin", "a", "[", "email"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(keywords | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


def _check_schema_ok(schema: Any) -> bool:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return False
    return True


@settings(max_examples=600)
@given(st.dictionaries(keywords, values, max_size=4))
def test_fast_path_is_sound(schema: dict[str, Any]) -> None:
    if _plainly_valid(schema):
        assert _check_schema_ok(schema)
    assert (schema_problems(schema) == []) == _check_schema_ok(schema)


@pytest.mark.parametrize(
    ("schema", "valid"),
    [
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, True),
        ({"type": "strin"}, False),
        ({"required": "a"}, False),
        ({"minLength": -1}, False),
        ({"pattern": "["}, False),
        ({"pattern": "^a+$"}, True),
    ],
)
def test_known_schemas(schema: dict[str, Any], valid: bool) -> None:
    assert (schema_problems(schema) == []) is valid
