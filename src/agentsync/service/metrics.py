"""Prometheus metrics of one service process (``GET /metrics``).

Counters and histograms count what this process did: deliveries by event and outcome, jobs
finished by kind and outcome, sync and pull-request report durations, errors by where they
happened. Queue depth and jobs by state are read from the store at scrape time, so every
process reports the shared queue (one scrape target is enough for the gauges).

Per repository, ``agentsync_repository_last_sync_timestamp_seconds{repository, outcome}`` gives
the last sync's time and outcome, one series a repository. The cardinality is bounded: only the
:data:`MAX_REPOSITORY_SERIES` most recently synced repositories get a series
(``agentsync_repositories`` counts them all).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from agentsync.service.queue import RepositoryInfo, ServiceStore

CONTENT_TYPE = CONTENT_TYPE_LATEST
_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
MAX_REPOSITORY_SERIES = 100  # per-repository series: the most recently synced, at most


class _QueueCollector(Collector):
    def __init__(self, store: ServiceStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        status = self.store.status(dead_limit=0)
        by_state = GaugeMetricFamily(
            "agentsync_jobs", "Jobs in the queue by state.", labels=["state"]
        )
        for state, count in sorted(status.jobs_by_state.items()):
            by_state.add_metric([state], count)
        yield by_state
        yield GaugeMetricFamily(
            "agentsync_queue_depth", "Queued jobs that are due now.", value=status.queue_depth
        )
        yield GaugeMetricFamily(
            "agentsync_queue_oldest_age_seconds",
            "Age of the oldest queued job (0 when none).",
            value=status.oldest_queued_age or 0.0,
        )
        yield GaugeMetricFamily(
            "agentsync_repositories", "Repositories the service knows.",
            value=len(status.repositories),
        )  # fmt: skip
        yield GaugeMetricFamily(
            "agentsync_jobs_folded",
            "Done jobs a newer job of their repository made redundant (not run).",
            value=status.folded,
        )
        yield _last_syncs(status.repositories)


def _last_syncs(repositories: list[RepositoryInfo]) -> GaugeMetricFamily:
    """The last sync of the most recently synced repositories (bounded: see the module)."""
    family = GaugeMetricFamily(
        "agentsync_repository_last_sync_timestamp_seconds",
        f"When each repository last synced, and how (the {MAX_REPOSITORY_SERIES} most recent).",
        labels=["repository", "outcome"],
    )
    synced = [(r.last_sync_at, r) for r in repositories if r.last_sync_at is not None]
    synced.sort(key=lambda pair: pair[0], reverse=True)
    for when, info in synced[:MAX_REPOSITORY_SERIES]:
        family.add_metric([info.repository, info.last_sync_outcome or "unknown"], when)
    return family


class Metrics:
    """The metrics of one process, in a registry of its own (tests build several)."""

    def __init__(self, store: ServiceStore | None = None) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "agentsync_webhook_deliveries",
            "Webhook deliveries by event and outcome.",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "agentsync_jobs_finished",
            "Jobs finished by this process, by kind and outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.sync_duration = Histogram(
            "agentsync_sync_duration_seconds",
            "Time to sync one repository (push and resync jobs).",
            buckets=_DURATION_BUCKETS,
            registry=self.registry,
        )
        self.report_duration = Histogram(
            "agentsync_pull_request_report_duration_seconds",
            "Time to lint a pull request and report it.",
            buckets=_DURATION_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "agentsync_errors", "Errors by where they happened.", ["where"], registry=self.registry
        )
        if store is not None:
            self.registry.register(_QueueCollector(store))

    def render(self) -> bytes:
        return generate_latest(self.registry)
