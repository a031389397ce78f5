"""Inline suppressions: ``# agent-lint: disable=RULE[,RULE]`` comments in a config file.

- at the end of a line: silences those rules on that line;
- on a line of its own: silences them on the next line that holds YAML (which may carry a
  directive of its own: both apply);
- ``# agent-lint: disable-file=RULE`` anywhere: silences them in the whole file.

``all`` stands for every rule. A name that is no rule is reported by the ``unknown-rule``
rule, with the closest rule id. Only warnings are silenced: an error is the platform's rule,
which the sync engine and the control plane enforce whatever a file's comments say, so
agent-lint reports it too (the runner checks the severity).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

ALL = "all"

_DIRECTIVE = re.compile(
    r"#\s*agent-lint:\s*(disable|disable-file)\s*=\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)"
)
_NAME = re.compile(r"[\w\-]+")


class RuleName(NamedTuple):
    """One rule name in a directive, where it stands (1-based)."""

    name: str
    line: int
    column: int


class Directive(NamedTuple):
    line: int
    whole_file: bool
    standalone: bool  # on a line of its own: it applies to the next line that holds YAML
    names: tuple[RuleName, ...]


def directives(lines: list[str]) -> Iterator[Directive]:
    """Every directive in the file, in order."""
    for number, text in enumerate(lines, start=1):
        match = _DIRECTIVE.search(text)
        if match is None:
            continue
        start = match.start(2)
        names = tuple(
            RuleName(name.group(), number, start + name.start() + 1)
            for name in _NAME.finditer(match.group(2))
        )
        standalone = text.lstrip().startswith("#")
        yield Directive(number, match.group(1) == "disable-file", standalone, names)


class Suppressions(NamedTuple):
    whole_file: frozenset[str]
    by_line: dict[int, frozenset[str]]

    def silences(self, rule: str, line: int) -> bool:
        rules = self.whole_file | self.by_line.get(line, frozenset())
        return rule in rules or ALL in rules


def find_suppressions(lines: list[str]) -> Suppressions:
    whole_file: set[str] = set()
    by_line: dict[int, set[str]] = {}
    pending: set[str] = set()
    found = {directive.line: directive for directive in directives(lines)}
    for number, text in enumerate(lines, start=1):
        directive = found.get(number)
        rules = {name.name for name in directive.names} if directive else set()
        if directive is not None and directive.whole_file:
            whole_file |= rules
        elif directive is not None and directive.standalone:
            pending |= rules
            continue
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if directive is not None and not directive.whole_file:
            by_line.setdefault(number, set()).update(rules)
        if pending:
            by_line.setdefault(number, set()).update(pending)
            pending = set()
    return Suppressions(
        frozenset(whole_file), {line: frozenset(rules) for line, rules in by_line.items()}
    )
