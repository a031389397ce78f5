"""Ambient agents, as their API reference documents them: ``POST /agent/run`` ->
``{run_id, state}``, ``GET /agent/runs`` (``limit`` 1-500, ``cursor``, filters, newest first)
and ``GET /agent/runs/{runId}``.

The API reference has no cancel: ``cancel`` raises ``Unsupported``. The list's response body is
not in it either; this adapter reads
``{"runs": [...], "page_info": {"has_next_page", "next_cursor"}}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from agentsync.client.calls import segment
from agentsync.platforms.base import Http, an_object, next_cursor, reading
from agentsync.platforms.base import page_size as page_size_for
from agentsync.platforms.errors import InvalidInput, Unsupported
from agentsync.platforms.model import NormalizedRun, Platform, normalize, present

MAX_PAGE = 500
SOURCES = ("LINEAR", "API", "SLACK", "LOCAL", "SCHEDULED_AGENT")
FILTERS = ("config_name", "model_id", "creator", "source", "created_after", "created_before")


@reading("ambient", "a run")
def to_normalized(data: Mapping[str, Any]) -> NormalizedRun:
    """A run as the API reference's detail shows it; a ``PlatformError`` for anything else."""
    data = an_object(data)
    return NormalizedRun(
        id=data["run_id"],
        platform="ambient",
        status=normalize("ambient", data["state"]),
        native_status=data["state"],
        created_at=data.get("created_at"),
        started_at=data.get("started_at"),
        links=present(data, ("title", "source", "session_id", "session_link")),
        native=present(data, ("prompt", "updated_at")),
    )


def parse_rfc3339(value: str | datetime, name: str) -> datetime:
    """An RFC 3339 date-time (with a time and an offset), or a datetime with a time zone."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or len(value) <= 10:
            raise InvalidInput(f"{name}: not an RFC 3339 date-time: {value!r}")
        value = moment
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{name} must be an RFC 3339 date-time with an offset, e.g. Z")
    return value


def _params(filters: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise InvalidInput(f"unknown filters for ambient runs: {', '.join(unknown)}")
    params: dict[str, Any] = {}
    for name, value in filters.items():
        if value is None:
            continue
        if not isinstance(value, str | datetime) or value == "":
            raise InvalidInput(f"{name} must be a non-empty string")
        if name == "source" and value not in SOURCES:
            raise InvalidInput(f"source must be one of {', '.join(SOURCES)}, got {value!r}")
        if name.startswith("created_"):
            value = parse_rfc3339(value, name).isoformat()
        params[name] = value
    return params


class AmbientAdapter:
    platform: Platform = "ambient"

    def __init__(self, http: Http) -> None:
        self.http = http

    def start(self, prompt: str, *, title: str | None = None, team: bool = False) -> NormalizedRun:
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvalidInput("a prompt is required")
        if title is not None and not isinstance(title, str):
            raise InvalidInput("title must be a string")
        if not isinstance(team, bool):
            raise InvalidInput("team must be true or false")
        body: dict[str, Any] = {"prompt": prompt, "team": team}
        if title is not None:
            body["title"] = title
        created = self.http.call("POST", "/agent/run", json=body)
        with reading("ambient", "the created run"):
            run_id = an_object(created)["run_id"]
            normalize("ambient", created["state"])
            if not isinstance(run_id, str) or not run_id:
                raise TypeError(f"run_id is {run_id!r}, not an id")
        return self.get(run_id)

    def get(self, run_id: str) -> NormalizedRun:
        if not run_id:
            raise InvalidInput("a run id is required")
        return to_normalized(self.http.call("GET", f"/agent/runs/{segment(run_id)}"))

    def list(
        self, *, limit: int = 100, page_size: int | None = None, **filters: Any
    ) -> Iterator[NormalizedRun]:
        size = page_size_for(page_size, limit, MAX_PAGE)
        params = _params(filters)
        cursor: str | None = None
        seen: set[str] = set()
        left = limit
        while left > 0:
            page = self.http.call(
                "GET", "/agent/runs", params={**params, "limit": min(left, size), "cursor": cursor}
            )
            with reading("ambient", "a list of runs"):
                page = an_object(page)
                runs = [to_normalized(item) for item in page["runs"]]
                info = page.get("page_info") or {}
                more, sent = bool(info.get("has_next_page")), info.get("next_cursor")
            for run in runs[:left]:
                yield run
                left -= 1
            cursor = next_cursor("ambient", sent, seen, not runs) if more and left else None
            if cursor is None:
                return

    def cancel(self, run_id: str) -> NormalizedRun:
        raise Unsupported("the ambient agents API has no cancel")
