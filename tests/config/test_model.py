"""The model: the checked-in schema is generated from it, its vocabulary matches the platform
constants, defaults are the documented ones, and the content identity is stable."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from agentsync.config import model, reference
from agentsync.config.identity import content_identity, normalized, parse_config
from agentsync.config.schema import generate, load, render

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "agent-config.v1.json"


def test_checked_in_schema_matches_the_model() -> None:
    assert SCHEMA_FILE.read_text() == render(generate()), "run `make schema`"


def test_runtime_schema_is_the_checked_in_one() -> None:
    assert render(load()) == SCHEMA_FILE.read_text()


def test_vocabulary_matches_platform_constants() -> None:
    assert typing.get_args(model.ReactEventName) == reference.REACT_EVENTS
    assert typing.get_args(model.MentionPlatform) == reference.MENTION_PLATFORMS
    versions = typing.get_args(model.EllipsisBlock.model_fields["version"].annotation)
    assert versions == reference.SUPPORTED_VERSIONS
    deprecated_events = typing.get_args(typing.get_args(model.DeprecatedReactEventName)[0])
    assert deprecated_events == tuple(reference.DEPRECATED_REACT_EVENTS)
    top_level = model.AgentConfig.model_fields
    assert {key for key, field in top_level.items() if field.exclude} == set(
        reference.DEPRECATED_TOP_LEVEL_KEYS
    )


def test_documented_defaults() -> None:
    config = parse_config({"ellipsis": None})
    assert config.ellipsis.version == "v1"
    assert config.enabled is True
    assert config.triggers == []
    assert config.claude.system == ""
    assert config.ellipsis.metadata.labels == []
    assert config.limits.run is None
    assert config.structured_output is None
    assert model.StructuredOutput().type == "json_schema"


def test_null_means_default_but_not_for_required_keys() -> None:
    assert parse_config({"claude": {"system": None}}).claude.system == ""
    with pytest.raises(ValueError, match="schedule"):
        parse_config({"triggers": [{"type": "cron", "schedule": None}]})


def test_strict_types() -> None:
    with pytest.raises(ValueError, match="enabled"):
        parse_config({"enabled": "yes"})
    with pytest.raises(ValueError, match="name"):
        parse_config({"ellipsis": {"name": 5}})


def test_open_models_pass_extra_keys_through() -> None:
    config = parse_config(
        {"mcp_servers": [{"name": "x", "url": "u"}], "tools": [{"type": "t", "n": 1}]}
    )
    assert config.mcp_servers[0].model_extra == {"url": "u"}


def test_identity_ignores_formatting_defaults_and_metadata() -> None:
    a = parse_config(
        {
            "ellipsis": {"metadata": {"labels": ["a"]}},
            "claude": {"system": "hi"},
            "limits": {"run": 10},
        }
    )
    b = parse_config({"enabled": True, "claude": {"system": "hi"}, "limits": {"run": 10.0}})
    assert content_identity(a) == content_identity(b)
    assert content_identity(a).startswith("sha256:")


def test_identity_changes_with_content() -> None:
    a = parse_config({"claude": {"system": "hi"}})
    b = parse_config({"claude": {"system": "hi!"}})
    c = parse_config({"claude": {"system": "hi"}, "ellipsis": {"name": "renamed"}})
    assert len({content_identity(a), content_identity(b), content_identity(c)}) == 3


def test_undocumented_spellings_read_as_the_documented_ones() -> None:
    undocumented = parse_config(
        {
            "name": "n",
            "description": "d",
            "repositories": [{"name": "app"}],
            "triggers": [{"type": "react", "events": [{"event": "pull_request_merged"}]}],
        }
    )
    documented = parse_config(
        {
            "ellipsis": {"name": "n", "description": "d"},
            "sandbox": {"repositories": [{"name": "app"}]},
            "triggers": [{"type": "react", "events": [{"event": "pull_request_merge"}]}],
        }
    )
    assert normalized(undocumented) == normalized(documented)
    assert content_identity(undocumented) == content_identity(documented)


def test_the_documented_place_wins_but_both_spellings_are_checked() -> None:
    config = parse_config({"ellipsis": {"name": "documented"}, "name": "undocumented"})
    assert config.ellipsis.name == "documented"
    with pytest.raises(ValueError, match="name"):
        parse_config({"ellipsis": {"name": "documented"}, "name": 5})
    with pytest.raises(ValueError, match="repositories"):
        parse_config({"sandbox": {"repositories": []}, "repositories": [{"owner": "x"}]})
