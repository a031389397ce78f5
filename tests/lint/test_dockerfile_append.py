"""dockerfile-append reads lines as Docker does: comment and blank lines inside a ``\\``
continuation are dropped, and the instruction goes on; a ``#`` later in a line is not a
comment. Lint and sync agree on each shape."""

from __future__ import annotations

import pytest

from agentsync.lint.rules.dockerfile_append import foreign_instructions
from tests.agreement import found, lint_and_sync


def _config(dockerfile: str) -> str:
    body = "".join(f"      {line}\n" if line else "\n" for line in dockerfile.split("\n"))
    return (
        "ellipsis: {version: v1}\nsandbox:\n  image:\n    dockerfile_append: |\n"
        f"{body}claude:\n  system: Build it.\n"
    )


RUN_ONLY = {
    "a comment line": "RUN apt-get update \\\n# then curl\n&& apt-get install -y curl",
    "an indented comment": "RUN apt-get update \\\n    # then curl\n    && apt-get install -y curl",
    "a blank line": "RUN apt-get update \\\n\n    && apt-get install -y curl",
    "comments and blanks": "RUN a \\\n  # one\n\n  # two\n  && b \\\n  # three\n  && c",
    "a comment ending in a backslash": "RUN a \\\n  # note \\\n  && b",
    "a # inside the line": 'RUN echo "a # b" \\\n  && echo c # d \\\n  && echo e',
    "a heredoc with # lines": "RUN <<EOF\n# not a comment to Docker's parser\nFROM x\nEOF",
}


@pytest.mark.parametrize("dockerfile", RUN_ONLY.values(), ids=RUN_ONLY.keys())
def test_only_run_instructions_are_valid(dockerfile: str) -> None:
    result, desired = lint_and_sync(_config(dockerfile))
    assert list(foreign_instructions(dockerfile)) == []
    assert found(result) == []
    assert desired.status == "valid"


FOREIGN = {
    "after a continuation with a comment": (
        "RUN a \\\n  # note\n  && b\nENV X=1",
        [(3, "ENV")],
    ),
    "a # in the middle does not continue": ("RUN echo hi # note\n&& echo there", [(1, "&&")]),
    "a comment ends no instruction": (
        "# RUN only\nFROM ubuntu\n# ok\nCOPY . /",
        [(1, "FROM"), (3, "COPY")],
    ),
}


@pytest.mark.parametrize(("dockerfile", "expected"), FOREIGN.values(), ids=FOREIGN.keys())
def test_other_instructions_are_found_on_their_line(
    dockerfile: str, expected: list[tuple[int, str]]
) -> None:
    assert list(foreign_instructions(dockerfile)) == expected
    result, desired = lint_and_sync(_config(dockerfile))
    # the block starts on line 5 of the config: line index i is config line 5 + i
    assert found(result) == [f"dockerfile-append@{5 + i}:7" for i, _ in expected]
    assert desired.status == "invalid"
