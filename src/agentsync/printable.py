"""Showing untrusted names and text, such as file paths from a pull request or what a server
sends, on a terminal or in a log:
control, format (bidi overrides such as U+202E) and line-separator characters are escaped as
Python writes them (``\\n``, ``\\t``, ``\\u202e``), so a name cannot fake or hide output;
and whether text can be written as UTF-8 at all."""

from __future__ import annotations


def printable(name: str) -> str:
    """``name`` with every character that is not printable escaped; itself if all are."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def is_utf8(text: str) -> bool:
    """Whether UTF-8 can carry ``text``: not if it holds a lone surrogate, which is how Python
    reads bytes that are not UTF-8 (a file's name, an argument)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_lines(text: str) -> str:
    """``text`` with each of its lines ``printable``: its line breaks (``\\n``) kept, every
    other character that is not printable (``\\r``, escape sequences) escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))
