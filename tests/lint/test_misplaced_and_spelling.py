"""What the platform's own configs write beyond the config reference: valid, with a warning
that says where the reference puts the key or how it spells the value; typos stay errors."""

from __future__ import annotations

import pytest

from agentsync.config.loader import load_text
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

HEAD = "ellipsis:\n  version: v1\nclaude:\n  system: Review.\n"


def reported(text: str) -> list[tuple[str, str, int, str]]:
    result = lint_document(load_text(text, "agents/x.yaml"), Settings())
    return [(d.severity, d.rule, d.line, d.message) for d in result.diagnostics]


@pytest.mark.parametrize(
    ("key", "value", "block"),
    [
        ("repositories", "[]", "sandbox"),
        ("name", "Reviewer", "ellipsis"),
        ("description", "Reviews pull requests.", "ellipsis"),
    ],
)
def test_a_top_level_key_the_reference_puts_elsewhere_is_a_warning(
    key: str, value: str, block: str
) -> None:
    assert reported(f"{HEAD}{key}: {value}\n") == [
        (
            "warning",
            "misplaced-key",
            5,
            f"`{key}` belongs under `{block}:`, not at the top level (read as {block}.{key})",
        )
    ]


def test_the_documented_key_wins_and_the_warning_says_so() -> None:
    text = "ellipsis:\n  version: v1\n  name: Kept\nclaude:\n  system: Review.\nname: Ignored\n"
    assert reported(text) == [
        (
            "warning",
            "misplaced-key",
            6,
            (
                "`name` belongs under `ellipsis:`, not at the top level (ellipsis.name is set too "
                "and wins)"
            ),
        )
    ]


def test_an_undocumented_spelling_is_a_warning_and_a_typo_an_error() -> None:
    trigger = "triggers:\n  - type: react\n    events:\n      - event: {}\n"
    assert reported(HEAD + trigger.format("pull_request_merged")) == [
        (
            "warning",
            "documented-spelling",
            8,
            (
                "triggers[0].events[0].event `pull_request_merged` is documented as "
                "`pull_request_merge` (read as pull_request_merge)"
            ),
        )
    ]
    [(severity, rule, _, message)] = reported(HEAD + trigger.format("pull_request_opened"))
    assert (severity, rule) == ("error", "react-event")
    assert "did you mean 'pull_request_open'?" in message


def test_a_key_known_nowhere_stays_an_unknown_key_error() -> None:
    [(severity, rule, _, message)] = reported(HEAD + "enabeld: false\n")
    assert (severity, rule) == ("error", "unknown-key")
    assert "did you mean 'enabled'?" in message


@pytest.mark.parametrize(
    ("text", "belongs"),
    [
        ("model: claude-opus-4-8\n", "`model` belongs under `claude:`"),
        ("sandbox:\n  cpu: 2\n", "`cpu` belongs under `sandbox.compute:`"),
        ("claude:\n  system: Review.\n  schedule: '0 9 * * *'\n", "`schedule` belongs in"),
    ],
)
def test_another_known_key_at_the_wrong_level_says_where_it_belongs(
    text: str, belongs: str
) -> None:
    head = "ellipsis:\n  version: v1\n" + (
        "" if text.startswith("claude:") else "claude:\n  system: Review.\n"
    )
    [(severity, rule, _, message)] = reported(head + text)
    assert (severity, rule) == ("error", "unknown-key")
    assert belongs in message
