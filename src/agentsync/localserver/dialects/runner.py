"""What the dialects add to the control plane's runner: a run's write-only ``envs``, merged
into its environment when its runner starts, and interactive input.

**envs** (the agent deployments API) are not stored (not in the run, its metadata, its events
or the idempotency record), never returned and never logged. They are held in memory until the
run's runner starts and then merged into its environment (``DialectRunner``); a server restart
before then drops them.

**Interactive input** (the threads API): an in-process runner asks with
``inputs_of(control_plane).ask``; the run then logs ``run.waiting_for_input`` until the answer
arrives, and the runner gets the content. The content is handed over in memory, never stored.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import replace

from agentsync.client.records import new_id
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.runners import RunContext, Runner, RunOutcome


class Inputs:
    """Runs waiting for interactive input, and the answers handed to them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, queue.Queue[str]] = {}

    def ask(self, context: RunContext, question: str, timeout: float) -> str | None:
        """Log ``run.waiting_for_input`` and wait for the answer; None after ``timeout``
        seconds or once the run is cancelled."""
        answers: queue.Queue[str] = queue.Queue(maxsize=1)
        run_id = context.run.id
        with self._lock:
            self._waiting[run_id] = answers
        try:
            context.emit("run.waiting_for_input", {"content": question})
            for _ in range(max(1, round(timeout / 0.05))):
                if context.cancelled.is_set():
                    return None
                try:
                    return answers.get(timeout=0.05)
                except queue.Empty:
                    continue
            return None
        finally:
            with self._lock:
                self._waiting.pop(run_id, None)

    def waiting(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._waiting

    def answer(self, run_id: str, content: str) -> bool:
        """Hand ``content`` to the run; False when it is not waiting."""
        with self._lock:
            answers = self._waiting.pop(run_id, None)
        if answers is None:
            return False
        answers.put(content)
        return True


class DialectRunner:
    """Wraps the control plane's runner: merges a run's pending ``envs`` (found by the opaque
    ``metadata["envs_ref"]``) into its environment, and forgets them; holds the ``Inputs``."""

    def __init__(self, inner: Runner) -> None:
        self.inner = inner
        self.name = inner.name
        self.inputs = Inputs()
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, str]] = {}

    def hold(self, envs: dict[str, str]) -> str:
        ref = new_id("envs")
        with self._lock:
            self._pending[ref] = dict(envs)
        return ref

    def drop(self, ref: str | None) -> dict[str, str]:
        with self._lock:
            return self._pending.pop(ref, {}) if ref else {}

    def execute(self, context: RunContext) -> RunOutcome:
        envs = self.drop(context.run.metadata.get("envs_ref"))
        if envs:
            context = replace(context, environment={**context.environment, **envs})
        return self.inner.execute(context)

    def __repr__(self) -> str:
        return f"DialectRunner({self.inner!r})"  # never the values


def dialect_runner(control_plane: ControlPlane) -> DialectRunner:
    """The control plane's runner, wrapped (once) for the dialects."""
    if not isinstance(control_plane.runs.runner, DialectRunner):
        control_plane.runs.runner = DialectRunner(control_plane.runs.runner)
    return control_plane.runs.runner


def inputs_of(control_plane: ControlPlane) -> Inputs:
    """Where in-process runners of ``control_plane`` ask for interactive input."""
    return dialect_runner(control_plane).inputs
