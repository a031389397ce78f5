"""Threads (their API reference): ``POST /v1/threads/{thread_id}/runs`` -> ``{run_id, trace_id}``;
``GET /v1/runs`` (``limit``, ``before`` cursor, ``status``), ``GET /v1/runs/{run_id}``,
``POST /v1/runs/{run_id}:cancel``, ``POST /v1/runs/{run_id}/input`` (at most 32 KB) and the
server-sent events of ``GET /v1/runs/{run_id}/events``, resumed with ``after_seq``.

Usage (tokens, cost) comes only with the global list's items: the detail has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, get_args

from agentsync.client.calls import segment
from agentsync.client.follow import stream_event, stream_frame
from agentsync.http.retry import retryable
from agentsync.platform_statuses import ThreadStatus
from agentsync.platforms.base import Http, an_array, an_object, expect_ok, reading
from agentsync.platforms.base import page_size as page_size_for
from agentsync.platforms.errors import InvalidInput, PlatformError, PlatformHTTPError
from agentsync.platforms.model import (
    Event,
    NormalizedRun,
    Platform,
    normalize,
    present,
)

USAGE = (
    "total_input_tokens",
    "total_output_tokens",
    "total_cost_usd",
    "duration_ms",
    "cache_hit_rate",
    "credits_used",
)
CREATOR = ("created_by_user_id", "created_by_user_name", "created_by_email")
MAX_INPUT_BYTES = 32 * 1024
MAX_PAGE = 1000  # the local control plane's bound: the API reference gives none
FILTERS = ("status", "thread_id")
STATUSES = get_args(ThreadStatus)
FINAL_EVENTS = frozenset({"run.completed", "run.failed", "run.cancelled"})
EVENT_TYPES = (  # the API reference's primary event types; others are passed through as they come
    "run.started",
    "message.delta",
    "tool.call",
    "tool.result",
    "run.waiting_for_input",
    "run.completed",
    "run.failed",
    "run.cancelled",
)
PERSONA = re.compile(r"[^@\s]+@[^@\s]+")  # persona_key@version


@reading("threads", "a run")
def to_normalized(data: Mapping[str, Any]) -> NormalizedRun:
    """A run from the detail or a list item (the global list's items also carry cost, tokens,
    duration and times); a ``PlatformError`` for anything else."""
    data = an_object(data)
    status = data["status"]
    tokens = data.get("total_input_tokens")
    if tokens is not None:
        tokens += data.get("total_output_tokens") or 0
    return NormalizedRun(
        id=data["run_id"],
        platform="threads",
        status=normalize("threads", status),
        native_status=status,
        created_at=data.get("created_at"),
        completed_at=data.get("completed_at") or data.get("failed_at"),
        cost_usd=data.get("total_cost_usd"),
        tokens=tokens,
        links=present(data, ("thread_id", "trace_id", "org_id", "persona_id", "model")),
        native=present(data, USAGE + CREATOR),
    )


def _id(run_id: str) -> str:
    if not run_id:
        raise InvalidInput("a run id is required")
    return segment(run_id)


class ThreadsAdapter:
    platform: Platform = "threads"

    def __init__(self, http: Http) -> None:
        self.http = http

    def start(
        self, thread_id: str, *, route_id: str | None = None, persona_id: str | None = None
    ) -> NormalizedRun:
        if not thread_id:
            raise InvalidInput("a thread id is required")
        for name, value in (("route_id", route_id), ("persona_id", persona_id)):
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"{name} must be a string")
        if persona_id and not PERSONA.fullmatch(persona_id):
            raise InvalidInput(
                f"persona_id must be persona_key@version (e.g. coder@2), got {persona_id!r}"
            )
        body = {k: v for k, v in (("route_id", route_id), ("persona_id", persona_id)) if v}
        created = self.http.call("POST", f"/v1/threads/{segment(thread_id)}/runs", json=body)
        with reading("threads", "the created run"):
            run_id, trace_id = an_object(created)["run_id"], created["trace_id"]
            if not isinstance(run_id, str) or not run_id:
                raise TypeError(f"run_id is {run_id!r}, not an id")
        run = self.get(run_id)
        if trace_id and "trace_id" not in run.links:  # the create's answer has it for sure
            run = run.model_copy(update={"links": {**run.links, "trace_id": trace_id}})
        return run

    def get(self, run_id: str) -> NormalizedRun:
        return to_normalized(self.http.call("GET", f"/v1/runs/{_id(run_id)}"))

    def list(
        self, *, limit: int = 100, page_size: int | None = None, **filters: Any
    ) -> Iterator[NormalizedRun]:
        """Newest first. Filters: ``status``, and ``thread_id`` (one page of that thread: the
        API reference gives its list no cursor)."""
        size = page_size_for(page_size, limit, MAX_PAGE)
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise InvalidInput(f"unknown filters for thread runs: {', '.join(unknown)}")
        status, thread_id = filters.get("status"), filters.get("thread_id")
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        if limit < 1:
            return
        if thread_id is not None:
            path = f"/v1/threads/{segment(thread_id)}/runs"
            items = self.http.call("GET", path, params={"limit": limit})
            with reading("threads", "a thread's runs"):
                runs = [
                    to_normalized({**an_object(item), "thread_id": thread_id})
                    for item in an_array(items)
                ]
            yield from [r for r in runs if status is None or r.native_status == status][:limit]
            return
        before: str | None = None
        left = limit
        while left > 0:
            asked = min(left, size)
            params = {"limit": asked, "before": before, "status": status}
            page = self.http.call("GET", "/v1/runs", params=params)
            with reading("threads", "a list of runs"):
                runs = [to_normalized(item) for item in an_array(page)]
            for run in runs[:left]:
                yield run
                left -= 1
            if len(runs) < asked:
                return
            before = runs[-1].id

    def cancel(self, run_id: str) -> NormalizedRun:
        answer = self.http.call("POST", f"/v1/runs/{_id(run_id)}:cancel")
        expect_ok("threads", f"the cancel of run {run_id}", answer)
        return self.get(run_id)

    def events(self, run_id: str, after_seq: int = 0) -> Iterator[Event]:
        """The run's events after ``after_seq``, live, until its final event. A dropped
        connection (or a 429/5xx) is resumed from the last ``seq`` seen, with the retry policy's
        backoff, at most ``max_retries`` times in a row without a new event."""
        path = f"/v1/runs/{_id(run_id)}/events"
        seq, failures = after_seq, 0
        while True:
            try:
                for data in self.http.sse(path, {"after_seq": seq}):
                    event = stream_event(stream_frame(data, PlatformError), Event, PlatformError)
                    if event is None or event.seq <= seq:
                        continue
                    seq, failures = event.seq, 0
                    yield event
                    if event.type in FINAL_EVENTS:
                        return
                if self.get(run_id).final:  # ended without its final event: nothing more
                    return
            except PlatformHTTPError as error:
                if error.status and not retryable(error.status):
                    raise
            failures += 1
            if failures > self.http.policy.max_retries:
                raise PlatformHTTPError(
                    0, f"the event stream of run {run_id} broke {failures} times in a row"
                )
            self.http.policy.pause(failures)

    def send_input(self, run_id: str, content: str) -> None:
        """Answer a run that is ``waiting_for_input``: the content (at most 32 KB of UTF-8) is
        checked, then the run's status (one ``GET``), and only then is the content sent."""
        if not isinstance(content, str):
            raise InvalidInput("input content must be text")
        try:
            size = len(content.encode("utf-8"))
        except UnicodeEncodeError:
            raise InvalidInput("input content is not valid UTF-8 text") from None
        if size > MAX_INPUT_BYTES:
            raise InvalidInput(f"input is {size} bytes; the limit is {MAX_INPUT_BYTES} (32 KB)")
        run = self.get(run_id)
        if run.native_status != "waiting_for_input":
            raise PlatformError(
                f"run {run_id} is {run.native_status}, not waiting_for_input: input not sent"
            )
        answer = self.http.call("POST", f"/v1/runs/{_id(run_id)}/input", json={"content": content})
        expect_ok("threads", f"the input to run {run_id}", answer)
