"""A rule's documentation, read from its module docstring: the plain text and Markdown that SARIF
carries as the rule's help, its page anchor, and the rules reference (``docs/rules.md``).

Docstrings use a small reStructuredText subset: paragraphs, ````code```` spans, and literal
blocks (indented, after a paragraph ending in ``::``). The first paragraph opens with the rule
id, which the reference's heading already shows. Examples are ``Bad::`` and ``Fixed::`` blocks
of YAML. Only the SARIF reporter and ``scripts/make_rules_doc.py`` read docstrings: agent-lint's
other formats never pay for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from agentsync.lint.rule import Rule

DOCS_URL = "https://github.com/agentsync/agentsync/blob/main/docs/rules.md"
DOCS_PATH = "docs/rules.md"

# "``budget-schedule`` (warning): ..." -> "..."
_ID_PREFIX = re.compile(r"^``[^`]+``(\s*\([^)]*\))?:\s*")


_REFERENCE_HEAD = """# agent-lint rules

<!-- Generated from the rule modules' docstrings (src/agentsync/lint/rules/) by
     scripts/make_rules_doc.py: edit those, then run `make docs`. -->

Every rule agent-lint applies, in the order it runs them. Examples show only the keys that
matter; a whole config also has its `ellipsis:` block and, unless it is a mention agent, a
`claude.system` prompt. Turn a rule off with `--disable RULE`, the `disable` setting, or,
for a warning, a `# agent-lint: disable=RULE` comment on the line (an error is the platform's
rule: the control plane refuses the config whatever its comments say, so no comment silences
one). The Fix column says what `agent-lint --fix` can fix: safe fixes keep what the config
means; unsafe ones change it and need `--unsafe-fixes` (see "Fixing files" in the agent-lint
guide)."""


_FIX_WORDS = {
    "safe": "safe fixes",
    "unsafe": "unsafe fixes (with `--unsafe-fixes`)",
    "both": "safe fixes, and unsafe ones with `--unsafe-fixes`",
}


class Block(NamedTuple):
    """A paragraph (one line of text) or a literal block (its lines, dedented)."""

    text: str
    literal: bool


def help_uri(rule_id: str) -> str:
    """The rule's section of the reference: its heading is the id, so its anchor is the id."""
    return f"{DOCS_URL}#{rule_id}"


def _clean(doc: str) -> list[str]:
    """The docstring's lines, dedented like ``inspect.cleandoc`` (without importing inspect)."""
    first, *rest = doc.expandtabs().strip().split("\n")
    indents = [len(line) - len(line.lstrip()) for line in rest if line.strip()]
    margin = min(indents, default=0)
    return [first.strip(), *(line[margin:].rstrip() for line in rest)]


def blocks(doc: str) -> list[Block]:
    """Paragraphs and literal blocks; a paragraph's ``::`` becomes ``:`` as reST renders it,
    and the first paragraph loses its rule-id prefix."""
    groups: list[list[str]] = []
    group: list[str] = []
    for line in [*_clean(doc), ""]:
        if line.strip():
            group.append(line)
            continue
        if group and groups and _indented(group) and _indented(groups[-1]):
            groups[-1] += ["", *group]  # a literal block with a blank line inside
        elif group:
            groups.append(group)
        group = []
    return [_block(lines, first=index == 0) for index, lines in enumerate(groups)]


def _indented(lines: list[str]) -> bool:
    return lines[0].startswith(" ")


def _block(lines: list[str], *, first: bool) -> Block:
    if _indented(lines):
        margin = min(len(line) - len(line.lstrip()) for line in lines if line)
        return Block("\n".join(line[margin:] for line in lines), literal=True)
    text = _joined(lines)
    if first:
        text = _ID_PREFIX.sub("", text)
        text = text[:1].upper() + text[1:]
    if text.endswith("::"):
        text = text[:-2].rstrip() if text[:-2].endswith(" ") else text[:-1]
    return Block(text, literal=False)


def _joined(lines: list[str]) -> str:
    """A paragraph's lines as one line; a bullet list keeps one line per item."""
    items: list[str] = []
    for line in lines:
        if line.startswith("- ") or not items:
            items.append(line.strip())
        else:
            items[-1] += " " + line.strip()
    return "\n".join(items) if lines[0].startswith("- ") else " ".join(items)


def description(rule: Rule) -> str:
    """The first paragraph: SARIF's ``fullDescription``."""
    first = blocks(rule.__doc__ or "")[:1]
    return _unmark(first[0].text) if first else ""


def help_text(rule: Rule) -> str:
    """The whole documentation as plain text: literal blocks indented by four spaces."""
    return "\n\n".join(
        _indent(block.text) if block.literal else _unmark(block.text)
        for block in blocks(rule.__doc__ or "")
    )


def help_markdown(rule: Rule) -> str:
    """The whole documentation as Markdown: literal blocks fenced as YAML."""
    return "\n\n".join(
        f"```yaml\n{block.text}\n```" if block.literal else _unmark(block.text)
        for block in blocks(rule.__doc__ or "")
    )


def _unmark(text: str) -> str:
    """reST ````code```` as Markdown's (and plain text's) `code`."""
    return text.replace("``", "`")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.split("\n"))


def reference(rules: Mapping[str, Rule]) -> str:
    """The rules reference page, ``docs/rules.md``: an index, then one section per rule whose
    heading is the rule id (GitHub makes it the anchor ``help_uri`` points at)."""
    lines = [
        _REFERENCE_HEAD,
        "",
        "| Rule | Severity | Fix | What it checks |",
        "| --- | --- | --- | --- |",
        *(
            f"| [{m.id}](#{m.id}) | {m.severity} | {m.fix or '-'} | {m.summary} |"
            for m in (rule.META for rule in rules.values())
        ),
    ]
    for rule in rules.values():
        summary = rule.META.summary.rstrip(".")
        fixes = f" `--fix`: {_FIX_WORDS[rule.META.fix]}." if rule.META.fix else ""
        lines += [
            "",
            f"## {rule.META.id}",
            "",
            f"Severity: **{rule.META.severity}**. {summary}.{fixes}",
        ]
        lines += ["", help_markdown(rule)]
    return "\n".join(lines) + "\n"
