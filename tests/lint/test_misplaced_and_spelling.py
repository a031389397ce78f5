"""What the platform's own configs write beyond the config reference: valid, with a warning
that says where the reference puts the key or how it spells the value; typos stay errors."""

from __future__ import annotations

import pytest

from agentsync.config.loader import load_text
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from agentsync.lint.validation import validate_yaml

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
        ("model: claude-opus-4-8\n", "`model` belongs under `claude:`, not at the top level"),
        ("sandbox:\n  cpu: 2\n", "`cpu` belongs under `sandbox.compute:`, not in `sandbox`"),
        (
            "claude:\n  system: Review.\n  schedule: '0 9 * * *'\n",
            "`schedule` belongs in `triggers[]` entries, not in `claude`",
        ),
        (
            "claude:\n  system: Review.\n  repositories: []\n",
            "`repositories` belongs under `sandbox:`, not in `claude`",
        ),
        ("compute:\n  cpu: 2\n", "`compute` belongs under `sandbox:`"),
        ("variables: []\n", "`variables` belongs under `sandbox:`"),
        ("events: []\n", "`events` belongs in `triggers[]` entries"),
    ],
)
def test_another_known_key_at_the_wrong_level_is_a_warning_that_says_it_is_ignored(
    text: str, belongs: str
) -> None:
    head = "ellipsis:\n  version: v1\n" + (
        "" if text.startswith("claude:") else "claude:\n  system: Review.\n"
    )
    [(severity, rule, _, message)] = reported(head + text)
    assert (severity, rule) == ("warning", "misplaced-key")
    assert message.startswith(belongs)
    assert message.endswith("the platform ignores it here, as if it were not set")


def test_a_known_key_one_edit_from_a_key_allowed_there_is_a_typo_not_misplaced() -> None:
    # `event` is a key of react events, but in a trigger it is `events` misspelt
    text = HEAD + "triggers:\n  - type: react\n    event: pull_request_open\n"
    found = reported(text)
    assert ("error", "unknown-key", 7) in [(s, r, line) for s, r, line, _ in found]
    assert "misplaced-key" not in [r for _, r, _, _ in found]
    [message] = [m for _, r, _, m in found if r == "unknown-key"]
    assert message == "unknown key 'event' in triggers[0]: did you mean 'events'?"


def test_the_singular_of_a_key_allowed_there_is_a_typo_not_misplaced() -> None:
    # react events have a `repository`, but under sandbox it is `repositories` misspelt: a
    # warning would let the config sync without its repositories
    text = HEAD + "sandbox:\n  repository:\n    - name: acme/api\n"
    found = reported(text)
    assert [(s, r, line) for s, r, line, _ in found] == [("error", "unknown-key", 6)]
    assert "did you mean 'repositories'?" in found[0][3]


def test_a_key_below_a_platform_spelling_names_only_the_documented_home() -> None:
    # top-level `repositories:` is an accepted spelling, not a place the reference documents
    [(severity, rule, _, message)] = reported(HEAD + "limits:\n  repositories: []\n")
    assert (severity, rule) == ("warning", "misplaced-key")
    assert message.startswith("`repositories` belongs under `sandbox:`, not in `limits`:")


def test_validation_drops_a_misplaced_key_only_where_it_is_misplaced() -> None:
    # the anchored mapping is sandbox's, where `repositories` belongs, and limits', where the
    # platform ignores it: sandbox keeps its repositories
    text = (
        "ellipsis:\n  version: v1\nsandbox: &s\n  repositories:\n    - name: acme/api\n"
        "claude:\n  system: Review.\nlimits: *s\nmodel: claude-opus-4-8\n"
    )
    assert [rule for _, rule, _, _ in reported(text)] == ["misplaced-key", "misplaced-key"]
    valid = validate_yaml(text)
    assert [r["name"] for r in valid.data["sandbox"]["repositories"]] == ["acme/api"]
    assert "repositories" not in valid.data["limits"]
    assert valid.data["claude"]["model"] is None
    assert (
        valid.identity
        == validate_yaml(text.replace("limits: *s\nmodel: claude-opus-4-8\n", "")).identity
    )


def test_only_a_files_first_unknown_keys_get_a_suggestion() -> None:
    """Each "did you mean" is a fuzzy match against every key allowed there: a file of
    thousands of unknown keys gets one for its first hundred, and plain messages after."""
    from agentsync.lint.context import SUGGESTIONS_PER_FILE
    from agentsync.lint.rules import unknown_key

    assert f"first {SUGGESTIONS_PER_FILE} distinct unknown keys" in (unknown_key.__doc__ or "")
    keys = [f"limitz{n:04}" for n in range(SUGGESTIONS_PER_FILE + 2)]
    messages = [m for *_, m in reported(HEAD + "".join(f"{k}: 1\n" for k in keys))]
    assert len(messages) == len(keys)
    suggested = [m.endswith(": did you mean 'limits'?") for m in messages]
    assert suggested == [True] * SUGGESTIONS_PER_FILE + [False, False]
    assert messages[-1] == f"unknown key '{keys[-1]}' in the top level"
