"""``hardcoded-secret``: an inline ``sandbox.variables[].value`` that is a secret, because the
name ends in a secret noun, in any case (``*_TOKEN``, ``*_KEY``, ``*_SECRET``, ``*_PASSWORD``,
``*_PASSWD``, ``*_PASSPHRASE``, ``*_CREDENTIAL(S)``, and the bare nouns) or the value has the
shape of a known token (GitHub, AWS, Slack, OpenAI, Anthropic). A name that only mentions one
is a setting, not a secret::

    - name: DATABASE_PASSWORD     # hardcoded-secret
      value: hunter2
    - name: PASSWORD_MIN_LENGTH   # fine: a setting about passwords
      value: "12"

Drop ``value`` and the platform resolves the variable from the sandbox-variables store at run
time. The secret itself is never printed: reporters mask it in the source snippet.

Bad::

    sandbox:
      variables:
        - name: SENTRY_AUTH_TOKEN
          value: 5f1e0c0d9a8b4c7e

Fixed::

    sandbox:
      variables:
        - name: SENTRY_AUTH_TOKEN   # resolved from the sandbox-variables store
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity

ID = "hardcoded-secret"
SEVERITY: Severity = "error"
SUMMARY = "Secrets must come from the sandbox-variables store, not inline values"
FROM_SCHEMA = False

_SECRET_NAME = re.compile(
    r"(?:\A|_)(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?)\Z", re.IGNORECASE
)
_TOKEN_SHAPES = (
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})")),
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("an OpenAI API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}")),
)


def secret_reason(name: str, value: str) -> str | None:
    """Why this inline variable is a secret, without repeating the value; None if it is not."""
    for label, shape in _TOKEN_SHAPES:
        if shape.search(value):
            return f"the value looks like {label}"
    if _SECRET_NAME.search(name):
        return f"{name} is named like a secret"
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    for item_path, variable in ctx.items(("sandbox", "variables")):
        if not isinstance(variable, dict):
            continue
        name, value = variable.get("name"), variable.get("value")
        if not isinstance(name, str) or not isinstance(value, str) or not value.strip():
            continue
        reason = secret_reason(name, value)
        if reason is not None:
            yield ctx.finding(
                (*item_path, "value"),
                f"{name} has an inline secret value ({reason})",
                f"delete 'value' so {name} is resolved from the sandbox-variables store, "
                "and rotate the secret: it is in the git history",
                redact=True,
            )
