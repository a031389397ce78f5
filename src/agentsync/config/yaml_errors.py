"""What a YAML syntax error means to a person: one line, at git's position, with a hint.

libyaml speaks of its own workings ("while scanning a plain scalar", "did not find expected
key", a byte offset in "<unicode string>") and stops where it gave up, often past the mistake.
``syntax_problem`` reads the error's two marks (where the construct being read opened, where
libyaml stopped) and the source around them, and names the common causes in the file's terms,
with the fix: a plain value holding ": " or starting with "@", "`", "*", "&", "- " or "|"; an
undefined alias (and the anchor it most likely meant); a second document; a tab in the
indentation; a quote or bracket never closed (at the line where it opened); text after a
closing quote or bracket; an unknown escape; a line indented to no key, or missing its ":".
Anything else keeps libyaml's own problem, without the internals (``characters`` names the
characters that stop libyaml). Both of PyYAML's parsers are read alike: the matches are on
words they share. Only a file that failed to parse gets here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final, NamedTuple

import yaml

from agentsync.config.positions import SourceLines
from agentsync.config.problems import SYNTAX, LoadProblem
from agentsync.config.suggest import closest
from agentsync.config.unparsed import flow_end, unclosed_bracket
from agentsync.plural import plural
from agentsync.printable import printable

Position = tuple[int, int]  # 1-based line and column, as git counts lines

_ENTRIES = re.compile(r"[ \t]*(?:-[ \t]+)*")  # indentation, then "- " entries
_QUOTED = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^']|'')*'""")
_KEY_COLON = re.compile(r":(?:[ \t]|$)")
_BLANKS = re.compile(r"[ \t]*")
_ALIAS = re.compile(r"\*([^\s,\[\]{}]*)")
_ANCHOR = re.compile(r"(?:^|(?<=[\s\[{,]))&([^\s,\[\]{}]+)", re.MULTILINE)
_TAG = re.compile(r"![^\s,\[\]{}]*")
_COMMENT = re.compile(r"[ \t]#")  # where a comment starts (its blank)
_ENTRY_END = re.compile(r"[,\]}]")
_DOCUMENT_END = re.compile(r"\.\.\.(?:[ \t]|$)")
_CLOSES: Final = {"[": "]", "{": "}"}


class _Error(NamedTuple):
    context: str  # libyaml's words for what it was reading, or ""
    problem: str
    opened: Position | None  # where that construct opened
    at: Position  # where libyaml stopped
    source: SourceLines

    def line(self, where: Position) -> str:
        return self.source.line(where[0])

    def char(self, where: Position) -> str:
        return self.line(where)[where[1] - 1 : where[1]]

    def offset(self, where: Position) -> int:
        return self.source.index(*where)


def _problem(where: Position, message: str, hint: str | None = None) -> LoadProblem:
    """A syntax problem whose message and hint are one printable line each."""
    return LoadProblem(
        SYNTAX, where[0], where[1], printable(message), printable(hint) if hint else None
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _spaces(count: int) -> str:
    return "no indentation" if count == 0 else plural(count, "space")


def _without_comment(text: str) -> str:
    comment = _COMMENT.search(text)
    return (text[: comment.start()] if comment else text).strip()


def _after_blanks(line: str, at: int) -> int:
    blanks = _BLANKS.match(line, at)
    assert blanks is not None  # the pattern matches the empty string
    return blanks.end()


def _key_end(line: str, start: int) -> int | None:
    """Where the value starts after a key that starts at ``start`` (past its ``:`` and the
    blanks after it), or None when no key starts there. Linear in the line, whatever it
    holds (a regular expression with a lazy key would backtrack on long runs of blanks)."""
    first = line[start : start + 1]
    if first in ("'", '"'):
        quoted = _QUOTED.match(line, start)
        colon = _after_blanks(line, quoted.end()) if quoted else -1
        if colon < 0 or not _KEY_COLON.match(line, colon):
            return None
    elif first in ("", "#", ":"):
        return None
    else:
        found = _KEY_COLON.search(line, start)
        if found is None or _COMMENT.search(line, start, found.start()):
            return None
        colon = found.start()
    return _after_blanks(line, colon + 1)


def _value_start(line: str, before: int) -> tuple[int, bool]:
    """Where the value of a ``key: value`` or ``- value`` line starts (0-based), and whether
    a key ends before column ``before``."""
    entries = _ENTRIES.match(line)
    start = entries.end() if entries else 0
    key_end = _key_end(line, start)
    if key_end is not None and key_end <= before:
        return key_end, True
    return start, False


def _quoted(value: str) -> str:
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _quote_hint(line: str, value_at: int, value: str | None = None) -> str:
    """``quote the value: key: "the value"``, from the value starting at ``value_at``."""
    text = _without_comment(line[value_at:]) if value is None else value
    prefix = line[:value_at].strip()
    return f"quote the value: {f'{prefix} ' if prefix else ''}{_quoted(text)}"


def _scalar_hint(line: str, start: int) -> str:
    """The hint to quote the scalar starting at ``start``: the line's value, or inside
    brackets the entry alone (up to the next ``,``, ``]`` or ``}``)."""
    value_at = _value_start(line, start)[0]
    if "[" not in line[value_at:start] and "{" not in line[value_at:start]:
        return _quote_hint(line, value_at)
    end = _ENTRY_END.search(line, start)
    entry = line[start : end.start() if end else len(line)].strip()
    return f"quote it: {_quoted(entry)}"


def _content_lines_above(
    source: SourceLines, row: int, *, to_comment: bool = False
) -> Iterator[tuple[int, str]]:
    """``(number, text)`` of the lines above ``row`` that hold more than blanks or a comment,
    nearest first; ``to_comment``: only up to a comment line (a plain value cannot pass one)."""
    lines = source.lines
    for number in range(min(row, len(lines) + 1) - 1, 0, -1):
        text = lines[number - 1]
        stripped = text.lstrip()
        if stripped.startswith("#"):
            if to_comment:
                return
        elif stripped:
            yield number, text


# -- the causes, each recognised from libyaml's words and the source ---------------------------


def _tab(err: _Error) -> LoadProblem | None:
    if "tab character" in err.problem or err.char(err.at) == "\t":
        return _problem(err.at, "a tab character cannot indent YAML", "indent with spaces only")
    return None


def _reserved_start(err: _Error) -> LoadProblem | None:
    char = err.char(err.at)
    if "cannot start any token" not in err.problem or not char:
        return None
    why = ": YAML reserves it" if char in "@`" else ""
    hint = _scalar_hint(err.line(err.at), err.at[1] - 1)
    return _problem(err.at, f"a plain value cannot start with '{char}'{why}", hint)


def _colon_in_value(err: _Error) -> LoadProblem | None:
    if "unexpected ':'" in err.problem:  # "[a:]": libyaml ends a key at ":" before "]"
        message = "a plain value in brackets cannot contain ':'"
        return _problem(err.at, message, "quote it; after a key's ':', put a space")
    if "mapping values are not allowed" not in err.problem:
        return None
    line = err.line(err.at)
    value_at, after_key = _value_start(line, err.at[1] - 1)
    if after_key:
        message = "a plain value cannot contain ': ' (YAML reads it as a key)"
        return _problem(err.at, message, _quote_hint(line, value_at))
    found = _continued_value(err)
    if found is not None:
        return found
    if err.at[1] > 1024:
        return _problem(err.at, "a key cannot be longer than 1024 characters", "shorten it")
    message = "this ':' would start a mapping where YAML allows none"
    return _problem(err.at, message, "quote the value if the ':' is part of it")


def _continued_value(err: _Error) -> LoadProblem | None:
    """A key on a line YAML reads as more of a plain value begun above: the line is indented
    too deep, or the value's first line has no ``:`` after its key."""
    row = err.at[0]
    indent = _indent(err.line(err.at))
    first = row
    for number, text in _content_lines_above(err.source, row, to_comment=True):
        value_at, has_key = _value_start(text, len(text))
        opens_value = has_key or value_at > _indent(text)  # "key:" or "- "
        if opens_value and _without_comment(text[value_at:]):  # with text on the line
            if _indent(text) < indent:
                return _problem(
                    (row, indent + 1),
                    f"this line is indented deeper than line {number}, "
                    "so YAML reads it as more of that line's value",
                    f"indent it like line {number} ({_spaces(_indent(text))})",
                )
            break
        if opens_value:
            break
        first = number
    if first == row:
        return None
    where = (first, _indent(err.source.line(first)) + 1)
    message = f"this line has no ':' after its key, so YAML reads lines {first}-{row} as one value"
    return _problem(where, message, "write it as 'key: value'")


def _alias(err: _Error) -> LoadProblem | None:
    if "undefined alias" in err.problem:
        return _undefined_alias(err)
    if "duplicate anchor" in err.context and err.opened is not None:
        name = _ANCHOR.match(err.line(err.at), err.at[1] - 1)
        shown = f"'&{name.group(1)}'" if name else "this anchor"
        message = f"anchor {shown} is already defined on line {err.opened[0]}"
        return _problem(err.at, message, "give each anchor a name of its own")
    for kind, char in (("alias", "*"), ("anchor", "&")):
        if f"scanning an {kind}" in err.context:
            where = err.opened or err.at
            message = f"a plain value cannot start with '{char}': YAML reads it as an {kind}"
            return _problem(where, message, _scalar_hint(err.line(where), where[1] - 1))
    return None


def _undefined_alias(err: _Error) -> LoadProblem:
    line = err.line(err.at)
    match = _ALIAS.match(line, err.at[1] - 1)
    name = match.group(1) if match else ""
    here = err.offset(err.at)
    anchors: dict[str, int] = {}
    for anchor in _ANCHOR.finditer(err.source.text):
        anchors.setdefault(anchor.group(1), anchor.start())
    if anchors.get(name, -1) > here:  # libyaml knows only the anchors before an alias
        later = err.source.at_index(anchors[name])[0]
        message = f"alias '*{name}' comes before its anchor '&{name}' (line {later})"
        return _problem(err.at, message, "define the anchor before any alias to it")
    known = [anchor for anchor, at in anchors.items() if at < here and anchor != name][-1000:]
    close = closest(name, known)
    if close:
        defined = err.source.at_index(anchors[close])[0]
        hint = f"did you mean '*{close}'? ('&{close}' is on line {defined})"
    else:
        hint = f"define '&{name}' before it, or, if the value is text, " + _scalar_hint(
            line, err.at[1] - 1
        )
    return _problem(err.at, f"undefined alias '*{name}': no anchor '&{name}' before it", hint)


def _documents(err: _Error) -> LoadProblem | None:
    if "single document" in err.context + err.problem:
        message = "a second YAML document starts here: an agent config is one document"
        hint = "one agent per file: move what follows into a file of its own, or delete '---'"
        return _problem(err.at, message, hint)
    if "<document start>" not in err.problem:
        return None
    for number, text in _content_lines_above(err.source, err.at[0] + 1):
        if _DOCUMENT_END.match(text):
            message = f"the document ends with '...' on line {number}: nothing may follow it"
            return _problem(err.at, message, "delete the '...' line; one agent per file")
    above = list(_content_lines_above(err.source, err.at[0]))
    if any(text.startswith("%") for _, text in above):
        return _problem(err.at, "a document with directives must start with '---'", "add '---'")
    if any(_indent(text) > err.at[1] - 1 for _, text in above):  # the root was indented
        return _misindented(err)
    return _problem(err.at, "text after the end of the document", "delete it")


def _unclosed_quote(err: _Error) -> LoadProblem | None:
    if "quoted scalar" not in err.context or err.opened is None:
        return None
    if "end of stream" not in err.problem and "document indicator" not in err.problem:
        return None
    if err.char(err.opened) == '"':
        message, hint = "double", 'add the closing "; inside it, write a " as \\"'
    else:
        message, hint = "single", "add the closing '; inside it, write a ' as ''"
    return _problem(err.opened, f"this {message}-quoted value is never closed", hint)


def _escape(err: _Error) -> LoadProblem | None:
    if "quoted scalar" not in err.context:
        return None
    line = err.line(err.at)
    slash = line.rfind("\\", 0, err.at[1])
    where = (err.at[0], slash + 1) if slash >= 0 else err.at
    escape = line[slash : slash + 2] if slash >= 0 else "\\"
    hint = "write a backslash as \\\\, or use single quotes, which keep backslashes as they are"
    return _problem(where, f"invalid escape '{escape}' in a double-quoted value", hint)


def _after_quote(err: _Error, adjacent: bool) -> LoadProblem | None:
    """Text right after a quoted value's closing quote (``'don't'``, ``"a" b``)."""
    line = err.line(err.at)
    before = line[: err.at[1] - 1]
    trimmed = before.rstrip()
    if not trimmed or trimmed[-1] not in "'\"" or (adjacent and trimmed != before):
        return None
    quote = trimmed[-1]
    value_at = _value_start(line, err.at[1] - 1)[0]
    opening = line.rfind(quote, value_at, len(trimmed) - 1)
    if opening > value_at:  # inside brackets: the entry
        end = _ENTRY_END.search(line, err.at[1] - 1)
        value = line[opening : end.start() if end else len(line)].strip()
    else:
        value = _without_comment(line[value_at:])
    if len(value) > 1 and value[0] == value[-1] == quote:
        value = value[1:-1]
    prefix = line[:value_at].strip() if opening <= value_at else ""
    hint = f"quote the whole value: {f'{prefix} ' if prefix else ''}{_quoted(value)}"
    if quote == "'":
        hint += " (inside single quotes, a ' is written '')"
    return _problem(err.at, f"unexpected text after the closing {quote} of a quoted value", hint)


def _after_bracket(err: _Error) -> LoadProblem | None:
    """Text after the closing bracket of a value that starts with one (``[WIP] fix it``)."""
    line = err.line(err.at)
    trimmed = line[: err.at[1] - 1].rstrip()
    value_at = _value_start(line, err.at[1] - 1)[0]
    opening = line[value_at : value_at + 1]
    if not trimmed or opening not in _CLOSES or trimmed[-1] != _CLOSES[opening]:
        return None
    kind = "list" if opening == "[" else "mapping"
    message = f"a value that starts with '{opening}' is a {kind}: text cannot follow its end"
    return _problem(err.at, message, _quote_hint(line, value_at))


def _flow(err: _Error) -> LoadProblem | None:
    if "while parsing a flow" not in err.context or err.opened is None:
        return None
    opening = err.char(err.opened)
    close = _CLOSES.get(opening)
    char = err.char(err.at)
    if close is None:
        return None
    if char in ("]", "}") and char != close:
        message = f"'{char}' does not close the '{opening}' opened on line {err.opened[0]}"
        return _problem(err.at, message, f"close it with '{close}'")
    if flow_end(err.source.text, err.offset(err.opened)) is None:
        hint = f"add the closing '{close}'"
        value_at, after_key = _value_start(err.line(err.opened), err.opened[1] - 1)
        if after_key and value_at == err.opened[1] - 1:  # "key: [..."
            hint += "; if the value is text, quote it"
        return _problem(err.opened, f"this '{opening}' is never closed", hint)
    after = _after_quote(err, adjacent=True)
    if after is not None:
        return after
    if char == ":":
        return _problem(err.at, "a plain value in brackets cannot contain ': '", "quote it")
    hint = f"separate the entries of the '{opening}' on line {err.opened[0]} with ','"
    return _problem(err.at, "a ',' is missing before this entry", hint)


def _block(err: _Error) -> LoadProblem | None:
    if "block mapping" not in err.context and "block collection" not in err.context:
        return None
    if err.char(err.at) in ("]", "}"):
        return _problem(err.at, f"'{err.char(err.at)}' closes no bracket", "delete it")
    found = _after_quote(err, adjacent=False) or _after_bracket(err)
    if found is not None:
        return found
    line = err.line(err.at)
    column = err.at[1]
    starts = line[column - 1 : column + 1].rstrip()
    if starts == ":":
        return _problem(err.at, "a value without a key: ':' starts the line", "write 'key: value'")
    if err.opened is not None and column != err.opened[1] and column - 1 == _indent(line):
        return _misindented(err)
    if "block collection" in err.context:
        hint = "start it with '- ', or indent it under the item above"
        return _problem(err.at, "a line in a list must be an item ('- ')", hint)
    if starts == "-":
        hint = "put the list under a key of its own, indented below it"
        return _problem(err.at, "a list item cannot stand among the keys of a mapping", hint)
    return _problem(err.at, "expected a key ('name: value') here")


def _misindented(err: _Error) -> LoadProblem:
    """A line indented like no key above it: name the indentations that would fit."""
    indent = err.at[1] - 1
    levels: list[tuple[int, int]] = []  # (line, indentation), each shallower than the last
    for number, text in _content_lines_above(err.source, err.at[0]):
        width = _indent(text)
        if not levels or width < levels[-1][1]:
            levels.append((number, width))
            if width == 0:
                break
    deeper = [level for level in levels if level[1] > indent][-1:]
    shallower = [level for level in levels if level[1] < indent][:1]
    fits = " or ".join(f"line {number} ({_spaces(width)})" for number, width in deeper + shallower)
    shown = f"is indented {_spaces(indent)}" if indent else "has no indentation"
    message = f"this line {shown}, which matches no key above it"
    return _problem(err.at, message, f"indent it like {fits}" if fits else None)


def _simple_key(err: _Error) -> LoadProblem | None:
    if "simple key" not in err.context or err.opened is None:
        return None
    if ":" in err.line(err.opened):
        message = "a key must end with ':' on its own line, within 1024 characters"
        return _problem(err.opened, message)
    message = "this line has no ':', but a line in a mapping is 'key: value'"
    return _problem(err.opened, message, "add the ':' after the key, or quote the text")


def _indicator(err: _Error) -> LoadProblem | None:
    """``key: - item``, ``key: ? x``, ``key: | text``: an indicator where a value starts."""
    for words, text in (("sequence entries", "- "), ("mapping keys", "? ")):
        if words in err.problem:
            line = err.line(err.at)
            message = f"a plain value cannot start with '{text}' on the line of its key"
            return _problem(err.at, message, _quote_hint(line, err.at[1] - 1))
    if "block scalar" not in err.context or err.opened is None:
        return None
    header = err.char(err.opened)
    if "indentation indicator" in err.problem:
        return _problem(err.at, f"'{header}0' is not allowed", f"write '{header}1' to '{header}9'")
    hint = _quote_hint(err.line(err.opened), err.opened[1] - 1)
    message = f"text cannot follow '{header}' on its line: the text goes on the lines below"
    return _problem(err.at, message, hint)


def _properties(err: _Error) -> LoadProblem | None:
    """A bad directive or tag."""
    where = err.opened or err.at
    if "directive" in err.context + err.problem or "incompatible YAML" in err.problem:
        shown = err.line(where).strip()
        return _problem(where, f"invalid directive '{shown}'", "agent configs need none: delete it")
    if "tag" in err.context or "tag handle" in err.problem:
        tag = _TAG.match(err.line(where), where[1] - 1)
        shown = f" '{tag.group()}'" if tag else ""
        return _problem(where, f"invalid tag{shown}", "remove it; agent configs use plain values")
    return None


def _missing_value(err: _Error) -> LoadProblem:
    """No value where one must be: at the end of the file, a bracket left open."""
    char = err.char(err.at)
    if char:
        return _problem(err.at, f"expected a value here, found '{char}'")
    opening = unclosed_bracket(err.source.text)
    if opening is None:
        return _problem(err.at, "the file ends where a value is expected")
    where = err.source.at_index(opening)
    bracket = err.char(where)
    return _problem(
        where, f"this '{bracket}' is never closed", f"add the closing '{_CLOSES[bracket]}'"
    )


_CAUSES: Final[tuple[Callable[[_Error], LoadProblem | None], ...]] = (
    _tab,
    _reserved_start,
    _colon_in_value,
    _alias,
    _documents,
    _unclosed_quote,
    _escape,
    _flow,
    _block,
    _simple_key,
    _indicator,
    _properties,
)


def syntax_problem(error: yaml.MarkedYAMLError, source: SourceLines) -> LoadProblem:
    """One line saying what is wrong with the YAML and where, with a hint for common causes."""
    stopped = error.problem_mark or error.context_mark
    err = _Error(
        error.context or "",
        error.problem or "",
        source.at_mark(error.context_mark) if error.context_mark else None,
        source.at_mark(stopped) if stopped else (1, 1),
        source,
    )
    for cause in _CAUSES:
        found = cause(err)
        if found is not None:
            return found
    if "node content" in err.problem:
        return _missing_value(err)
    return _problem(err.at, f"invalid YAML: {err.problem or err.context}")
