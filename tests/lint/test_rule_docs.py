"""Each rule's documentation (its module docstring): docs/rules.md is generated from it and kept
up to date, every rule's section has the anchor its SARIF ``helpUri`` names, and every example
does what it says: agent-lint reports the ``Bad`` one under that rule and nothing in the
``Fixed`` one.
"""

from __future__ import annotations

import itertools
import re
import types
from pathlib import Path

import pytest

from agentsync.config.loader import load_text
from agentsync.lint import ruledoc
from agentsync.lint.rule import Rule
from agentsync.lint.rules import RULES
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

REFERENCE = Path(__file__).resolve().parents[2] / ruledoc.DOCS_PATH
# No config text makes agent-lint fail on purpose, or a file unreadable; their docstrings show
# what they report instead.
WITHOUT_CONFIG_EXAMPLE = {"internal", "unreadable"}


def test_reference_is_up_to_date() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == ruledoc.reference(RULES), (
        "docs/rules.md is out of date: run `make docs`"
    )


def _github_anchors(markdown: str) -> list[str]:
    """The anchors GitHub gives the page's headings: the heading's text in lower case, without
    punctuation other than ``-`` and ``_``, spaces as ``-``; a repeated one gets ``-1``, ``-2``."""
    anchors: list[str] = []
    for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        repeats = sum(1 for a in anchors if re.fullmatch(rf"{re.escape(slug)}(-\d+)?", a))
        anchors.append(f"{slug}-{repeats}" if repeats else slug)
    return anchors


def test_help_uri_names_the_rules_section() -> None:
    anchors = _github_anchors(ruledoc.reference(RULES))
    for rule_id in RULES:
        uri = ruledoc.help_uri(rule_id)
        assert uri.startswith("https://github.com/agentsync/agentsync/blob/main/docs/rules.md#")
        assert anchors.count(uri.rsplit("#", 1)[1]) == 1


def _examples(rule: Rule) -> dict[str, list[str]]:
    """The literal blocks after each ``Bad::`` and ``Fixed::`` paragraph."""
    found: dict[str, list[str]] = {"Bad:": [], "Fixed:": []}
    parts = ruledoc.blocks(rule.__doc__ or "")
    for intro, block in itertools.pairwise(parts):
        if intro.text in found and block.literal:
            found[intro.text].append(block.text)
    return found


def _as_config(snippet: str) -> str:
    """An example completed into a whole config, as the reference's introduction says: an
    ``ellipsis:`` block and a system prompt where the example has none."""
    head = "" if re.search(r"^ellipsis:", snippet, re.MULTILINE) else "ellipsis: {}\n"
    tail = "" if re.search(r"^claude:", snippet, re.MULTILINE) else "claude:\n  system: Review.\n"
    return f"{head}{snippet}\n{tail}"


def _reported(snippet: str) -> list[str]:
    result = lint_document(load_text(_as_config(snippet), "agents/example.yaml"), Settings())
    assert result.status != "ignored"
    return [d.rule for d in result.diagnostics]


@pytest.mark.parametrize("rule_id", sorted(set(RULES) - WITHOUT_CONFIG_EXAMPLE))
def test_examples_do_what_they_say(rule_id: str) -> None:
    examples = _examples(RULES[rule_id])
    assert examples["Bad:"], f"{rule_id}: no Bad:: example in its docstring"
    assert examples["Fixed:"], f"{rule_id}: no Fixed:: example in its docstring"
    for snippet in examples["Bad:"]:
        assert set(_reported(snippet)) == {rule_id}, snippet
    for snippet in examples["Fixed:"]:
        assert _reported(snippet) == [], snippet


@pytest.mark.parametrize("rule_id", sorted(WITHOUT_CONFIG_EXAMPLE))
def test_rules_without_a_config_example_show_what_they_report(rule_id: str) -> None:
    assert "For example" in ruledoc.help_text(RULES[rule_id])


def _rule(doc: str) -> Rule:
    return types.ModuleType("fake", doc)  # type: ignore[return-value]


def test_docstring_as_text_and_markdown() -> None:
    rule = _rule(
        """``fake`` (warning): one ``code`` span,
        over two lines.

        Bad::

            a:
              b: 1

              c: 2

        A paragraph that ends in a literal block ::

            d: 3
        """
    )
    assert ruledoc.description(rule) == "One `code` span, over two lines."
    assert ruledoc.help_text(rule) == (
        "One `code` span, over two lines.\n\nBad:\n\n    a:\n      b: 1\n\n      c: 2\n\n"
        "A paragraph that ends in a literal block\n\n    d: 3"
    )
    assert ruledoc.help_markdown(rule) == (
        "One `code` span, over two lines.\n\nBad:\n\n```yaml\na:\n  b: 1\n\n  c: 2\n```\n\n"
        "A paragraph that ends in a literal block\n\n```yaml\nd: 3\n```"
    )


def test_a_bullet_list_keeps_one_line_per_item() -> None:
    rule = _rule(
        """``fake``: a list.

        - one: ``A``,
          ``B``
        - two: ``C``
        """
    )
    assert ruledoc.help_markdown(rule) == "A list.\n\n- one: `A`, `B`\n- two: `C`"
