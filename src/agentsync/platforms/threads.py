"""Threads (seed 003): ``POST /v1/threads/{thread_id}/runs`` -> ``{run_id, trace_id}``;
``GET /v1/runs`` (``limit``, ``before`` cursor, ``status``), ``GET /v1/runs/{run_id}``,
``POST /v1/runs/{run_id}:cancel`` and ``POST /v1/runs/{run_id}/input`` (at most 32 KB).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, get_args
from urllib.parse import quote

from agentsync.platforms.base import Http
from agentsync.platforms.errors import InvalidInput
from agentsync.platforms.model import NormalizedRun, Platform, ThreadStatus, normalize

MAX_INPUT_BYTES = 32 * 1024
PAGE_SIZE = 100
STATUSES = get_args(ThreadStatus)


def to_normalized(data: Mapping[str, Any]) -> NormalizedRun:
    """A run from the detail or a list item (list items carry cost, tokens and times)."""
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
        links={
            k: data[k]
            for k in ("thread_id", "trace_id", "org_id", "persona_id", "model")
            if data.get(k) is not None
        },
    )


def _id(run_id: str) -> str:
    if not run_id:
        raise InvalidInput("a run id is required")
    return quote(run_id, safe="")


class ThreadsAdapter:
    platform: Platform = "threads"

    def __init__(self, http: Http) -> None:
        self.http = http

    def start(
        self, thread_id: str, *, route_id: str | None = None, persona_id: str | None = None
    ) -> NormalizedRun:
        if not thread_id:
            raise InvalidInput("a thread id is required")
        body = {k: v for k, v in (("route_id", route_id), ("persona_id", persona_id)) if v}
        created = self.http.call("POST", f"/v1/threads/{quote(thread_id, safe='')}/runs", json=body)
        return self.get(created["run_id"])

    def get(self, run_id: str) -> NormalizedRun:
        return to_normalized(self.http.call("GET", f"/v1/runs/{_id(run_id)}", retry=True))

    def list(self, *, limit: int = 100, **filters: Any) -> Iterator[NormalizedRun]:
        """Newest first. Filters: ``status``, and ``thread_id`` (one page of that thread: the
        seed gives its list no cursor)."""
        unknown = sorted(set(filters) - {"status", "thread_id"})
        if unknown:
            raise InvalidInput(f"unknown filters for thread runs: {', '.join(unknown)}")
        status, thread_id = filters.get("status"), filters.get("thread_id")
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        if limit < 1:
            return
        if thread_id is not None:
            path = f"/v1/threads/{quote(thread_id, safe='')}/runs"
            for item in self.http.call("GET", path, params={"limit": limit}, retry=True):
                if status is None or item["status"] == status:
                    yield to_normalized({**item, "thread_id": thread_id})
            return
        before: str | None = None
        left = limit
        while left > 0:
            size = min(left, PAGE_SIZE)
            params = {"limit": size, "before": before, "status": status}
            page = self.http.call("GET", "/v1/runs", params=params, retry=True)
            for item in page[:left]:
                yield to_normalized(item)
                left -= 1
            if len(page) < size:
                return
            before = page[-1]["run_id"]

    def cancel(self, run_id: str) -> NormalizedRun:
        self.http.call("POST", f"/v1/runs/{_id(run_id)}:cancel")
        return self.get(run_id)

    def send_input(self, run_id: str, content: str) -> None:
        """Answer a run that is ``waiting_for_input``."""
        size = len(content.encode("utf-8", "surrogatepass"))
        if size > MAX_INPUT_BYTES:
            raise InvalidInput(f"input is {size} bytes; the limit is {MAX_INPUT_BYTES} (32 KB)")
        self.http.call("POST", f"/v1/runs/{_id(run_id)}/input", json={"content": content})
