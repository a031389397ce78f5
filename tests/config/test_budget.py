"""A config's spending bounds as the lint rules and the sync preview both read them."""

from __future__ import annotations

from typing import Any

import pytest

from agentsync.config.budget import cron_schedules, fires_per_day, limit


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"day": 20}, 20.0),
        ({"day": 0}, 0.0),
        ({"day": -5}, None),  # invalid-value reports it; it bounds nothing
        ({"day": "20"}, None),
        ({"day": True}, None),
        ({"day": float("inf")}, None),
        ({}, None),
        ("day: 20", None),
    ],
)
def test_a_limit_is_a_usable_amount_or_none(limits: Any, expected: float | None) -> None:
    assert limit({"limits": limits}, "day") == expected


def test_no_config_has_no_limit() -> None:
    assert limit(None, "run") is None


def test_cron_schedules_are_the_cron_triggers_string_schedules_with_their_place() -> None:
    config = {
        "triggers": [
            {"type": "cron", "schedule": "0 9 * * *"},
            "not a trigger",
            {"type": "react", "events": []},
            {"type": "cron", "schedule": 5},
            {"type": "cron", "schedule": "@hourly"},
        ]
    }
    assert list(cron_schedules(config)) == [(0, "0 9 * * *"), (4, "@hourly")]
    assert list(cron_schedules({"triggers": "cron"})) == []


def test_fires_per_day_counts_at_most_and_none_for_a_schedule_that_does_not_parse() -> None:
    assert fires_per_day("0 9 * * *") == 1
    assert fires_per_day("@hourly") == 24
    assert fires_per_day("61 * * * *") is None
