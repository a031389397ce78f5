"""SARIF 2.1.0 for code-scanning uploads: one run, every registered rule, one result per diagnostic.

What GitHub's code scanning needs beyond the schema:

- every rule descriptor has a PascalCase ``name`` (never its id), ``help`` (text and Markdown:
  the rule's documentation, from its module docstring) and a ``helpUri`` into docs/rules.md;
- locations are relative to ``%SRCROOT%``, the git top-level of the linted files (found by
  walking up for ``.git``; the working directory outside git), wherever agent-lint ran: the
  upload joins them to the checkout to fingerprint results. A file outside that root is an
  absolute ``file:`` URI;
- at most ``MAX_RESULTS`` results a run: past that, errors are kept first, then warnings, and
  a tool notification says how many were left out.

Source snippets are never included: a masked snippet still shows where a secret sits, and SARIF
files are uploaded and kept. Given the working directory, the output depends only on the
``LintResult`` and the rule registry, so golden files can pin it.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import Any, TextIO
from urllib.parse import quote

from agentsync import __version__
from agentsync.config.discovery import git_top_level
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.base import Reporter
from agentsync.lint.result import LintResult
from agentsync.lint.rule import Rule
from agentsync.lint.rules import RULES
from agentsync.plural import plural

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/agentsync/agentsync"
SRCROOT = "%SRCROOT%"
# GitHub code scanning rejects a run with more results than this.
MAX_RESULTS = 25_000
# SARIF levels, most severe first: the order in which results are kept under the cap.
LEVELS = ("error", "warning", "note")
# Characters allowed unescaped in a URI path besides the unreserved ones (RFC 3986 pchar minus
# ":", which would read as a scheme in a relative reference's first segment).
_URI_PATH_SAFE = "/!$&'()*+,;=@"


# A one-word id would make a name that differs from it only in case, which SARIF validators
# reject as a name identical to the id: these rules are named for what they check instead.
_ONE_WORD_NAMES = {
    "syntax": "YamlSyntax",
    "type": "ValueType",
    "version": "ConfigVersion",
    "internal": "InternalError",
    "unreadable": "UnreadableFile",
}


def descriptor_name(rule_id: str) -> str:
    """``cron-schedule`` -> ``CronSchedule`` (SARIF names are Pascal identifiers)."""
    if rule_id in _ONE_WORD_NAMES:
        return _ONE_WORD_NAMES[rule_id]
    return "".join(part.capitalize() for part in re.split(r"[-_]", rule_id))


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    # Only when SARIF is written: the other formats never pay for reading docstrings.
    from agentsync.lint import ruledoc

    descriptor: dict[str, Any] = {
        "id": rule.META.id,
        "name": descriptor_name(rule.META.id),
        "shortDescription": {"text": rule.META.summary},
    }
    full = ruledoc.description(rule)
    if full:
        descriptor["fullDescription"] = {"text": full}
    descriptor["defaultConfiguration"] = {"level": rule.META.severity}
    descriptor["help"] = {"text": ruledoc.help_text(rule), "markdown": ruledoc.help_markdown(rule)}
    descriptor["helpUri"] = ruledoc.help_uri(rule.META.id)
    return descriptor


class Locator:
    """Artifact locations of reported paths. A path is resolved against the working directory;
    its root is the git top-level of its directory (looked up once a directory), or the working
    directory for a path under it outside git. ``root``, the run's ``%SRCROOT%``, is the root
    most paths share."""

    def __init__(self, paths: Iterable[str], cwd: str) -> None:
        self.cwd = os.path.realpath(cwd)
        self._cwd_prefix = os.path.join(self.cwd, "")
        self._directories: dict[str, tuple[str, str | None]] = {}
        placed = {path: self._place(path) for path in paths}
        roots = Counter(root for _, root in placed.values() if root is not None)
        self.root = roots.most_common(1)[0][0] if roots else self.cwd
        self._root_prefix = os.path.join(self.root, "")
        self._locations = {path: self._location(*place) for path, place in placed.items()}

    def location(self, path: str) -> dict[str, str]:
        """The location of one of the paths given (a copy: each result owns its own)."""
        return dict(self._locations[path])

    def _place(self, path: str) -> tuple[str, str | None]:
        """The path made absolute (its directory resolved) and its root, if it has one."""
        directory, name = os.path.split(os.path.join(self.cwd, path))
        if directory not in self._directories:
            real = os.path.realpath(directory)
            found = git_top_level(Path(real))
            self._directories[directory] = (real, None if found is None else str(found))
        real, top = self._directories[directory]
        absolute = os.path.join(real, name)
        if top is None and absolute.startswith(self._cwd_prefix):
            top = self.cwd
        return absolute, top

    def _location(self, absolute: str, root: str | None) -> dict[str, str]:
        if root != self.root:
            return {"uri": PurePath(absolute).as_uri()}
        relative = absolute[len(self._root_prefix) :].replace(os.sep, "/")
        # A name that is not UTF-8 holds its bytes as surrogates: they are percent-encoded.
        uri = quote(relative, safe=_URI_PATH_SAFE, errors="surrogateescape")
        return {"uri": uri, "uriBaseId": SRCROOT}


def _within_cap(
    found: list[tuple[str, Diagnostic]], cap: int
) -> tuple[list[tuple[str, Diagnostic]], Counter[str]]:
    """At most ``cap`` of ``found``, the most severe first, in their order; and how many of
    each level were left out."""
    if len(found) <= cap:
        return found, Counter()
    rank = {level: index for index, level in enumerate(LEVELS)}
    order = sorted(range(len(found)), key=lambda i: (rank[found[i][1].severity], i))
    kept = sorted(order[:cap])
    return [found[i] for i in kept], Counter(found[i][1].severity for i in order[cap:])


def _left_out_notification(left_out: Counter[str], total: int, cap: int) -> dict[str, Any]:
    counts = ", ".join(plural(left_out[level], level) for level in LEVELS if left_out[level])
    dropped = sum(left_out.values())
    return {
        "level": "warning",
        "message": {
            "text": f"agent-lint found {total:,} results; GitHub code scanning accepts at most "
            f"{cap:,} a run, so {dropped:,} {'was' if dropped == 1 else 'were'} left out "
            f"({counts}), keeping errors first. The text or JSON output lists every diagnostic."
        },
    }


def _result(location: dict[str, str], d: Diagnostic, index: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"ruleId": d.rule}
    if index is not None:
        entry["ruleIndex"] = index
    entry["level"] = d.severity
    entry["message"] = {"text": d.message_with_hint()}
    entry["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": location,
                "region": {"startLine": d.line, "startColumn": d.column},
            }
        }
    ]
    return entry


def as_sarif(
    result: LintResult,
    rules: Mapping[str, Rule] = RULES,
    cwd: str | None = None,
    max_results: int = MAX_RESULTS,
) -> dict[str, Any]:
    """The SARIF log as plain data (keys in a fixed order); ``rules`` become the descriptors,
    reported paths are relative to ``cwd`` (default: the working directory)."""
    found = [(file.path, d) for file in result.files for d in file.diagnostics]
    kept, left_out = _within_cap(found, max_results)
    locator = Locator(dict.fromkeys(path for path, _ in kept), cwd or os.getcwd())
    rule_index = {rule_id: index for index, rule_id in enumerate(rules)}
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if left_out:
        invocation["toolExecutionNotifications"] = [
            _left_out_notification(left_out, len(found), max_results)
        ]
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
                "invocations": [invocation],
                "originalUriBaseIds": {
                    SRCROOT: {
                        "description": {
                            "text": "The git top-level of the linted files (the working "
                            "directory outside git)."
                        }
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [
                    _result(locator.location(path), d, rule_index.get(d.rule)) for path, d in kept
                ],
            }
        ],
    }


class SarifReporter(Reporter):
    """``rules`` defaults to the whole registry and ``cwd`` to the working directory; tests
    pass fixed ones to pin golden files."""

    def __init__(
        self,
        stream: TextIO,
        *,
        color: bool = False,
        rules: Mapping[str, Rule] | None = None,
        cwd: str | None = None,
    ) -> None:
        super().__init__(stream, color=color)
        self.rules = RULES if rules is None else rules
        self.cwd = cwd

    def report(self, result: LintResult) -> None:
        json.dump(as_sarif(result, self.rules, self.cwd), self.stream, indent=2)
        self.stream.write("\n")
