"""A count and its noun, as people read them: ``plural(1, "error")`` is "1 error",
``plural(2, "error")`` "2 errors". Every message, report and comment counts this way."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word}{'' if count == 1 else 's'}"
