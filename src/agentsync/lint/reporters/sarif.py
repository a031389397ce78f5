"""SARIF 2.1.0 for code-scanning uploads: one run, every registered rule, one result per diagnostic.

Locations are relative to ``%SRCROOT%`` (the directory agent-lint ran in; the repository root
under the GitHub Action and pre-commit). Source snippets are never included: a masked snippet
still shows where a secret sits, and SARIF files are uploaded and kept. The output depends only
on the ``LintResult`` and the rule registry, so golden files can pin it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, TextIO
from urllib.parse import quote

from agentsync import __version__
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.base import Reporter
from agentsync.lint.result import LintResult
from agentsync.lint.rule import Rule
from agentsync.lint.rules import RULES

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/agentsync/agentsync"
SRCROOT = "%SRCROOT%"

# A docstring opens with the rule id, e.g. "``budget-schedule`` (warning): ..."; the descriptor
# carries both already.
_ID_PREFIX = re.compile(r"^``[^`]+``(\s*\([^)]*\))?:\s*")
# Characters allowed unescaped in a URI path besides the unreserved ones (RFC 3986 pchar minus
# ":", which would read as a scheme in a relative reference's first segment).
_URI_PATH_SAFE = "/!$&'()*+,;=@"


def _descriptor_name(rule_id: str) -> str:
    """``cron-schedule`` -> ``CronSchedule`` (SARIF names are identifier-like)."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", rule_id))


def _full_description(rule: Rule) -> str:
    """The first paragraph of the rule module's docstring, on one line, with RST code marks
    reduced to single backticks."""
    paragraph = " ".join(re.split(r"\n\s*\n", (rule.__doc__ or "").strip(), maxsplit=1)[0].split())
    paragraph = _ID_PREFIX.sub("", paragraph).replace("``", "`")
    return paragraph[:1].upper() + paragraph[1:]


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.ID,
        "name": _descriptor_name(rule.ID),
        "shortDescription": {"text": rule.SUMMARY},
    }
    full = _full_description(rule)
    if full:
        descriptor["fullDescription"] = {"text": full}
    descriptor["defaultConfiguration"] = {"level": rule.SEVERITY}
    return descriptor


def artifact_location(path: str) -> dict[str, str]:
    """A reported path as a SARIF artifact location: relative paths against ``%SRCROOT%``,
    absolute ones as ``file:`` URIs."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    return {"uri": quote(pure.as_posix(), safe=_URI_PATH_SAFE), "uriBaseId": SRCROOT}


def message_text(diagnostic: Diagnostic) -> str:
    if diagnostic.hint:
        return f"{diagnostic.message} Hint: {diagnostic.hint}"
    return diagnostic.message


def as_sarif(result: LintResult, rules: Mapping[str, Rule] = RULES) -> dict[str, Any]:
    """The SARIF log as plain data (keys in a fixed order); ``rules`` become the descriptors."""
    rule_index = {rule_id: index for index, rule_id in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for file in result.files:
        location = artifact_location(file.path)
        for d in file.diagnostics:
            entry: dict[str, Any] = {"ruleId": d.rule}
            if d.rule in rule_index:
                entry["ruleIndex"] = rule_index[d.rule]
            entry["level"] = d.severity
            entry["message"] = {"text": message_text(d)}
            entry["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": dict(location),
                        "region": {"startLine": d.line, "startColumn": d.column},
                    }
                }
            ]
            results.append(entry)
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "agent-lint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(rule) for rule in rules.values()],
                    }
                },
                "originalUriBaseIds": {
                    SRCROOT: {
                        "description": {
                            "text": "The directory agent-lint ran in (the repository root)."
                        }
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


class SarifReporter(Reporter):
    """``rules`` defaults to the whole registry; tests pass a fixed set to pin golden files."""

    def __init__(
        self, stream: TextIO, *, color: bool = False, rules: Mapping[str, Rule] | None = None
    ) -> None:
        super().__init__(stream, color=color)
        self.rules = RULES if rules is None else rules

    def report(self, result: LintResult) -> None:
        json.dump(as_sarif(result, self.rules), self.stream, indent=2)
        self.stream.write("\n")
