"""Showing untrusted names and text, such as file paths from a pull request or what a server
sends, on a terminal or in a log:
control, format (bidi overrides such as U+202E) and line-separator characters are escaped as
Python writes them (``\\n``, ``\\t``, ``\\u202e``), so a name cannot fake or hide output."""

from __future__ import annotations


def printable(name: str) -> str:
    """``name`` with every character that is not printable escaped; itself if all are."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def printable_lines(text: str) -> str:
    """``text`` with each of its lines ``printable``: its line breaks (``\\n``) kept, every
    other character that is not printable (``\\r``, escape sequences) escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))
