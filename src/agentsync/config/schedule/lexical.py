"""The lexical layer every schedule syntax shares: whitespace, tokens with their offsets,
comma-separated items, saturating numbers, and month titles for messages."""

from __future__ import annotations

import re
from collections.abc import Iterator

SPACE = " \t\n\r\f\v"
DIGITS = re.compile(r"[0-9]+")
BIG = 10**9  # numbers are read saturating here: cheap, and far beyond every field's range
MONTH_TITLES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_TOKEN = re.compile(r"[^ \t\n\r\f\v]+")

Tokens = list[tuple[str, int]]


def tokenize(text: str, start: int, end: int) -> Tokens:
    """The whitespace-separated tokens of ``text[start:end]`` with their offsets in ``text``."""
    return [(match.group(), match.start()) for match in _TOKEN.finditer(text, start, end)]


def items(token: str, offset: int) -> Iterator[tuple[str, int]]:
    """The comma-separated items of a field with their offsets."""
    for item in token.split(","):
        yield item, offset
        offset += len(item) + 1


def to_int(digits: str) -> int:
    """The value of a run of digits, saturating at BIG."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) < 10 else BIG
