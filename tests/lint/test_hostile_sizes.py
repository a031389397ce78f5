"""Files under the 1 MiB cap built to make agent-lint slow: each is read in about a second,
not tens of seconds, and says everything it said before."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentsync.config.loader import load_text
from agentsync.lint import context
from agentsync.lint.context import SUGGESTIONS_PER_FILE
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.edits import Edit, Fix
from agentsync.lint.fixes import _overlap, apply_fixes, fix_document
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

HEAD = "ellipsis:\n  version: v1\n  name: x\nclaude:\n  system: hi\n"
REACT = HEAD + "triggers:\n  - type: react\n    events:\n"


def lint(text: str) -> list[tuple[str, str]]:
    result = lint_document(load_text(text, "agents/a.yaml"), Settings())
    return [(d.rule, d.message) for d in result.diagnostics]


def test_a_megabyte_of_inline_secrets_is_shown_masked_in_linear_time() -> None:
    """Each line shown was checked against every secret value of the file: 9 s for this file
    (13,888 variables with an inline token), 0.6 s now."""
    variable = "    - name: TOKEN\n      value: ghp_" + "a" * 36 + "\n"
    text = HEAD + "sandbox:\n  variables:\n" + variable * 13_888
    started = time.perf_counter()
    result = lint_document(load_text(text, "agents/a.yaml"), Settings())
    assert time.perf_counter() - started < 5
    assert len(result.diagnostics) == 13_888
    assert {d.rule for d in result.diagnostics} == {"hardcoded-secret"}
    assert len(result.snippets) == 13_888
    assert not [line for line in result.snippets.values() if "ghp_" in line]


@pytest.fixture
def matched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The words agent-lint works out a "did you mean" for, each time it does."""
    calls: list[str] = []
    fuzzy = context.closest

    def counted(word: str, known: Sequence[str], cutoff: float = 0.6) -> str | None:
        calls.append(word)
        return fuzzy(word, known, cutoff)

    monkeypatch.setattr(context, "closest", counted)
    return calls


def test_a_repeated_misspelling_is_suggested_every_time_and_matched_once(
    matched: list[str],
) -> None:
    found = lint(REACT + "      - event: pull_request_opend\n" * (SUGGESTIONS_PER_FILE * 3))
    assert len(found) == SUGGESTIONS_PER_FILE * 3
    assert all(message.endswith("did you mean 'pull_request_open'?") for _, message in found)
    assert matched == ["pull_request_opend"]


def test_only_a_files_first_distinct_misspellings_are_matched(matched: list[str]) -> None:
    """25,000 different unknown events (a 1 MB file): a fuzzy match each took 12 s."""
    events = "".join(f"      - event: pull_request_opened{n}\n" for n in range(25_000))
    found = lint(REACT + events)
    assert len(found) == 25_000
    assert len(matched) == SUGGESTIONS_PER_FILE
    assert found[0][1].endswith("did you mean 'pull_request_open'?")
    assert found[-1][1] == (
        "triggers[0].events[24999].event 'pull_request_opened24999' is not a known event"
    )


def test_a_megabyte_of_fixable_values_is_fixed_in_linear_time() -> None:
    """24,390 fixes: each edit was checked against every edit taken, and the text copied once
    per edit; about a minute for this file, 2.6 s now."""
    text = HEAD + "triggers:\n" + "  - type: Cron\n    schedule: '0 0 * * *'\n" * 24_390
    started = time.perf_counter()
    document, result, fixed = fix_document(load_text(text, "agents/a.yaml"), Settings())
    assert time.perf_counter() - started < 20
    assert (len(fixed), result.diagnostics) == (24_390, ())
    assert document.text == text.replace("type: Cron", "type: cron")


def reference_apply(text: str, fixes: list[tuple[Edit, ...]]) -> tuple[str, list[int]]:
    """The fixes applied as agent-lint applied them before it was made linear: each edit
    checked against every one taken, the text rebuilt once per edit. One change: a fix whose
    own edits overlap (no rule makes one) is left out, where its edits' order decided the text."""
    taken: list[Edit] = []
    applied: list[int] = []
    for number, edits in sorted(enumerate(fixes), key=lambda pair: pair[1][0].start):
        if any(_overlap(edit, other) for edit in edits for other in taken):
            continue
        if any(_overlap(a, b) for i, a in enumerate(edits) for b in edits[i + 1 :]):
            continue
        taken.extend(edits)
        applied.append(number)
    for edit in sorted(taken, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text, applied


edit_at = st.builds(
    lambda start, length, replacement: Edit(start, start + length, replacement),
    st.integers(0, 40),
    st.integers(0, 4),
    st.sampled_from(["", "x", "yz"]),
)


@given(st.lists(st.lists(edit_at, min_size=1, max_size=2).map(tuple), max_size=12))
def test_fixes_are_applied_as_before(fixes: list[tuple[Edit, ...]]) -> None:
    """A fix overlapping one taken is left out whole, as the quadratic way left it out, and
    the text comes out the same."""
    text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"
    diagnostics = [
        Diagnostic(1, number + 1, "type", "error", str(number), fix=Fix(edits, safe=True))
        for number, edits in enumerate(fixes)
    ]
    fixed, applied = apply_fixes(text, diagnostics)
    expected_text, expected_numbers = reference_apply(text, fixes)
    assert (fixed, sorted(int(d.message) for d in applied)) == (
        expected_text,
        sorted(expected_numbers),
    )
