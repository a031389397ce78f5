"""Riding out a failing service database: the longest pause between tries (the pauses grow
with :func:`agentsync.http.backoff.backoff_delay`, never under the first one), and logs that say
when something started failing and when it worked again, not every try in between.

An :class:`Outage` is one thing that fails and recovers (the service database as a process's
workers and their heartbeats see it; a store's job notifications). Its first failure is one
line at its level (a message, no traceback: a database that cannot be reached is not a bug);
the failures after it are DEBUG lines; the first success after them is one WARNING line that
says how long it was down. Several threads may share one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from agentsync.shorten import one_line

OUTAGE_BACKOFF_CAP = 5.0  # seconds: the longest pause between tries of a failing database


class Outage:
    """Logs through ``logger`` when ``subject`` starts failing (``"<failing>: <reason>"`` at
    ``level``) and when it works again (``"<recovered> after 12.3s"``)."""

    def __init__(
        self, logger: logging.Logger, *, failing: str, recovered: str, level: int = logging.ERROR
    ) -> None:
        self.logger = logger
        self.failing, self.recovered, self.level = failing, recovered, level
        self._lock = threading.Lock()
        self._since: float | None = None  # monotonic time of the first failure in a row
        self._failures = 0

    def failed(self, reason: object, extra: Mapping[str, object] | None = None) -> None:
        """One more failure: logged at ``level`` if it is the first since the last success."""
        with self._lock:
            first = self._since is None
            if first:
                self._since = time.monotonic()
            self._failures += 1
            failures = self._failures
        text = one_line(reason)
        fields = {**(extra or {}), "error": text}
        if first:
            self.logger.log(self.level, f"{self.failing}: {text}", extra=fields)
        else:
            self.logger.debug(f"{self.failing}: {text} ({failures} in a row)", extra=fields)

    def succeeded(self, extra: Mapping[str, object] | None = None) -> None:
        """It worked: logged (with how long it was down) if it had been failing."""
        if self._since is None:  # the common case: no lock taken
            return
        with self._lock:
            if self._since is None:
                return
            down, failures = time.monotonic() - self._since, self._failures
            self._since, self._failures = None, 0
        self.logger.warning(
            f"{self.recovered} after {down:.1f}s ({failures} failed tries)",
            extra={**(extra or {}), "duration_ms": round(down * 1000)},
        )
