"""Choices the platform's config reference leaves open, made once and held by lint and sync
alike: a react trigger with ``events: []`` is valid with a warning (it never fires); a sandbox
repository named ``""`` is invalid (it names nothing to check out). Where the reference is
silent on git, see ``test_git_walk.py``."""

from __future__ import annotations

import pytest

from tests.agreement import found, lint_and_sync

PROMPT = "claude:\n  system: Review the diff.\n"
NO_EVENTS = "ellipsis: {version: v1}\ntriggers:\n  - type: react\n    events: []\n"


def test_a_react_trigger_with_no_events_is_valid_with_a_warning() -> None:
    result, desired = lint_and_sync(NO_EVENTS + PROMPT)
    assert [(d.rule, d.severity, d.line) for d in result.diagnostics] == [
        ("empty-events", "warning", 4)
    ]
    assert desired.status == "valid"
    assert desired.agent_config is not None
    assert desired.agent_config["triggers"] == [{"type": "react", "events": []}]


def test_a_react_trigger_with_no_events_still_needs_the_prompt() -> None:
    result, desired = lint_and_sync(NO_EVENTS)
    assert [d.message for d in result.diagnostics if d.rule == "system-prompt"] == [
        "claude.system is missing: a react agent needs a system prompt"
    ]
    assert desired.status == "invalid"


@pytest.mark.parametrize(("name", "state"), [('""', "empty"), ("' '", "only whitespace")])
def test_an_empty_repository_name_is_invalid(name: str, state: str) -> None:
    text = f"ellipsis: {{version: v1}}\nsandbox:\n  repositories:\n    - name: {name}\n{PROMPT}"
    result, desired = lint_and_sync(text)
    assert found(result) == ["repository-name@4:13"]
    assert result.diagnostics[0].message == (
        f"sandbox.repositories[0].name is {state}: it names no repository to check out"
    )
    assert [d["rule"] for d in desired.diagnostics] == ["repository-name"]
