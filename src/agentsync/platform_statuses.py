"""The run statuses each platform's API reference names for its runs: the enums the client-side
adapters (``agentsync.platforms``) read and the local server's dialects
(``agentsync.localserver.dialects``) answer with."""

from __future__ import annotations

from typing import Literal

DeploymentStatus = Literal[
    "queued", "starting", "installing", "running", "succeeded", "failed", "cancelled", "timed_out"
]
ThreadStatus = Literal["running", "completed", "failed", "cancelled", "waiting_for_input"]
AmbientState = Literal["QUEUED", "PENDING", "CLAIMED", "INPROGRESS", "SUCCEEDED", "FAILED"]
