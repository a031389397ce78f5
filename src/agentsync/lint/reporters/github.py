"""GitHub Actions workflow commands, one per diagnostic, then the plain summary line::

    ::error file=agents/a.yaml,line=5,col=3,title=agent-lint [unknown-key]::unknown key ...

The runner turns each into an annotation on the file. Escaping follows the runner's rules:
in the message ``%``, CR and LF are percent-encoded; property values also encode ``:`` and
``,``, which would otherwise end the value. The hint goes on a second line of the message.
"""

from __future__ import annotations

from pathlib import PurePath

from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.base import Reporter
from agentsync.lint.reporters.text import TextReporter
from agentsync.lint.result import FileResult, LintResult


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(file: FileResult, d: Diagnostic) -> str:
    properties = {
        "file": PurePath(file.path).as_posix(),
        "line": str(d.line),
        "col": str(d.column),
        "title": f"agent-lint [{d.rule}]",
    }
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{d.severity} {props}::{escape_data(d.message_with_hint())}"


class GithubReporter(Reporter):
    def report(self, result: LintResult) -> None:
        for file in result.files:
            for diagnostic in file.diagnostics:
                self.stream.write(workflow_command(file, diagnostic) + "\n")
        self.stream.write(TextReporter._summary(result) + "\n")
