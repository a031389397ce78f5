"""``system-prompt``: ``claude.system`` must hold instructions (not empty, not only whitespace)
for cron, react and manual (no triggers) agents. Mention-only agents may leave it empty: their
reply is built from the conversation. An empty file is such a config with an empty prompt.

An agent with triggers is never called manual: a trigger whose ``type`` is unknown (``Mention``,
which trigger-type reports) still counts as a trigger, and with no cron or react trigger beside
it nothing is said about the prompt. A missing prompt is reported at ``claude:``, or at
``ellipsis:`` when there is no ``claude:`` (line 1 only when there is neither). When a
misspelt key under ``claude:`` stands for it (``sytem:``), only the typo is reported
(``unknown-key``, with "did you mean 'system'"): one mistake, one error.

Bad::

    triggers:
      - type: cron
        schedule: "0 9 * * 1"
    claude:
      system: ""

Fixed::

    triggers:
      - type: cron
        schedule: "0 9 * * 1"
    claude:
      system: Summarise last week's merged pull requests.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.suggest import closest
from agentsync.lint.context import MISSING, LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "system-prompt", "error", "claude.system must not be empty for cron, react and manual agents"
)

PATH = ("claude", "system")


def _agent_kind(ctx: LintContext) -> str | None:
    """``cron``/``react``/``manual`` when a prompt is required, None when it is not."""
    triggers = ctx.get(("triggers",))
    if triggers is MISSING or triggers is None or triggers == []:
        return "manual"
    if not isinstance(triggers, list):
        return None  # the type rule reports it
    types = [t.get("type") if isinstance(t, dict) else None for t in triggers]
    needing = sorted({str(t) for t in types if t in ("cron", "react")})
    # Only mention triggers, or triggers of an unknown type (trigger-type reports them): an
    # agent with triggers is never manual.
    return "/".join(needing) or None


def _misspelt(ctx: LintContext) -> bool:
    """Whether an unknown key under ``claude:`` is a misspelling of ``system``."""
    return any(
        error.path[:-1] == ("claude",)
        and closest(str(error.value), [str(k) for k in error.expected]) == "system"
        for error in ctx.shape_errors_of("unknown-key")
    )


def check(ctx: LintContext) -> Iterator[Finding]:
    system = ctx.get(PATH)
    if isinstance(system, str) and system.strip():
        return
    if system not in (MISSING, None) and not isinstance(system, str):
        return  # the type rule reports it
    kind = _agent_kind(ctx)
    if kind is None:
        return
    state = "missing" if system in (MISSING, None) or system == "" else "only whitespace"
    message = f"claude.system is {state}: a {kind} agent needs a system prompt"
    hint = "write the agent's instructions under claude.system (only mention agents may omit it)"
    if system is not MISSING:
        yield ctx.finding(PATH, message, hint)
        return
    if _misspelt(ctx):
        return  # unknown-key reports the typo, with "did you mean 'system'"
    spans = ctx.document.spans
    block = spans.get(("claude",)) or spans.get(("ellipsis",))
    line, column = (block.key_line, block.key_column) if block else (1, 1)
    yield Finding(line, column, message, PATH, hint)
