"""Reporters by name; the names are the CLI's ``--format`` choices."""

from __future__ import annotations

from agentsync.lint.reporters.base import Reporter
from agentsync.lint.reporters.github import GithubReporter
from agentsync.lint.reporters.json import JsonReporter
from agentsync.lint.reporters.markdown import MarkdownReporter
from agentsync.lint.reporters.sarif import SarifReporter
from agentsync.lint.reporters.text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
    "markdown": MarkdownReporter,
}
