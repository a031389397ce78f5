"""The JSON contract other tools build on (field names and meanings are stable)::

{"files": [{"path", "status": "valid"|"invalid"|"ignored",
            "diagnostics": [{"rule", "severity", "message", "line", "column", "path"}]}],
 "summary": {"files", "valid", "invalid", "ignored", "errors", "warnings"}}
"""

from __future__ import annotations

import json
from typing import Any

from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.base import Reporter
from agentsync.lint.result import LintResult


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic in the contract's shape (also the control plane's 422 ``detail`` items)."""
    return {
        "rule": d.rule,
        "severity": d.severity,
        "message": d.message,
        "line": d.line,
        "column": d.column,
        "path": d.path,
    }


def as_json(result: LintResult) -> dict[str, Any]:
    return {
        "files": [
            {
                "path": file.path,
                "status": file.status,
                "diagnostics": [diagnostic_json(d) for d in file.diagnostics],
                **({"note": file.note} if file.note else {}),
            }
            for file in result.files
        ],
        "summary": result.summary._asdict(),
    }


class JsonReporter(Reporter):
    def report(self, result: LintResult) -> None:
        json.dump(as_json(result), self.stream, indent=2)
        self.stream.write("\n")
