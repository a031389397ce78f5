"""Ellipsis, as the platform's runs guide documents it: ``/v1/agents/runs`` through the control
plane's ``Client``, behind the same ``Adapter`` protocol as the other platforms.

The client already owns the calls, retries, idempotency and the WebSocket stream (resumed with
``after_seq``); this adapter maps its records onto ``NormalizedRun``/``Event`` and pages the
list, which has no cursor: each page asks for runs created at or before the last one seen
(``end``) and skips those already yielded at that instant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from agentsync.client.api import Client
from agentsync.client.records import FINAL_STATUSES, Run
from agentsync.config.money import MILLICENTS_PER_USD
from agentsync.platforms.base import page_size as page_size_for
from agentsync.platforms.errors import InvalidInput, PlatformError
from agentsync.platforms.model import Event, NormalizedRun, Platform, normalize, present

MAX_PAGE = 1000  # the server clamps larger limits
SOURCES = ("react", "manual", "api", "cli", "mention", "cron")
FILTERS = ("config_id", "sources", "days", "start", "end")
NATIVE = (  # in millicents, like the record
    "updated_at",
    "prompt",
    "structured_output",
    "cost_tokens",
    "cost_sandbox_cpu",
    "cost_sandbox_memory",
    "cost_fee",
)


def to_normalized(run: Run) -> NormalizedRun:
    status = normalize("ellipsis", run.status)
    links: dict[str, Any] = {"source": run.source}
    if run.agent_config_id:
        links["config_id"] = run.agent_config_id
    if run.metadata:
        links["metadata"] = dict(run.metadata)
    return NormalizedRun(
        id=run.id,
        platform="ellipsis",
        status=status,
        native_status=run.status,
        created_at=run.created_at,
        completed_at=run.updated_at if run.status in FINAL_STATUSES else None,
        cost_usd=run.cost_millicents / MILLICENTS_PER_USD,
        tokens=run.tokens_total,
        output=run.output,
        failure_reason=run.status_reason if status != "succeeded" else None,
        links=links,
        native=present(run.model_dump(), NATIVE),
    )


class EllipsisAdapter:
    """Ellipsis runs, over a ``Client`` the caller owns."""

    platform: Platform = "ellipsis"

    def __init__(self, client: Client) -> None:
        self.client = client

    def start(
        self,
        *,
        config_id: str | None = None,
        config: Mapping[str, Any] | None = None,
        template_id: str | None = None,
        prompt: str | None = None,
        metadata: Mapping[str, str] | None = None,
        config_override_yaml: str | None = None,
    ) -> NormalizedRun:
        if sum(x is not None for x in (config_id, config, template_id)) != 1:
            raise InvalidInput("give exactly one of a config id, a config or a template")
        run = self.client.start_run(
            config_id=config_id,
            config=config,
            template_id=template_id,
            prompt=prompt,
            metadata=metadata,
            config_override_yaml=config_override_yaml,
        )
        return to_normalized(run)

    def get(self, run_id: str) -> NormalizedRun:
        if not run_id:
            raise InvalidInput("a run id is required")
        return to_normalized(self.client.get_run(run_id))

    def list(
        self, *, limit: int = 100, page_size: int | None = None, **filters: Any
    ) -> Iterator[NormalizedRun]:
        """Newest first. Filters: ``config_id``, ``sources``, ``days``, ``start``, ``end``."""
        most = page_size_for(page_size, limit, MAX_PAGE)
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise InvalidInput(f"unknown filters for Ellipsis runs: {', '.join(unknown)}")
        sources: Sequence[str] = filters.get("sources") or ()
        bad = [s for s in sources if s not in SOURCES]
        if bad:
            raise InvalidInput(f"source must be one of {', '.join(SOURCES)}, got {bad[0]!r}")
        end: str | None = filters.get("end")
        seen_at_end: set[str] = set()  # ids already yielded that were created at ``end``
        left = limit
        while left > 0:
            size = min(min(left, most) + len(seen_at_end), MAX_PAGE)
            page = self.client.list_runs(
                config_id=filters.get("config_id"),
                sources=sources,
                days=filters.get("days"),
                start=filters.get("start"),
                end=end,
                limit=size,
            )
            fresh = [r for r in page if r.id not in seen_at_end][:left]
            if page and not fresh and len(page) == size:
                raise PlatformError(f"more than {MAX_PAGE} runs created at {end}: cannot page")
            for run in fresh:
                yield to_normalized(run)
            left -= len(fresh)
            if len(page) < size or not fresh:
                return
            last = fresh[-1].created_at
            seen_at_end = {r.id for r in fresh if r.created_at == last} | (
                seen_at_end if last == end else set()
            )
            end = last

    def cancel(self, run_id: str) -> NormalizedRun:
        if not run_id:
            raise InvalidInput("a run id is required")
        return to_normalized(self.client.cancel_run(run_id))

    def replay(
        self,
        run_id: str,
        *,
        config_id: str | None = None,
        config_override_yaml: str | None = None,
        prompt: str | None = None,
    ) -> NormalizedRun:
        run = self.client.replay_run(
            run_id, config_id=config_id, config_override_yaml=config_override_yaml, prompt=prompt
        )
        return to_normalized(run)

    def events(self, run_id: str, after_seq: int = 0) -> Iterator[Event]:
        for event in self.client.follow_run(run_id, after_seq):
            yield Event.model_validate(event.model_dump())
