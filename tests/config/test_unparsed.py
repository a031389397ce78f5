"""Whether a file that does not parse is an agent config does not depend on its style: a
root ``ellipsis`` key, plain or quoted, in a block or a flow (JSON-like) mapping, makes it one
(invalid), in lint and sync alike; anything else is ignored."""

from __future__ import annotations

import pytest

from agentsync.config.loader import load_text
from agentsync.config.unparsed import declares_config, flow_end, unclosed_bracket

BROKEN = "claude: {system: [}"  # a syntax error, in the style of each case

CONFIGS = {
    "block": "ellipsis:\n  version: v1\nclaude:\n  system: [\n",
    "block, error first": "claude:\n  system: Note: be terse\nellipsis:\n  version: v1\n",
    "block, double-quoted key": '"ellipsis":\n  version: v1\nx: [\n',
    "block, single-quoted key": "'ellipsis' : {}\nx: [\n",
    "block, indented root": "  ellipsis:\n    version: v1\n  x: [\n",
    "block, after a document start": "# c\n---\nellipsis: {}\nx: [\n",
    "block, CRLF": "ellipsis:\r\n  x: [\r\n",
    "flow": "{ellipsis: {version: v1}, " + BROKEN + "}\n",
    "flow, error first": "{" + BROKEN + ", ellipsis: {version: v1}}\n",
    "JSON": '{"ellipsis": {"version": "v1"}, "claude": {"system": "x" "y"}}\n',
    "JSON, error first": '{\n  "claude": {"system": "x" "y"},\n  "ellipsis": {}\n}\n',
    "JSON, never closed": '{\n  "ellipsis": {"version": "v1"},\n',
    "flow, single-quoted key": "{'ellipsis': {}, x: [}\n",
    "flow, on the document start": "--- {ellipsis: {}, x: [}\n",
    "flow, apostrophes and comments": "{ # c\n  claude: don't stop, ellipsis: 1, x: [}\n",
}
NOT_CONFIGS = {
    "block, nested key": "claude:\n  ellipsis: 1\nx: [\n",
    "block, other keys": "other: [\n",
    "block list": "- ellipsis: 1\n- [\n",
    "flow, nested key": "{claude: {ellipsis: 1}, x: [}\n",
    "flow, key in a list": "{a: [ellipsis: 1], x: [}\n",
    "flow, key in a string": '{x: "ellipsis: 1", y: [}\n',
    "flow list": "[ellipsis, {]\n",
    "comments only": "# ellipsis: 1\n%BAD\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_broken_config_is_a_config_in_any_style(name: str) -> None:
    assert declares_config(CONFIGS[name])
    document = load_text(CONFIGS[name])
    assert (document.kind, document.loaded) == ("config", False)


@pytest.mark.parametrize("name", sorted(NOT_CONFIGS))
def test_a_broken_file_without_a_root_ellipsis_key_is_ignored(name: str) -> None:
    assert not declares_config(NOT_CONFIGS[name])
    assert load_text(NOT_CONFIGS[name]).kind == "ignored"


def test_a_blank_file_is_a_config() -> None:
    assert declares_config(" \n\t\n")


def test_where_a_bracket_closes() -> None:
    text = "x: [a, 'b]', \"c]\", d # e]\n  , {f: [g]}] h]"
    assert flow_end(text, 3) == text.index("] h")
    assert flow_end(text, text.index("{")) == text.index("}")
    assert flow_end("x: [a, [b]\n", 3) is None
    assert flow_end("{a: [b}", 0) == 6  # a brace closes the bracket left open inside it
    assert flow_end("[a}]", 0) == 3  # one that closes nothing is text


def test_the_bracket_that_never_closes() -> None:
    assert unclosed_bracket("a: [b, {c: d}\ne: f\n") == 3
    assert unclosed_bracket("a: [b, {c: d}]\ne: '['\n") is None
