"""``dockerfile-append``: ``sandbox.image.dockerfile_append`` may hold only ``RUN``
instructions (with comments, blank lines, ``\\`` continuations and heredocs); the platform
owns the rest of the image.

Lines are read as Docker reads them: a comment line (``#`` first, after any indentation) or a
blank line inside a ``\\`` continuation is dropped and the instruction goes on, so a comment
between the lines of one ``RUN`` is fine; a ``#`` later in a line is not a comment.

Bad::

    sandbox:
      image:
        dockerfile_append: |
          FROM python:3.12
          RUN pip install ruff

Fixed::

    sandbox:
      image:
        dockerfile_append: |
          RUN pip install ruff
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta("dockerfile-append", "error", "dockerfile_append accepts only RUN instructions")

PATH = ("sandbox", "image", "dockerfile_append")
_HEREDOC = re.compile(r"<<-?\s*[\"']?(\w+)[\"']?")


def foreign_instructions(text: str) -> Iterator[tuple[int, str]]:
    """``(line index, instruction)`` of every instruction that is not RUN."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        start = index
        index += 1
        if _is_dropped(stripped):
            continue
        instruction = stripped.split(None, 1)[0].upper()
        if instruction != "RUN":
            yield start, instruction
        heredoc = _HEREDOC.search(stripped) if instruction == "RUN" else None
        if heredoc:
            while index < len(lines) and lines[index].strip() != heredoc.group(1):
                index += 1
            index += 1
            continue
        index = _end_of_continuation(lines, index, stripped)


def _is_dropped(stripped: str) -> bool:
    """A blank or comment line: Docker drops it, also inside a continuation."""
    return not stripped or stripped.startswith("#")


def _end_of_continuation(lines: list[str], index: int, stripped: str) -> int:
    """The index after the instruction whose line ``stripped`` ends before ``index``."""
    while stripped.endswith("\\") and index < len(lines):
        line = lines[index].strip()
        index += 1
        if not _is_dropped(line):
            stripped = line
    return index


def check(ctx: LintContext) -> Iterator[Finding]:
    text = ctx.get(PATH)
    if not isinstance(text, str):
        return
    span = ctx.span(PATH)
    block = span is not None and span.style == "|"
    for line_index, instruction in foreign_instructions(text):
        yield ctx.finding(
            PATH,
            f"dockerfile_append allows only RUN instructions, found {instruction}",
            "install what the agent needs with RUN; the platform builds the rest of the image",
            line_offset=line_index + 1 if block else 0,
        )
