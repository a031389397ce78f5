"""Line numbers follow "\\n" only (a "\\r\\n" is one break), as git, GitHub's annotations and
editors count them. U+2028, U+2029, U+0085 and a lone "\\r" are line breaks to libyaml (YAML
1.1), not to YAML 1.2: inside a quoted value they shift no line, column or source line shown,
of any diagnostic, syntax or semantic."""

from __future__ import annotations

import pytest

from agentsync.config.loader import Limits, load_bytes, load_text
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

YAML_ONLY_BREAKS = ["\u2028", "\u2029", "\x85", "\r"]

# Each holds one "§" inside a quoted value, before its diagnostics.
DOCUMENTS = {
    "semantic": (
        'ellipsis:\n  name: "a§b"\n  version: v2\nclaude:\n  system: x\n  system: y\n'
        "limits: {run: -1}\n"
    ),
    "same line": 'ellipsis: {name: "a§b", version: v2}\nclaude: {system: x}\n',
    "syntax": 'ellipsis:\n  name: "a§b"\nclaude:\n  system: Note: be terse\n',
    "unclosed": "ellipsis:\n  name: 'a§b'\ntriggers: [push,\n",
    "alias": 'ellipsis:\n  name: "a§b"\nbase: &prompt x\nclaude: {system: *promt}\n',
    "nesting": 'ellipsis: {name: "a§b"}\nclaude: {system: x}\nx:\n  - [[[[1]]]]\n',
    "control": 'ellipsis:\n  name: "a§b"\nclaude: {system: "x\x07"}\n',
}


def _diagnostics(text: str) -> list[tuple[str, int, int, str, str]]:
    document = load_text(text, "agents/a.yaml", Limits(max_depth=4))
    result = lint_document(document, Settings(load_limits=Limits(max_depth=4)))
    return [
        (d.rule, d.line, d.column, d.message, result.snippets.get(d.line, ""))
        for d in result.diagnostics
    ]


@pytest.mark.parametrize("odd", YAML_ONLY_BREAKS, ids=ascii)
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_yaml_only_line_break_moves_no_diagnostic(name: str, odd: str) -> None:
    text = DOCUMENTS[name]
    expected = _diagnostics(text.replace("§", "x"))
    assert expected  # each document has something to report
    found = _diagnostics(text.replace("§", odd))
    assert [d[:4] for d in found] == [d[:4] for d in expected]
    assert [d[4].replace(odd, "x") for d in found] == [d[4] for d in expected]  # the same line


def test_the_lines_git_counts() -> None:
    document = load_text('ellipsis:\r\n  name: "a\u2028b\rc"\r\n  version: v2\r\n')
    assert document.source.lines == ["ellipsis:", '  name: "a\u2028b\rc"', "  version: v2", ""]
    assert document.spans[("ellipsis", "version")][2:4] == (3, 12)


def test_crlf_counts_as_one_break() -> None:
    text = "ellipsis:\n  version: v2\nclaude:\n  system: Note: be terse\n"
    unix = load_text(text).problems
    windows = load_bytes(text.replace("\n", "\r\n").encode()).problems
    assert [(p.line, p.column) for p in windows] == [(p.line, p.column) for p in unix] == [(4, 15)]
