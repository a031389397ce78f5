"""The sync preview's place in our comment and the check run's text, within GitHub's limits:
real plans of real config files, no GitHub. The assertions are about structure (the heading,
the paths, the sizes, balanced code blocks), not the renderer's words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.result import FileResult, LintResult
from agentsync.service.github.preview import HEADING, PreviewMarkdown
from agentsync.service.github.rendering import (
    MARKER,
    MAX_COMMENT_CHARS,
    MAX_OUTPUT_CHARS,
    check_run_output,
    comment_body,
)
from agentsync.service.previews import SyncPreview
from agentsync.sync.desired import desired_files
from agentsync.sync.engine import SyncRun
from agentsync.sync.model import Snapshot
from agentsync.sync.plan import make_plan
from agentsync.sync.preview import build_preview, preview_markdown

REPO = "octo-org/agents-repo"
SHA = "c" * 40
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
VALID = "ellipsis:\n  version: v1\n  name: {name}\nclaude:\n  system: Review the change.\n"
BROKEN = "ellipsis:\n  version: v1\n  name: [not, a, string]\nclaude:\n  sytem: Review.\n"


def preview_of(count: int, *, broken: bool = False, folder: str = "agents") -> SyncPreview:
    """The preview of a head that adds ``count`` configs to a repository with none."""
    files = {
        f"{folder}/agent-{n:04}.yaml": (BROKEN if broken else VALID.format(name=f"A{n}")).encode()
        for n in range(count)
    }
    snapshot = Snapshot(REPO, SHA, SHA, "main", False, files)
    desired = desired_files(snapshot)
    plan = make_plan(REPO, SHA, desired, [])
    return SyncPreview(NOW, SyncRun(snapshot, desired, plan))


def lint_problems(count: int) -> LintResult:
    diagnostic = Diagnostic(1, 1, "unknown-key", "error", "x" * 300, hint="h" * 100)
    return LintResult((FileResult("agents/a.yaml", "invalid", (diagnostic,) * count),))


def balanced(text: str) -> bool:
    return sum(line.startswith("```") for line in text.splitlines()) % 2 == 0


def test_a_small_preview_goes_whole_after_the_problems() -> None:
    preview = PreviewMarkdown(preview_of(3), checks=True)

    body = comment_body(lint_problems(2), SHA, preview=preview)
    text = check_run_output(lint_problems(2), SHA, preview=preview)["text"]

    assert body.startswith(MARKER)
    for shown in (body, text):
        assert shown.index("| Location |") < shown.index(HEADING)
        assert all(f"agents/agent-{n:04}.yaml" in shown for n in range(3))
        assert balanced(shown)


@pytest.mark.parametrize("problems", [0, 50, 1000])
def test_a_preview_too_big_for_the_comment_is_summarized_to_fit(problems: int) -> None:
    preview = PreviewMarkdown(preview_of(900, broken=True), checks=True)
    whole = preview.for_comment(None)
    assert len(whole) > MAX_COMMENT_CHARS  # the premise

    body = comment_body(lint_problems(problems), SHA, preview=preview)

    assert len(body) <= MAX_COMMENT_CHARS
    assert body.startswith(MARKER)
    shown = body.split(HEADING, 1)[1]
    assert "check run" in shown  # says where the whole preview is
    assert len(shown) > MAX_COMMENT_CHARS // 3  # however many problems there are
    assert balanced(shown)
    if problems:
        assert "| agents/a.yaml:1:1 |" in body  # the problems keep room too


def test_the_check_run_keeps_the_whole_preview_and_cuts_it_at_the_limit_with_a_note() -> None:
    preview = PreviewMarkdown(preview_of(900, broken=True), checks=True)

    text = check_run_output(lint_problems(1000), SHA, preview=preview)["text"]

    assert len(text) <= MAX_OUTPUT_CHARS
    section = text.split(HEADING, 1)[1]
    assert f"agent sync plan --ref {SHA} --repository {REPO}" in section
    assert balanced(section)
    assert "| agents/a.yaml:1:1 |" in text  # some problems, the rest annotated
    assert "every one is annotated" in text


def test_a_preview_that_fits_the_check_run_is_whole_there() -> None:
    preview = PreviewMarkdown(preview_of(400), checks=True)
    whole = preview.for_check_run(MAX_OUTPUT_CHARS)

    text = check_run_output(lint_problems(1000), SHA, preview=preview)["text"]

    assert len(text) <= MAX_OUTPUT_CHARS
    assert text.endswith(whole)
    assert all(f"agents/agent-{n:04}.yaml" in text for n in range(400))


@pytest.mark.parametrize("limit", [0, 10, 200, 1000, 5000, 20000])
def test_a_summarized_preview_is_never_longer_than_asked(limit: int) -> None:
    run = preview_of(300, broken=True).run
    assert run is not None

    assert len(preview_markdown(build_preview(run, NOW), max_chars=limit)) <= limit


def test_a_path_with_backticks_is_one_code_span_shown_whole() -> None:
    run = preview_of(2, folder="agents/```odd").run
    assert run is not None

    text = preview_markdown(build_preview(run, NOW))

    assert "- ````agents/```odd/agent-0001.yaml````" in text
    assert "- ````agents/```odd/agent-0000.yaml````" in text


def test_a_preview_that_could_not_be_computed_is_one_line_saying_why() -> None:
    failed = SyncPreview(NOW, error="cannot reach the control plane | at http://127.0.0.1:1")
    preview = PreviewMarkdown(failed, checks=False)

    for shown in (preview.for_comment(None), preview.for_check_run(MAX_OUTPUT_CHARS)):
        (line,) = shown.split(HEADING, 1)[1].strip().splitlines()
        assert "could not be computed" in line
        assert "\\|" in line  # markup escaped
