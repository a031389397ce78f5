"""SIGINT/SIGTERM in ``agent serve`` and ``agent worker`` (:class:`SignalStop`): the handler
never waits on a lock the interrupted main thread may hold."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading

from agentsync.service.server import SignalStop

# The main thread is inside ``wakeup.set()`` (as the endpoint is for every queued delivery),
# holding a lock that is not re-entrant, when the signal comes: a handler that set the event
# itself would wait for that lock for ever.
SIGNAL_INSIDE_SET = textwrap.dedent(
    """
    import os, signal, threading, time
    from agentsync.service.server import SignalStop

    class Wakeup(threading.Event):
        def __init__(self):
            super().__init__()
            self.inside = threading.Lock()
            self.calls = 0

        def set(self):
            with self.inside:
                self.calls += 1
                if self.calls == 1:
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(0.2)  # the handler runs in this thread, here
                super().set()

    stop, wakeup = threading.Event(), Wakeup()
    signals = SignalStop(stop, wakeup, workers=1)
    wakeup.set()
    stopped = stop.wait(10)
    signals.close()
    print("stopped" if stopped else "not stopped", wakeup.calls, flush=True)
    """
)


def test_a_signal_while_the_main_thread_holds_wakeups_lock_stops_without_deadlock() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_INSIDE_SET],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["stopped", "2"]


def test_closing_without_a_signal_ends_the_watcher_and_gives_the_signals_back() -> None:
    """Each serve() left a pipe and a thread blocked on it for ever; a signal after close()
    reaches the handler there was before."""
    before = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    stop, wakeup = threading.Event(), threading.Event()
    signals = SignalStop(stop, wakeup, workers=1)
    assert signal.getsignal(signal.SIGTERM) != before[signal.SIGTERM]
    signals.close()
    assert not signals.watcher.is_alive()
    assert not stop.is_set()  # no signal came: nothing to stop
    assert {number: signal.getsignal(number) for number in before} == before
