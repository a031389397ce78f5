"""Syntax diagnostics as a person needs them: one line, at the mistake (or where the construct
that is never closed opened), in the file's terms, with a hint for the common causes. Read
from libyaml's errors, the parser PyYAML's wheels ship and the loader uses."""

from __future__ import annotations

import re
import time

import pytest
from yaml._yaml import CParser

from agentsync.config import loader
from agentsync.config.loader import load_text
from agentsync.config.problems import LoadProblem

HEAD = "ellipsis:\n  version: v1\n"  # two lines: each case's own lines start at line 3

# name: (text, line, column, message, hint)
CASES: dict[str, tuple[str, int, int, str, str | None]] = {
    "colon in a plain value": (
        HEAD + "claude:\n  system: Note: be terse\n",
        4,
        15,
        "a plain value cannot contain ': ' (YAML reads it as a key)",
        'quote the value: system: "Note: be terse"',
    ),
    "colon in a list item": (
        HEAD + "x:\n  - Note: be: terse\n",
        4,
        13,
        "a plain value cannot contain ': ' (YAML reads it as a key)",
        'quote the value: - Note: "be: terse"',
    ),
    "value starting with @": (
        HEAD + "claude:\n  system: @ellipsis review this\n",
        4,
        11,
        "a plain value cannot start with '@': YAML reserves it",
        'quote the value: system: "@ellipsis review this"',
    ),
    "value starting with a backtick": (
        HEAD + "claude:\n  system: `make test` first  # a comment\n",
        4,
        11,
        "a plain value cannot start with '`': YAML reserves it",
        'quote the value: system: "`make test` first"',
    ),
    "@ in brackets": (
        HEAD + "x: [a, @ellipsis]\n",
        3,
        8,
        "a plain value cannot start with '@': YAML reserves it",
        'quote it: "@ellipsis"',
    ),
    "a misspelt alias": (
        HEAD + "base: &prompt Review the diff.\nclaude:\n  system: *promt\n",
        5,
        11,
        "undefined alias '*promt': no anchor '&promt' before it",
        "did you mean '*prompt'? ('&prompt' is on line 3)",
    ),
    "an alias with no anchor like it": (
        HEAD + "claude:\n  system: *review\n",
        4,
        11,
        "undefined alias '*review': no anchor '&review' before it",
        (
            "define '&review' before it, or, if the value is text, "
            'quote the value: system: "*review"'
        ),
    ),
    "markdown bold": (
        HEAD + "claude:\n  system: *bold* text\n",
        4,
        11,
        "a plain value cannot start with '*': YAML reads it as an alias",
        'quote the value: system: "*bold* text"',
    ),
    "an alias before its anchor": (
        HEAD + "a: *base\nb: &base x\n",
        3,
        4,
        "alias '*base' comes before its anchor '&base' (line 4)",
        "define the anchor before any alias to it",
    ),
    "a value starting with *": (
        HEAD + "triggers:\n  - type: cron\n    schedule: */5 * * * *\n",
        5,
        15,
        "a plain value cannot start with '*': YAML reads it as an alias",
        'quote the value: schedule: "*/5 * * * *"',
    ),
    "an anchor defined twice": (
        HEAD + "a: &x 1\nb: &x 2\n",
        4,
        4,
        "anchor '&x' is already defined on line 3",
        "give each anchor a name of its own",
    ),
    "a second document": (
        HEAD + "---\nellipsis:\n  version: v1\n",
        3,
        1,
        "a second YAML document starts here: an agent config is one document",
        "one agent per file: move what follows into a file of its own, or delete '---'",
    ),
    "content after the document end": (
        HEAD + "...\nmore: 1\n",
        4,
        1,
        "the document ends with '...' on line 3: nothing may follow it",
        "delete the '...' line; one agent per file",
    ),
    "a tab indenting a key": (
        "ellipsis:\n\tversion: v1\n",
        2,
        1,
        "a tab character cannot indent YAML",
        "indent with spaces only",
    ),
    "a tab after the spaces": (
        HEAD + "claude:\n  \tsystem: x\n",
        4,
        3,
        "a tab character cannot indent YAML",
        "indent with spaces only",
    ),
    "a tab in a block scalar": (
        HEAD + "claude:\n  system: |\n    first\n\tsecond\n",
        6,
        1,
        "a tab character cannot indent YAML",
        "indent with spaces only",
    ),
    "an unclosed double quote": (
        HEAD + 'claude:\n  system: "Review the diff.\n  model: opus\nlimits:\n  run: 1\n',
        4,
        11,
        "this double-quoted value is never closed",
        'add the closing "; inside it, write a " as \\"',
    ),
    "an unclosed single quote": (
        HEAD + "claude:\n  system: 'Review the diff.\n---\n",
        4,
        11,
        "this single-quoted value is never closed",
        "add the closing '; inside it, write a ' as ''",
    ),
    "an apostrophe in single quotes": (
        HEAD + "claude:\n  system: 'don't be terse'\n",
        4,
        16,
        "unexpected text after the closing ' of a quoted value",
        (
            'quote the whole value: system: "don\'t be terse" '
            "(inside single quotes, a ' is written '')"
        ),
    ),
    "an unclosed bracket": (
        HEAD + "triggers: [push, pull_request\nclaude:\n  system: x\n",
        3,
        11,
        "this '[' is never closed",
        "add the closing ']'; if the value is text, quote it",
    ),
    "an unclosed brace at the end of the file": (
        "ellipsis: {version: v1\n",
        1,
        11,
        "this '{' is never closed",
        "add the closing '}'; if the value is text, quote it",
    ),
    "an unclosed JSON-like root": (
        '{\n  "ellipsis": {"version": "v1"},\n  "claude": {"system": "x"}\n',
        1,
        1,
        "this '{' is never closed",
        "add the closing '}'",
    ),
    "an unclosed empty list": (
        HEAD + "triggers: [\n",
        3,
        11,
        "this '[' is never closed",
        "add the closing ']'",
    ),
    "a wrong closing bracket": (
        HEAD + "x: [a, b}\n",
        3,
        9,
        "'}' does not close the '[' opened on line 3",
        "close it with ']'",
    ),
    "a missing comma": (
        '{\n  "ellipsis": {"version": "v1"}\n  "claude": {"system": "x"}\n}\n',
        3,
        3,
        "a ',' is missing before this entry",
        "separate the entries of the '{' on line 1 with ','",
    ),
    "a closing bracket too many": (
        HEAD + "triggers: [push]]\n",
        3,
        17,
        "']' closes no bracket",
        "delete it",
    ),
    "text after a list": (
        HEAD + "claude:\n  system: [WIP] fix the build\n",
        4,
        17,
        "a value that starts with '[' is a list: text cannot follow its end",
        'quote the value: system: "[WIP] fix the build"',
    ),
    "a key indented too deep": (
        HEAD + "claude:\n  system: x\n   model: y\n",
        5,
        4,
        "this line is indented deeper than line 4, so YAML reads it as more of that line's value",
        "indent it like line 4 (2 spaces)",
    ),
    "a key indented like no other": (
        HEAD + "claude:\n    system: x\n  model: y\n",
        5,
        3,
        "this line is indented 2 spaces, which matches no key above it",
        "indent it like line 4 (4 spaces) or line 3 (no indentation)",
    ),
    "a key indented like no other, after a comment": (
        HEAD + "claude:\n    system: x\n  # the model\n  model: y\n",
        6,
        3,
        "this line is indented 2 spaces, which matches no key above it",
        "indent it like line 4 (4 spaces) or line 3 (no indentation)",
    ),
    "a line without its colon": (
        HEAD + "claude:\n  system x\n  model: y\n",
        4,
        3,
        "this line has no ':' after its key, so YAML reads lines 4-5 as one value",
        "write it as 'key: value'",
    ),
    "the last line without its colon": (
        HEAD + "claude:\n  model: y\n  system x\n",
        5,
        3,
        "this line has no ':', but a line in a mapping is 'key: value'",
        "add the ':' after the key, or quote the text",
    ),
    "a list among keys": (
        HEAD + "claude:\n  system: x\n  - y\n",
        5,
        3,
        "a list item cannot stand among the keys of a mapping",
        "put the list under a key of its own, indented below it",
    ),
    "a dash on the key's line": (
        HEAD + "claude:\n  system: - be terse\n",
        4,
        11,
        "a plain value cannot start with '- ' on the line of its key",
        'quote the value: system: "- be terse"',
    ),
    "text after a block indicator": (
        HEAD + "claude:\n  system: > be terse\n",
        4,
        13,
        "text cannot follow '>' on its line: the text goes on the lines below",
        'quote the value: system: "> be terse"',
    ),
    "an unknown escape": (
        HEAD + 'claude:\n  system: "look in C:\\Users\\me"\n',
        4,
        22,
        "invalid escape '\\U' in a double-quoted value",
        "write a backslash as \\\\, or use single quotes, which keep backslashes as they are",
    ),
    "a lone surrogate's escape": (
        HEAD + 'claude:\n  system: "Audit \\udfff it"\n',
        4,
        18,
        (
            "'\\udfff' is no character: a lone surrogate (half of a UTF-16 pair, which UTF-8 "
            "cannot carry) or past U+10FFFF"
        ),
        (
            "write the character itself, or one \\U escape for it (\\U0001F600, not a pair of \\u "
            "escapes)"
        ),
    ),
    "an escape past U+10FFFF": (
        HEAD + 'claude:\n  system: "\\U00110000"\n',
        4,
        12,
        (
            "'\\U00110000' is no character: a lone surrogate (half of a UTF-16 pair, which UTF-8 "
            "cannot carry) or past U+10FFFF"
        ),
        (
            "write the character itself, or one \\U escape for it (\\U0001F600, not a pair of \\u "
            "escapes)"
        ),
    ),
    "a directive twice": (
        "%YAML 1.2\n%YAML 1.2\n---\n" + HEAD,
        2,
        1,
        "invalid directive '%YAML 1.2'",
        "agent configs need none: delete it",
    ),
    "a directive": (
        "%FOO bar\n---\n" + HEAD,
        1,
        1,
        "invalid directive '%FOO bar'",
        "agent configs need none: delete it",
    ),
    "an undefined tag handle": (
        HEAD + "x: !e!tag 1\n",
        3,
        4,
        "invalid tag '!e!tag'",
        "remove it; agent configs use plain values",
    ),
    "a key with no indentation below an indented root": (
        "  ellipsis:\n    version: v1\n  claude:\n    system: x\nmodel: y\n",
        5,
        1,
        "this line has no indentation, which matches no key above it",
        "indent it like line 3 (2 spaces)",
    ),
    "a value without a key": (
        HEAD + "claude:\n  system\n  : x\n",
        5,
        3,
        "a value without a key: ':' starts the line",
        "write 'key: value'",
    ),
    "a line in a list that is no item": (
        HEAD + "triggers:\n  - type: cron\n  schedule: x\n",
        5,
        3,
        "a line in a list must be an item ('- ')",
        "start it with '- ', or indent it under the item above",
    ),
    "a colon in brackets": (
        HEAD + "x: [a:]\n",
        3,
        6,
        "a plain value in brackets cannot contain ':'",
        "quote it; after a key's ':', put a space",
    ),
    "a line separator in a key": (
        'ellipsis:\n  name: "a\u2028b"\n  sys\u2028tem: x\n',
        3,
        6,
        "a line separator (U+2028) breaks the line here for YAML, outside quotes",
        'delete it; if the value needs it, write it as "\\u2028" in a double-quoted value',
    ),
    "a lone carriage return": (
        HEAD + "claude:\n  system: x\n  mo\rdel: y\n",
        5,
        5,
        (
            "a carriage return (U+000D) without a line feed breaks the line here for YAML, "
            "outside quotes"
        ),
        'delete it; if the value needs it, write it as "\\r" in a double-quoted value',
    ),
}

# What libyaml's and PyYAML's own messages carry that a person has no use for.
INTERNALS = re.compile(r"<unicode string>|<byte string>|position \d|while (scanning|parsing)|\n")


def _only_problem(text: str) -> LoadProblem:
    document = load_text(text, "agents/a.yaml")
    assert document.kind == "config"
    assert not document.loaded
    (problem,) = document.problems
    assert problem.rule == "syntax"
    return problem


def test_the_loader_parses_with_libyaml() -> None:
    """The messages are read from libyaml's errors: users get libyaml with PyYAML's wheels."""
    assert issubclass(loader._Loader, CParser)


@pytest.mark.parametrize("name", sorted(CASES))
def test_syntax_diagnostic(name: str) -> None:
    text, line, column, message, hint = CASES[name]
    problem = _only_problem(text)
    assert (problem.line, problem.column, problem.message, problem.hint) == (
        line,
        column,
        message,
        hint,
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_parser_internals(name: str) -> None:
    problem = _only_problem(CASES[name][0])
    assert not INTERNALS.search(problem.message), problem.message
    assert not INTERNALS.search(problem.hint or ""), problem.hint


@pytest.mark.parametrize(
    ("character", "escape", "what"),
    [
        ("\x07", "\\x07", "control character U+0007"),
        ("\x00", "\\x00", "control character U+0000"),
        ("\x1b", "\\x1b", "control character U+001B"),
        ("\x7f", "\\x7f", "control character U+007F"),
        ("\x9b", "\\x9b", "control character U+009B"),
        ("\ufffe", "\\ufffe", "character U+FFFE"),
    ],
)
def test_a_character_yaml_does_not_allow(character: str, escape: str, what: str) -> None:
    problem = _only_problem(HEAD + "claude:\n  system: Review the diff." + character + "\n")
    assert (problem.line, problem.column) == (4, 27)
    assert problem.message == f"{what} is not allowed in YAML"
    assert problem.hint == (
        f'delete it; if the value needs it, write it as "{escape}" in a double-quoted value'
    )


def test_a_control_character_after_other_characters_is_at_its_column() -> None:
    # libyaml reports the offset in bytes (62 here), not in characters (59)
    problem = _only_problem(HEAD + "claude:\n  system: Révisez — le diff\x07\n")
    assert (problem.line, problem.column) == (4, 28)


def test_every_disallowed_control_character_is_reported() -> None:
    allowed = {"\t", "\n", "\r", "\x85"}
    for code in [*range(0x20), *range(0x7F, 0xA0)]:
        if chr(code) in allowed:
            continue
        problem = _only_problem(HEAD + "x: a" + chr(code) + "b\n")
        assert (problem.line, problem.column) == (3, 5), hex(code)
        assert problem.message == f"control character U+{code:04X} is not allowed in YAML"


def test_an_unpaired_surrogate_is_a_problem_not_an_exception() -> None:
    problem = _only_problem(HEAD + "x: a\ud800b\n")
    assert (problem.line, problem.column, problem.message) == (
        3,
        5,
        "unpaired surrogate U+D800 is not allowed",
    )


@pytest.mark.parametrize("run", [" ", "\t", " #", "a ", "' "])
def test_a_long_broken_line_is_explained_in_linear_time(run: str) -> None:
    text = HEAD + "claude:\n  system x" + run * 100_000 + "y\n  model: z\n"
    start = time.perf_counter()
    problem = _only_problem(text)
    assert time.perf_counter() - start < 2  # backtracking over the run would take minutes
    assert problem.line in (4, 5)
