"""Client-side adapters for agent platforms' run APIs, and the one run shape they share.

model.py        ``NormalizedRun`` and each platform's native-status table
base.py         the ``Adapter`` protocol and the HTTP plumbing the adapters share
errors.py       the adapters' error tree
deployments.py  agent deployments (seed 001): ``/v1/agent-deployments/{id}/runs``
threads.py      threads (seed 003): ``/v1/threads/{id}/runs``, ``/v1/runs``
ambient.py      ambient agents (seed 004): ``/agent/run``, ``/agent/runs``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy checks that every adapter meets the protocol
    from agentsync.platforms.ambient import AmbientAdapter
    from agentsync.platforms.base import Adapter
    from agentsync.platforms.deployments import DeploymentsAdapter
    from agentsync.platforms.threads import ThreadsAdapter

    def _conforming(d: DeploymentsAdapter, t: ThreadsAdapter, a: AmbientAdapter) -> list[Adapter]:
        return [d, t, a]
