"""Our pull-request comment remembers which files it reported, so the next report can say which
of them are now valid; what it remembers can never end the HTML comment that holds it."""

from __future__ import annotations

from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.result import FileResult, LintResult
from agentsync.service.github.rendering import comment_body, reported_paths

SHA = "a" * 40
ERROR = Diagnostic(2, 3, "version", "error", "ellipsis.version is 'v2'", "ellipsis.version")


def result(*files: FileResult) -> LintResult:
    return LintResult(tuple(files))


def test_a_fixed_file_is_now_valid_and_a_clean_one_is_not_mentioned() -> None:
    broken = comment_body(result(FileResult("agents/a.yaml", "invalid", (ERROR,))), SHA)
    assert reported_paths(broken) == {"agents/a.yaml"}
    fixed = comment_body(
        result(FileResult("agents/a.yaml", "valid"), FileResult("agents/b.yaml", "valid")),
        SHA,
        previously=reported_paths(broken),
    )
    assert "- `agents/a.yaml`: now valid" in fixed
    assert "agents/b.yaml" not in fixed.split("## agent-lint", 1)[1]
    again = comment_body(
        result(FileResult("agents/a.yaml", "valid"), FileResult("agents/b.yaml", "valid")),
        SHA,
        previously=reported_paths(fixed),
    )
    assert again == fixed  # the same head reported twice: the same comment


def test_a_path_cannot_close_the_html_comment_and_garbage_reads_as_nothing() -> None:
    body = comment_body(result(FileResult("agents/x-->y.yaml", "invalid", (ERROR,))), SHA)
    hidden = body.splitlines()[1]
    assert hidden.count("-->") == 1
    assert hidden.endswith("-->")
    assert reported_paths(body) == {"agents/x-->y.yaml"}
    assert reported_paths("<!-- agentsync:reported [not json -->") == frozenset()
    assert reported_paths('<!-- agentsync:reported {"a": 1} -->') == frozenset()
    assert reported_paths("someone else's comment") == frozenset()


def test_odd_file_names_are_escaped_in_the_table_and_the_now_valid_line() -> None:
    name = "agents/x\u202ey_z.yaml"
    broken = comment_body(result(FileResult(name, "invalid", (ERROR,))), SHA)
    fixed = comment_body(result(FileResult(name, "valid")), SHA, previously={name})
    for body in (broken, fixed):
        assert "\u202e" not in body
    assert "| agents/x\\\\u202ey\\_z.yaml:2:3 |" in broken  # Markdown for x\u202ey_z
    assert "- `agents/x\\u202ey_z.yaml`: now valid" in fixed
