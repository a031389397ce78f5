"""system-prompt: where a missing prompt is reported, and that an agent with triggers is never
called manual (a trigger of an unknown type is still a trigger). Lint and sync agree."""

from __future__ import annotations

import pytest

from tests.agreement import found, lint_and_sync

CRON = "triggers:\n  - type: cron\n    schedule: '0 9 * * *'\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # at `claude:` when it has no system key
        (f"# an agent\nellipsis: {{version: v1}}\n{CRON}claude:\n  model: opus\n", "6:1"),
        # at `ellipsis:` when there is no claude block
        (f"# an agent\n\nellipsis:\n  version: v1\n{CRON}", "3:1"),
        # at the value when the key is there, empty
        (f"ellipsis: {{version: v1}}\n{CRON}claude:\n  system: ''\n", "6:11"),
        # line 1 only with neither block: an empty document
        ("# nothing yet\n", "1:1"),
    ],
    ids=["at claude", "at ellipsis", "at the empty value", "neither"],
)
def test_a_missing_prompt_is_reported_at_its_block(text: str, where: str) -> None:
    result, desired = lint_and_sync(text)
    assert found(result) == [f"system-prompt@{where}"]
    assert desired.status == "invalid"


@pytest.mark.parametrize(
    "triggers",
    [
        "  - type: Mention\n",  # wrong case: trigger-type's "did you mean"
        "  - type: webhook\n",
        "  - {}\n",  # no type at all
        "  - type: [mention]\n",
        "  - mention\n",  # not a mapping
    ],
    ids=["wrong case", "unknown", "no type", "a list", "a string"],
)
def test_an_agent_with_triggers_is_never_called_manual(triggers: str) -> None:
    result, desired = lint_and_sync(f"ellipsis: {{version: v1}}\ntriggers:\n{triggers}")
    assert result.status == "invalid"
    assert [d.rule for d in result.diagnostics if d.rule == "system-prompt"] == []
    messages = [d.message for d in result.diagnostics] + [
        str(d["message"]) for d in desired.diagnostics
    ]
    assert not [m for m in messages if "manual" in m]


def test_wrong_case_gets_did_you_mean_and_nothing_else() -> None:
    result, _ = lint_and_sync("ellipsis: {version: v1}\ntriggers:\n  - type: Mention\n")
    (diagnostic,) = result.diagnostics
    assert diagnostic.rule == "trigger-type"
    assert "did you mean 'mention'?" in diagnostic.message


def test_an_unknown_trigger_beside_a_react_one_still_needs_the_prompt() -> None:
    text = (
        "ellipsis: {version: v1}\ntriggers:\n  - type: Mention\n"
        "  - type: react\n    events: [{event: push}]\n"
    )
    result, _ = lint_and_sync(text)
    prompt = [d for d in result.diagnostics if d.rule == "system-prompt"]
    assert [d.message for d in prompt] == [
        "claude.system is missing: a react agent needs a system prompt"
    ]
    assert (prompt[0].line, prompt[0].column) == (1, 1)  # `ellipsis:`, the only block


def test_no_triggers_is_a_manual_agent() -> None:
    result, _ = lint_and_sync("ellipsis: {version: v1}\ntriggers: []\nclaude: {}\n")
    assert [d.message for d in result.diagnostics] == [
        "claude.system is missing: a manual agent needs a system prompt"
    ]
    assert found(result) == ["system-prompt@3:1"]
