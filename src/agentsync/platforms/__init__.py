"""Client-side adapters for agent platforms' run APIs, and the one run shape they share.

model.py        ``NormalizedRun``, ``Event`` and each platform's native-status table
base.py         the ``Adapter`` protocol (and ``Streaming``, ``TakesInput``), the shared HTTP
errors.py       the adapters' error tree
ellipsis.py     Ellipsis (runs guide): ``/v1/agents/runs`` through the control plane's client
deployments.py  agent deployments: ``/v1/agent-deployments/{id}/runs``
threads.py      threads: ``/v1/threads/{id}/runs``, ``/v1/runs``, SSE events
ambient.py      ambient agents: ``/agent/run``, ``/agent/runs``
watch.py        following a run to its end: streamed where the platform streams, else polled
profiles.py     the named platform profiles (``platforms.toml`` and the environment)
driver.py       a profile's adapter, opened; what only some platforms can do
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy checks that every adapter meets the protocol
    from agentsync.platforms.ambient import AmbientAdapter
    from agentsync.platforms.base import Adapter, Streaming, TakesInput
    from agentsync.platforms.deployments import DeploymentsAdapter
    from agentsync.platforms.ellipsis import EllipsisAdapter
    from agentsync.platforms.threads import ThreadsAdapter

    def _conforming(
        e: EllipsisAdapter, d: DeploymentsAdapter, t: ThreadsAdapter, a: AmbientAdapter
    ) -> tuple[list[Adapter], list[Streaming], list[TakesInput]]:
        return [e, d, t, a], [e, t], [t]
