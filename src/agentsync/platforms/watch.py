"""Following a run to its end, the same way on every platform.

``watch`` yields what happens as it happens: the run's events where the platform streams them
(``Streaming``: Ellipsis over its WebSocket, threads over server-sent events, both resumed after
a dropped connection), else the run each time its status changes, found by polling ``get`` with
exponential backoff (``POLL_FIRST`` doubling to ``POLL_CAP`` seconds, back to the first after a
change): one request per poll interval at most. The last item is always the run, final.

``initial`` is the run as the caller last fetched it (``start`` and ``get`` both return one):
polling then waits an interval before its first request instead of asking again at once, an
``initial`` already final ends the watch without a request, and only changes from it are
yielded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from agentsync.platforms.base import Adapter, Streaming
from agentsync.platforms.model import Event, NormalizedRun

POLL_FIRST, POLL_CAP = 0.5, 5.0  # seconds between polls

Update = Event | NormalizedRun


def poll_delays(first: float = POLL_FIRST, cap: float = POLL_CAP) -> Iterator[float]:
    """``first``, doubling, never above ``cap``."""
    delay = first
    while True:
        yield delay
        delay = min(cap, delay * 2)


def watch(
    adapter: Adapter,
    run_id: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    initial: NormalizedRun | None = None,
) -> Iterator[Update]:
    """The run's events or status changes, then the final run."""
    if isinstance(adapter, Streaming):
        yield from adapter.events(run_id)
        run = adapter.get(run_id)
        while not run.final:  # the stream ended first (e.g. a platform that ends it early)
            sleep(POLL_CAP)
            run = adapter.get(run_id)
        yield run
        return
    last: str | None = None
    delays = poll_delays()
    if initial is not None:
        if initial.final:
            yield initial
            return
        last = initial.native_status
        sleep(next(delays))
    while True:
        run = adapter.get(run_id)
        if run.final:
            yield run
            return
        if run.native_status != last:
            last = run.native_status
            delays = poll_delays()
            yield run
        sleep(next(delays))
