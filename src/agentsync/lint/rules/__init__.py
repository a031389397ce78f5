"""The explicit registry of every lint rule: ``RULES`` maps rule id to rule module.

Adding a rule means writing its module and adding it to ``_MODULES`` below; a test checks that
every module in this package is registered. A rule id a user names is checked here too:
:func:`get` for ``--disable``, :func:`disable_warnings` for what a ``disable`` list turns off.
"""

from __future__ import annotations

from agentsync.config.suggest import did_you_mean
from agentsync.errors import UsageError
from agentsync.lint.rule import Rule
from agentsync.lint.rules import (
    branch_filter,
    budget_schedule,
    cron_schedule,
    denied_variable,
    dockerfile_append,
    document_limits,
    documented_spelling,
    duplicate_key,
    empty_events,
    hardcoded_secret,
    internal,
    invalid_value,
    json_schema,
    limits_clamped,
    limits_order,
    mention_platform,
    misplaced_key,
    missing_key,
    react_event,
    repository_name,
    sandbox_compute,
    syntax,
    system_prompt,
    trigger_type,
    unknown_key,
    unknown_rule,
    unreadable,
    version,
    wrong_type,
    yaml11_boolean,
)

_MODULES: tuple[Rule, ...] = (
    unreadable,
    syntax,
    duplicate_key,
    document_limits,
    unknown_key,
    misplaced_key,
    wrong_type,
    yaml11_boolean,
    missing_key,
    trigger_type,
    invalid_value,
    version,
    system_prompt,
    cron_schedule,
    react_event,
    documented_spelling,
    empty_events,
    branch_filter,
    mention_platform,
    repository_name,
    sandbox_compute,
    dockerfile_append,
    limits_clamped,
    limits_order,
    json_schema,
    hardcoded_secret,
    denied_variable,
    budget_schedule,
    unknown_rule,
    internal,
)

RULES: dict[str, Rule] = {rule.META.id: rule for rule in _MODULES}
RULE_IDS = frozenset(RULES)
SEVERITIES = {rule_id: rule.META.severity for rule_id, rule in RULES.items()}


def get(rule_id: str) -> Rule:
    """The rule with this id; a usage error naming the known ids otherwise."""
    try:
        return RULES[rule_id]
    except KeyError:
        suggestion = (
            did_you_mean(rule_id, sorted(RULES)) or f"; known rules: {', '.join(sorted(RULES))}"
        )
        raise UsageError(f"unknown rule {rule_id!r}{suggestion}") from None


def disable_warnings(disabled: frozenset[str], where: str) -> list[str]:
    """One line for each name in ``disabled`` (``where``: ``FILE: 'disable'`` or
    ``--disable``) that is no rule, so it silences nothing, and for each error rule: agent-lint
    stops reporting it, but the sync engine and the control plane check every error rule and
    refuse the config anyway."""
    return [
        f"{where} names no rule {name!r}" + did_you_mean(name, sorted(SEVERITIES))
        if name not in SEVERITIES
        else f"{where} turns off {name!r}, an error: agent sync and the control plane still "
        "refuse a config that breaks it"
        for name in sorted(disabled)
        if SEVERITIES.get(name) != "warning"
    ]
