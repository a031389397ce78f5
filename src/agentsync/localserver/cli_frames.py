"""The platform CLI's stream dialect on ``/v1/runs/{id}/stream``.

The platform's own ``agent`` CLI (the "runs" generation, ``User-Agent: ellipsis-cli/<version>``)
speaks a frame protocol of its own rather than the run's event log:

    {"type": "status", "status", "ts"}              on connect, on each change, as keepalive
    {"type": "stdout" | "stderr", "data", "seq", "ts"}   output; ``seq`` is the event log's
    {"type": "done", "status", "exit_status"}       the run is over (its status sets the exit code)
    {"type": "error", "message"}                    the stream cannot be served

and 1008 for bad credentials. The server serves this dialect to that client (or to anyone
asking with ``?protocol=frames``) and the documented event frames to everyone else; both read
the same log and resume with ``after_seq``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agentsync.client.records import FINAL_EVENTS, FINAL_STATUSES, Run, now

CLI_USER_AGENT_PREFIX = "ellipsis-cli/"
CLOSE_POLICY_VIOLATION = 1008  # the CLI's "bad credentials"
LOGGED_STATUSES = frozenset({"running", *FINAL_STATUSES})  # each change to them logs an event

StatusReader = Callable[[], str]


def wants_cli_frames(user_agent: str | None, query: Mapping[str, str]) -> bool:
    return query.get("protocol") == "frames" or (user_agent or "").startswith(CLI_USER_AGENT_PREFIX)


def status_frame(status: str) -> dict[str, Any]:
    return {"type": "status", "status": status, "ts": now()}


def announced_status(
    kind: str, event: Mapping[str, Any] | None, read_status: StatusReader
) -> str | None:
    """The status to announce after one item of the run's follow loop, or None.

    The log says when a run starts (``run.started`` means ``running``) and ends, so those
    changes are taken from the log in its order: reading the run's current status instead
    could skip ``running`` for a short run, or announce the end before the output. A wake-up
    (a change that logs nothing, such as ``creating_sandbox``) and a heartbeat read the run."""
    if kind == "event":
        assert event is not None
        if event["type"] == "run.started":
            return "running"
        return read_status() if event["type"] in FINAL_EVENTS else None
    current = read_status()
    if kind == "wake" and current in LOGGED_STATUSES:
        return None  # its event is on the way and announces it in order
    return current


def output_frames(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The output frames of one logged event (status changes and the end are sent apart)."""
    data = event.get("data") or {}
    kind = event["type"]
    if kind == "message.delta":
        text = str(data.get("content", ""))
        stream = "stdout"
    elif kind == "tool.call":
        text, stream = f"-> {data.get('name', 'tool')}\n", "stderr"
    elif kind == "tool.result":
        text, stream = f"<- {data.get('name', 'tool')}\n", "stderr"
    else:
        return []
    return [{"type": stream, "data": text, "seq": event["seq"], "ts": event["created_at"]}]


def done_frame(run: Run) -> dict[str, Any]:
    return {"type": "done", "status": run.status, "exit_status": run.status_reason}


def error_frame(message: str) -> dict[str, Any]:
    return {"type": "error", "message": message}
