"""The source line under a diagnostic is the line git numbers, shown safely: a character a
terminal would act on or hide (a bell, a line separator, a bidi override) is escaped, and the
caret still points at the column reported."""

from __future__ import annotations

import io
from pathlib import Path

from agentsync.lint.reporters.text import TextReporter
from agentsync.lint.result import LintResult
from agentsync.lint.runner import Target, lint_targets
from agentsync.lint.settings import Settings


def _text_report(tmp_path: Path, content: bytes) -> list[str]:
    path = tmp_path / "agent.yaml"
    path.write_bytes(content)
    result: LintResult = lint_targets([Target(str(path), "agent.yaml")], Settings())
    stream = io.StringIO()
    TextReporter(stream).report(result)
    return stream.getvalue().splitlines()


def test_a_control_character_is_shown_escaped_under_its_caret(tmp_path: Path) -> None:
    lines = _text_report(tmp_path, b"ellipsis:\n  version: v1\nclaude:\n  system: hi\x07there\n")
    assert lines[:4] == [
        "agent.yaml:4:13: error: control character U+0007 is not allowed in YAML [syntax]",
        " 4 |   system: hi\\x07there",
        "   |             ^~~~~~~~~",
        '   = hint: delete it; if the value needs it, write it as "\\x07" in a double-quoted value',
    ]


def test_a_line_separator_before_the_column_moves_the_caret_with_it(tmp_path: Path) -> None:
    text = 'ellipsis: {name: "a\u2028b\u202ec", version: v2}\nclaude: {system: x}\n'
    lines = _text_report(tmp_path, text.encode())
    assert lines[0].startswith("agent.yaml:1:36: error: ellipsis.version is 'v2'")
    assert lines[1] == ' 1 | ellipsis: {name: "a\\u2028b\\u202ec", version: v2}'
    caret = lines[2].index("^")
    assert lines[1][caret : caret + 2] == "v2"
