"""Inline suppressions: ``# agent-lint: disable=RULE[,RULE]`` comments in a config file.

- at the end of a line: silences those rules on that line;
- on a line of its own: silences them on the next line that holds YAML;
- ``# agent-lint: disable-file=RULE`` anywhere: silences them in the whole file.
``all`` stands for every rule.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_DIRECTIVE = re.compile(
    r"#\s*agent-lint:\s*(disable|disable-file)\s*=\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)"
)


class Suppressions(NamedTuple):
    whole_file: frozenset[str]
    by_line: dict[int, frozenset[str]]

    def silences(self, rule: str, line: int) -> bool:
        rules = self.whole_file | self.by_line.get(line, frozenset())
        return rule in rules or "all" in rules


def find_suppressions(lines: list[str]) -> Suppressions:
    whole_file: set[str] = set()
    by_line: dict[int, set[str]] = {}
    pending: set[str] = set()
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        match = _DIRECTIVE.search(text)
        if match is None:
            if pending and stripped and not stripped.startswith("#"):
                by_line.setdefault(number, set()).update(pending)
                pending = set()
            continue
        rules = {r.strip() for r in match.group(2).split(",")}
        if match.group(1) == "disable-file":
            whole_file |= rules
        elif stripped.startswith("#"):
            pending |= rules
        else:
            by_line.setdefault(number, set()).update(rules)
    return Suppressions(
        frozenset(whole_file), {line: frozenset(rules) for line, rules in by_line.items()}
    )
