"""The loader: positions, YAML 1.2 scalars, and every bound as a problem, never an exception."""

from __future__ import annotations

import math

import pytest

from agentsync.config.loader import Limits, load_bytes, load_text, resolve_plain


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


def test_deep_flow_nesting_is_refused_before_composing() -> None:
    # 200k levels would overflow libyaml's recursive composer (a segfault, not an exception).
    doc = load_text("ellipsis: " + "[" * 200_000 + "]" * 200_000)
    assert [(p.rule, p.line) for p in doc.problems] == [("document-limits", 1)]
    assert doc.kind == "config"


def test_deep_block_nesting_is_bounded() -> None:
    text = (
        "ellipsis: {}\n" + "".join(" " * i + f"k{i}:\n" for i in range(150)) + " " * 150 + "v: 1\n"
    )
    doc = load_text(text)
    assert [p.rule for p in doc.problems] == ["document-limits"]


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
    assert problem.hint == 'quote it: schedule: "*/5 * * * *"'


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
