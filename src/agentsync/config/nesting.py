"""Bounding a YAML document's nesting from its text alone, before libyaml reads it.

libyaml has nesting limits of its own (1000 levels since 0.2.6, none before; its scanner reads
ahead of its parser), so asking libyaml would make the loader's outcome depend on the installed
PyYAML. :func:`first_too_deep` answers instead: a file that cannot pass ``max_depth`` as
libyaml counts costs two ``str.count`` calls and a regular-expression search
(``_may_nest_deeper``); only the others are read by ``_Nesting``, a small scanner that follows
libyaml's rules for scalars, comments, properties, block indentation and flow brackets.

Checked against libyaml's own events on about 200,000 generated documents (it never reports
nesting deeper than libyaml's), and with PyYAML 6.0.1 (libyaml 0.2.5) and 6.0.4 alike.
Measured: 3.6 µs a file on the benchmark corpus (the fast path), 147 µs a file with more than
100 brackets (the scan); agent-lint's cold start and throughput unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Final

LINE_BREAK: Final = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # every line break libyaml knows


def first_too_deep(text: str, max_depth: int) -> tuple[int, int] | None:
    """The 0-based line and column of the first collection nested deeper than ``max_depth``
    levels, or None."""
    if not _may_nest_deeper(text, max_depth):
        return None
    return _Nesting(max_depth).run(text)


def _may_nest_deeper(text: str, max_depth: int) -> bool:
    """False when libyaml's own nesting counters provably stay within ``max_depth`` each.

    libyaml counts open flow collections (at most one per ``[`` or ``{``) and its stack of
    block indentation columns. That stack grows strictly, and a block collection starts only
    where a simple key may: after the indentation and the ``-``/``?``/``:`` indicators that
    open a line. So if no line opens with ``max_depth`` of the characters `` \t-?:`` (or a
    BOM, which libyaml skips), the stack holds at most ``max_depth`` columns. These are
    libyaml's counts, not levels (``[a: b]`` nests a mapping in one bracket, an indentless
    sequence shares its mapping's column), so what passes has at most ``4 * max_depth`` levels:
    libyaml composes that safely and the builder measures it exactly.
    """
    if text.count("[") + text.count("{") > max_depth:
        return True
    first_line, other_lines = _deep_line(max_depth, text.isascii() and "\r" not in text)
    return first_line.match(text) is not None or other_lines.search(text) is not None


@cache
def _deep_line(max_depth: int, plain: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A line opening with ``max_depth`` indentation or indicator characters: as the first line
    and after a line break. ``plain`` text (ASCII, no ``\r``) has no BOM and one line break,
    so its pattern starts with a literal, which the regular-expression engine finds fastest."""
    prefix = rf"[ \t?:-]{{{max_depth}}}" if plain else rf"[\ufeff \t?:-]{{{max_depth}}}"
    line_break = "\n" if plain else "[\n\r\x85\u2028\u2029]"  # all that libyaml knows
    return re.compile(prefix), re.compile(line_break + prefix)


class _TooDeep(Exception):
    """Raised inside ``_Nesting`` at the first collection past the limit (0-based)."""

    def __init__(self, position: tuple[int, int]) -> None:
        super().__init__()
        self.position = position


_Position = tuple[int, int]  # 0-based line and column
_FRESH: Final = -1  # a multi-line construct ended before this line: read the line anew
_BLANKZ: Final = ("", " ", "\t")  # what may follow an indicator (a line has no break)
_MAP, _SEQ, _INDENTLESS = "map", "seq", "indentless"


class _Patterns:
    """The scanner's regular expressions, compiled when it first runs: most runs never scan."""

    def __init__(self) -> None:
        self.blanks = re.compile(r"[ \t]*")
        self.property = re.compile(r"[&*][0-9A-Za-z_-]*|!<[^>]*>?|![^ \t,\[\]{}]*")  # &a *a !t
        self.block_header = re.compile(r"[|>](?:([1-9])[+-]?|[+-]([1-9])?)?")
        self.block_plain_end = re.compile(r":(?=[ \t]|$)|(?<=[ \t])#")
        self.flow_plain_end = re.compile(r"[,\[\]{}]|:(?=[ \t,?\[\]{}]|$)|(?<=[ \t])#")
        self.simple_line = re.compile(  # "- - key: value": plain, quoted, a "|"/">" header or none
            r"(?P<entries>(?:- +)*)(?P<key>[A-Za-z0-9_][\w./-]*):"
            r"(?:[ \t]+(?:(?P<plain>[A-Za-z0-9_.~/$(+=][^#:]*)"
            r"|(?:(?P<header>[|>][1-9+-]{0,2})|\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*')?"
            r"[ \t]*(?:#.*)?))?\Z"
        )
        # a quoted scalar's body stops at its closing quote, or at a "\" escaping the line break
        self.quoted_body = {"'": re.compile(r"(?:[^']+|'')*"), '"': re.compile(r'(?:[^"\\]+|\\.)*')}


@cache
def _patterns() -> _Patterns:
    return _Patterns()


# A node that may turn out to be a simple key: its column, and where its mapping would start.
_Key = tuple[int, _Position]


class _Nesting:
    """Where collections start and how deep they nest, read from the text like libyaml would.

    Owns the nesting check of files ``_may_nest_deeper`` cannot clear. It follows just enough
    of libyaml's scanner to tell structure from content: quoted, plain and block scalars,
    comments, properties, block indentation (with indentless sequences), flow collections and
    the single-pair mappings of flow sequences (``[a: b]``). Depth and positions are those of
    libyaml's collection events, except that a collection used as a mapping key counts one
    level short (the builder, which refuses such keys, still measures the document exactly).
    Linear in the text and iterative, so no depth or size can make it recurse or backtrack.
    """

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.re = _patterns()
        self.block: list[tuple[int, str]] = []  # open block collections: column, kind
        self.flow: list[tuple[str, _Position]] = []  # "[", "{", or "m" (a pair in a "[")
        self.entry: _Position | None = None  # where the current flow entry started
        self.props: _Position | None = None  # anchor or tag waiting for its node
        self.lines: list[str] = []
        self.row = 0
        self.next_row = 0  # past the content of a block scalar
        self.cont: Callable[[str], int | None] | None = None  # a multi-line construct
        self.quote = ""

    def run(self, text: str) -> _Position | None:
        """The position of the first collection nested deeper than ``max_depth``, or None."""
        try:
            text = text.removeprefix("\ufeff")
            only_newlines = text.isascii() and "\r" not in text
            lines = self.lines = text.split("\n") if only_newlines else LINE_BREAK.split(text)
            while self.row < len(lines):
                self._line(lines[self.row])
                self.row = max(self.row + 1, self.next_row)
        except _TooDeep as deep:
            return deep.position
        return None

    def _line(self, line: str) -> None:
        if self.cont is not None:
            at = self.cont(line)
            if at is None:
                return
            if at != _FRESH:
                self._rest(line, at)
                return
        if line[:1] == "\ufeff":
            line = " " + line[1:]  # libyaml skips a BOM that starts a line, a column wide
        if self.flow:
            self._rest(line, 0)
        else:
            self._block_line(line)

    def _rest(self, line: str, at: int) -> None:
        """Read on from ``at``, right after a node, in the current context."""
        if self.flow:
            end = self._flow(line, at)
            if end is not None:
                self._block(line, end, key_ok=False)
        else:
            self._block(line, at, key_ok=False)

    def _deeper(self, position: _Position) -> None:
        if len(self.block) + len(self.flow) >= self.max_depth:
            raise _TooDeep(position)

    def _open_block(self, column: int, kind: str, position: _Position) -> None:
        self._deeper(position)
        self.block.append((column, kind))

    def _open_flow(self, kind: str, position: _Position) -> None:
        self._deeper(position)
        self.flow.append((kind, position))

    def _here(self, column: int) -> _Position:
        """Where a node starting at ``column`` starts: at its anchor or tag, if it has one."""
        position, self.props = self.props or (self.row, column), None
        return position

    def _block_line(self, line: str) -> None:
        """A line in block context: indentation closes collections, then its tokens."""
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        if text[:1] == "\t":
            text = text.lstrip(" \t")
        if not text or text[0] == "#":
            return
        if indent == 0 and _is_document_marker(line):
            self.block.clear()
            self.props = None
            if line[0] == "-":
                self._block(line, 3, key_ok=False)
            return
        block = self.block
        if block and block[-1][0] >= indent:
            self._dedent(line, indent)
        simple = self.re.simple_line.match(line, indent)
        if simple is None:
            self._block(line, indent, key_ok=True)
            return
        # The common shapes, read in one match; the same steps as ``_block`` would take.
        entries = simple["entries"]
        for offset, char in enumerate(entries):
            if char == "-":
                self._block_indicator(char, indent + offset)
        column = indent + len(entries)
        if self.props is not None or not block or block[-1][0] < column:
            self._value((column, self.props or (self.row, column)), column, bare=False)
        if simple["plain"] is not None:
            self.cont = self._block_plain
        elif simple["header"] is not None:
            self._block_scalar(line, simple.start("header"))

    def _dedent(self, line: str, indent: int) -> None:
        """A line no deeper than the innermost block collection closes what it must."""
        block = self.block
        while block and block[-1][0] > indent:
            block.pop()
        entry = _is_indicator(line, indent, "-")
        if block and block[-1] == (indent, _INDENTLESS) and not entry:
            block.pop()
        if block and block[-1][0] == indent and not (entry and block[-1][1] == _MAP):
            self.props = None  # they were an empty value's: this line is no deeper

    def _block(self, line: str, c: int, key_ok: bool) -> None:
        """Tokens in block context from column ``c``; ``key_ok``: a simple key may start here."""
        key: _Key | None = None
        in_node = False
        while True:
            c = _end(self.re.blanks, line, c)
            if c >= len(line) or line[c] == "#":
                return
            char = line[c]
            if char == ":" and line[c + 1 : c + 2] in _BLANKZ:
                key_ok = self._value(key, c, key_ok and not in_node)
                key, in_node = None, False
                c += 1
                continue
            if key_ok and char in "-?" and line[c + 1 : c + 2] in _BLANKZ:
                self._block_indicator(char, c)
                c += 1
                continue
            if not in_node:
                in_node = True
                key = (c, self.props or (self.row, c)) if key_ok else None
            key_ok = False
            if char in "&!":
                self.props = self.props or (self.row, c)
                c = _end(self.re.property, line, c)
                continue
            end = self._block_node(line, c)
            if end is None:
                return
            c = end

    def _block_node(self, line: str, c: int) -> int | None:
        """Read the node at ``c`` in block context; where the line goes on after it, or None."""
        char = line[c]
        if char == "*":
            self.props = None
            return _end(self.re.property, line, c)
        if char in "[{":
            self._open_flow(char, self._here(c))
            self.entry = None
            return self._flow(line, c + 1)
        if char in "|>":
            self._block_scalar(line, c)
            return None
        if char in "'\"":
            self.props = None
            return self._quoted(line, c)
        self.props = None
        if char == "%" and c == 0:  # a directive
            return None
        match = self.re.block_plain_end.search(line, c + 1)
        if match is None:
            self.cont = self._block_plain
            return None
        return match.start() if line[match.start()] == ":" else None

    def _value(self, key: _Key | None, c: int, bare: bool) -> bool:
        """A ``:`` indicator after ``key`` (or none, if ``bare``): a block mapping starts there
        if it is indented deeper. Whether a simple key may follow (only after a bare ``:``)."""
        here = self._here(c)  # an anchor or tag just before ``:`` is the empty key's
        if key is not None:
            column, position = key
        elif bare:
            column, position = c, here
        else:
            return False
        if not self.block or self.block[-1][0] < column:
            self._open_block(column, _MAP, position)
        return key is None

    def _block_indicator(self, char: str, c: int) -> None:
        """A ``-`` or ``?`` that may open a block sequence (or an indentless one) or mapping."""
        position = self._here(c)
        top = self.block[-1] if self.block else None
        if top is None or top[0] < c:
            self._open_block(c, _SEQ if char == "-" else _MAP, position)
        elif char == "-" and top == (c, _MAP):
            self._open_block(c, _INDENTLESS, position)

    def _block_plain(self, line: str) -> int | None:
        """A line after a plain scalar in block context: more of it if indented deeper."""
        text = line.lstrip(" \t")
        if not text:
            return None
        indent = len(line) - len(text)
        top = self.block[-1][0] if self.block else -1
        self.cont = None
        if indent <= top or text[0] == "#" or _is_document_marker(line):
            return _FRESH
        match = self.re.block_plain_end.search(line, indent)
        if match is None:
            self.cont = self._block_plain
            return None
        return match.start() if line[match.start()] == ":" else None

    def _block_scalar(self, line: str, c: int) -> None:
        """A ``|`` or ``>`` header: skip its content, the lines indented past its parent."""
        self.props = None
        header = self.re.block_header.match(line, c)
        assert header is not None  # the pattern matches any "|" or ">"
        digit = header.group(1) or header.group(2)
        parent = self.block[-1][0] if self.block else -1
        indent = None if digit is None else max(parent, 0) + int(digit)
        blank = 0  # libyaml: leading blank lines count towards the detected indentation
        lines, row = self.lines, self.row + 1
        while row < len(lines):
            text = lines[row].lstrip(" ")
            spaces = len(lines[row]) - len(text)
            if indent is None:
                if not text:
                    blank = max(blank, spaces)
                    row += 1
                    continue
                indent = max(spaces, blank, parent + 1, 1)
            if spaces < indent and text.strip(" \t"):
                break
            row += 1
        self.next_row = row

    def _quoted(self, line: str, c: int) -> int | None:
        """Skip a quoted scalar opening at ``c``: the column after it, or None if it goes on."""
        self.quote = line[c]
        end = self._quote_end(line, c + 1)
        if end is None:
            self.cont = self._quoted_line
        return end

    def _quote_end(self, line: str, start: int) -> int | None:
        end = _end(self.re.quoted_body[self.quote], line, start)
        return end + 1 if line[end : end + 1] == self.quote else None

    def _quoted_line(self, line: str) -> int | None:
        end = self._quote_end(line, 0)
        if end is not None:
            self.cont = None
        return end

    def _flow(self, line: str, c: int) -> int | None:
        """Tokens in flow context from ``c``: the column after the outermost closing bracket,
        or None when the line ends first."""
        while True:
            c = _end(self.re.blanks, line, c)
            if c >= len(line) or line[c] == "#":  # libyaml: a comment wherever a token may start
                return None
            char = line[c]
            if char in "]}":
                self._close_flow()
                if not self.flow:
                    return c + 1
            elif char == ",":
                if self.flow[-1][0] == "m":
                    self.flow.pop()
                self.entry = self.props = None
            elif char in "?:":  # a key or value indicator, in flow context always
                here = self._here(c)
                if self.flow[-1][0] == "[":
                    self._open_flow("m", self.entry or here)
            else:
                if self.entry is None:
                    self.entry = self.props or (self.row, c)
                end = self._flow_node(line, c)
                if end is None:
                    return None
                c = end
                continue
            c += 1

    def _flow_node(self, line: str, c: int) -> int | None:
        """Read the node at ``c`` in flow context; where the line goes on after it, or None."""
        char = line[c]
        if char in "&!":
            self.props = self.props or (self.row, c)
            return _end(self.re.property, line, c)
        if char in "[{":
            self._open_flow(char, self._here(c))
            self.entry = None
            return c + 1
        self.props = None
        if char == "*":
            return _end(self.re.property, line, c)
        if char in "'\"":
            return self._quoted(line, c)
        return self._flow_plain_end(line, c + 1)

    def _flow_plain_end(self, line: str, start: int) -> int | None:
        match = self.re.flow_plain_end.search(line, start)
        if match is None:
            self.cont = self._flow_plain
            return None
        return None if line[match.start()] == "#" else match.start()

    def _flow_plain(self, line: str) -> int | None:
        """A line after a plain scalar in flow context: more of it unless a token starts."""
        c = _end(self.re.blanks, line)
        if c == len(line):
            return None
        self.cont = None
        char = line[c]
        if char == "#":
            return None
        if char in ",[]{}" or (char == ":" and line[c + 1 : c + 2] in _BLANKZ):
            return c
        return self._flow_plain_end(line, c + 1)

    def _close_flow(self) -> None:
        if self.flow[-1][0] == "m":
            self.flow.pop()
        self.entry = self.flow.pop()[1]
        self.props = None


def _end(pattern: re.Pattern[str], line: str, start: int = 0) -> int:
    """Where ``pattern``, which cannot fail at ``start``, stops matching."""
    match = pattern.match(line, start)
    assert match is not None
    return match.end()


def _is_indicator(line: str, c: int, char: str) -> bool:
    return line[c : c + 1] == char and line[c + 1 : c + 2] in _BLANKZ


def _is_document_marker(line: str) -> bool:
    return line[:3] in ("---", "...") and line[3:4] in _BLANKZ
