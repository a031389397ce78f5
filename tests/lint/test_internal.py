"""One file can never stop a lint run: a failure of agent-lint itself on a file becomes that
file's ``internal`` diagnostic, the other files are still checked, and the message holds no
content of the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.cli.lint import main
from agentsync.lint import runner
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rules import RULES
from agentsync.lint.settings import Settings

SECRET_PROMPT = "the-prompt-of-the-failing-file"


def _raise_on_the_secret_prompt(ctx: LintContext) -> Iterator[Finding]:
    if SECRET_PROMPT in ctx.document.text:
        raise ValueError(f"cannot handle {SECRET_PROMPT}")
    yield from ()


@pytest.fixture
def failing_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RULES["system-prompt"], "check", _raise_on_the_secret_prompt)


def _write(directory: Path, name: str, system: str) -> Path:
    path = directory / name
    path.write_text(f"ellipsis: {{version: v1}}\nclaude:\n  system: {system}\n")
    return path


@pytest.mark.usefixtures("failing_rule")
def test_a_failing_rule_is_the_files_diagnostic_and_the_run_goes_on(tmp_path: Path) -> None:
    failing = _write(tmp_path, "a.yaml", SECRET_PROMPT)
    fine = _write(tmp_path, "b.yaml", "Review the diff.")
    bad = tmp_path / "c.yaml"
    bad.write_text("ellipsis: {version: v2}\nclaude:\n  system: Review.\n")
    targets = [runner.Target(str(p), p.name) for p in (failing, fine, bad)]
    result = runner.lint_targets(targets, Settings(), jobs=1)
    by_path = {f.path: f for f in result.files}
    assert by_path["a.yaml"].status == "invalid"
    (diagnostic,) = by_path["a.yaml"].diagnostics
    assert (diagnostic.rule, diagnostic.severity, diagnostic.line) == ("internal", "error", 1)
    assert diagnostic.message.startswith("agent-lint could not check this file (ValueError in ")
    assert SECRET_PROMPT not in diagnostic.message
    assert by_path["b.yaml"].status == "valid"
    assert [d.rule for d in by_path["c.yaml"].diagnostics] == ["version"]


@pytest.mark.usefixtures("failing_rule")
def test_agent_lint_exits_1_not_2_and_prints_no_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = _write(tmp_path, "a.yaml", SECRET_PROMPT)
    fine = _write(tmp_path, "b.yaml", "Review the diff.")
    assert main([str(failing), str(fine), "--format", "text"]) == 1
    out = capsys.readouterr()
    assert "[internal]" in out.out
    assert SECRET_PROMPT not in out.out + out.err
    assert "1 invalid" in out.out


def test_a_failure_while_loading_is_the_files_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_load(*_: object) -> None:
        raise MemoryError

    monkeypatch.setattr(runner, "load_file", broken_load)
    result = runner.lint_target(runner.Target(str(tmp_path / "a.yaml"), "a.yaml"), Settings())
    assert result.status == "invalid"
    assert [d.rule for d in result.diagnostics] == ["internal"]
    assert "MemoryError" in result.diagnostics[0].message
