"""Budgets and usage against the real server: ``GET /v1/budget``, ``GET /v1/usage``, and the
day/week/month caps of configs and the account, with runs whose command reports their cost.
The server's clock is the test's, so runs land on the days the test picks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentsync.localserver.runners import CommandRunner
from agentsync.localserver.server import LocalServer
from agentsync.localserver.settings import ServerSettings

from .conftest import API_KEY, server_options, wait_for_final

# Reports the cost in its run's metadata; first waits for the file in ``gate``, if given.
AGENT = r"""
import json, os, sys, time
metadata = json.load(sys.stdin)["run"]["metadata"]
while metadata.get("gate") and not os.path.exists(metadata["gate"]):
    time.sleep(0.01)
print(json.dumps({"agentsync_result": {"cost_millicents": int(metadata.get("cost", 0))}}))
"""

MONDAY = datetime(2030, 1, 7, 12, tzinfo=UTC)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


Start = Callable[..., httpx.Client]


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def start(tmp_path: Path, clock: Clock) -> Iterator[Start]:
    """``start(**overrides)``: a server with the cost-reporting agent and the test's clock."""
    with ExitStack() as stack:

        def start_server(**overrides: object) -> httpx.Client:
            settings = {
                "runner": CommandRunner([sys.executable, "-c", AGENT]),
                "clock": clock,
                "cron_interval": None,
                **overrides,
            }
            server = stack.enter_context(LocalServer(server_options(tmp_path, **settings)))
            return stack.enter_context(
                httpx.Client(
                    base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
                )
            )

        yield start_server


def config_yaml(limits: dict[str, float]) -> str:
    lines = "".join(f"  {window}: {value}\n" for window, value in limits.items())
    return (
        "ellipsis:\n  version: v1\n  name: Spender\n"
        "claude:\n  system: Spend a little.\n"
        f"limits:\n{lines}"
    )


def put_config(api: httpx.Client, **limits: float) -> str:
    response = api.put(
        "/v1/sync/configs",
        json={"repository": "acme/app", "path": "agents/spender.yaml", "yaml": config_yaml(limits)},
    )
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def start_run(api: httpx.Client, body: dict[str, Any], cost: int = 0, **metadata: str) -> Any:
    body = {**body, "metadata": {"cost": str(cost), **metadata}}
    return api.post("/v1/agents/runs", json=body)


def spend(api: httpx.Client, body: dict[str, Any], cost: int) -> dict[str, Any]:
    """Start a run that costs ``cost`` millicents, and wait for it."""
    response = start_run(api, body, cost)
    assert response.status_code == 201, response.text
    run = wait_for_final(api, response.json()["id"])
    assert (run["status"], run["cost_tokens"]) == ("completed", cost), run
    return run


INLINE = {"config": {"ellipsis": {"version": "v1", "name": "Inline"}, "claude": {"system": "Go."}}}


# GET /v1/budget ------------------------------------------------------------------------------


def test_budget_without_an_account_budget(start: Start, clock: Clock) -> None:
    api = start()
    clock.moment = datetime(2030, 3, 15, 12, tzinfo=UTC)
    spend(api, INLINE, 1500)
    assert api.get("/v1/budget").json() == {
        "period": "month",
        "window": {"start": "2030-03-01T00:00:00.000000Z", "end": "2030-04-01T00:00:00.000000Z"},
        "budget_usd": 0.0,
        "spent_usd": 0.015,
        "remaining_usd": 0.0,
        "fraction_used": 0.0,
        "limited": False,
        "pause_at_limit": False,
    }


def test_budget_counts_this_month_only(start: Start, clock: Clock) -> None:
    api = start(settings=ServerSettings(account_budget_usd=1.0))
    clock.moment = datetime(2030, 11, 30, 23, 59, 59, 999999, tzinfo=UTC)
    spend(api, INLINE, 70_000)  # last month
    clock.moment = datetime(2030, 12, 1, tzinfo=UTC)  # the first instant of the month counts
    spend(api, INLINE, 20_000)
    clock.moment = datetime(2030, 12, 31, 23, 59, tzinfo=UTC)
    spend(api, INLINE, 5_000)
    assert api.get("/v1/budget").json() == {
        "period": "month",
        "window": {"start": "2030-12-01T00:00:00.000000Z", "end": "2031-01-01T00:00:00.000000Z"},
        "budget_usd": 1.0,
        "spent_usd": 0.25,
        "remaining_usd": 0.75,
        "fraction_used": 0.25,
        "limited": True,
        "pause_at_limit": True,
    }


# GET /v1/usage -------------------------------------------------------------------------------


def test_usage_per_day(start: Start, clock: Clock) -> None:
    api = start()
    clock.moment = MONDAY - timedelta(days=5)
    spend(api, INLINE, 9_000)  # outside the three days asked for
    clock.moment = MONDAY - timedelta(days=2)
    spend(api, INLINE, 1_000)
    spend(api, INLINE, 2_000)
    clock.moment = MONDAY
    spend(api, INLINE, 500)
    usage = api.get("/v1/usage", params={"days": 3}).json()
    assert usage["days"] == [
        {"date": "2030-01-05", "spent_usd": 0.03, "runs": 2},
        {"date": "2030-01-06", "spent_usd": 0.0, "runs": 0},
        {"date": "2030-01-07", "spent_usd": 0.005, "runs": 1},
    ]
    assert usage["total_usd"] == 0.035
    # the platform dashboard's shape, over the same days; the prior period is the 3 days before
    assert (usage["period_start"], usage["period_end"]) == ("2030-01-05", "2030-01-07")
    assert (usage["total_cost_millicents"], usage["prior_total_cost_millicents"]) == (3500, 9000)
    assert [p["cost_tokens_millicents"] for p in usage["daily"]] == [3000, 0, 500]
    assert usage["by_model"] == [
        {
            "model_id": "default",
            "tokens": 0,
            "cost_tokens_millicents": 3500,
            "cost_sandbox_cpu_millicents": 0,
            "cost_sandbox_memory_millicents": 0,
            "cost_fee_millicents": 0,
        }
    ]
    assert api.get("/v1/usage", params={"days": 1}).json()["days"] == [
        {"date": "2030-01-07", "spent_usd": 0.005, "runs": 1}
    ]
    default = api.get("/v1/usage").json()
    assert (len(default["days"]), default["total_usd"]) == (30, 0.125)
    for days in (0, 367, "x"):
        assert api.get("/v1/usage", params={"days": days}).status_code == 422


# config caps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "same_window", "next_window", "phrase"),
    [
        ("day", timedelta(hours=11, minutes=59), timedelta(hours=12), "today"),
        ("week", timedelta(days=6, hours=11), timedelta(days=6, hours=12), "this week"),
        ("month", timedelta(days=24, hours=11), timedelta(days=25, hours=12), "this month"),
    ],
)
def test_a_config_cap_refuses_the_run_that_would_pass_it(
    start: Start,
    clock: Clock,
    window: str,
    same_window: timedelta,
    next_window: timedelta,
    phrase: str,
) -> None:
    api = start()
    config_id = put_config(api, run=0.02, **{window: 0.05})
    body = {"config_id": config_id}
    spend(api, body, 2_000)
    clock.moment = MONDAY + same_window / 2
    spend(api, body, 2_000)
    clock.moment = MONDAY + same_window  # $0.04 spent; a $0.02 run could pass $0.05
    refused = start_run(api, body)
    assert refused.status_code == 402, refused.text
    assert refused.json()["detail"] == (
        f"limits.{window} $0.05 of config {config_id}: $0.04 spent {phrase}, "
        "and this run may cost up to $0.02 (limits.run)"
    )
    clock.moment = MONDAY + next_window  # a new window
    spend(api, body, 2_000)


def test_a_run_at_the_first_instant_of_a_day_counts_for_that_day(
    start: Start, clock: Clock
) -> None:
    api = start()
    config_id = put_config(api, run=0.02, day=0.03)
    clock.moment = datetime(2030, 1, 8, tzinfo=UTC)
    spend(api, {"config_id": config_id}, 2_000)
    clock.moment = datetime(2030, 1, 8, 0, 0, 1, tzinfo=UTC)
    assert start_run(api, {"config_id": config_id}).status_code == 402


def test_a_reached_cap_refuses_even_without_limits_run(start: Start) -> None:
    api = start()
    config_id = put_config(api, day=0.01)
    spend(api, {"config_id": config_id}, 1_000)
    refused = start_run(api, {"config_id": config_id})
    assert refused.status_code == 402
    assert refused.json()["detail"] == (
        f"limits.day $0.01 of config {config_id}: $0.01 spent today"
    )


def test_unfinished_runs_hold_their_limits_run(start: Start, tmp_path: Path) -> None:
    api = start()
    config_id = put_config(api, run=0.02, day=0.05)
    gate = tmp_path / "gate"
    body = {"config_id": config_id}
    held = [start_run(api, body, gate=str(gate)) for _ in range(2)]
    assert [r.status_code for r in held] == [201, 201]
    refused = start_run(api, body)
    assert refused.status_code == 402
    assert refused.json()["detail"] == (
        f"limits.day $0.05 of config {config_id}: $0.00 spent today, $0.04 held by unfinished "
        "runs, and this run may cost up to $0.02 (limits.run)"
    )
    gate.touch()
    for response in held:
        assert wait_for_final(api, response.json()["id"])["status"] == "completed"
    spend(api, body, 0)  # the two cost nothing: their hold is released


def test_a_run_override_cannot_lift_the_config_cap(start: Start) -> None:
    api = start()
    config_id = put_config(api, run=0.02, day=0.04)
    spend(api, {"config_id": config_id}, 2_000)
    spend(api, {"config_id": config_id}, 2_000)
    for override in ("limits:\n  day: 100\n", "limits:\n  run: 0\n  day: 100\n"):
        body = {"config_id": config_id, "config_override_yaml": override}
        refused = start_run(api, body)
        assert refused.status_code == 402, refused.text
        assert refused.json()["detail"].startswith(f"limits.day $0.04 of config {config_id}")


def test_a_replay_is_held_to_the_cap(start: Start) -> None:
    api = start()
    config_id = put_config(api, run=0.02, day=0.03)
    run = spend(api, {"config_id": config_id}, 2_000)
    refused = api.post(f"/v1/agents/runs/{run['id']}/replay", json={})
    assert refused.status_code == 402
    assert "limits.day $0.03" in refused.json()["detail"]


def test_the_account_budget_refuses_runs(start: Start, clock: Clock) -> None:
    api = start(settings=ServerSettings(account_budget_usd=0.03))
    spend(api, INLINE, 2_000)
    spend(api, INLINE, 2_000)
    refused = start_run(api, INLINE)
    assert refused.status_code == 402
    assert refused.json()["detail"] == "the account budget $0.03 per month: $0.04 spent this month"
    budget = api.get("/v1/budget").json()
    assert (budget["remaining_usd"], budget["fraction_used"]) == (0.0, 4 / 3)
    clock.moment = datetime(2030, 2, 1, tzinfo=UTC)
    spend(api, INLINE, 2_000)
