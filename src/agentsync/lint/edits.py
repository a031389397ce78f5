"""Text edits a rule's finding may carry as its fix, and how rules compute them.

A fix is a tuple of ``Edit``s (character offsets into ``Document.text`` and the text that
replaces that range) plus whether it is safe (keeps what the author meant) or unsafe (changes
what the config means). Edits work on the source text itself, so every byte they do not cover
stays as it was: comments, quoting, indentation, line endings.

The loader records where a value starts (``Span``), not where it ends: the end of a plain or
quoted scalar on its line is found here, when a fix is wanted, so no load pays for it. Rules
import this module only while fixing (``LintContext.fixing``), or to quote in a hint a value
as the file writes it: agent-lint's start-up never does.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from agentsync.config.loader import Document
from agentsync.config.nesting import LINE_BREAK
from agentsync.config.problems import ConfigPath


class Edit(NamedTuple):
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str


class Fix(NamedTuple):
    """The edits that fix one finding, applied together or not at all; ``note`` says what is
    left to do once they are (a variable to set in the sandbox-variables store)."""

    edits: tuple[Edit, ...]
    safe: bool
    note: str | None = None


_PLAIN_END = re.compile(r"\s#|$")  # a plain scalar ends at a comment or the end of its line
_FLOW_PLAIN_END = re.compile(r"\s#|[,\[\]{}]|$")  # in a flow collection, at an indicator too
_ALIAS_NAME = re.compile(r"[A-Za-z0-9_-]")
_PROPERTIES = re.compile(r"(?:[!&]\S*[ \t]+)*")  # a node's tag and anchor, before its value


def _line_end(text: str, start: int) -> int:
    """Where the line holding ``start`` ends for libyaml: at its first line break, a lone
    ``\\r``, U+0085, U+2028 and U+2029 included (git does not count them, libyaml does)."""
    found = LINE_BREAK.search(text, start)
    return len(text) if found is None else found.start()


def scalar_end(
    text: str, start: int, style: str | None, *, key: bool = False, flow: bool = False
) -> int | None:
    """The end offset of the one-line scalar starting at ``start`` (plain ``''`` or ``None``,
    ``'"'`` or ``"'"``), a mapping key's if ``key``, in a flow collection if ``flow``; None
    when it does not end on its line (or is a block scalar)."""
    line_end = _line_end(text, start)
    if style == '"':
        index = start + 1
        while index < line_end:
            if text[index] == "\\":
                index += 2
                continue
            if text[index] == '"':
                return index + 1
            index += 1
        return None
    if style == "'":
        index = start + 1
        while index < line_end:
            if text[index] == "'":
                if text[index + 1 : index + 2] == "'":
                    index += 2
                    continue
                return index + 1
            index += 1
        return None
    if style not in ("", None):
        return None
    rest = text[start:line_end]
    match = (_FLOW_PLAIN_END if flow else _PLAIN_END).search(rest)
    assert match is not None  # "$" always matches
    value = rest[: match.start()].rstrip()
    if key:  # a plain key ends at its ": " (or the ":" ending the line)
        value = value[: value.index(": ")] if ": " in value else value.removesuffix(":")
    return start + len(value.rstrip())


def _offset(document: Document, line: int, column: int) -> int:
    return document.source.index(line, column)


def _in_flow(document: Document, path: ConfigPath) -> bool:
    """Whether the value at ``path`` is inside a flow collection (``{...}`` or ``[...]``)."""
    parent = document.spans.get(path[:-1]) if path else None
    if parent is None:
        return False
    return document.text[_offset(document, parent.line, parent.column)] in "[{"


def value_edit(
    document: Document, path: ConfigPath, replacement: str, *, string: bool = False
) -> Edit | None:
    """Replace the one-line scalar value at ``path``, after its tag and anchor (they stay);
    None when there is none to replace. A ``string`` replacement is written in the value's
    quotes, if it has any (``"V1"`` becomes ``"v1"``); any other is written as it is
    (``"yes"`` becomes ``true``)."""
    span = document.spans.get(path)
    if span is None or span.end_line != span.line:
        return None
    start = _offset(document, span.line, span.column)
    properties = _PROPERTIES.match(document.text, start, _line_end(document.text, start))
    assert properties is not None  # it matches nothing at least
    start = properties.end()
    end = scalar_end(document.text, start, span.style, flow=_in_flow(document, path))
    if end is None or end <= start:
        return None
    if string and span.style in ('"', "'"):
        replacement = in_quotes(replacement, span.style)
    return Edit(start, end, replacement)


def written(document: Document, path: ConfigPath) -> str | None:
    """The one-line scalar value at ``path`` as the file writes it, its quotes included; None
    when it has a tag or an anchor (a fix that rewrote the value around them could change what
    they mean), is an alias or does not end on its line."""
    span = document.spans.get(path)
    edit = value_edit(document, path, "")
    if span is None or edit is None or edit.start != _offset(document, span.line, span.column):
        return None
    text = document.text[edit.start : edit.end]
    return None if text.startswith("*") else text


def key_edit(document: Document, path: ConfigPath, replacement: str) -> Edit | None:
    """Rename the key of ``path`` (a plain or quoted key on one line)."""
    span = document.spans.get(path)
    if span is None:
        return None
    start = _offset(document, span.key_line, span.key_column)
    first = document.text[start : start + 1]
    style = first if first in ('"', "'") else ""
    end = scalar_end(document.text, start, style, key=True, flow=_in_flow(document, path))
    if end is None or end <= start:
        return None
    return Edit(start, end, quoted(replacement) if style else replacement)


def quoted(value: str) -> str:
    """``value`` as a double-quoted scalar when it needs no escape, else single-quoted."""
    return in_quotes(value, '"' if '"' not in value and "\\" not in value else "'")


def in_quotes(value: str, quote: str) -> str:
    """``value`` as a scalar in ``quote`` (``'"'`` or ``"'"``), escaped as that style needs."""
    if quote == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "'" + value.replace("'", "''") + "'"


def quote_reserved_start(document: Document, line: int, column: int) -> Edit | None:
    """Quote the plain value at ``line``/``column`` of a file that does not parse because
    the value starts with ``*`` (not an alias's name), ``@`` or a backtick. Block context
    only (after ``key:`` or ``-``); the re-load of the result is what proves it right."""
    text = document.text
    lines = document.source.lines
    if not 0 < line <= len(lines) or column < 1:
        return None
    source = lines[line - 1]
    start_char = source[column - 1 : column]
    if start_char not in ("*", "@", "`"):
        return None
    if start_char == "*" and _ALIAS_NAME.match(source[column : column + 1]):
        return None  # an alias: the author may have meant the anchor
    before = source[: column - 1].rstrip()
    if before and not before.endswith((":", "-")):
        return None
    start = _offset(document, line, column)
    end = scalar_end(text, start, "")
    if end is None or end <= start:
        return None
    value = text[start:end]
    if ": " in value or value.endswith(":"):
        return None  # a key: quoting the line would not make it one
    return Edit(start, end, quoted(value))


def fix(*edits: Edit | None, safe: bool = True, note: str | None = None) -> Fix | None:
    """A fix of these edits; None if any could not be made."""
    if not edits or any(edit is None for edit in edits):
        return None
    return Fix(tuple(edit for edit in edits if edit is not None), safe, note)
