"""The fast shape validator agrees with the pydantic model (the source of truth)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentsync.config.files import load_file
from agentsync.config.loader import load_text
from agentsync.config.schema import load, subschemas
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from agentsync.lint.shape import SUPPORTED_KEYWORDS, ShapeValidator
from tests.conftest import FIXTURES, model_accepts

VALIDATOR = ShapeValidator(load())


def test_schema_uses_only_supported_keywords() -> None:
    used = {keyword for schema in subschemas(load()) for keyword in schema}
    assert used <= SUPPORTED_KEYWORDS


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.yaml")), ids=lambda p: p.name)
def test_agrees_with_pydantic_on_fixtures(path: Path) -> None:
    document = load_file(path)
    if not document.loaded or not isinstance(document.data, dict):
        return
    assert (VALIDATOR.validate(document.data) == []) == model_accepts(document.data)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(-2, 20)
    | st.sampled_from(
        [
            "v1",
            "v2",
            "cron",
            "react",
            "mention",
            "push",
            "pull_request_merged",
            "github",
            "x",
            "yes",
            "",
            "4GB",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "ellipsis",
                    "version",
                    "name",
                    "description",
                    "repositories",
                    "type",
                    "schedule",
                    "events",
                    "event",
                    "branches",
                    "platforms",
                    "claude",
                    "system",
                    "limits",
                    "run",
                    "day",
                    "sandbox",
                    "compute",
                    "cpu",
                    "memory",
                    "variables",
                    "value",
                    "triggers",
                    "enabled",
                    "metadata",
                    "labels",
                    "structured_output",
                    "json_schema",
                    "tools",
                    "mcp_servers",
                    "bogus",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_agrees_with_pydantic_on_generated_documents(data: Any) -> None:
    if not isinstance(data, dict):
        data = {"ellipsis": data}
    assert (VALIDATOR.validate(data) == []) == model_accepts(data), json.dumps(data)


def test_an_unknown_key_is_told_the_documented_keys_only() -> None:
    [error] = VALIDATOR.validate({"ellipsis": {}, "nmae": "x"})
    assert error.kind == "unknown-key"
    assert "ellipsis" in error.expected
    assert not {"name", "description", "repositories"} & set(error.expected)  # deprecated


@pytest.mark.parametrize(
    ("value", "got"),
    [("1e400", "a number too large to hold"), (".nan", "NaN (not a number)")],
)
def test_a_number_yaml_cannot_hold_is_named_and_not_offered_quoted(value: str, got: str) -> None:
    text = (
        "ellipsis: {version: v1}\nclaude:\n  system: A.\n"
        f"sandbox:\n  compute:\n    timeout: {value}\n"
    )
    (diagnostic,) = lint_document(load_text(text, "agents/a.yaml"), Settings()).diagnostics
    assert (diagnostic.rule, diagnostic.line) == ("type", 6)
    assert diagnostic.message.endswith(f"got {got}")
    assert diagnostic.hint is None
