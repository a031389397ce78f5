"""Characters that stop libyaml: the ones YAML does not allow anywhere, and the line breaks
git does not count (a lone ``\\r``, U+0085, U+2028, U+2029) where they break a key or a plain
value in two. Each becomes a syntax problem naming the character, at its position as git
counts lines, with how to keep it if the value needs it. So does a double-quoted escape whose
number is no character (``"\\ud800"``, a lone surrogate)."""

from __future__ import annotations

import re
from typing import Final

import yaml

from agentsync.config.positions import SourceLines
from agentsync.config.problems import SYNTAX, LoadProblem

# libyaml's reader refuses these (C0 and C1 controls but tab and line breaks, DEL, surrogates,
# U+FFFE and U+FFFF).
_DISALLOWED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAK_NAMES: Final = {
    "\r": "a carriage return (U+000D) without a line feed",
    "\x85": "a next-line character (U+0085)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}


def _escape_hint(escape: str) -> str:
    return f'delete it; if the value needs it, write it as "{escape}" in a double-quoted value'


def character_problem(source: SourceLines) -> LoadProblem:
    """The first character YAML does not allow (libyaml refused the text for one)."""
    found = _DISALLOWED.search(source.text)
    if found is None:  # not expected: libyaml refuses only these
        return LoadProblem(SYNTAX, 1, 1, "the file holds a character YAML does not allow")
    code = ord(found.group())
    line, column = source.at_index(found.start())
    if 0xD800 <= code <= 0xDFFF:
        message = f"unpaired surrogate U+{code:04X} is not allowed"
        return LoadProblem(SYNTAX, line, column, message, "delete it")
    what = "character" if code >= 0xFFFE else "control character"
    escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    message = f"{what} U+{code:04X} is not allowed in YAML"
    return LoadProblem(SYNTAX, line, column, message, _escape_hint(escape))


def yaml_only_break_problem(source: SourceLines, error: yaml.MarkedYAMLError) -> LoadProblem:
    """The problem when the text parses once its YAML-only line breaks are blanks: the last
    of them before where libyaml stopped broke a key or plain value in two."""
    stopped = error.problem_mark or error.context_mark
    breaks = source.yaml_only_breaks()
    index = ([i for i in breaks if stopped is None or i <= stopped.index] or breaks)[-1]
    char = source.text[index]
    message = f"{_BREAK_NAMES[char]} breaks the line here for YAML, outside quotes"
    escape = "\\r" if char == "\r" else f"\\u{ord(char):04x}"
    return LoadProblem(SYNTAX, *source.at_index(index), message, _escape_hint(escape))


_ESCAPE_DIGITS: Final = {"x": 2, "u": 4, "U": 8}


def no_character_escape(source: SourceLines, error: yaml.MarkedYAMLError) -> LoadProblem | None:
    """The problem when libyaml refused a double-quoted escape whose number is no character:
    a lone surrogate (``\\ud800``, half of a UTF-16 pair) or past U+10FFFF; else None."""
    if "Unicode character escape code" not in (error.problem or "") or not error.problem_mark:
        return None
    line, column = source.at_mark(error.problem_mark)
    text = source.line(line)
    slash = text.rfind("\\", 0, column)
    escape = text[slash : slash + 2 + _ESCAPE_DIGITS.get(text[slash + 1 : slash + 2], 0)]
    message = (
        f"'{escape}' is no character: a lone surrogate (half of a UTF-16 pair, which UTF-8 "
        "cannot carry) or past U+10FFFF"
    )
    hint = (
        "write the character itself, or one \\U escape for it (\\U0001F600, not a pair of "
        "\\u escapes)"
    )
    return LoadProblem(SYNTAX, line, slash + 1, message, hint)
