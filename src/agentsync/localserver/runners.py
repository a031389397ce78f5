"""Runners execute a run: the local control plane's stand-in for the platform's sandboxes.

A runner gets a ``RunContext`` (the run, its frozen config, the resolved prompt, the resolved
variables, an ``emit`` for events and a cancellation flag) and returns a ``RunOutcome``. The
service emits ``run.started`` before and the final event after; runners emit what happens in
between (``message.delta``, ``tool.call``, ``tool.result``).

- ``dry-run`` (default): records the resolved prompt and config, completes at zero cost.
- ``command``: runs a command with the run as JSON on stdin (see ``CommandRunner``).

Money is in millicents (1 USD = 100,000 millicents), like the run records.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentsync.client.records import Run
from agentsync.config.money import MILLICENTS_PER_USD, dollars, money
from agentsync.config.reference import timeout_seconds
from agentsync.config.variables import name_problem
from agentsync.http import json_body
from agentsync.shorten import truncate

MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"  # the one variable a command gets unasked
RESULT_KEY = "agentsync_result"
_POLL_SECONDS = 0.02
_JOIN_SECONDS = 5.0
_LINE_LIMIT = 1024 * 1024  # longer stdout lines arrive as several deltas
_OUTPUT_LIMIT = 1024 * 1024  # of stdout kept as the run's output
_REASON_LIMIT = 200

Emit = Callable[[str, dict[str, Any]], None]


@dataclass
class RunContext:
    run: Run
    config: dict[str, Any]
    prompt: str
    environment: dict[str, str]
    emit: Emit
    cancelled: threading.Event = field(default_factory=threading.Event)


class RunOutcome(NamedTuple):
    status: str  # completed | error | cancelled | stopped
    status_reason: str | None = None
    output: str | None = None
    structured_output: Any = None
    cost_tokens: int = 0
    cost_sandbox_cpu: int = 0
    cost_sandbox_memory: int = 0
    cost_fee: int = 0
    tokens_total: int = 0


class Runner(Protocol):
    name: str

    def execute(self, context: RunContext) -> RunOutcome: ...


class DryRunRunner:
    """Emits the resolved prompt and configuration as events; never spends anything."""

    name = "dry-run"

    def execute(self, context: RunContext) -> RunOutcome:
        context.emit("message.delta", {"content": context.prompt})
        call = {
            "name": "dry_run.inspect_config",
            "input": {"model": context.config.get("claude", {}).get("model")},
        }
        context.emit("tool.call", call)
        variables = sorted(context.environment)
        context.emit(
            "tool.result",
            {"name": call["name"], "output": {"variables": variables, "dry_run": True}},
        )
        if context.cancelled.is_set():
            return RunOutcome("cancelled", "cancelled by request")
        return RunOutcome("completed", "dry run: nothing was executed", output=context.prompt)


def run_limit_millicents(config: dict[str, Any]) -> int | None:
    """The config's ``limits.run`` (USD) in millicents, or None when it has none."""
    limit = (config.get("limits") or {}).get("run")
    return None if limit is None else round(limit * MILLICENTS_PER_USD)


def config_timeout(config: dict[str, Any]) -> float | None:
    """The config's ``sandbox.compute.timeout`` in seconds, or None when it has none."""
    value = ((config.get("sandbox") or {}).get("compute") or {}).get("timeout")
    return None if value is None else timeout_seconds(value)


class AgentResult(BaseModel):
    """What a command reports on a stdout line ``{"agentsync_result": {...}}``.

    Unknown keys are refused, so that a misspelt ``cost_millicents`` cannot pass as zero cost.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    output: str | None = None
    structured_output: Any = None
    cost_millicents: int = Field(default=0, ge=0)
    tokens_total: int = Field(default=0, ge=0)


class CommandRunner:
    """Runs ``argv`` for each run: the local stand-in for a sandbox.

    The protocol, from the command's side:

    - **stdin**: one JSON document, ``{"run": <the run>, "config": <its frozen config
      snapshot>, "prompt": <the resolved prompt>}``, then end of file.
    - **environment**: exactly the run's variables (the config's ``sandbox.variables``, inline
      or from the variables store, and a dialect's ``envs``) plus ``PATH`` set to
      ``MINIMAL_PATH``. Nothing else of the server's environment reaches the command. A run
      with a variable whose name is not an environment variable name, or changes how a
      process starts (``agentsync.config.variables``: ``BASH_ENV``, ``LD_PRELOAD``, ``PATH``...),
      is refused before anything starts, even when such a name was stored before the control
      plane refused it. It starts in the server's working directory, as the leader of a new
      process group.
    - **stdout**: every line becomes a ``message.delta`` event (``{"content": line}``, newline
      included, so the deltas concatenate to the output) as soon as it is written. The run's
      ``output`` is that text, unless the command reports one.
    - **reporting**: a stdout line that is a JSON object with the key ``agentsync_result``
      (value: ``{"output", "structured_output", "cost_millicents", "tokens_total"}``, all
      optional) is not a delta. Each such line reports the run's totals so far, replacing the
      previous report. ``cost_millicents`` is recorded as the run's ``cost_tokens`` (the
      command's spend, which is model tokens for an agent); ``output`` and
      ``structured_output``, when given, become the run's. A malformed report fails the run.
    - **limits.run**: when a reported cost is over the snapshot's ``limits.run``, the process
      group is killed and the run ends ``stopped``, keeping the reported cost.
    - **exit**: 0 is ``completed``; anything else is ``error``, naming the exit code (or
      signal) and the last line of stderr (truncated). stderr is otherwise discarded.
    - **timeout**: ``sandbox.compute.timeout`` of the config, else this runner's ``timeout``
      (None: no limit). When it passes, the process group is killed and the run ends ``error``
      with the reason ``timed out after Ns``.
    - **cancellation**: the process group is killed and the run ends ``cancelled``.

    When the command exits, whatever it left running in its process group is killed too.
    """

    name = "command"

    def __init__(self, argv: list[str], timeout: float | None = None) -> None:
        if not argv:
            raise ValueError("CommandRunner needs a command")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        self.argv = list(argv)
        self.timeout = timeout

    def execute(self, context: RunContext) -> RunOutcome:
        refused = [p for name in sorted(context.environment) if (p := name_problem(name))]
        if refused:
            reason = "not started: variable " + "; variable ".join(refused)
            return RunOutcome("error", truncate(reason, 2 * _REASON_LIMIT))
        timeout = config_timeout(context.config)
        if timeout is None:
            timeout = self.timeout
        stdin = json.dumps(
            {
                "run": context.run.model_dump(mode="json"),
                "config": context.config,
                "prompt": context.prompt,
            }
        ).encode("utf-8")
        environment = {**context.environment, "PATH": MINIMAL_PATH}
        try:
            process = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment,
                start_new_session=True,
            )
        except (OSError, ValueError) as error:
            why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            return RunOutcome("error", f"could not start {self.argv[0]}: {why}")
        return _Execution(context, process).run(stdin, timeout)


def _result_of(line: str) -> AgentResult | None:
    """The report on ``line``, None if it is not one; ValueError if it is a malformed one."""
    if not line.lstrip().startswith("{"):
        return None
    try:
        data = json_body.loads(line, whole="the line")
    except json_body.Unfit as error:  # JSON no answer could carry: a report's problem, or text
        if f'"{RESULT_KEY}"' in line:
            raise ValueError(f"invalid {RESULT_KEY}: {error}") from None
        return None
    except ValueError:
        return None
    if not isinstance(data, dict) or RESULT_KEY not in data:
        return None
    where = json_body.not_utf8(data[RESULT_KEY])
    if where is not None:
        raise ValueError(f"invalid {RESULT_KEY}: {where} is not valid Unicode (a lone surrogate)")
    try:
        return AgentResult.model_validate(data[RESULT_KEY])
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or RESULT_KEY}: {e['msg']}"
            for e in error.errors()
        )
        raise ValueError(f"invalid {RESULT_KEY}: {problems}") from error


class _Execution:
    """One process of a ``CommandRunner``: its readers, its reports and how it ended."""

    def __init__(self, context: RunContext, process: subprocess.Popen[bytes]) -> None:
        self.context = context
        self.process = process
        self.limit = run_limit_millicents(context.config)
        self.lock = threading.Lock()
        self.halted: tuple[str, str] | None = None  # (status, reason): we ended it
        self.closed = False  # the outcome is decided: readers still running emit nothing
        self.result: AgentResult | None = None
        self.text: list[str] = []
        self.text_size = 0
        self.last_stderr = ""

    def run(self, stdin: bytes, timeout: float | None) -> RunOutcome:
        threads = [
            threading.Thread(target=self._write, args=(stdin,), daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in threads:
            thread.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.process.poll() is None and self.halted is None:
            if self.context.cancelled.is_set():
                self.halt("cancelled", "cancelled by request")
            elif deadline is not None and time.monotonic() >= deadline:
                self.halt("error", f"timed out after {timeout:g}s")
            else:
                self.context.cancelled.wait(_POLL_SECONDS)
        self._kill()  # also whatever the command left behind in its group
        returncode = self.process.wait()
        for thread in threads:
            thread.join(_JOIN_SECONDS)
        with self.lock:
            self.closed = True
            return self._outcome(returncode)

    def halt(self, status: str, reason: str) -> None:
        with self.lock:
            if self.halted is None:
                self.halted = (status, reason)
        self._kill()

    def _kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def _write(self, stdin: bytes) -> None:
        pipe = self.process.stdin
        assert pipe is not None
        with contextlib.suppress(OSError):  # the command does not read its input, or is gone
            pipe.write(stdin)
        with contextlib.suppress(OSError):
            pipe.close()

    def _lines(self, pipe: IO[bytes] | None) -> Iterator[str]:
        assert pipe is not None
        with pipe:
            while raw := pipe.readline(_LINE_LIMIT):
                yield raw.decode("utf-8", errors="replace")

    def _read_stdout(self) -> None:
        for line in self._lines(self.process.stdout):
            try:
                result = _result_of(line)
            except ValueError as error:
                self.halt("error", truncate(str(error), 2 * _REASON_LIMIT))
                continue
            with self.lock:
                if self.closed or self.halted is not None:
                    continue
                if result is None:
                    self._delta(line)
                    continue
                self.result = result
                over = self.limit is not None and result.cost_millicents > self.limit
            if over:
                self.halt("stopped", self._over_limit_reason(result.cost_millicents))

    def _delta(self, line: str) -> None:
        """Emit one line (with the lock held, so that no delta follows the outcome)."""
        if self.text_size < _OUTPUT_LIMIT:
            self.text.append(line)
            self.text_size += len(line)
        self.context.emit("message.delta", {"content": line})

    def _over_limit_reason(self, cost: int) -> str:
        limit = dollars((self.context.config.get("limits") or {}).get("run")) or 0.0
        return (
            f"stopped by limits.run {money(limit)}: the command reported a cost of "
            f"{money(cost / MILLICENTS_PER_USD)}"
        )

    def _read_stderr(self) -> None:
        for line in self._lines(self.process.stderr):
            if line.strip():
                self.last_stderr = line.strip()

    def _outcome(self, returncode: int) -> RunOutcome:
        result = self.result or AgentResult()
        if self.halted is not None:
            status, reason = self.halted
        elif returncode == 0:
            status, reason = "completed", None
        else:
            if returncode < 0:
                reason = f"command was killed by signal {signal.Signals(-returncode).name}"
            else:
                reason = f"command exited with code {returncode}"
            if self.last_stderr:
                reason += ": " + truncate(self.last_stderr, _REASON_LIMIT)
            status = "error"
        text = "".join(self.text)
        output = result.output if "output" in result.model_fields_set else text or None
        return RunOutcome(
            status,
            reason,
            output=output,
            structured_output=result.structured_output,
            cost_tokens=result.cost_millicents,
            tokens_total=result.tokens_total,
        )
