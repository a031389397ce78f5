"""What can still be read from YAML text that libyaml could not parse.

Owns two questions asked only after a parse failed, so they cost nothing on valid files:

- ``declares_config``: is the broken file an agent config at all? It is when it is blank or
  its root mapping has an ``ellipsis`` key, in any style: a block mapping (at the root's
  indentation) or a flow mapping (``{ellipsis: ...}``, JSON-like ``{"ellipsis": ...}``), plain
  or quoted. Lint and sync both decide with it (through the loader), so they agree.
- ``flow_end``: where the flow collection opened at an index closes, if it does, and
  ``unclosed_bracket``: which bracket of a text never closes.

The flow reader follows libyaml where it matters for brackets: a quote starts a quoted
scalar only where a value starts (an apostrophe inside plain text is text), a comment may
start wherever a token may, and a plain scalar ends at ``,[]{}`` or at a ``:`` before a blank.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

MARKER: Final = "ellipsis"
_MARKER_KEYS: Final = frozenset({MARKER, f'"{MARKER}"', f"'{MARKER}'"})

_BLANKS = re.compile(r"(?:[ \t\r\n\ufeff]+|#[^\n]*)*")
_TOKEN = re.compile(
    r"""(?P<open>[\[{])|(?P<close>[\]}])|(?P<indicator>[,?:])
    |(?P<quoted>"(?:[^"\\]|\\.)*(?:"|\Z)|'(?:[^']|'')*(?:'|\Z))
    |(?P<property>[&!*][^ \t\r\n,\[\]{}]*)
    |(?P<plain>(?:[^ \t\r\n,\[\]{}:]|:(?![ \t\r\n,\[\]{}])|[ \t]+(?=[^ \t\r\n#]))+|[^ \t\r\n])""",
    re.VERBOSE | re.DOTALL,
)
_CLOSES: Final = {"[": "]", "{": "}"}
# The first line holding content: not blank, a comment, a directive or a document marker.
_CONTENT_LINE = re.compile(
    r"^(?![ \t\r]*(?:#|$)|%|(?:---|\.\.\.)(?:[ \t\r]|$))([ \t]*)(.)", re.MULTILINE
)
_DOCUMENT_START = re.compile(r"^---[ \t]+(?!#)(.)", re.MULTILINE)


def _tokens(text: str, start: int) -> Iterator[tuple[str, str, int]]:
    """``(kind, token, index)`` of each flow-context token from ``start`` to the end."""
    index = start
    length = len(text)
    while True:
        blanks = _BLANKS.match(text, index)
        assert blanks is not None  # the pattern matches the empty string
        index = blanks.end()
        if index >= length:
            return
        token = _TOKEN.match(text, index)
        assert token is not None  # "plain" takes any character
        assert token.lastgroup is not None
        yield token.lastgroup, token.group(), index
        index = token.end()


def _nested(text: str, start: int) -> Iterator[tuple[str, str, int, list[int]]]:
    """Each token from ``start`` with the indexes of the brackets open after it (innermost
    last; one list, updated as the tokens go). A closing bracket closes the innermost one of
    its kind, and any left open inside it; one of no open kind is text."""
    brackets: list[str] = []
    opened_at: list[int] = []
    still_open = {"[": 0, "{": 0}  # by kind: a close of a kind none is open of is text
    for kind, token, index in _tokens(text, start):
        if kind == "open":
            brackets.append(token)
            opened_at.append(index)
            still_open[token] += 1
        elif kind == "close":
            opening = "[" if token == "]" else "{"
            if still_open[opening]:
                # Back to the innermost of its kind: each bracket is passed once, when it
                # closes, so a document of 200,000 brackets is read in linear time.
                depth = len(brackets) - 1
                while brackets[depth] != opening:
                    depth -= 1
                for closed in brackets[depth:]:
                    still_open[closed] -= 1
                del brackets[depth:], opened_at[depth:]
        yield kind, token, index, opened_at


def flow_end(text: str, start: int) -> int | None:
    """The index of the bracket that closes the flow collection opened at ``start``, or None
    when it never closes."""
    for kind, _, index, opened_at in _nested(text, start):
        if kind == "close" and not opened_at:
            return index
    return None


def unclosed_bracket(text: str) -> int | None:
    """The index of the outermost ``[`` or ``{`` of the text that never closes, or None."""
    still_open: list[int] = []
    for _, _, _, opened_at in _nested(text, 0):
        still_open = opened_at
    return still_open[0] if still_open else None


def _flow_root_has_marker(text: str, start: int) -> bool:
    """Whether the flow mapping opened at ``start`` has an ``ellipsis`` key of its own."""
    previous = ""  # the last token directly in the root mapping, when it could be a key
    for kind, token, _, opened_at in _nested(text, start):
        if not opened_at:
            return False
        if len(opened_at) > 1 or kind in ("open", "close"):
            previous = ""
        elif kind == "indicator" and token == ":" and previous.rstrip() in _MARKER_KEYS:
            return True
        elif kind != "property":
            previous = token
    return False


def _root(text: str) -> tuple[int, int] | None:
    """The index and column of the root node's first character, or None if there is none."""
    started = _DOCUMENT_START.search(text)  # "--- {" or "--- key": a root on the marker's line
    line = _CONTENT_LINE.search(text)
    candidates = [(match.start(match.lastindex or 0), match) for match in (started, line) if match]
    if not candidates:
        return None
    index, _ = min(candidates, key=lambda pair: pair[0])
    return index, index - (text.rfind("\n", 0, index) + 1)


def declares_config(text: str) -> bool:
    """Whether text that does not parse as YAML is an agent config: blank, or a root mapping
    with an ``ellipsis`` key, in block or flow style, plain or quoted."""
    if not text.strip():
        return True
    root = _root(text)
    if root is None:
        return False
    index, column = root
    if text[index] == "{":
        return _flow_root_has_marker(text, index)
    if text[index] == "[" or text[index : index + 2].rstrip() == "-":
        return False  # the root is a list
    key = rf"^[ ]{{{column}}}(?:{MARKER}|\"{MARKER}\"|'{MARKER}')[ \t]*:"
    return re.search(key, text, re.MULTILINE) is not None
