"""Cron triggers against the real server, with time in the test's hands: the server's clock is a
``Clock`` the test moves, and ``server.scheduler.tick()`` does one pass (the background thread
is off, except in the test of the thread itself)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentsync.localserver.scheduler import NEVER
from agentsync.localserver.server import LocalServer

from .conftest import API_KEY, server_options

MONDAY = datetime(2030, 1, 7, tzinfo=UTC)


class Clock:
    """A settable UTC clock."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def at(self, hours: int = 0, minutes: int = 0, seconds: int = 0, days: int = 0) -> None:
        """Set the clock to MONDAY + the given offset."""
        self.moment = MONDAY + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def cron_yaml(*schedules: str, enabled: bool = True, day_limit: float | None = None) -> str:
    triggers = "".join(f'  - type: cron\n    schedule: "{s}"\n' for s in schedules)
    limits = f"limits:\n  day: {day_limit}\n" if day_limit is not None else ""
    return (
        "ellipsis:\n  version: v1\n  name: Nightly audit\n"
        f"enabled: {str(enabled).lower()}\n"
        f"triggers:\n{triggers}"
        "claude:\n  system: Audit the dependencies.\n" + limits
    )


class Plane:
    """One running server of a test, with its client."""

    def __init__(self, server: LocalServer, api: httpx.Client) -> None:
        self.server = server
        self.api = api

    def tick(self) -> list[str]:
        """One scheduler pass; the ids of the runs it started."""
        return [run.id for run in self.server.scheduler.tick()]

    def put(self, yaml: str, path: str = "agents/audit.yaml") -> str:
        response = self.api.put(
            "/v1/sync/configs", json={"repository": "acme/app", "path": path, "yaml": yaml}
        )
        assert response.status_code in (200, 201), response.text
        return str(response.json()["id"])

    def cron_runs(self) -> list[dict[str, Any]]:
        runs = self.api.get("/v1/agents/runs", params={"source": "cron"}).json()["runs"]
        return sorted(runs, key=lambda run: run["created_at"])

    def next_fire(self, config_id: str, schedule: str) -> str | None:
        return self.server.control_plane.store.cron_next_fire(config_id, schedule)


Start = Callable[..., Plane]


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY + timedelta(hours=2))


@pytest.fixture
def start(tmp_path: Path, clock: Clock) -> Iterator[Start]:
    """``start(**overrides)``: a server on the test's database and clock (started again after
    a ``close()``, it is a restart)."""
    with ExitStack() as stack:

        def start_server(**overrides: object) -> Plane:
            settings = {"clock": clock, "cron_interval": None, **overrides}
            server = stack.enter_context(LocalServer(server_options(tmp_path, **settings)))
            api = stack.enter_context(
                httpx.Client(
                    base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
                )
            )
            return Plane(server, api)

        yield start_server


@pytest.fixture
def plane(start: Start) -> Plane:
    return start()


def test_fires_when_due_and_only_then(plane: Plane, clock: Clock) -> None:
    config_id = plane.put(cron_yaml("0 3 * * *"))
    assert plane.tick() == []
    clock.at(hours=2, minutes=59, seconds=59)
    assert plane.tick() == []
    clock.at(hours=3)
    [run_id] = plane.tick()
    assert plane.tick() == []  # the same time again: nothing new
    clock.at(hours=3, minutes=30)
    assert plane.tick() == []
    clock.at(days=1, hours=3, seconds=30)
    [second_id] = plane.tick()

    first, second = plane.cron_runs()
    assert (first["id"], second["id"]) == (run_id, second_id)
    assert first["source"] == "cron"
    assert first["agent_config_id"] == config_id
    assert first["created_at"] == "2030-01-07T03:00:00.000000Z"  # the server's clock
    assert first["metadata"] == {
        "trigger": "cron",
        "schedule": "0 3 * * *",
        "scheduled_for": "2030-01-07T03:00:00.000000Z",
    }
    assert first["config_snapshot"]["ellipsis"]["name"] == "Nightly audit"
    assert plane.next_fire(config_id, "0 3 * * *") == "2030-01-09T03:00:00.000000Z"


def test_a_restart_catches_up_at_most_once(start: Start, clock: Clock) -> None:
    before = start()
    config_id = before.put(cron_yaml("0 3 * * *"))
    before.tick()
    assert before.next_fire(config_id, "0 3 * * *") == "2030-01-07T03:00:00.000000Z"
    before.server.close()

    clock.at(days=3, hours=12)  # down for three days and a half: four fire times missed
    after = start()
    [run_id] = after.tick()
    assert after.tick() == []
    [run] = after.cron_runs()
    assert run["id"] == run_id
    assert run["metadata"]["scheduled_for"] == "2030-01-07T03:00:00.000000Z"  # the first missed
    assert after.next_fire(config_id, "0 3 * * *") == "2030-01-11T03:00:00.000000Z"
    clock.at(days=4, hours=3)
    assert len(after.tick()) == 1


def test_a_restart_never_fires_the_same_time_twice(start: Start, clock: Clock) -> None:
    before = start()
    before.put(cron_yaml("0 3 * * *"))
    before.tick()
    clock.at(hours=3)
    assert len(before.tick()) == 1
    before.server.close()

    clock.at(hours=3, seconds=30)
    after = start()
    assert after.tick() == []
    assert len(after.cron_runs()) == 1


def test_a_disabled_config_stops_firing_and_is_not_caught_up(plane: Plane, clock: Clock) -> None:
    config_id = plane.put(cron_yaml("0 3 * * *"))
    plane.tick()
    plane.put(cron_yaml("0 3 * * *", enabled=False))
    clock.at(hours=3)
    assert plane.tick() == []
    assert plane.next_fire(config_id, "0 3 * * *") is None  # its state is gone

    clock.at(hours=5)
    plane.put(cron_yaml("0 3 * * *"))  # enabled again after the fire time it missed
    assert plane.tick() == []
    assert plane.next_fire(config_id, "0 3 * * *") == "2030-01-08T03:00:00.000000Z"
    clock.at(days=1, hours=3)
    assert len(plane.tick()) == 1


def test_a_deleted_config_stops_firing(plane: Plane, clock: Clock) -> None:
    config_id = plane.put(cron_yaml("0 3 * * *"))
    plane.tick()
    assert plane.api.delete(f"/v1/sync/configs/{config_id}").status_code == 200
    clock.at(hours=3)
    assert plane.tick() == []
    assert plane.server.control_plane.store.cron_entries() == []

    clock.at(hours=4)
    assert plane.api.post(f"/v1/sync/configs/{config_id}/restore").status_code == 200
    assert plane.tick() == []  # restored after 03:00: from the next fire time on
    clock.at(days=1, hours=3)
    assert len(plane.tick()) == 1


def test_an_edited_schedule_replaces_the_old_one(plane: Plane, clock: Clock) -> None:
    config_id = plane.put(cron_yaml("0 3 * * *"))
    plane.tick()
    clock.at(hours=2, minutes=30)
    plane.put(cron_yaml("30 4 * * *"))
    clock.at(hours=3)
    assert plane.tick() == []
    store = plane.server.control_plane.store
    assert [entry[:2] for entry in store.cron_entries()] == [(config_id, "30 4 * * *")]
    clock.at(hours=4, minutes=30)
    assert len(plane.tick()) == 1
    assert plane.cron_runs()[0]["metadata"]["schedule"] == "30 4 * * *"


def test_each_schedule_of_a_config_fires_on_its_own(plane: Plane, clock: Clock) -> None:
    config_id = plane.put(cron_yaml("0 3 * * *", "rate(30 minutes)"))
    assert plane.tick() == []
    clock.at(hours=2, minutes=30)
    assert len(plane.tick()) == 1
    clock.at(hours=3)
    assert len(plane.tick()) == 2
    schedules = sorted(run["metadata"]["schedule"] for run in plane.cron_runs())
    assert schedules == ["0 3 * * *", "rate(30 minutes)", "rate(30 minutes)"]
    assert plane.next_fire(config_id, "rate(30 minutes)") == "2030-01-07T03:30:00.000000Z"


def test_a_schedule_starts_when_its_config_is_saved(plane: Plane, clock: Clock) -> None:
    clock.at(hours=2, minutes=59, seconds=50)
    saved_before = plane.put(cron_yaml("0 3 * * *"), path="agents/before.yaml")
    clock.at(hours=3, seconds=5)
    saved_after = plane.put(cron_yaml("0 3 * * *"), path="agents/after.yaml")
    clock.at(hours=3, seconds=10)  # the first tick to see either config
    [run_id] = plane.tick()
    [run] = plane.cron_runs()
    assert (run["id"], run["agent_config_id"]) == (run_id, saved_before)
    assert plane.next_fire(saved_after, "0 3 * * *") == "2030-01-08T03:00:00.000000Z"


def test_a_one_time_schedule_fires_once(start: Start, clock: Clock) -> None:
    plane = start()
    config_id = plane.put(cron_yaml("at(2030-01-07T03:00:00)"))
    plane.tick()
    clock.at(hours=3)
    assert len(plane.tick()) == 1
    assert plane.next_fire(config_id, "at(2030-01-07T03:00:00)") == NEVER
    clock.at(hours=3, seconds=20)
    assert plane.tick() == []
    plane.server.close()
    assert start().tick() == []


def test_a_run_refused_by_a_budget_is_skipped(plane: Plane, clock: Clock) -> None:
    config_id = plane.put(cron_yaml("0 3 * * *", day_limit=0))
    plane.tick()
    clock.at(hours=3)
    assert plane.tick() == []  # refused (402), logged, and the schedule goes on
    assert plane.cron_runs() == []
    assert plane.next_fire(config_id, "0 3 * * *") == "2030-01-08T03:00:00.000000Z"


def test_the_clock_must_be_timezone_aware(plane: Plane, clock: Clock) -> None:
    clock.moment = datetime(2030, 1, 7, 3)
    with pytest.raises(ValueError, match="timezone-aware"):
        plane.tick()


def test_the_server_runs_the_scheduler_in_a_thread_and_stops_it(start: Start, clock: Clock) -> None:
    plane = start(cron_interval=0.02)
    assert plane.server.scheduler.running
    plane.put(cron_yaml("0 3 * * *"))
    clock.at(hours=3, seconds=1)
    deadline = time.monotonic() + 10
    while not plane.cron_runs():  # the thread's tick, not ours
        assert time.monotonic() < deadline, "the scheduler thread did not fire"
        time.sleep(0.02)
    time.sleep(0.1)  # a few more ticks of the thread at the same time
    assert len(plane.cron_runs()) == 1
    plane.server.close()
    assert not plane.server.scheduler.running
