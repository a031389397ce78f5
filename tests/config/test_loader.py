"""The loader: positions, YAML 1.2 scalars, and every bound as a problem, never an exception."""

from __future__ import annotations

import math
import time

import pytest
import yaml

from agentsync.config import loader, nesting
from agentsync.config.loader import DEFAULT_LIMITS, Limits, load_bytes, load_text, resolve_plain


def test_positions_are_one_based_for_keys_and_values() -> None:
    doc = load_text(
        "ellipsis:\n  version: v1\ntriggers:\n  - type: cron\n    schedule: '0 9 * * *'\n"
    )
    version = doc.spans[("ellipsis", "version")]
    assert (version.key_line, version.key_column, version.line, version.column) == (2, 3, 2, 12)
    item = doc.spans[("triggers", 0)]
    assert (item.line, item.column) == (4, 5)
    schedule = doc.spans[("triggers", 0, "schedule")]
    assert (schedule.line, schedule.column, schedule.style) == (5, 15, "'")


def test_columns_count_characters_not_bytes() -> None:
    doc = load_text("ellipsis:\n  name: ünïcödé\n  description: x\n")
    assert doc.spans[("ellipsis", "name")].column == 9
    assert doc.spans[("ellipsis", "description")].column == 16


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("~", None),
        ("null", None),
        ("", None),
        ("0755", 755),
        ("0o17", 15),
        ("0x1F", 31),
        ("-12", -12),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("2024-01-01", "2024-01-01"),
        ("1_000", "1_000"),
        ("0b11", "0b11"),
        ("v1", "v1"),
    ],
)
def test_plain_scalars_follow_yaml_1_2(text: str, value: object) -> None:
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_nan_is_a_float() -> None:
    assert math.isnan(resolve_plain(".nan"))


def test_quoted_and_tagged_scalars() -> None:
    doc = load_text('a: "true"\nb: !!str 5\nc: !!int "7"\nd: !!float 2\n')
    assert doc.data == {"a": "true", "b": "5", "c": 7, "d": 2.0}


def test_unsupported_tag_is_a_problem() -> None:
    doc = load_text("ellipsis: {}\nx: !Ref foo\n")
    assert [(p.rule, p.line) for p in doc.problems] == [("syntax", 2)]


def test_merge_keys_and_explicit_keys_win() -> None:
    doc = load_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
    assert doc.data["other"] == {"x": 1, "y": 3}


def test_duplicate_key_reports_second_occurrence() -> None:
    doc = load_text("a: 1\nb: 2\na: 3\n")
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("duplicate-key", 3, 1)]
    assert doc.data["a"] == 1


def test_size_cap() -> None:
    doc = load_bytes(b"ellipsis: {}\n" + b"#" * 100, limits=Limits(max_bytes=50))
    assert doc.problems[0].rule == "document-limits"
    assert "over the 50-byte limit" in doc.problems[0].message


def test_size_cap_applies_to_text_in_utf8_bytes() -> None:
    assert load_text("a: " + "é" * 20, limits=Limits(max_bytes=50)).problems == []
    doc = load_text("a: " + "é" * 24, limits=Limits(max_bytes=50))
    assert [(p.rule, p.message) for p in doc.problems] == [
        ("document-limits", "file is 51 bytes, over the 50-byte limit")
    ]


# Nesting: the loader bounds it itself, from the text, before libyaml reads the file (libyaml's
# own limits differ between versions: none in 0.2.5, 1000 levels in 0.2.6, checked ahead).


def _first_collection_past(text: str, max_depth: int) -> tuple[int, int] | None:
    """The oracle: where libyaml's events put the first collection past ``max_depth`` (1-based).

    Used only at depths every libyaml version reads without objecting.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                return event.start_mark.line + 1, event.start_mark.column + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _flow_pairs(levels: int) -> str:
    """Flow sequences of single pairs: each ``[a: ...]`` is two levels (a sequence, a mapping)."""
    pairs = levels // 2
    return "[a: " * pairs + ("[x]" if levels % 2 else "x") + "]" * pairs


def _block_with_flow(levels: int) -> str:
    """50 block mappings, then flow sequences."""
    flow = levels - 50
    return "".join(" " * i + "k:\n" for i in range(50)) + " " * 50 + "[" * flow + "]" * flow


def _block_sequences(levels: int) -> str:
    """A sequence in a sequence..., each on a line of its own, indented two more."""
    outer = "".join(" " * (2 * i) + "-\n" for i in range(levels - 1))
    return outer + " " * (2 * levels - 2) + "- x"


def _indentless(levels: int) -> str:
    """A mapping whose value is an indentless sequence of mappings, and so on: two per line."""
    pairs, odd = divmod(levels - 1, 2)
    lines = ["a:"] + [" " * (2 * i) + "- a:" for i in range(pairs)]
    lines.append(" " * (2 * pairs) + "- x" if odd else lines.pop() + " x")
    return "\n".join(lines) + "\n"


# Each shape nests ``levels`` collections; the position is that of the deepest one.
NESTING_SHAPES = {
    "flow sequences": (lambda n: "[" * n + "]" * n, lambda n: (1, n)),
    "flow mappings": (lambda n: "{a: " * n + "}" * n, lambda n: (1, 4 * n - 3)),
    "block mappings": (
        lambda n: "".join(" " * i + "a:\n" for i in range(n - 1)) + " " * (n - 1) + "a: 1\n",
        lambda n: (n, n),
    ),
    "block sequences": (_block_sequences, lambda n: (n, 2 * n - 1)),
    "compact block sequences": (lambda n: "- " * n + "x\n", lambda n: (1, 2 * n - 1)),
    "indentless sequences": (_indentless, None),
    "block then flow": (_block_with_flow, lambda n: (51, n)),
    "flow sequences of pairs": (_flow_pairs, None),
}


@pytest.mark.parametrize("shape", NESTING_SHAPES)
def test_deepest_nesting_accepted_is_max_depth(shape: str) -> None:
    make, _ = NESTING_SHAPES[shape]
    text = make(DEFAULT_LIMITS.max_depth)
    assert _first_collection_past(text, DEFAULT_LIMITS.max_depth - 1) is not None  # that deep
    doc = load_text(text)
    assert doc.problems == []
    assert doc.loaded
    assert doc.data is not None


@pytest.mark.parametrize("shape", NESTING_SHAPES)
def test_shallowest_nesting_refused_is_max_depth_plus_one(shape: str) -> None:
    make, position = NESTING_SHAPES[shape]
    text = make(DEFAULT_LIMITS.max_depth + 1)
    expected = _first_collection_past(text, DEFAULT_LIMITS.max_depth)
    assert expected is not None
    if position is not None:
        assert position(DEFAULT_LIMITS.max_depth + 1) == expected
    doc = load_text(text)
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("document-limits", *expected)]
    assert doc.problems[0].message == "nesting is deeper than 100 levels"


def test_the_depth_limit_is_a_setting() -> None:
    assert load_text("a: [[x]]\n", limits=Limits(max_depth=3)).problems == []
    doc = load_text("a: [[[x]]]\n", limits=Limits(max_depth=3))
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("document-limits", 1, 6)]
    assert doc.problems[0].message == "nesting is deeper than 3 levels"


def test_deep_flow_nesting_is_refused_before_composing() -> None:
    # 200k levels would overflow libyaml's recursive composer (a segfault, not an exception),
    # and libyaml 0.2.6 refuses 1000 levels itself (a syntax error, read ahead of the parser).
    doc = load_text("ellipsis: " + "[" * 200_000 + "]" * 200_000)
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("document-limits", 1, 110)]
    assert doc.kind == "config"


def _indented_block(levels: int) -> str:
    return "".join(" " * i + "a:\n" for i in range(levels)) + " " * levels + "v: 1\n"


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("[" * 5_000 + "]" * 5_000, (1, 101)),
        ("[" * 200_000 + "]" * 200_000, (1, 101)),
        ("ellipsis: " + "{a: " * 5_000 + "}" * 5_000, (1, 407)),
        ("{a: " * 200_000 + "}" * 200_000, (1, 401)),
        ("- " * 5_000 + "x\n", (1, 201)),
        ("- " * 200_000 + "x\n", (1, 201)),
        ("? " * 200_000 + "x\n", (1, 201)),
        ("ellipsis:\n  " + "- " * 50 + "{a: " * 5_000 + "}" * 5_000, (2, 299)),
        ("a:\n\ufeff" + "- " * 5_000 + "x\n", (2, 200)),  # libyaml skips a BOM a column wide
        (_indented_block(5_000), (101, 101)),
    ],
    ids=[
        "flow-5k",
        "flow-200k",
        "flow-map-5k",
        "flow-map-200k",
        "block-seq-5k",
        "block-seq-200k",
        "block-map-200k",
        "mixed-5k",
        "bom-5k",
        "indented-5k",
    ],
)
def test_very_deep_documents_never_reach_libyaml(
    text: str, position: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_libyaml(text: str) -> None:
        raise AssertionError("libyaml was asked to read a document past the nesting limit")

    monkeypatch.setattr(loader, "_Loader", no_libyaml)
    doc = load_text(text, limits=Limits(max_bytes=len(text) * 4))
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("document-limits", *position)]


def test_a_megabyte_of_nested_flow_mappings_is_read_in_linear_time() -> None:
    """Finding where each bracket closes once took a pass over the brackets still open:
    quadratic, 38 s for this 1 MB file (200,000 ``{a: `` then their ``}``), under the 1 MiB
    cap, while agent-lint decided whether the broken file is a config. Now about a second."""
    text = "{a: " * 200_000 + "}" * 200_000
    started = time.perf_counter()
    doc = load_text(text)
    assert [p.rule for p in doc.problems] == ["document-limits"]
    assert time.perf_counter() - started < 10


PROMPT = "\n".join(
    f"Step {i}: fill [[slot_{i}]] with {{{{value_{i}}}}}, see [docs]({{url}}) [x] {{y}}"
    for i in range(40)
)


def _config_with_brackets_in_scalars() -> str:
    literal = "\n".join("    " + line for line in PROMPT.splitlines())
    return (
        "# a comment [[[[[[[[[[ {{{{{{{{{{ [[[[[[[[[[ {{{{{{{{{{ [[[[[[[[[[ {{{{{{{{{{\n"
        "ellipsis:\n"
        "  version: v1\n"
        "  name: bracket-heavy  # [[[[[[[[[[ {{{{{{{{{{ [[[[[[[[[[\n"
        "  description: >\n"
        "    [[[[[[[[[[ {{{{{{{{{{ folded\n"
        "    [[[[[[[[[[ {{{{{{{{{{\n"
        "  metadata:\n"
        "    labels: [a, b]\n"
        "claude:\n"
        "  system: |\n" + literal + "\n"
        "  single: '[[[[[[[[[[ {{{{{{{{{{ it''s\n"
        "    [[[[[[[[[[ {{{{{{{{{{'\n"
        '  double: "[[[[[[[[[[ {{{{{{{{{{ \\" [[[[[[[[[[\n'
        '    {{{{{{{{{{ [[[[[[[[[["\n'
        "  plain: a plain value [[[[[[[[[[ {{{{{{{{{{ that\n"
        "    goes on [[[[[[[[[[ {{{{{{{{{{ over lines\n"
        "  flow: {text: '[[[[[[[[[[', other: \"{{{{{{{{{{\", list: [x, 'y]]]]]']}\n"
        "  chomped: |+2\n"
        "      [[[[[[[[[[ {{{{{{{{{{\n"
        "\n"
        "limits:\n"
        "  run: 0.5\n"
    )


def test_brackets_in_scalars_and_comments_are_not_nesting() -> None:
    text = _config_with_brackets_in_scalars()
    assert text.count("[") + text.count("{") > 5 * DEFAULT_LIMITS.max_depth
    assert nesting._may_nest_deeper(text, DEFAULT_LIMITS.max_depth)  # so the text is scanned
    doc = load_text(text)
    assert doc.problems == []
    claude = doc.data["claude"]
    assert claude["system"] == PROMPT + "\n"
    assert claude["single"] == "[[[[[[[[[[ {{{{{{{{{{ it's [[[[[[[[[[ {{{{{{{{{{"
    assert claude["double"] == '[[[[[[[[[[ {{{{{{{{{{ " [[[[[[[[[[ {{{{{{{{{{ [[[[[[[[[['
    assert claude["plain"].endswith("over lines")
    assert claude["flow"] == {"text": "[[[[[[[[[[", "other": "{{{{{{{{{{", "list": ["x", "y]]]]]"]}
    assert doc.data["limits"] == {"run": 0.5}


def test_a_file_with_few_brackets_is_never_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_scan(max_depth: int) -> None:
        raise AssertionError("scanned a file that cannot nest past the limit")

    monkeypatch.setattr(nesting, "_Nesting", no_scan)
    text = (
        "ellipsis:\n  version: v1\n  metadata:\n    labels: [a, b]\n"
        "claude:\n  system: |\n" + "    use [[x]] and {{y}}\n" * 24 + "triggers:\n  - type: cron\n"
    )
    assert text.count("[") + text.count("{") < DEFAULT_LIMITS.max_depth
    doc = load_text(text)
    assert doc.problems == []
    assert doc.data["ellipsis"]["metadata"] == {"labels": ["a", "b"]}


def test_nesting_the_fast_path_lets_through_is_measured_exactly() -> None:
    # 51 brackets pass the cheap bound, but "[a: ..." nests a mapping in each: 102 levels.
    text = _flow_pairs(102)
    assert text.count("[") < DEFAULT_LIMITS.max_depth
    assert not nesting._may_nest_deeper(text, DEFAULT_LIMITS.max_depth)
    doc = load_text(text)
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("document-limits", 1, 201)]
    assert _first_collection_past(text, DEFAULT_LIMITS.max_depth) == (1, 201)


def test_deep_block_nesting_is_bounded() -> None:
    text = (
        "ellipsis: {}\n" + "".join(" " * i + f"k{i}:\n" for i in range(150)) + " " * 150 + "v: 1\n"
    )
    doc = load_text(text)
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("document-limits", 102, 101)]


def test_billion_laughs_stops_at_the_alias_budget() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    doc = load_text("\n".join(lines), limits=Limits(max_alias_nodes=1000))
    assert [p.rule for p in doc.problems] == ["document-limits"]


def test_recursive_alias() -> None:
    doc = load_text("a: &a {b: *a}\n")
    assert [p.rule for p in doc.problems] == ["document-limits"]


def test_invalid_utf8_position() -> None:
    doc = load_bytes(b"ellipsis:\n  name: ok\n  description: caf\xe9\n")
    problem = doc.problems[0]
    assert (problem.rule, problem.line, problem.column) == ("syntax", 3, 19)
    assert doc.kind == "config"


def test_utf8_bom_is_accepted() -> None:
    assert load_bytes(b"\xef\xbb\xbfellipsis: {}\n").data == {"ellipsis": {}}


def test_tab_indentation() -> None:
    doc = load_text("ellipsis:\n\tversion: v1\n")
    assert doc.problems[0].message == "a tab character cannot indent YAML"
    assert (doc.problems[0].line, doc.problems[0].column) == (2, 1)


def test_unquoted_star_gets_a_quoting_hint() -> None:
    doc = load_text("ellipsis: {}\ntriggers:\n  - type: cron\n    schedule: */5 * * * *\n")
    problem = doc.problems[0]
    assert (problem.line, problem.column) == (4, 15)
    assert problem.hint == 'quote the value: schedule: "*/5 * * * *"'


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "config"),
        ("# comment only\n", "config"),
        ("ellipsis:\n", "config"),
        ("other: 1\n", "ignored"),
        ("- a\n", "ignored"),
        ("plain scalar\n", "ignored"),
        ("ellipsis: [unclosed\n", "config"),
        ("other: [unclosed\n", "ignored"),
    ],
)
def test_what_counts_as_a_config(text: str, kind: str) -> None:
    assert load_text(text).kind == kind


def test_non_scalar_key_is_a_problem() -> None:
    doc = load_text("? [a, b]\n: 1\nellipsis: {}\n")
    assert doc.problems[0].rule == "syntax"
