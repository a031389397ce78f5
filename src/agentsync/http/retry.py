"""The one retry policy of agentsync's HTTP calls (the control-plane client, the platform
adapters).

A :class:`RetryPolicy` (built on tenacity) retries an attempt that raises :class:`RetryLater`:
connection errors, 429 and 5xx (``retryable``), at most ``max_retries`` times, after the
server's ``Retry-After`` if it sent one, else after the full-jitter ``backoff_delay``
(:mod:`.backoff`); a ``Retry-After`` longer than ``max_retry_after`` gives up at once. Once an
attempt may have taken effect (the request was sent but its answer lost), ``recover`` runs
before each retry and a result from it ends the call: it finds what the lost attempt created.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import tenacity

from agentsync.http.backoff import backoff_delay
from agentsync.plural import plural

T = TypeVar("T")

RETRY_BASE, RETRY_CAP = 0.5, 8.0  # seconds: an HTTP call's backoff


def retryable(status: int) -> bool:
    """Whether an answer with this status is worth another attempt (429 and 5xx)."""
    return status == 429 or status >= 500


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class RetryLater(Exception):
    """An attempt failed in a way worth another: ``failure`` is the error to raise if it was
    the last; ``retry_after`` the server's wish; ``maybe_applied`` whether the request may
    have reached the server (so ``recover`` should look for its effect first);
    ``max_attempts`` caps the attempts for this kind of failure (a refused connection: nothing
    listens, so one quick retry covers a restart and more only keeps the user waiting)."""

    def __init__(
        self,
        failure: Exception,
        *,
        retry_after: float | None = None,
        maybe_applied: bool = False,
        max_attempts: int | None = None,
    ) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied
        self.max_attempts = max_attempts  # fewer attempts than the policy's, for this failure


def _attempts_for(state: tenacity.RetryCallState, attempts: int) -> int:
    """The attempts the last failure allows: the policy's, or fewer if it says so."""
    cap = _later(state).max_attempts
    return attempts if cap is None else min(attempts, cap)


class _StopAfter(tenacity.stop.stop_base):
    """Stop after the attempts the policy allows, or the fewer the last failure allows."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        return state.attempt_number >= _attempts_for(state, self.attempts)


def _the_failure(failure: Exception, why: str) -> Exception:
    return failure


@dataclass
class RetryPolicy:
    """How many times, and after how long, a failed HTTP call is tried again."""

    max_retries: int = 4
    max_retry_after: float = 60.0  # seconds: a server asking for longer gets no retry
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds before the retry after ``failures`` failed attempts: ``retry_after`` (the
        server's wish) if there is one, else ``backoff_delay``."""
        if retry_after is not None:
            return retry_after
        return backoff_delay(failures, RETRY_BASE, RETRY_CAP, self.rng)

    def pause(self, failures: int) -> None:
        """Wait before the retry after ``failures`` failed attempts."""
        self.sleep(self.delay(failures))

    def call(
        self,
        attempt: Callable[[], T],
        *,
        retry: bool = True,
        recover: Callable[[], T | None] | None = None,
        give_up: Callable[[Exception, str], Exception] = _the_failure,
    ) -> T:
        """``attempt()``'s result, trying again while it raises ``RetryLater`` (not at all
        unless ``retry``: then its failure is raised as it is). When the policy gives up, it
        raises ``give_up(failure, why)``, where ``why`` is ``"gave up after N attempts"`` or
        ``"gave up: the server asks to wait Ns"``."""
        maybe_applied = False

        def once() -> T:
            nonlocal maybe_applied
            if maybe_applied and recover is not None:
                found = recover()
                if found is not None:
                    return found
            try:
                return attempt()
            except RetryLater as later:
                maybe_applied = maybe_applied or later.maybe_applied
                raise

        attempts = self.max_retries + 1 if retry else 1

        def wait(state: tenacity.RetryCallState) -> float:
            return self.delay(state.attempt_number, _later(state).retry_after)

        def gave_up(state: tenacity.RetryCallState) -> T:
            if not retry:  # one attempt, as asked: its failure as it is
                raise _later(state).failure
            if state.attempt_number >= _attempts_for(state, attempts):
                why = f"gave up after {plural(state.attempt_number, 'attempt')}"
            else:
                why = f"gave up: the server asks to wait {state.upcoming_sleep:.0f}s"
            raise give_up(_later(state).failure, why)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(RetryLater),
            wait=wait,
            stop=_StopAfter(attempts) | _WaitsLongerThan(self.max_retry_after),
            sleep=self.sleep,
            retry_error_callback=gave_up,
        )
        return retrying(once)


class _WaitsLongerThan(tenacity.stop.stop_base):
    """Stop when the next wait (the server's ``Retry-After``) would be longer than ``limit``."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        return state.upcoming_sleep > self.limit


def _later(state: tenacity.RetryCallState) -> RetryLater:
    error = state.outcome.exception() if state.outcome is not None else None
    assert isinstance(error, RetryLater)  # the only exception tenacity retries
    return error
