""" "Did you mean": the closest of the known names to a misspelt one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name most like ``word``, if one is close enough."""
    matches = difflib.get_close_matches(word, list(known), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``": did you mean 'x'?"`` for the closest known name, else an empty string."""
    match = closest(word, known)
    return f": did you mean {match!r}?" if match else ""
