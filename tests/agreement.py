"""agent-lint and the sync engine side by side on one config text: lint's verdict and
diagnostics, and what sync's desired state makes of the same file. They must agree: a file lint
calls valid (warnings only) sync applies; one lint calls invalid sync refuses."""

from __future__ import annotations

from agentsync.config.loader import load_text
from agentsync.lint.result import FileResult
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from agentsync.sync.desired import desired_files
from agentsync.sync.model import DesiredFile, Snapshot


def lint_and_sync(text: str, path: str = "agents/agent.yaml") -> tuple[FileResult, DesiredFile]:
    """Lint's result and sync's desired file for ``text`` at ``path``, checked to agree."""
    result = lint_document(load_text(text, path), Settings())
    snapshot = Snapshot("acme/app", "c" * 40, "HEAD", "main", True, {path: text.encode()})
    desired = desired_files(snapshot)[path]
    assert result.status == desired.status, (result.diagnostics, desired.diagnostics)
    return result, desired


def found(result: FileResult) -> list[str]:
    """``rule@line:column`` of each diagnostic, in report order."""
    return [f"{d.rule}@{d.line}:{d.column}" for d in result.diagnostics]
