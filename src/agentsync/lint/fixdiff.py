"""The unified diff ``agent-lint --diff`` prints, with every line shown as lint shows it.

The hunks are found on the real lines, then each line is printed as ``LintContext.shown_line``
prints it: a secret value on a changed or context line is masked, as in a diagnostic's snippet.
A line before and after a fix is masked from where either side masks it: a key a fix renames
into a secret's (``valeu:`` -> ``value:``) masks the line it had before too.
"""

from __future__ import annotations

import difflib

from agentsync.config.loader import Document
from agentsync.config.secrets import MASK
from agentsync.lint.context import LintContext
from agentsync.lint.settings import Settings
from agentsync.printable import printable

CONTEXT_LINES = 3


def _lines(document: Document) -> list[str]:
    lines = document.source.lines
    return lines[:-1] if document.text.endswith("\n") else lines


def _range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it: ``3`` for one line, ``2,0`` for none."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _common_prefix(first: str, second: str) -> int:
    index = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        index += 1
    return index


def _masked_pair(old: str, old_shown: str, new: str, new_shown: str) -> tuple[str, str]:
    """A line before and after, both masked from the first place either side masks (and no
    later than where they start to differ, so no part of a secret shows on either), when the
    other holds what that side hides; else each as it is shown (a line replaced by an unrelated
    one, ``value: SECRET`` by ``repositories:``, keeps its text)."""
    masked = [
        shown.find(MASK)
        for shown, raw, other in ((old_shown, old, new), (new_shown, new, old))
        if MASK in shown and _hidden(raw, shown.find(MASK)) in other
    ]
    if not masked:
        return old_shown, new_shown
    cut = min(*masked, _common_prefix(old, new)) if old != new else min(masked)
    return old[:cut] + MASK, new[:cut] + MASK


def _hidden(raw: str, start: int) -> str:
    """What a line's mask from ``start`` hides: the text after it, without blanks or quotes."""
    return raw[start:].strip().strip("'\"").strip()


def masked_diff(display: str, before: Document, after: Document, settings: Settings) -> str:
    """``--- a/PATH`` / ``+++ b/PATH`` (the path printable) and the hunks from ``before`` to
    ``after``; empty when their lines are the same."""
    old, new = _lines(before), _lines(after)
    shown_old = LintContext(before, settings).shown_line
    shown_new = LintContext(after, settings).shown_line
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, old_start, old_stop, new_start, new_stop in group:
            pairs = zip(range(old_start, old_stop), range(new_start, new_stop), strict=False)
            shown = {
                (i, j): _masked_pair(old[i], shown_old(i + 1), new[j], shown_new(j + 1))
                for i, j in pairs
            }
            if tag == "equal":
                out.extend(f" {shown[i, j][0]}\n" for i, j in shown)
                continue
            paired_old = {i: pair[0] for (i, _), pair in shown.items()}
            paired_new = {j: pair[1] for (_, j), pair in shown.items()}
            out.extend(
                f"-{paired_old.get(i) or shown_old(i + 1)}\n" for i in range(old_start, old_stop)
            )
            out.extend(
                f"+{paired_new.get(j) or shown_new(j + 1)}\n" for j in range(new_start, new_stop)
            )
    if not out:
        return ""
    name = printable(display)
    return f"--- a/{name}\n+++ b/{name}\n" + "".join(out)
