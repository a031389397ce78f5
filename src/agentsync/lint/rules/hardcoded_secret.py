"""``hardcoded-secret``: an inline ``sandbox.variables[].value`` that is a secret, because the
name ends in a secret noun, in any case (``*_TOKEN``, ``*_KEY``, ``*_SECRET``, ``*_PASSWORD``,
``*_PASSWD``, ``*_PASSPHRASE``, ``*_CREDENTIAL(S)``, and the bare nouns) or the value has the
shape of a known token (GitHub, AWS, Slack, OpenAI, Anthropic) or is a URL with a password. A
name that only mentions one is a setting, not a secret::

    - name: DATABASE_PASSWORD     # hardcoded-secret
      value: hunter2
    - name: PASSWORD_MIN_LENGTH   # fine: a setting about passwords
      value: "12"

Drop ``value`` and the platform resolves the variable from the sandbox-variables store at run
time. The secret itself is never printed: agent-lint masks every secret in the source lines it
shows (``agentsync.config.secrets`` says what is one).

Bad::

    sandbox:
      variables:
        - name: SENTRY_AUTH_TOKEN
          value: 5f1e0c0d9a8b4c7e

Fixed::

    sandbox:
      variables:
        - name: SENTRY_AUTH_TOKEN   # resolved from the sandbox-variables store

``--fix --unsafe-fixes`` removes the ``value:`` line (not a value in a flow mapping) and says
which variables to set in the store (``agent sandbox var set NAME``); the value is never
printed. Rotate it all the same.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.secrets import secret_reason
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "hardcoded-secret",
    "error",
    "Secrets must come from the sandbox-variables store, not inline values",
    fix="unsafe",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for item_path, variable in ctx.mappings(("sandbox", "variables")):
        name, value = variable.get("name"), variable.get("value")
        if not isinstance(name, str) or not isinstance(value, str) or not value.strip():
            continue
        reason = secret_reason(name, value)
        if reason is not None:
            finding = ctx.finding(
                (*item_path, "value"),
                f"{name} has an inline secret value ({reason})",
                f"delete 'value' so {name} is resolved from the sandbox-variables store, "
                "and rotate the secret: it is in the git history",
            )
            if ctx.fixing:
                from agentsync.lint.edits import fix
                from agentsync.lint.moves import remove_key

                removed = remove_key(ctx.document, (*item_path, "value"))
                note = f"set {name} in the sandbox-variables store: agent sandbox var set {name}"
                finding = finding._replace(fix=fix(removed, safe=False, note=note))
            yield finding
