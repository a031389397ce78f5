"""What a lint run produces: per-file results and the summary. Reporters print only this."""

from __future__ import annotations

from typing import Literal, NamedTuple

from agentsync.lint.diagnostic import Diagnostic

FileStatus = Literal["valid", "invalid", "ignored"]


class FileResult(NamedTuple):
    """One file's verdict. ``snippets`` maps line -> source text, with secrets already masked."""

    path: str
    status: FileStatus
    diagnostics: tuple[Diagnostic, ...] = ()
    snippets: dict[int, str] = {}  # noqa: RUF012 - never mutated after construction
    note: str | None = None  # why an ignored file was not read (a symbolic link, gitignored)


class Summary(NamedTuple):
    files: int
    valid: int
    invalid: int
    ignored: int
    errors: int
    warnings: int


class LintResult(NamedTuple):
    files: tuple[FileResult, ...]

    @property
    def summary(self) -> Summary:
        statuses = [f.status for f in self.files]
        severities = [d.severity for f in self.files for d in f.diagnostics]
        return Summary(
            files=len(self.files),
            valid=statuses.count("valid"),
            invalid=statuses.count("invalid"),
            ignored=statuses.count("ignored"),
            errors=severities.count("error"),
            warnings=severities.count("warning"),
        )

    @property
    def exit_code(self) -> int:
        """0 without errors, 1 with any error (warnings alone pass)."""
        return 1 if any(f.status == "invalid" for f in self.files) else 0
