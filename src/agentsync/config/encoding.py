"""A config file's bytes to text: UTF-8 only (a UTF-8 byte order mark is dropped).

A file in another encoding is never read as something else, nor skipped in silence: UTF-16
and UTF-32 (told by their byte order mark, or without one by the zero bytes of their first
characters, as YAML detects them) and invalid UTF-8 each become a ``NotUtf8`` with the text
decoded as well as it can be, so the loader can still tell whether it is an agent config and
show its lines, and a problem saying to save it as UTF-8.
"""

from __future__ import annotations

import codecs
from typing import Final

from agentsync.config.problems import SYNTAX, LoadProblem

_SAVE_AS_UTF8: Final = "save the file as UTF-8"

# (what the first bytes look like, codec, name shown): byte order marks first, the longest
# first; then YAML's detection without one ("\0" stands for a zero byte, "?" for any other).
_MARKS: Final = (
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 (big-endian)"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (big-endian)"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (little-endian)"),
)
_ZEROS: Final = (
    ("\0\0\0?", "utf-32-be", "UTF-32 (big-endian)"),
    ("?\0\0\0", "utf-32-le", "UTF-32 (little-endian)"),
    ("\0?", "utf-16-be", "UTF-16 (big-endian)"),
    ("?\0", "utf-16-le", "UTF-16 (little-endian)"),
)


class NotUtf8(Exception):
    """The bytes are not UTF-8: the text as well as it can be decoded, and the problem."""

    def __init__(self, text: str, problem: LoadProblem) -> None:
        super().__init__(problem.message)
        self.text = text
        self.problem = problem


def _other_encoding(raw: bytes) -> tuple[bytes, str, str] | None:
    """``(byte order mark, codec, name)`` of a UTF-16 or UTF-32 file, else None."""
    for mark, codec, name in _MARKS:
        if raw.startswith(mark):
            return mark, codec, name
    shape = "".join("\0" if byte == 0 else "?" for byte in raw[:4])
    for pattern, codec, name in _ZEROS:
        if shape.startswith(pattern):
            return b"", codec, name
    return None


def decode(raw: bytes) -> str:
    """The text of a UTF-8 file, without a byte order mark; ``NotUtf8`` for any other."""
    raw = raw.removeprefix(codecs.BOM_UTF8)
    head = raw[:4]
    other = _other_encoding(head) if b"\0" in head or head[:1] in (b"\xfe", b"\xff") else None
    if other is not None:
        mark, codec, name = other
        message = f"the file is {name}, not UTF-8: agent configs must be UTF-8"
        text = raw[len(mark) :].decode(codec, errors="replace")
        raise NotUtf8(text, LoadProblem(SYNTAX, 1, 1, message, _SAVE_AS_UTF8))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        line = raw.count(b"\n", 0, error.start) + 1
        column = len(raw[line_start : error.start].decode("utf-8")) + 1  # characters, not bytes
        bad = raw[error.start : error.start + 1].hex()
        problem = LoadProblem(SYNTAX, line, column, f"invalid UTF-8 (byte 0x{bad})", _SAVE_AS_UTF8)
        raise NotUtf8(raw.decode("utf-8", errors="replace"), problem) from None
