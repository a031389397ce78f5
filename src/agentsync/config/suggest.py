"""Did-you-mean suggestions: the closest known spelling of a word, for messages; and the one
known word a value is but for letter case and surrounding blanks, which a fix may write.

difflib loads on the first call, not at import: most runs never suggest anything, and
agent-lint's start-up should not pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence


def closest(word: str, known: Sequence[str], cutoff: float = 0.6) -> str | None:
    """The entry of ``known`` most like ``word``, if any is at least ``cutoff`` alike (0-1)."""
    import difflib

    matches = difflib.get_close_matches(word, known, n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, known: Sequence[str]) -> str:
    """``": did you mean 'x'?"`` for the closest known spelling, else an empty string."""
    match = closest(word, known)
    return f": did you mean {match!r}?" if match else ""


_BLANKS = " \t"


def only_case_match(word: str, known: Sequence[str]) -> str | None:
    """The entry of ``known`` that ``word`` differs from only by ASCII letter case and
    surrounding spaces or tabs (``' Cron'`` is ``cron``), when exactly one does; None for a
    word that is not ASCII (no Unicode case folding turns a lookalike into a known word)."""
    stripped = word.strip(_BLANKS)
    if not stripped.isascii():
        return None
    matches = [entry for entry in known if entry.lower() == stripped.lower()]
    return matches[0] if len(matches) == 1 else None
