"""YAML loading with positions: bytes in, a ``Document`` out, never an exception.

The fast path composes the node graph with libyaml (PyYAML's C parser) and builds plain
Python values while recording the 1-based line and column of every key and value. libyaml's
marks are 0-based and count YAML 1.1's line breaks: the builder adds 1, or, in the rare text
where libyaml and git number lines differently, asks ``positions`` for git's.

Scalars follow the YAML 1.2 core schema: ``yes``/``no``/``on``/``off`` are strings, ``0755`` is
decimal. Hostile input is bounded, and each bound becomes a problem at a position:
file size, an encoding other than UTF-8 (``encoding``), nesting depth (checked on the text
before composing, since libyaml's composer recurses in C), alias expansion (billion laughs)
and recursive aliases, duplicate keys, characters YAML refuses (``characters``), and every
syntax error, said the way ``yaml_errors`` explains it. Whether a file that does not parse
is a config at all is ``unparsed``'s answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any, Literal, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from agentsync.config.encoding import NotUtf8, decode
from agentsync.config.nesting import first_too_deep
from agentsync.config.positions import Mark, SourceLines
from agentsync.config.problems import (
    DOCUMENT_LIMITS,
    DUPLICATE_KEY,
    SYNTAX,
    UNREADABLE,
    ConfigPath,
    LoadProblem,
)
from agentsync.printable import is_utf8

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


_PLAIN = "?plain"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class Limits(NamedTuple):
    """Bounds on what one file may cost to load."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 100  # honoured up to 500: libyaml 0.2.6 itself refuses 1000 levels
    max_alias_nodes: int = 10_000


DEFAULT_LIMITS = Limits()


class Span(NamedTuple):
    """Where a value sits in the source: 1-based line and column of its key and of its value,
    and the line its value ends on (a block scalar, a value folded over lines)."""

    key_line: int
    key_column: int
    line: int
    column: int
    style: str | None  # scalar style: None plain, '"', "'", '|', '>'; None for collections
    end_line: int


class Document:
    """One loaded file: its text, its data, the position of every value, and load problems.

    ``loaded`` is False when the YAML could not be read at all (then ``data`` is None).
    ``note`` says why an ignored file was not read (a symbolic link, a FIFO).
    """

    def __init__(
        self,
        path: str,
        text: str,
        data: Any,
        spans: dict[ConfigPath, Span],
        problems: list[LoadProblem],
        kind: Literal["config", "ignored"],
        loaded: bool = True,
        note: str | None = None,
    ) -> None:
        self.path = path
        self.note = note  # why an ignored file is not a config, when it is not the content
        self.text = text
        self.data = data
        self.spans = spans
        self.problems = problems
        self.kind = kind
        self.loaded = loaded

    @cached_property
    def source(self) -> SourceLines:
        """The text's lines as git counts them (``source.lines``, ``source.line(n)``)."""
        return SourceLines(self.text)


class _Loader(_Parser):
    """libyaml composer with a resolver that defers plain scalars to our YAML 1.2 rules."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP

    # The pure-Python composer also calls these; libyaml's does not.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")
_MAYBE_NOT_STRING = frozenset("0123456789-+.~nNtTfF")


def _integer(text: str) -> int | float:
    """A decimal integer. One past Python's limit for reading integers (4,300 digits) is read
    as the float it rounds to, infinity, which no field accepts (rule ``invalid-value``); so
    is an octal or hexadecimal one past 64 bits (see ``resolve_plain``)."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted) scalar under the YAML 1.2 core schema."""
    if text and text[0] not in _MAYBE_NOT_STRING:
        return text
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.match(text):
        return _integer(text)
    if _OCT.match(text) or _HEX.match(text):
        value = int(text, 0)  # no digit limit in base 8 or 16, but printing one has: past
        return value if value.bit_length() <= 64 else float("inf")  # 64 bits, infinity
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text[0] == "-" else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


_EXPLICIT_TAGS: dict[str, tuple[str, type | None]] = {
    "tag:yaml.org,2002:int": ("an integer", int),
    "tag:yaml.org,2002:float": ("a number", float),
    "tag:yaml.org,2002:bool": ("a boolean", bool),
    "tag:yaml.org,2002:null": ("null", type(None)),
}


class _Builder:
    """Turns a composed node graph into Python values, recording spans and problems."""

    def __init__(self, limits: Limits, source: SourceLines) -> None:
        self.limits = limits
        # libyaml's positions, unless some line break is libyaml's only (rare: then git's)
        self.where: Callable[[Mark], tuple[int, int]] | None = (
            source.at_mark if source.differ else None
        )
        self.spans: dict[ConfigPath, Span] = {}
        self.problems: list[LoadProblem] = []
        self._seen: set[int] = set()
        self._active: set[int] = set()
        self._alias_nodes = 0
        self._alias_depth = 0
        self._overflowed = False

    def position(self, mark: Mark) -> tuple[int, int]:
        """The 1-based line (as git counts them) and column of a mark."""
        return (mark.line + 1, mark.column + 1) if self.where is None else self.where(mark)

    def problem(
        self, rule: str, node: Node, message: str, hint: str | None = None, path: ConfigPath = ()
    ) -> None:
        self.problems.append(
            LoadProblem(rule, *self.position(node.start_mark), message, hint, path)
        )

    def build(self, node: Node, path: ConfigPath, key: Node | None, depth: int) -> Any:
        mark = node.start_mark
        key_mark = key.start_mark if key is not None else mark
        style = node.style if isinstance(node, ScalarNode) else None
        # An end at the first column is past the line break that ends the value (a block
        # scalar's): the value ends on the line before. libyaml's positions inline (the common
        # case: this runs for every node, a third of the load time of a typical file).
        end = node.end_mark
        if self.where is None:
            line = mark.line + 1
            end_line = max(line, end.line + (1 if end.column else 0))
            self.spans[path] = Span(
                key_mark.line + 1, key_mark.column + 1, line, mark.column + 1, style, end_line
            )
        else:
            line, column = self.where(mark)
            end_line, end_column = self.where(end)
            end_line = max(line, end_line - (1 if end_column == 1 else 0))
            self.spans[path] = Span(*self.where(key_mark), line, column, style, end_line)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if depth >= self.limits.max_depth:  # the root collection (depth 0) is level 1
            self.problems.append(_too_deep(*self.position(mark), self.limits))
            return None
        node_id = id(node)
        if node_id in self._active:
            self.problem(
                DOCUMENT_LIMITS,
                key or node,
                "recursive alias: this value contains itself",
                "replace the alias with a copy of the values it should hold",
            )
            return None
        expanding = node_id in self._seen
        self._seen.add(node_id)
        self._active.add(node_id)
        self._alias_depth += expanding
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path, depth)
            assert isinstance(node, MappingNode)  # composed nodes are scalar, sequence or mapping
            return self._mapping(node, path, depth)
        finally:
            self._active.discard(node_id)
            self._alias_depth -= expanding

    def _count_alias_node(self, node: Node) -> bool:
        """Count one node built through an alias; False once past the limit."""
        if not self._alias_depth:
            return True
        self._alias_nodes += 1
        if self._alias_nodes <= self.limits.max_alias_nodes:
            return True
        if not self._overflowed:
            self._overflowed = True
            self.problem(
                DOCUMENT_LIMITS,
                node,
                f"aliases expand to more than {self.limits.max_alias_nodes} values",
                "this looks like an alias bomb; write the values out instead of nesting aliases",
            )
        return False

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _PLAIN:
            return resolve_plain(node.value)
        if tag == _STR:
            return node.value
        expected = _EXPLICIT_TAGS.get(tag)
        if expected is None:
            self.problem(
                SYNTAX,
                node,
                f"unsupported YAML tag {tag!r}",
                "agent configs use plain YAML values; remove the tag",
            )
            return node.value
        description, python_type = expected
        value: Any = resolve_plain(node.value)
        if python_type is float and type(value) is int:
            try:
                return float(value)
            except OverflowError:  # past 10^308: infinity, which invalid-value reports
                return float("inf") if value > 0 else float("-inf")
        if type(value) is not python_type:
            # The value itself is not quoted: it could be a secret (the line shows where it is).
            short_tag = "!!" + tag.rsplit(":", 1)[1]
            self.problem(SYNTAX, node, f"the value tagged {short_tag} is not {description}")
            return node.value
        return value

    def _sequence(self, node: SequenceNode, path: ConfigPath, depth: int) -> list[Any]:
        items: list[Any] = []
        for index, child in enumerate(node.value):
            if not self._count_alias_node(child):
                break
            items.append(self.build(child, (*path, index), None, depth + 1))
        return items

    def _mapping(self, node: MappingNode, path: ConfigPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key_nodes: dict[str, Node] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if not self._count_alias_node(value_node):
                break
            if not isinstance(key_node, ScalarNode):
                self.problem(
                    SYNTAX, key_node, "a mapping key must be a plain name, not a collection"
                )
                continue
            key = key_node.value
            if key == "<<" and key_node.tag == _PLAIN:
                merges.append(value_node)
                continue
            if key in key_nodes:
                first = self.position(key_nodes[key].start_mark)[0]
                self.problem(
                    DUPLICATE_KEY,
                    key_node,
                    f"duplicate key {key!r} (first defined on line {first})",
                    "YAML keeps only one of them; delete or merge the duplicate",
                    (*path, key),
                )
                continue
            key_nodes[key] = key_node
            result[key] = self.build(value_node, (*path, key), key_node, depth + 1)
        for merge in merges:
            self._merge(result, merge, path, depth)
        return result

    def _merge(self, result: dict[str, Any], merge: Node, path: ConfigPath, depth: int) -> None:
        """Apply a ``<<`` merge key: explicit keys win over merged ones."""
        sources = merge.value if isinstance(merge, SequenceNode) else [merge]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.problem(SYNTAX, source, "a merge key (<<) takes a mapping or a list of them")
                continue
            merged = self.build(source, path, None, depth)
            if isinstance(merged, dict):
                for key, value in merged.items():
                    result.setdefault(key, value)


def _too_deep(line: int, column: int, limits: Limits) -> LoadProblem:
    """The nesting problem, at the 1-based position of the first collection past the limit."""
    return LoadProblem(
        DOCUMENT_LIMITS,
        line,
        column,
        f"nesting is deeper than {limits.max_depth} levels",
        "flatten the structure; no agent config needs this depth",
    )


def _check_nesting(source: SourceLines, limits: Limits) -> LoadProblem | None:
    """Bound nesting from the text alone, before libyaml reads it (see
    :mod:`agentsync.config.nesting`: libyaml's own limits differ between its versions)."""
    position = first_too_deep(source.text, limits.max_depth)
    if position is None:
        return None
    return _too_deep(*source.at_yaml(*position), limits)


def _unreadable(path: str, text: str, problem: LoadProblem) -> Document:
    """A file whose YAML could not be read: a config if it says it is one, in any style."""
    # The modules that read a broken file load with the first one: not at agent-lint's start.
    from agentsync.config.unparsed import declares_config

    kind: Literal["config", "ignored"] = "config" if declares_config(text) else "ignored"
    return Document(path, text, None, {}, [problem], kind, loaded=False)


def _parses(text: str) -> bool:
    loader = _Loader(text)
    try:
        loader.get_single_node()
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    return True


def _syntax_error(error: yaml.MarkedYAMLError, source: SourceLines) -> LoadProblem:
    """The problem libyaml found; when the text would parse without the line breaks only
    libyaml counts (U+2028 in a key, a stray "\\r"), the one that broke it."""
    from agentsync.config.characters import no_character_escape, yaml_only_break_problem
    from agentsync.config.yaml_errors import syntax_problem

    if source.differ and _parses(source.without_yaml_only_breaks()):
        return yaml_only_break_problem(source, error)
    return no_character_escape(source, error) or syntax_problem(error, source)


def load_text(text: str, path: str = "<string>", limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load YAML text into a Document."""
    text = text.removeprefix("\ufeff")  # libyaml skips it too, and counts no column for it
    if len(text) * 4 > limits.max_bytes:  # UTF-8 takes at most 4 bytes a character
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > limits.max_bytes:
            return too_large(path, size, limits)
    source = SourceLines(text)
    try:
        depth_problem = _check_nesting(source, limits)
        if depth_problem is not None:
            return _unreadable(path, text, depth_problem)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        return _unreadable(path, text, _syntax_error(error, source))
    except (yaml.reader.ReaderError, UnicodeEncodeError):  # a character YAML does not allow
        from agentsync.config.characters import character_problem

        return _unreadable(path, text, character_problem(source))
    except yaml.YAMLError as error:  # not expected: every error of libyaml's has a mark
        return _unreadable(path, text, LoadProblem(SYNTAX, 1, 1, f"invalid YAML: {error}"))
    if node is None:  # empty or comments only: a config with every default
        return Document(path, text, {}, {}, [], "config")
    builder = _Builder(limits, source)
    data = builder.build(node, (), None, 0)
    if data is None and not builder.problems:  # "---", "null", "~": an empty file, stated
        return Document(path, text, {}, {}, [], "config")
    if isinstance(data, dict) and "ellipsis" in data:
        kind: Literal["config", "ignored"] = "config"
    else:
        kind = "ignored"
    return Document(path, text, data, builder.spans, builder.problems, kind)


def load_bytes(raw: bytes, path: str = "<bytes>", limits: Limits = DEFAULT_LIMITS) -> Document:
    """Decode UTF-8 (with or without BOM) strictly, then load; any other encoding is a
    problem (``encoding``), and so is a config at a ``path`` that is not UTF-8 (``unreadable``)."""
    if len(raw) > limits.max_bytes:
        return too_large(path, len(raw), limits)
    try:
        text = decode(raw)
    except NotUtf8 as other:
        return _unreadable(path, other.text, other.problem)
    document = load_text(text, path, limits)
    if document.kind == "config" and not is_utf8(path):
        # Git and the disk give names as bytes (those that do not decode are surrogates
        # here); the control plane names each config by its path, as text.
        problem = LoadProblem(
            UNREADABLE,
            1,
            1,
            "cannot read this file's name: it is not UTF-8",
            "rename it: the control plane names each config by its path, in UTF-8",
        )
        return Document(path, "", None, {}, [problem], "config", loaded=False)
    return document


def too_large(path: str, size: int, limits: Limits) -> Document:
    problem = LoadProblem(
        DOCUMENT_LIMITS,
        1,
        1,
        f"file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit",
        "split it into smaller configs; no agent config needs to be this large",
    )
    return Document(path, "", None, {}, [problem], "config", loaded=False)
