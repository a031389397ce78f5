"""Config validation for the control plane: agent-lint's rules (errors only), then the model.

A config arrives as YAML (the sync API, ``config_override_yaml``) or as JSON data (an inline
``config``, ``config_override``); both get the same rules and the same diagnostics shape as
``agent-lint --format json``, with secrets masked as agent-lint masks them. A config the rules
refuse raises ``ConfigRejected``; the server answers it with a 422 ``Invalid`` of the same
detail, sync records its diagnostics. A key that belongs in another mapping (a top-level
``model:``) is a warning, not a refusal: the model reads the config without it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import ValidationError

from agentsync.config.identity import content_identity, normalized, parse_config
from agentsync.config.loader import Document, load_text
from agentsync.config.model import AgentConfig
from agentsync.config.problems import LoadProblem
from agentsync.config.secrets import mask_secrets
from agentsync.errors import AgentsyncError
from agentsync.lint.context import LintContext
from agentsync.lint.placement import without_misplaced
from agentsync.lint.reporters.json import diagnostic_json
from agentsync.lint.rules import internal
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

# The server enforces rules, not the linter's advice: warnings are for people.
_SETTINGS = Settings()


class ConfigRejected(AgentsyncError):
    """A config the platform's rules refuse; ``detail`` is a list of diagnostics (the shape of
    ``agent-lint --format json``) or one message."""

    def __init__(self, detail: str | list[dict[str, Any]]) -> None:
        self.detail = detail
        if isinstance(detail, str):
            super().__init__(detail)
        else:
            lines = [
                f"{d.get('path') or '-'}: {d.get('message')} [{d.get('rule')}]" for d in detail
            ]
            super().__init__("invalid config:\n  " + "\n  ".join(lines))

    def diagnostics(self) -> list[dict[str, Any]]:
        """``detail`` as diagnostics: the list, or the message placed at 1:1."""
        if isinstance(self.detail, list):
            return self.detail
        return [
            {"rule": "invalid", "severity": "error", "message": self.detail, "line": 1,
             "column": 1, "path": ""}
        ]  # fmt: skip


class ValidConfig(NamedTuple):
    model: AgentConfig
    data: dict[str, Any]  # normalized: every default filled in
    identity: str


def validate_document(document: Document) -> ValidConfig:
    """Validate a loaded document; ``ConfigRejected`` with diagnostics when it is not valid,
    whatever the content (never another exception)."""
    if document.kind == "ignored":
        raise ConfigRejected(
            "not an agent config: the document has no top-level 'ellipsis:' mapping"
        )
    result = lint_document(document, _SETTINGS)
    errors = [diagnostic_json(d) for d in result.diagnostics if d.severity == "error"]
    if errors:
        raise ConfigRejected(errors)
    try:
        model = _model(document)
        return ValidConfig(model, normalized(model), content_identity(model))
    except Exception as error:
        raise ConfigRejected([diagnostic_json(internal.diagnostic(error))]) from error


def _model(document: Document) -> AgentConfig:
    """The model of a config the rules accept. The platform ignores a key of another mapping
    (``misplaced-key``), and so does the model: it reads the config without it. Looked for
    only when the model refuses the config, so a config without one is checked once."""
    try:
        return parse_config(document.data)
    except ValidationError:
        errors = LintContext(document, _SETTINGS).shape_errors
        data = without_misplaced(document.data, errors)
        if data is document.data:
            raise
        return parse_config(data)


def validate_yaml(text: str, path: str = "<request>") -> ValidConfig:
    """Validate a config file's text."""
    return validate_document(load_text(text, path))


def parse_yaml_mapping(text: str, what: str) -> dict[str, Any]:
    """A YAML mapping from a request field (``config_override_yaml``), or ``ConfigRejected``."""
    document = load_text(text, what)
    if document.problems:
        raise ConfigRejected([_problem_json(p, what) for p in document.problems])
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        raise ConfigRejected(f"{what} must be a YAML mapping")
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
        raise ConfigRejected("config must be a JSON object")
    return validate_document(Document("<request>", "", data, {}, [], "config"))
