"""Typos: the one known word a misspelt one was meant to be, for fixes that rename it
(``agent-lint --fix``). Stricter than ``agentsync.config.suggest``'s did-you-mean, which may
guess: a fix renames only a word one or two edits from exactly one known word. Imported only
while fixing.
"""

from __future__ import annotations

from collections.abc import Sequence


def only_close_match(word: str, known: Sequence[str]) -> str | None:
    """The entry of ``known`` that ``word`` is a typo of, when it is the only one: a fix may
    rename ``word`` to it. A typo is one edit away (a letter added, dropped, changed, or two
    neighbours swapped), two for a word of more than four letters."""
    allowed = 1 if len(word) <= 4 else 2
    matches = [entry for entry in known if typo_distance(word, entry, allowed) <= allowed]
    return matches[0] if len(matches) == 1 else None


def typo_distance(first: str, second: str, limit: int) -> int:
    """The optimal string alignment distance of two words, or ``limit + 1`` once it is more."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i]
        for j, b in enumerate(second, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)
