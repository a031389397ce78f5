"""Positions as git counts them: a new line starts after each ``\\n`` (``\\r\\n`` included).

libyaml follows YAML 1.1 and also breaks lines at a lone ``\\r``, U+0085, U+2028 and U+2029,
so one of them (inside a quoted string, say) would shift every later line number. Git,
GitHub's annotations and editors' "go to line" count none of them (nor does YAML 1.2, but
for the lone ``\\r``). ``SourceLines`` turns libyaml's marks and positions into git's lines,
and holds the lines reporters show. A file without such a character, nearly every file,
costs one check: libyaml's positions are git's.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cached_property
from typing import Final, Protocol

from agentsync.config.nesting import LINE_BREAK

# A line break to libyaml but not to git: libyaml reads "\r\n" as one break, as git does.
_YAML_ONLY_BREAK: Final = re.compile(r"[\x85\u2028\u2029]|\r(?!\n)")


class Mark(Protocol):
    """A libyaml mark (``yaml.Mark``): 0-based, ``index`` in characters."""

    @property
    def index(self) -> int: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


def breaks_differ(text: str) -> bool:
    """Whether libyaml would number some line of ``text`` differently from git."""
    if text.isascii() and "\r" not in text:
        return False
    return _YAML_ONLY_BREAK.search(text) is not None


class SourceLines:
    """The lines of a text as git counts them, and the conversion of libyaml's positions."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def differ(self) -> bool:
        """Whether libyaml numbers some line differently."""
        return breaks_differ(self.text)

    @cached_property
    def lines(self) -> list[str]:
        """Each line's text, without its ``\\n`` or ``\\r\\n``."""
        lines = self.text.split("\n")
        if "\r" in self.text:
            lines = [line.removesuffix("\r") for line in lines]
        return lines

    def line(self, number: int) -> str:
        """The text of the 1-based line ``number``; empty past the end."""
        lines = self.lines
        return lines[number - 1] if 0 < number <= len(lines) else ""

    @cached_property
    def _starts(self) -> list[int]:
        """The index of the first character of each line, as git counts them."""
        return [0, *(match.end() for match in re.finditer("\n", self.text))]

    @cached_property
    def _yaml_starts(self) -> list[int]:
        """The index of the first character of each line, as libyaml counts them."""
        return [0, *(match.end() for match in LINE_BREAK.finditer(self.text))]

    def yaml_only_breaks(self) -> list[int]:
        """The index of each line break libyaml counts and git does not."""
        return [match.start() for match in _YAML_ONLY_BREAK.finditer(self.text)]

    def without_yaml_only_breaks(self) -> str:
        """The text with each of those line breaks a blank (so every index stays)."""
        return _YAML_ONLY_BREAK.sub(" ", self.text)

    def index(self, line: int, column: int) -> int:
        """The index in the text of the 1-based ``line`` and ``column``."""
        return self._starts[line - 1] + column - 1

    def at_index(self, index: int) -> tuple[int, int]:
        """The 1-based line and column of the character at ``index``."""
        starts = self._starts
        row = bisect_right(starts, index)
        return row, index - starts[row - 1] + 1

    def at_mark(self, mark: Mark) -> tuple[int, int]:
        """The 1-based line and column of a libyaml mark."""
        if not self.differ:
            return mark.line + 1, mark.column + 1
        return self.at_index(mark.index)

    def at_yaml(self, line: int, column: int) -> tuple[int, int]:
        """The 1-based line and column of libyaml's 0-based ``line`` and ``column``."""
        if not self.differ:
            return line + 1, column + 1
        starts = self._yaml_starts
        return self.at_index(starts[min(line, len(starts) - 1)] + column)
