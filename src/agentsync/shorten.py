"""Text made to fit: on one line, or within a limit on characters (a comment, a check run's
text, a stored reason, a table cell).

:func:`one_line` folds every run of white space (line breaks too) into one space;
:func:`truncate` cuts anywhere and ends with an ellipsis; :func:`fit_lines` keeps whole lines
and says how many it left out. GitHub's limits and the sync preview's ``--max-chars`` use them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["fit_lines", "one_line", "truncate"]


def one_line(text: object) -> str:
    """``text`` as a string on one line: each run of white space is one space."""
    return " ".join(str(text).split())


def truncate(text: str, limit: int) -> str:
    """``text``, or its first ``limit - 1`` characters and an ellipsis (nothing for a limit
    below 1)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if limit > 0 else ""


def fit_lines(
    head: Sequence[str], rows: Sequence[str], limit: int, more: Callable[[int], str]
) -> str:
    """``head``, then as many whole ``rows`` as fit in ``limit`` characters, then, after a
    blank line, ``more(count)`` of the rows left out (only if it fits whole); never longer
    than ``limit``."""
    whole = "\n".join([*head, *rows])
    if len(whole) <= limit:
        return whole
    text = "\n".join(head)
    for shown, row in enumerate(rows):
        left = len(rows) - shown - 1  # left out if this row is the last one shown
        reserve = len(more(left)) + 2 if left else 0
        grown = f"{text}\n{row}" if text else row
        if len(grown) + reserve > limit:
            note = f"\n\n{more(len(rows) - shown)}"
            return text + note if len(text) + len(note) <= limit else truncate(text, limit)
        text = grown
    return truncate(text, limit)
