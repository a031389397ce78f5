"""How a local run's status shows in each dialect: one table that maps every local status onto
the deployments, threads and ambient statuses (what a dialect reads off the run itself, a
time-out or a run waiting for input, it decides on top)."""

from __future__ import annotations

from typing import NamedTuple

from agentsync.client.records import RunStatus
from agentsync.platform_statuses import AmbientState, DeploymentStatus, ThreadStatus


class Shown(NamedTuple):
    """A local run's status as each dialect shows it."""

    deployments: DeploymentStatus
    threads: ThreadStatus
    ambient: AmbientState


SHOWN: dict[RunStatus, Shown] = {
    "scheduled": Shown("queued", "running", "QUEUED"),
    "creating_sandbox": Shown("starting", "running", "PENDING"),
    "running": Shown("running", "running", "INPROGRESS"),
    "completed": Shown("succeeded", "completed", "SUCCEEDED"),
    "error": Shown("failed", "failed", "FAILED"),
    "stopped": Shown("failed", "failed", "FAILED"),
    # the ambient agents API has no cancelled state
    "cancelled": Shown("cancelled", "cancelled", "FAILED"),
}
