"""The only place the ``agent`` commands write runs, events and configs: readable lines and
tables by default, JSON with ``--json`` (one object per line, NDJSON, when watching).

``EllipsisPrinter`` writes the Ellipsis API's runs and configs (``agent run`` without
``--platform``, ``agent config``); ``PlatformPrinter`` writes the normalized runs of any
``--platform``. What both do the same way (an event, a run in JSON) is in ``Printer``.

What a server sends is shown, never obeyed: in text, its control characters (escape
sequences, carriage returns) and bidi overrides are escaped, and only multi-line values
(output, prompts, events' text, YAML) keep their line breaks.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Protocol

import click

from agentsync.config.secrets import shortened
from agentsync.printable import printable, printable_lines
from agentsync.tables import text_table

if TYPE_CHECKING:
    from agentsync.client.records import AgentConfigRecord, Run, VariableInfo
    from agentsync.platforms.model import NormalizedRun


class Dumpable(Protocol):
    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


class EventLike(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


def event_text(event: EventLike) -> str:
    """``seq type: text``: what happened, in a line a person reads."""
    data = event.data
    if isinstance(data.get("content"), str):
        text = data["content"].rstrip("\n")  # the line ends here already
    elif event.type in ("run.completed", "run.failed", "run.cancelled"):
        text = str(data.get("status_reason") or data.get("status") or "")
    elif "name" in data:
        rest = {k: v for k, v in data.items() if k != "name"}
        text = f"{data['name']} {json.dumps(rest, sort_keys=True)}" if rest else str(data["name"])
    else:
        text = json.dumps(data, sort_keys=True)
    return printable_lines(f"{event.seq} {event.type}: {text}")


def _time(stamp: str | None) -> str:
    return stamp.replace("T", " ")[:19] if stamp else "-"


MULTI_LINE = frozenset({"output", "prompt"})  # the fields whose line breaks are kept


def _fields(
    fields: dict[str, str], width: int, colours: Mapping[str, str | None] | None = None
) -> str:
    """``name: value`` lines, the values escaped, then coloured."""
    colours = colours or {}
    return "\n".join(
        f"{name + ':':<{width}}"
        + click.style(
            printable_lines(value) if name in MULTI_LINE else printable(value),
            fg=colours.get(name),
        )
        for name, value in fields.items()
    )


class Printer:
    """One stream, readable text or JSON; what every printer writes the same way."""

    def __init__(self, as_json: bool, stream: IO[str] | None = None) -> None:
        self.as_json = as_json
        self.stream = stream

    def _line(self, text: str) -> None:
        click.echo(text, file=self.stream)

    def _json(self, value: Any, *, compact: bool = False) -> None:
        self._line(json.dumps(value, indent=None if compact else 2))

    def _one(self, item: Dumpable, text: str, *, compact: bool = False) -> None:
        """``item`` as JSON, else ``text``."""
        if self.as_json:
            self._json(item.model_dump(mode="json"), compact=compact)
        else:
            self._line(text)

    def _table(
        self,
        items: Sequence[Dumpable],
        empty: str,
        header: tuple[str, ...],
        rows: Iterable[tuple[str, ...]],
        colours: Sequence[str | None] = (),
    ) -> None:
        """A list: JSON, ``empty`` when there is nothing, else a table with ``header``; each
        row in its colour from ``colours`` (when the command colours its output)."""
        if self.as_json:
            self._json([item.model_dump(mode="json") for item in items])
        elif not items:
            self._line(empty)
        else:
            cells = (tuple(printable(cell) for cell in row) for row in rows)
            head, *lines = text_table(header, cells).splitlines()
            self._line(head)
            for line, colour in itertools.zip_longest(lines, colours[: len(lines)]):
                self._line(click.style(line, fg=colour) if colour else line)

    def event(self, event: EventLike) -> None:
        self._one(event, event_text(event), compact=True)


# Ellipsis runs and configs ------------------------------------------------------------------


def _usd(millicents: int) -> str:
    return f"${millicents / 100_000:,.4f}"


def _enabled(record: AgentConfigRecord) -> str:
    return "deleted" if record.deleted else ("yes" if record.enabled else "no")


def _source(record: AgentConfigRecord) -> str:
    return f"{record.repository}:{record.path}" if record.repository else "-"


def _sync(record: AgentConfigRecord) -> str:
    return "error" if record.last_sync_error else "ok"


# A run's status on a terminal (click drops the colour unless ``agent --color`` decided on it).
STATUS_COLOURS = {
    "completed": "green",
    "running": "cyan",
    "creating_sandbox": "cyan",
    "scheduled": "cyan",
    "error": "red",
    "cancelled": "yellow",
    "stopped": "yellow",
}

# A run's metadata keys that are the client's bookkeeping, not the user's: not shown by
# ``run get`` (JSON output keeps the record whole).
INTERNAL_METADATA = frozenset({"agentsync_request_id"})  # client.api.REQUEST_ID_KEY (tested)


def _config_name(record: AgentConfigRecord) -> str:
    return _name_in(record.agent_config)


def _run_name(run: Run) -> str:
    """The name of the config the run ran (its snapshot), else its config id."""
    name = _name_in(run.config_snapshot)
    return name if name != "-" else (run.agent_config_id or "-")


def _name_in(agent_config: Mapping[str, Any]) -> str:
    marker = agent_config.get("ellipsis")
    return str((marker if isinstance(marker, dict) else {}).get("name") or "-")


class EllipsisPrinter(Printer):
    """Writes the Ellipsis API's runs and configs."""

    def run(self, run: Run) -> None:
        fields = {
            "id": run.id,
            "status": run.status + (f" ({run.status_reason})" if run.status_reason else ""),
            "source": run.source,
            "config": run.agent_config_id or "-",
            "created": _time(run.created_at),
            "updated": _time(run.updated_at),
            "cost": _usd(run.cost_millicents),
            "tokens": str(run.tokens_total),
        }
        if run.prompt:
            fields["prompt"] = run.prompt
        if run.output:
            fields["output"] = run.output
        shown = {k: v for k, v in run.metadata.items() if k not in INTERNAL_METADATA}
        if shown:
            fields["metadata"] = ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))
        self._one(run, _fields(fields, 10, {"status": STATUS_COLOURS.get(run.status)}))

    def started(self, run: Run) -> None:
        if not self.as_json:
            self._line(printable(f"{run.id} {run.status}"))

    def finished(self, run: Run) -> None:
        line = _finished_line(run.id, run.status, run.status_reason, _usd(run.cost_millicents))
        self._one(run, line, compact=True)

    def runs(self, runs: Sequence[Run]) -> None:
        rows = (
            (
                r.id,
                _run_name(r),
                r.status,
                r.source,
                _time(r.created_at),
                _usd(r.cost_millicents),
                shortened(r.status_reason or "", 60),
            )
            for r in runs
        )
        header = ("ID", "NAME", "STATUS", "SOURCE", "CREATED", "COST", "REASON")
        self._table(runs, "no runs", header, rows, [STATUS_COLOURS.get(r.status) for r in runs])

    def variables(self, variables: Sequence[VariableInfo]) -> None:
        """Sandbox variables: names and times only; the API never returns a value."""
        rows = ((v.name, _time(v.created_at), _time(v.updated_at)) for v in variables)
        self._table(variables, "no sandbox variables", ("NAME", "CREATED", "UPDATED"), rows)

    def configs(self, configs: Sequence[AgentConfigRecord]) -> None:
        rows = (
            (c.id, _config_name(c), _source(c), _enabled(c), _time(c.updated_at), _sync(c))
            for c in configs
        )
        header = ("ID", "NAME", "SOURCE", "ENABLED", "UPDATED", "SYNC")
        self._table(configs, "no configs", header, rows)

    def config(self, record: AgentConfigRecord) -> None:
        fields = {
            "id": record.id,
            "name": _config_name(record),
            "source": _source(record),
            "enabled": _enabled(record),
            "commit": record.last_synced_commit_sha or "-",
            "last run": record.last_job_run_id or "-",
            "updated": _time(record.updated_at),
        }
        if record.last_sync_error:
            fields["sync error"] = record.last_sync_error
        text = _fields(fields, 12)
        if record.yaml:
            text += "\n\n" + printable_lines(record.yaml.rstrip("\n"))
        self._one(record, text)


# normalized runs of any --platform ----------------------------------------------------------


def _cost(run: NormalizedRun) -> str:
    return "-" if run.cost_usd is None else f"${run.cost_usd:,.4f}"


def _status(run: NormalizedRun) -> str:
    return f"{run.status} ({run.native_status})"


def _tokens(run: NormalizedRun) -> str:
    return "-" if run.tokens is None else str(run.tokens)


class PlatformPrinter(Printer):
    """Writes normalized runs (``agent run ... --platform NAME``)."""

    def run(self, run: NormalizedRun) -> None:
        fields = {
            "id": run.id,
            "platform": run.platform,
            "status": _status(run),
            "created": _time(run.created_at),
            "started": _time(run.started_at),
            "completed": _time(run.completed_at),
            "cost": _cost(run),
            "tokens": _tokens(run),
        }
        if run.exit_code is not None:
            fields["exit code"] = str(run.exit_code)
        if run.failure_reason:
            fields["failure"] = run.failure_reason
        if run.output is not None:
            output = run.output if isinstance(run.output, str) else json.dumps(run.output)
            fields["output"] = output
        for name, value in sorted({**run.native, **run.links}.items()):
            fields[name] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        self._one(run, _fields(fields, max(len(name) for name in fields) + 2))

    def status(self, run: NormalizedRun) -> None:
        """A line per status change while watching (the first one too)."""
        self._one(run, printable(f"{run.id} {_status(run)}"), compact=True)

    def finished(self, run: NormalizedRun) -> None:
        line = _finished_line(run.id, _status(run), run.failure_reason, _cost(run))
        self._one(run, line, compact=True)

    def runs(self, runs: Sequence[NormalizedRun]) -> None:
        rows = (
            (r.id, r.status, r.native_status, _time(r.created_at), _cost(r), _tokens(r))
            for r in runs
        )
        header = ("ID", "STATUS", "NATIVE", "CREATED", "COST", "TOKENS")
        self._table(runs, "no runs", header, rows)

    def input_sent(self, run_id: str) -> None:
        if self.as_json:
            self._json({"run_id": run_id, "ok": True})
        else:
            self._line(f"{run_id}: input sent")


def _finished_line(run_id: str, status: str, reason: str | None, cost: str) -> str:
    """The line a finished run ends with, on every platform: ``ID STATUS[: REASON] (cost C)``,
    its control characters escaped."""
    because = f": {reason}" if reason else ""
    return printable(f"{run_id} {status}{because} (cost {cost})")
