"""``repaired``: a schedule written in one cron syntax where the other was needed, rewritten
only where the rewrite fires at the same times; and agent-lint's fix that uses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentsync.config.schedule import parse_schedule
from agentsync.config.schedule.repair import repaired
from tests.agreement import found, lint_and_sync

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
SUNDAY = datetime(2027, 1, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "fixed"),
    [
        ("0 9 ? * MON-FRI *", "cron(0 9 ? * MON-FRI *)"),
        ("  0 9 ? * MON-FRI 2027 ", "cron(0 9 ? * MON-FRI 2027)"),
        ("0 9 ? * MON-FRI", "0 9 * * MON-FRI"),
        ("0 9 1 * ?", "0 9 1 * *"),
        ("0 9 ? * 6L", "cron(0 9 ? * 6L *)"),  # L: EventBridge's numbering, Friday
        ("0 9 ? * 3#2", "cron(0 9 ? * 3#2 *)"),
        ("0 9 15W * ?", "cron(0 9 15W * ? *)"),
        ("cron(0 9 * * MON-FRI *)", "cron(0 9 ? * MON-FRI *)"),
        ("CRON(0 9 * * TUE *)", "cron(0 9 ? * TUE *)"),
        ("cron(0 9 * * 6L *)", "cron(0 9 ? * 6L *)"),
        ("cron(0 9 1 * * *)", "cron(0 9 1 * ? *)"),
        ("cron(0 9 * * * *)", "cron(0 9 ? * * *)"),
        # Which was meant cannot be told, or nothing rewritten parses:
        ("0 9 ? * 1-5", None),  # Monday to Friday in 5-field cron, Sunday to Thursday in cron()
        ("cron(0 9 1 * MON *)", None),  # the 1st, or Mondays?
        ("cron(0 9 * * 1-5 *)", None),  # a 5-field schedule wrapped (Monday to Friday)?
        ("cron(0 9 * * 2 *)", None),
        ("0 9 ? * ?", None),
        ("cron(0 9 ? * ? *)", None),
        ("0 0 9 * * MON", None),  # seconds first (Quartz): not EventBridge either
        ("0 9 * * 1-5", None),  # valid: nothing to repair
        ("0 61 ? * MON", None),  # the ? is not the only problem
        ("rate(5 minutes", None),
    ],
)
def test_repaired(schedule: str, fixed: str | None) -> None:
    assert repaired(schedule) == fixed
    if fixed is not None:
        parse_schedule(fixed)


def firings(schedule: str, count: int = 40) -> list[datetime]:
    plan, moment, out = parse_schedule(schedule), SUNDAY, []
    for _ in range(count):
        moment = plan.next_fire(moment) or moment + timedelta(days=10_000)
        out.append(moment)
    return out


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("0 9 * * MON-FRI", "cron(0 9 ? * MON-FRI *)"),
        ("0 9 1 * *", "cron(0 9 1 * ? *)"),
        ("0 9 * * *", "cron(0 9 ? * * *)"),
        ("0 9 * * 5", "cron(0 9 ? * 6 *)"),  # Friday, numbered in each syntax's way
    ],
)
def test_the_forms_a_repair_moves_between_fire_at_the_same_times(
    written: str, same_as: str
) -> None:
    assert firings(written) == firings(same_as)


def test_the_fixed_pair_is_valid_to_lint_and_to_sync() -> None:
    assert lint_and_sync((FIXTURES / "cron-schedule.before.yaml").read_text())[0].status == (
        "invalid"
    )
    result, desired = lint_and_sync((FIXTURES / "cron-schedule.after.yaml").read_text())
    assert (result.status, found(result), desired.status) == ("valid", [], "valid")
