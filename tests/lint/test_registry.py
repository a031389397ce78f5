"""The rule registry is explicit and complete; every rule documents itself."""

from __future__ import annotations

import pkgutil

import pytest

from agentsync.errors import UsageError
from agentsync.lint import rules


def test_every_rule_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(rules.__path__)}
    registered = {rule.__name__.rsplit(".", 1)[1] for rule in rules.RULES.values()}  # type: ignore[attr-defined]
    assert modules == registered


@pytest.mark.parametrize("rule_id", sorted(rules.RULES))
def test_rule_declares_its_metadata(rule_id: str) -> None:
    rule = rules.RULES[rule_id]
    assert rule_id == rule.META.id
    assert rule.META.severity in ("error", "warning")
    assert rule.META.summary
    assert (rule.__doc__ or "").strip()  # type: ignore[attr-defined]


def test_unknown_rule_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown rule 'nope'"):
        rules.get("nope")
