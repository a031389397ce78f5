"""Config validation for the control plane: agent-lint's rules (errors only), then the model.

A config arrives as YAML (the sync API, ``config_override_yaml``) or as JSON data (an inline
``config``, ``config_override``); both get the same rules and the same diagnostics shape as
``agent-lint --format json``, with secrets masked as agent-lint masks them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from agentsync.client.errors import Invalid
from agentsync.config.identity import content_identity, normalized, parse_config
from agentsync.config.loader import Document, load_text
from agentsync.config.model import AgentConfig
from agentsync.config.problems import LoadProblem
from agentsync.config.secrets import mask_secrets
from agentsync.lint.reporters.json import diagnostic_json
from agentsync.lint.rules import internal
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

# The server enforces rules, not the linter's advice: warnings are for people.
_SETTINGS = Settings()


class ValidConfig(NamedTuple):
    model: AgentConfig
    data: dict[str, Any]  # normalized: every default filled in
    identity: str


def validate_document(document: Document) -> ValidConfig:
    """Validate a loaded document; a 422 ``Invalid`` with diagnostics when it is not valid,
    whatever the content (never another exception)."""
    if document.kind == "ignored":
        raise Invalid("not an agent config: the document has no top-level 'ellipsis:' mapping")
    result = lint_document(document, _SETTINGS)
    errors = [diagnostic_json(d) for d in result.diagnostics if d.severity == "error"]
    if errors:
        raise Invalid(errors)
    try:
        model = parse_config(document.data)
        return ValidConfig(model, normalized(model), content_identity(model))
    except Exception as error:
        raise Invalid([diagnostic_json(internal.diagnostic(error))]) from error


def validate_yaml(text: str, path: str = "<request>") -> ValidConfig:
    """Validate a config file's text."""
    return validate_document(load_text(text, path))


def parse_yaml_mapping(text: str, what: str) -> dict[str, Any]:
    """A YAML mapping from a request field (e.g. ``config_override_yaml``), or a 422."""
    document = load_text(text, what)
    if document.problems:
        raise Invalid([_problem_json(p, what) for p in document.problems])
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        raise Invalid(f"{what} must be a YAML mapping")
    return document.data


def _problem_json(problem: LoadProblem, what: str) -> dict[str, Any]:
    return {
        "rule": problem.rule,
        "severity": "error",
        "message": mask_secrets(problem.message),
        "line": problem.line,
        "column": problem.column,
        "path": what,
    }


def validate_data(data: Any) -> ValidConfig:
    """Validate a config given as data (JSON)."""
    if not isinstance(data, dict):
        raise Invalid("config must be a JSON object")
    return validate_document(Document("<request>", "", data, {}, [], "config"))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` onto ``base``: mappings merge key by key; lists and scalars replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def clamp_limits(
    data: dict[str, Any], max_run: float | None
) -> tuple[dict[str, Any], dict[str, float | None] | None]:
    """Clamp ``limits.run`` to the platform maximum; also return the requested limits if so."""
    limits = dict(data.get("limits") or {})
    run = limits.get("run")
    if max_run is None or run is None or run <= max_run:
        return data, None
    requested = dict(limits)
    limits["run"] = max_run
    return {**data, "limits": limits}, requested
