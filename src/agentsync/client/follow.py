"""Following a run's events live: the WebSocket ``/v1/runs/{id}/stream``, reconnecting after a
dropped connection from the last ``seq`` seen (0.5 s doubling to 8 s, from 0.5 s again once a
new event comes), so no event is lost or
repeated; server-sent events (``/v1/runs/{id}/events``) from a server without streaming (close
code 1003), or else polling until the run ends.

It gives up with ``Unavailable`` after ``silence_timeout`` seconds without any frame
(heartbeats count). Close codes 4401 and 1008 raise ``Unauthorized``, 4403 a 403, 4422
``Invalid`` (an ``after_seq`` out of range), and an ``{"type": "error"}`` frame ends the stream
with its message. A frame is read into an event by :func:`stream_frame` and
:func:`stream_event`, which the threads platform's stream shares.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError

from agentsync import __version__
from agentsync.client.calls import ApiCalls, segment
from agentsync.client.errors import ControlPlaneError, Invalid, Unauthorized, Unavailable
from agentsync.client.records import FINAL_EVENTS, FINAL_STATUSES, Run, RunEvent
from agentsync.client.redaction import RedactingLogger, Secret
from agentsync.http import json_body
from agentsync.http.retry import retryable
from agentsync.http.session import event_data

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

RECONNECT_FIRST, RECONNECT_CAP = 0.5, 8.0  # seconds: the stream's reconnect delays
POLL_INTERVAL: Final = 1.0  # seconds between polls when the server streams nothing

WS_CLOSE_NORMAL, WS_CLOSE_UNSUPPORTED, WS_CLOSE_POLICY = 1000, 1003, 1008
WS_CLOSE_BAD_CREDENTIALS, WS_CLOSE_NOT_ALLOWED, WS_CLOSE_INVALID = 4401, 4403, 4422

E = TypeVar("E", bound=BaseModel)


@dataclass
class _Position:
    """A stream reader's place: the last seq seen, when the last frame came, the next delay,
    whether the final event came."""

    seq: int
    last_frame: float
    delay: float = RECONNECT_FIRST
    ended: bool = False  # the run's final event came

    def saw_frame(self, now: float) -> None:
        self.last_frame = now

    def saw_event(self, event: RunEvent) -> None:
        """A new event: the stream is moving, so the next reconnect starts from the first delay
        (a heartbeat alone does not: a server that sends one and drops each connection is
        asked again less and less often, not twice a second)."""
        self.seq = event.seq
        self.delay = RECONNECT_FIRST

    def next_delay(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, RECONNECT_CAP)
        return delay


@dataclass(frozen=True)
class RunFollower:
    """Reads one client's run streams with the client's settings of the moment."""

    calls: ApiCalls
    get_run: Callable[[str], Run]
    open_stream: Callable[[str, int], ClientConnection]  # (run id, after seq)
    silence_timeout: float
    sleep: Callable[[float], None]
    clock: Callable[[], float]

    def follow(self, run_id: str, after_seq: int = 0) -> Iterator[RunEvent]:
        """The run's events after ``after_seq``, live, until the run ends."""
        from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

        position = _Position(after_seq, self.clock())
        while True:
            try:
                connection = self.open_stream(run_id, position.seq)
            except InvalidStatus as refused:
                status = refused.response.status_code
                if not retryable(status):
                    self._handshake_refused(run_id, status)
                    yield from self._follow_without_websocket(run_id, position.seq)
                    return
            except (OSError, WebSocketException):
                pass  # not reachable now: back off and try again
            else:
                with connection:
                    try:
                        yield from self._read_websocket(connection, run_id, position)
                    except ConnectionClosed as closed:
                        code = closed.rcvd.code if closed.rcvd else None
                        if code == WS_CLOSE_NORMAL:
                            return
                        if code == WS_CLOSE_UNSUPPORTED:
                            yield from self._follow_without_websocket(run_id, position.seq)
                            return
                        reason = self.calls.redact(closed.rcvd.reason if closed.rcvd else "")
                        _raise_for_close(code, reason, run_id)
            self._wait_to_reconnect(run_id, position)

    def follow_sse(self, run_id: str, after_seq: int = 0) -> Iterator[RunEvent]:
        """Like ``follow``, over server-sent events (``GET /v1/runs/{id}/events``)."""
        position = _Position(after_seq, self.clock())
        path = f"/v1/runs/{segment(run_id)}/events"
        while True:
            try:
                with self.calls.session.event_stream(
                    path, {"after_seq": position.seq}, self.silence_timeout
                ) as response:
                    if not response.is_success:
                        response.read()
                        if not retryable(response.status_code):
                            raise self.calls.answered(response, False)
                    elif (yield from self._read_sse(run_id, response, position)):
                        return
            except httpx.ReadTimeout:
                raise self._silent(run_id) from None
            except httpx.TransportError:
                pass  # dropped: reconnect from the last seq
            self._wait_to_reconnect(run_id, position)

    def _read_sse(
        self, run_id: str, response: httpx.Response, position: _Position
    ) -> Generator[RunEvent, None, bool]:
        """Events of one server-sent-events connection; then whether the run is over."""
        for data in event_data(response, self.silence_timeout):
            position.saw_frame(self.clock())
            event = self._event(data) if data is not None else None
            if event is not None and event.seq > position.seq:
                position.saw_event(event)
                position.ended = event.type in FINAL_EVENTS
                yield event
        # The stream ended cleanly: the run is over, unless a proxy cut it.
        return position.ended or self.get_run(run_id).status in FINAL_STATUSES

    def _event(self, message: str | bytes) -> RunEvent | None:
        """The event in a frame (see ``_event_from_frame``); an error it raises, without the
        token (a server may echo it)."""
        try:
            return _event_from_frame(message)
        except ControlPlaneError as error:
            raise error.without((self.calls.token.value,) if self.calls.token else ()) from None

    def _silent(self, run_id: str) -> Unavailable:
        return Unavailable(
            f"no word from the stream of run {run_id} for {self.silence_timeout:g}s; giving up"
        )

    def _handshake_refused(self, run_id: str, status: int) -> None:
        """Raise the error behind a refused handshake; return if streaming is unsupported."""
        if status == 401:
            raise Unauthorized("the run stream refused the credentials", status=401)
        self.get_run(run_id)  # raises Unauthorized / NotFound when that is the reason
        if status == 403:
            raise ControlPlaneError(f"not allowed to follow run {run_id}", status=403)

    def _wait_to_reconnect(self, run_id: str, position: _Position) -> None:
        if self.clock() - position.last_frame >= self.silence_timeout:
            raise self._silent(run_id)
        self.sleep(position.next_delay())

    def _read_websocket(
        self, connection: ClientConnection, run_id: str, position: _Position
    ) -> Iterator[RunEvent]:
        """Events from one connection until it closes (``ConnectionClosed``) or goes silent."""
        while True:
            remaining = self.silence_timeout - (self.clock() - position.last_frame)
            try:
                message = connection.recv(timeout=max(remaining, 0.0))
            except TimeoutError:
                raise self._silent(run_id) from None
            position.saw_frame(self.clock())
            event = self._event(message)
            if event is not None and event.seq > position.seq:
                position.saw_event(event)
                yield event

    def _follow_without_websocket(self, run_id: str, after_seq: int) -> Iterator[RunEvent]:
        """Server-sent events, or else polling until the run ends (which yields nothing)."""
        try:
            yield from self.follow_sse(run_id, after_seq)
        except ControlPlaneError as error:
            if error.status not in (404, 405, 406, 501):
                raise
            while self.get_run(run_id).status not in FINAL_STATUSES:
                self.sleep(POLL_INTERVAL)


def stream_url(ws_base: str, run_id: str, after_seq: int) -> str:
    """``{ws base}/v1/runs/{id}/stream``, with ``?after_seq=N`` unless N is 0."""
    url = f"{ws_base}/v1/runs/{segment(run_id)}/stream"
    return f"{url}?{urlencode({'after_seq': after_seq})}" if after_seq > 0 else url


def open_stream(url: str, token: Secret | None, timeout: float) -> ClientConnection:
    """A WebSocket connection to ``url``; websockets' log records never show the token."""
    from websockets.sync.client import connect

    headers = {"User-Agent": f"agentsync/{__version__}"}
    logger: logging.Logger | RedactingLogger = logging.getLogger("websockets.client")
    if token:
        headers["Authorization"] = f"Bearer {token.value}"
        logger = RedactingLogger(logging.getLogger("websockets.client"), token)
    return connect(url, additional_headers=headers, open_timeout=timeout, logger=logger)


def _raise_for_close(code: int | None, reason: str, run_id: str) -> None:
    """Raise for a close that rules out reconnecting; return for a dropped connection."""
    if code in (WS_CLOSE_BAD_CREDENTIALS, WS_CLOSE_POLICY):
        raise Unauthorized(reason or "the run stream refused the credentials", status=401)
    if code == WS_CLOSE_NOT_ALLOWED:
        raise ControlPlaneError(reason or f"not allowed to follow run {run_id}", status=403)
    if code == WS_CLOSE_INVALID:
        raise Invalid(reason or f"the stream of run {run_id} refused the request")


def _event_from_frame(message: str | bytes) -> RunEvent | None:
    """The event in a frame; None for heartbeats, keepalive text and frames without a ``seq``.

    An ``{"type": "error", "message": ...}`` frame (the platform's terminal error) raises.
    """
    frame = stream_frame(message, ControlPlaneError)
    if frame is not None and frame.get("type") == "error" and "seq" not in frame:
        raise ControlPlaneError(f"the run stream failed: {frame.get('message') or 'no reason'}")
    return stream_event(frame, RunEvent, ControlPlaneError)


def stream_frame(
    message: str | bytes, failure: Callable[[str], Exception]
) -> dict[str, Any] | None:
    """The JSON object in one frame of a run stream; None for heartbeats and keepalive text.
    JSON that agentsync could not carry (a number that is not finite...) raises ``failure``'s
    error."""
    try:
        frame = json_body.loads(message)
    except json_body.Unfit as error:
        raise failure(f"unexpected event on the run stream: {error}") from None
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None


def stream_event(
    frame: Mapping[str, Any] | None, model: type[E], failure: Callable[[str], Exception]
) -> E | None:
    """``frame`` as the event ``model``; None when it is no event (it has no ``seq``). An event
    the model refuses (not what the stream documents) raises ``failure``'s error."""
    if frame is None or "seq" not in frame:
        return None
    try:
        return model.model_validate(frame)
    except ValidationError as error:
        summary = str(error).splitlines()[0]
        raise failure(f"unexpected event on the run stream: {summary}") from error
