"""The fast shape validator agrees with the pydantic model (the source of truth)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from agentsync.config.files import load_file
from agentsync.config.identity import parse_config
from agentsync.config.schema import load
from agentsync.lint.shape import SUPPORTED_KEYWORDS, ShapeValidator

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
VALIDATOR = ShapeValidator(load())


def _pydantic_ok(data: Any) -> bool:
    try:
        parse_config(data)
    except ValidationError:
        return False
    return True


def test_schema_uses_only_supported_keywords() -> None:
    used: set[str] = set()

    def walk(node: Any, keys_are_names: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not keys_are_names:
                    used.add(key)
                walk(value, keys_are_names=key in ("properties", "$defs", "mapping"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(load())
    assert used - SUPPORTED_KEYWORDS - {"mapping", "propertyName"} == set()


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.yaml")), ids=lambda p: p.name)
def test_agrees_with_pydantic_on_fixtures(path: Path) -> None:
    document = load_file(path)
    if not document.loaded or not isinstance(document.data, dict):
        return
    assert (VALIDATOR.validate(document.data) == []) == _pydantic_ok(document.data)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(-2, 20)
    | st.sampled_from(
        ["v1", "v2", "cron", "react", "mention", "push", "github", "x", "yes", "", "4GB"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "ellipsis",
                    "version",
                    "name",
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
    assert (VALIDATOR.validate(data) == []) == _pydantic_ok(data), json.dumps(data)
