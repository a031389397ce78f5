"""The built-in agent templates a run may start from (``template_id``), by slug."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _template(name: str, description: str, system: str, labels: list[str]) -> dict[str, Any]:
    return {
        "ellipsis": {
            "version": "v1",
            "name": name,
            "description": description,
            "metadata": {"labels": labels},
        },
        "claude": {"system": system},
    }


BUILTIN_TEMPLATES: Mapping[str, dict[str, Any]] = {
    "welcome-to-ellipsis": _template(
        "Welcome to Ellipsis",
        "A first agent: says hello and describes the repository.",
        "Say hello, then describe the repository in three sentences.",
        ["starter"],
    ),
    "pr-review": _template(
        "Pull request review",
        "Reviews a pull request and reports problems it can point to.",
        "Review the pull request. Report only problems you can point to.",
        ["review"],
    ),
    "issue-triage": _template(
        "Issue triage",
        "Labels new issues by area and severity.",
        "Label the issue by area and severity; ask for a reproduction.",
        ["triage"],
    ),
}
