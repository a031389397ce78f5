"""Fixes that move or remove a whole key of a block mapping, as lines of text: a top-level key
moved under the key the config reference puts it in (``repositories:`` into ``sandbox:``), or
a variable's inline ``value:`` removed. Imported only while fixing, like
``agentsync.lint.edits``; every line the fix does not move stays byte for byte.
"""

from __future__ import annotations

from agentsync.config.loader import Document
from agentsync.config.problems import ConfigPath
from agentsync.lint.edits import Edit


def _newline(document: Document) -> str:
    return "\r\n" if "\r\n" in document.text else "\n"


def _block_lines(document: Document, path: ConfigPath) -> tuple[int, int] | None:
    """The first and last line of the key ``path`` and its value, when the key starts its line
    in a block mapping; trailing blank lines and comments at the key's indentation or less,
    which belong to what follows, are left out."""
    span = document.spans.get(path)
    if span is None:
        return None
    source = document.source.line(span.key_line)
    if source[: span.key_column - 1].strip():
        return None  # after "- " or inside a flow collection
    last = max(span.end_line, span.line)
    while last > span.key_line:
        text = document.source.line(last)
        stripped = text.lstrip()
        if stripped and not (
            stripped.startswith("#") and len(text) - len(stripped) < span.key_column
        ):
            break
        last -= 1
    return span.key_line, last


def _line_offsets(document: Document, first: int, last: int) -> tuple[int, int]:
    """Offsets of the start of line ``first`` and of the end of line ``last`` (its line
    break included)."""
    start = document.source.index(first, 1)
    lines = document.source.lines
    end = document.source.index(last + 1, 1) if last < len(lines) else len(document.text)
    return start, end


def remove_key(document: Document, path: ConfigPath) -> Edit | None:
    """Remove the key ``path`` and its value, whole lines."""
    block = _block_lines(document, path)
    if block is None:
        return None
    start, end = _line_offsets(document, *block)
    return Edit(start, end, "")


def _child_indent(document: Document, path: ConfigPath) -> str | None:
    """The indentation of the keys of the block mapping at ``path``; None if it is not one."""
    span = document.spans.get(path)
    columns = [
        s.key_column
        for p, s in document.spans.items()
        if len(p) == len(path) + 1 and p[:-1] == path
    ]
    if span is None or not columns or span.line == span.key_line:
        return None  # absent, empty, or a flow mapping on the key's line
    if document.text[document.source.index(span.line, span.column)] in "[{":
        return None
    return " " * (min(columns) - 1)


def move_top_level_key(document: Document, key: str, block: str, field: str) -> tuple[Edit, ...]:
    """Move the top-level ``key`` under the top-level ``block`` as ``field``: appended to
    ``block``'s mapping, or, without one, in a new ``block:`` where ``key`` was. Empty when
    it cannot be done on the text (a flow mapping, a ``block`` that is not a mapping)."""
    moved = _block_lines(document, (key,))
    if moved is None:
        return ()
    start, end = _line_offsets(document, *moved)
    text = document.text[start:end]
    if not text.endswith("\n"):
        text += _newline(document)
    text = field + text[len(key) :] if text.startswith(key) else ""
    if not text:
        return ()  # a quoted key
    if (block,) not in document.spans:
        indented = _indent(text, "  ")
        return (Edit(start, end, f"{block}:{_newline(document)}{indented}"),)
    indent = _child_indent(document, (block,))
    target = _block_lines(document, (block,))
    if indent is None or target is None:
        return ()
    _, insert_at = _line_offsets(document, *target)
    if insert_at == start:  # the key follows the block: indenting it moves it in
        return (Edit(start, end, _indent(text, indent)),)
    separator = "" if document.text[:insert_at].endswith("\n") else _newline(document)
    return (Edit(insert_at, insert_at, separator + _indent(text, indent)), Edit(start, end, ""))


def _indent(text: str, indent: str) -> str:
    """Every line of ``text`` (lines as git counts them) that is not blank, ``indent`` added in
    front."""
    return "\n".join(indent + line if line.strip() else line for line in text.split("\n"))
