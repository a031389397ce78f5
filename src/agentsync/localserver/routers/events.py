"""A run's events, live: the event stream (SSE, ``/v1/runs/{id}/events``) and the WebSocket
(``/v1/runs/{id}/stream``). Both read the run's log after ``after_seq`` until the run ends,
with a heartbeat after 20 s of quiet.

The event stream is sse-starlette's ``EventSourceResponse``: an ``id:`` and a ``data:`` line
per event, the comment ``: heartbeat``, lines ending in ``\\n``; its own ping is off (the
follow loop sends the heartbeat, only when the stream is quiet). What one read of the log finds
goes out in one write: reading a finished run's 20,000 events takes 0.3 s of CPU (server and
client, on loopback), where one write per event took 0.65 s. On Ctrl-C the server ends open
event streams cleanly and stops at once, instead of waiting for their runs to end.

The WebSocket closes with 1000 at the end of the run, 4401 for bad credentials, 4403 for a run
that does not exist, 4422 for an invalid ``after_seq`` (the reason says why) and 1011 for an
error of the server.

The platform's own ``agent`` CLI (the "runs" generation, ``User-Agent: ellipsis-cli/<version>``)
speaks a frame protocol of its own on the WebSocket rather than the run's event log:

    {"type": "status", "status", "ts"}              on connect, on each change, as keepalive
    {"type": "stdout" | "stderr", "data", "seq", "ts"}   output; ``seq`` is the event log's
    {"type": "done", "status", "exit_status"}       the run is over (its status sets the exit code)
    {"type": "error", "message"}                    the stream cannot be served

and 1008 for bad credentials. The server serves these frames to that client (or to anyone
asking with ``?protocol=frames``) and the documented event frames to everyone else; both read
the same log and resume with ``after_seq``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from sse_starlette import EventSourceResponse, ServerSentEvent

from agentsync.client.records import FINAL_EVENTS, FINAL_STATUSES, Run, now
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.http_api import (
    AfterSeq,
    Authenticated,
    ControlPlaneDep,
    after_seq_of,
    api_tokens_of,
)
from agentsync.localserver.json_request import api_router

LOG = logging.getLogger("agentsync.localserver")
HEARTBEAT_SECONDS = 20.0
SSE_LINE_END = "\n"  # sse-starlette's default is CRLF; the stream has always sent LF
WS_CLOSE_NORMAL, WS_CLOSE_SERVER_ERROR = 1000, 1011
WS_CLOSE_BAD_CREDENTIALS, WS_CLOSE_NOT_ALLOWED, WS_CLOSE_INVALID = 4401, 4403, 4422
CLI_USER_AGENT_PREFIX = "ellipsis-cli/"
CLOSE_POLICY_VIOLATION = 1008  # the platform CLI's "bad credentials"
LOGGED_STATUSES = frozenset({"running", *FINAL_STATUSES})  # each change to them logs an event

StatusReader = Callable[[], str]

router = api_router()


async def follow(
    control_plane: ControlPlane, run_id: str, after_seq: int
) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """The run's log after ``after_seq``, live, until the run ends, as tagged items:
    ``("events", events)`` (the next events in order, as many as one read of the log found),
    ``("heartbeat", [])`` after 20 s of quiet, and ``("wake", [])`` when the run changed
    without logging (a status change)."""
    control_plane.runs.get(run_id)
    wake = control_plane.runs.bus.subscribe(run_id)
    try:
        while True:
            wake.clear()
            events = control_plane.store.events_after(run_id, after_seq)
            if events:
                after_seq = events[-1].seq
                yield "events", [event.model_dump() for event in events]
                continue
            if control_plane.runs.get(run_id).status in FINAL_STATUSES:
                if not control_plane.store.events_after(run_id, after_seq):
                    return
                continue
            try:
                await asyncio.wait_for(wake.wait(), HEARTBEAT_SECONDS)
                yield "wake", []
            except TimeoutError:
                yield "heartbeat", []
    finally:
        control_plane.runs.bus.unsubscribe(run_id, wake)


async def follow_each(
    control_plane: ControlPlane, run_id: str, after_seq: int
) -> AsyncIterator[tuple[str, dict[str, Any] | None]]:
    """``follow``, one event at a time: ``("event", event)``, ``("heartbeat", None)``,
    ``("wake", None)``."""
    async for kind, events in follow(control_plane, run_id, after_seq):
        if kind == "events":
            for event in events:
                yield "event", event
        else:
            yield kind, None


# the event stream (SSE) -----------------------------------------------------------------------


@router.get("/v1/runs/{run_id}/events")
async def events_sse(
    run_id: str, who: Authenticated, control_plane: ControlPlaneDep, after_seq: AfterSeq = 0
) -> EventSourceResponse:
    """The run's events as server-sent events from after ``after_seq`` until the run ends: one
    ``data:`` line of JSON per event, with its ``seq`` as ``id:``, and a ``: heartbeat`` comment
    after 20 s of quiet. 404 for an unknown run."""
    control_plane.runs.get(run_id)

    async def messages() -> AsyncIterator[bytes]:
        async for kind, events in follow(control_plane, run_id, after_seq):
            if kind == "heartbeat":
                yield ServerSentEvent(comment="heartbeat", sep=SSE_LINE_END).encode()
            elif kind == "events":  # one write for what one read of the log found
                yield b"".join(
                    ServerSentEvent(json.dumps(e), id=str(e["seq"]), sep=SSE_LINE_END).encode()
                    for e in events
                )

    # ping=0: the follow loop sends the heartbeat, only when the stream is quiet.
    return EventSourceResponse(messages(), headers={"Cache-Control": "no-cache"}, ping=0)


# the WebSocket --------------------------------------------------------------------------------


@router.websocket("/v1/runs/{run_id}/stream")
async def events_ws(websocket: WebSocket, run_id: str, control_plane: ControlPlaneDep) -> None:
    """The run's events over a WebSocket, from after ``after_seq`` until the run ends (close
    codes and the platform CLI's frames: see the module docstring)."""
    # Accept first: a close before the handshake is an HTTP 403, and the client could not
    # tell bad credentials or a bad after_seq from a run it may not see.
    await websocket.accept()
    try:
        await _serve_stream(websocket, control_plane, run_id)
    except WebSocketDisconnect:
        pass  # the client left
    except Exception:  # the boundary: a bug closes the stream with 1011, logged once
        LOG.exception("unhandled error streaming run %s", run_id)
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await websocket.close(WS_CLOSE_SERVER_ERROR, "internal error")


async def _serve_stream(websocket: WebSocket, control_plane: ControlPlane, run_id: str) -> None:
    # Credentials only in the header: a token in the URL would end up in access logs.
    authorization = websocket.headers.get("authorization")
    cli = wants_cli_frames(websocket.headers.get("user-agent"), websocket.query_params)
    if api_tokens_of(websocket).source_of(authorization) is None:
        code = CLOSE_POLICY_VIOLATION if cli else WS_CLOSE_BAD_CREDENTIALS
        await websocket.close(code, "invalid credentials")
        return
    try:
        after_seq = after_seq_of.validate_python(websocket.query_params.get("after_seq", "0"))
    except ValidationError as error:
        reason = f"after_seq: {error.errors()[0]['msg']}"
        await _refuse(websocket, cli, WS_CLOSE_INVALID, reason, reason)
        return
    if control_plane.store.get_run(run_id) is None:
        await _refuse(
            websocket, cli, WS_CLOSE_NOT_ALLOWED, "no such run", f"run {run_id} not found"
        )
        return
    send = _stream_cli_frames if cli else _stream_events
    if await _until_disconnect(websocket, send(websocket, control_plane, run_id, after_seq)):
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the client just left
            await websocket.close(WS_CLOSE_NORMAL)


async def _stream_events(
    websocket: WebSocket, control_plane: ControlPlane, run_id: str, after_seq: int
) -> None:
    async for kind, event in follow_each(control_plane, run_id, after_seq):
        if event is not None:
            await websocket.send_json(event)
        elif kind == "heartbeat":
            await websocket.send_json({"type": "heartbeat"})


async def _stream_cli_frames(
    websocket: WebSocket, control_plane: ControlPlane, run_id: str, after_seq: int
) -> None:
    status: str = control_plane.runs.get(run_id).status
    await websocket.send_json(status_frame(status))

    def read_status() -> str:
        return control_plane.runs.get(run_id).status

    async for kind, event in follow_each(control_plane, run_id, after_seq):
        current = announced_status(kind, event, read_status)
        if current is not None and (current != status or kind == "heartbeat"):
            status = current
            await websocket.send_json(status_frame(status))
        if event is not None:
            for frame in output_frames(event):
                await websocket.send_json(frame)
    await websocket.send_json(done_frame(control_plane.runs.get(run_id)))


async def _refuse(websocket: WebSocket, cli: bool, code: int, reason: str, message: str) -> None:
    """End a stream that cannot be served: close with ``code`` and ``reason`` (at most 123
    bytes); the platform CLI's frames get an error frame with ``message``, then 1000."""
    if cli:
        await websocket.send_json(error_frame(message))
        await websocket.close(WS_CLOSE_NORMAL)
    else:
        await websocket.close(code, reason)


async def _until_disconnect(websocket: WebSocket, sender: Awaitable[None]) -> bool:
    """Run ``sender`` while reading the socket, so a client's close is answered at once (a
    handler that only sends would leave it hanging until its next send). True when the sender
    finished; False when the client went away first."""

    async def receive_until_disconnect() -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass  # clients send nothing we act on

    sending = asyncio.ensure_future(sender)
    receiving = asyncio.ensure_future(receive_until_disconnect())
    done, pending = await asyncio.wait({sending, receiving}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if sending in done:
        try:
            sending.result()
        except WebSocketDisconnect:
            return False
        return True
    return False


# the platform CLI's frames --------------------------------------------------------------------


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
