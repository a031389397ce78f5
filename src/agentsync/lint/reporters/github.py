"""GitHub Actions workflow commands, one per diagnostic, one notice per file not read, then the
plain summary line::

    ::error file=agents/a.yaml,line=5,col=3,title=agent-lint [unknown-key]::unknown key ...
    ::notice file=agents/link.yaml,title=agent-lint::ignored: a symbolic link: ...

The runner turns each into an annotation on the file. Escaping follows the runner's rules:
in the message ``%``, CR and LF are percent-encoded; property values also encode ``:`` and
``,``, which would otherwise end the value. A file name is first made ``printable`` as in the
other formats, so its control characters (an escape sequence, a tab, U+2028) cannot reach the
log. The hint goes on a second line of the message.
"""

from __future__ import annotations

from pathlib import PurePath

from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.base import Reporter
from agentsync.lint.reporters.text import TextReporter
from agentsync.lint.result import FileResult, LintResult
from agentsync.printable import printable


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, file: FileResult, properties: dict[str, str], message: str) -> str:
    """The workflow command ``name`` on ``file``, with more ``properties``, saying ``message``."""
    where = {"file": printable(PurePath(file.path).as_posix()), **properties}
    props = ",".join(f"{key}={escape_property(value)}" for key, value in where.items())
    return f"::{name} {props}::{escape_data(message)}"


def workflow_command(file: FileResult, d: Diagnostic) -> str:
    properties = {"line": str(d.line), "col": str(d.column), "title": f"agent-lint [{d.rule}]"}
    return command(d.severity, file, properties, d.message_with_hint())


class GithubReporter(Reporter):
    def report(self, result: LintResult) -> None:
        for file in result.files:
            for diagnostic in file.diagnostics:
                self.stream.write(workflow_command(file, diagnostic) + "\n")
            if file.note:
                notice = command("notice", file, {"title": "agent-lint"}, f"ignored: {file.note}")
                self.stream.write(notice + "\n")
        self.stream.write(TextReporter._summary(result) + "\n")
