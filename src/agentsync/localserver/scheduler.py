"""Cron triggers: enabled, non-deleted configs with ``type: cron`` triggers start runs with
``source: cron`` when their schedule comes due (UTC).

``CronScheduler.tick()`` does one pass at the time its ``now`` clock gives; ``start()`` runs a
background thread that ticks every ``interval`` seconds until ``stop()``. Tests inject the clock
and call ``tick()`` themselves, so no test waits for real time.

The state is one row per ``(config_id, schedule)`` in the store: when that schedule fires next.
Keying by the schedule's text makes an edit a new schedule, and every tick drops the rows of
schedules no longer in force (config deleted or disabled, trigger edited or removed).

Rules, all checked by ``tests/localserver/test_cron.py``:

- **At most once.** The next fire time is stored *before* the run is started, so a crash or a
  restart never fires one due time twice (at the cost of losing that run on a crash between).
- **At most one catch-up run.** A schedule whose stored fire time has passed (the server was
  down, or the clock jumped) fires once, for the earliest missed time, and then moves on to the
  first fire time after now: missed runs never come in a burst.
- **A schedule starts when its config is saved.** A schedule without state (new, edited, or
  enabled again) takes its first fire time after the config's ``updated_at``, looking back no
  more than ``LOOKBACK`` from now: a time that comes due between the save and the next tick
  still fires, and a disabled period is not caught up.
- **Refusals do not stop the schedule.** A run refused by a budget (402) is logged and skipped;
  the schedule goes on.
- A schedule that will never fire again (a past ``at(...)``) keeps its row, marked ``never``,
  so that it cannot fire twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from agentsync.client.errors import ControlPlaneError
from agentsync.client.records import AgentConfigRecord, Run
from agentsync.config.schedule import Schedule, ScheduleError, parse_schedule
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.store import ConfigQuery

logger = logging.getLogger(__name__)

LOOKBACK = timedelta(minutes=1)
NEVER = "never"
_PAGE = 500


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def cron_schedules(record: AgentConfigRecord) -> list[str]:
    """The distinct schedules of a config's cron triggers, in order."""
    schedules: list[str] = []
    for trigger in record.agent_config.get("triggers") or []:
        schedule = trigger.get("schedule")
        is_cron = trigger.get("type") == "cron" and isinstance(schedule, str)
        if is_cron and schedule not in schedules:
            schedules.append(schedule)
    return schedules


class CronScheduler:
    """Fires the cron triggers of a ``ControlPlane``'s configs."""

    def __init__(
        self,
        control_plane: ControlPlane,
        *,
        now: Callable[[], datetime] | None = None,
        interval: float = 1.0,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.control_plane = control_plane
        self.now: Callable[[], datetime] = now or control_plane.clock
        self.interval = interval
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # the pass -----------------------------------------------------------------------------

    def tick(self) -> list[Run]:
        """Fire every schedule that is due now; return the runs started."""
        with self._lock:
            moment = self.now()
            if moment.utcoffset() is None:
                raise ValueError(f"the clock must give timezone-aware times, got {moment!r}")
            store = self.control_plane.store
            in_force = dict(self._in_force())
            stored = {(c, s): at for c, s, at in store.cron_entries()}
            for config_id, text in stored.keys() - in_force.keys():
                store.forget_cron_schedule(config_id, text)
            started: list[Run] = []
            for (config_id, text), (record, schedule) in in_force.items():
                state = stored.get((config_id, text))
                if state == NEVER:
                    continue
                if state is not None:
                    due: datetime | None = datetime.fromisoformat(state)
                else:
                    due = schedule.next_fire(self._anchor(record, moment))
                if due is None or due > moment:
                    self._plan(config_id, text, due, state)
                    continue
                self._plan(config_id, text, schedule.next_fire(moment), state)
                run = self._fire(config_id, text, due)
                if run is not None:
                    started.append(run)
            return started

    def _in_force(self) -> Iterator[tuple[tuple[str, str], tuple[AgentConfigRecord, Schedule]]]:
        """``((config_id, schedule text), (config, schedule))`` of every schedule in force."""
        after: str | None = None
        while True:
            page = self.control_plane.store.list_configs(ConfigQuery(after_id=after, limit=_PAGE))
            for record in page:
                if record.deleted or not record.enabled:
                    continue
                for text in cron_schedules(record):
                    try:
                        schedule = parse_schedule(text)
                    except ScheduleError as error:  # stored configs were validated
                        logger.warning("config %s: bad schedule %r: %s", record.id, text, error)
                        continue
                    yield (record.id, text), (record, schedule)
            if len(page) < _PAGE:
                return
            after = page[-1].id

    @staticmethod
    def _anchor(record: AgentConfigRecord, moment: datetime) -> datetime:
        """Where a schedule without state starts: the config's save, at most LOOKBACK ago."""
        saved = datetime.fromisoformat(record.updated_at)
        return min(max(saved, moment - LOOKBACK), moment)

    def _plan(self, config_id: str, schedule: str, due: datetime | None, state: str | None) -> None:
        value = NEVER if due is None else _stamp(due)
        if value != state:
            self.control_plane.store.set_cron_next_fire(config_id, schedule, value)

    def _fire(self, config_id: str, schedule: str, due: datetime) -> Run | None:
        try:
            run = self.control_plane.runs.start_cron(config_id, schedule, due)
        except ControlPlaneError as error:
            logger.warning("cron run of config %s (%s) refused: %s", config_id, schedule, error)
            return None
        except Exception:  # one config's failure must not stop the others
            logger.exception("cron run of config %s (%s) failed to start", config_id, schedule)
            return None
        logger.info("cron run %s of config %s (%s)", run.id, config_id, schedule)
        return run

    # the background thread ----------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> CronScheduler:
        """Tick now and then every ``interval`` seconds, in a daemon thread."""
        if self._thread is not None:
            raise RuntimeError("the scheduler is already running")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="cron", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (a tick under way finishes first)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:  # the loop outlives a bad tick
                logger.exception("cron tick failed")
            self._stopping.wait(self.interval)
