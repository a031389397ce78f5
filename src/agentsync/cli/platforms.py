"""``agent run ... --platform NAME``: the same commands on every platform, output normalized.

``cli/run.py`` parses the options and hands them here when ``--platform`` is given; this module
opens the profile's adapter (``agentsync.platforms.driver``), refuses options the platform does
not take (naming the flag), calls, and prints ``NormalizedRun``s through ``RunPrinter``: a
readable block, a table, or JSON with ``--json`` (NDJSON when watching). Write-only values
(``--env``) go to the adapter and nowhere else.

Imports of the HTTP stack happen in the functions, so ``agent --help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from agentsync.cli.output import Output
from agentsync.errors import UsageError
from agentsync.tables import text_table

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from agentsync.platforms.base import Adapter
    from agentsync.platforms.model import Event, NormalizedRun
    from agentsync.platforms.profiles import Profile

# each option's flag, for messages (the adapters name them as their parameters)
FLAGS: Mapping[str, str] = {
    "config_id": "--config",
    "config": "--config-file",
    "template_id": "--template",
    "config_override_yaml": "--config-override",
    "metadata": "--metadata",
    "envs": "--env",
    "thread_id": "--thread",
    "sources": "--source",
}


def flag(name: str) -> str:
    return FLAGS.get(name, "--" + name.replace("_", "-"))


class EventLike(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


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
    return f"{event.seq} {event.type}: {text}"


def _time(stamp: str | None) -> str:
    return stamp.replace("T", " ")[:19] if stamp else "-"


def _cost(run: NormalizedRun) -> str:
    return "-" if run.cost_usd is None else f"${run.cost_usd:,.4f}"


def _status(run: NormalizedRun) -> str:
    return f"{run.status} ({run.native_status})"


class RunPrinter(Output):
    """The only place that writes normalized runs: text, or JSON (a line each when watching)."""

    def run(self, run: NormalizedRun) -> None:
        if self.as_json:
            self._json(run.model_dump(mode="json"))
            return
        fields = {
            "id": run.id,
            "platform": run.platform,
            "status": _status(run),
            "created": _time(run.created_at),
            "started": _time(run.started_at),
            "completed": _time(run.completed_at),
            "cost": _cost(run),
            "tokens": "-" if run.tokens is None else str(run.tokens),
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
        width = max(len(name) for name in fields) + 2
        self._line("\n".join(f"{name + ':':<{width}}{value}" for name, value in fields.items()))

    def status(self, run: NormalizedRun) -> None:
        """A line per status change while watching (the first one too)."""
        if self.as_json:
            self._json(run.model_dump(mode="json"), compact=True)
        else:
            self._line(f"{run.id} {_status(run)}")

    def event(self, event: Event) -> None:
        if self.as_json:
            self._json(event.model_dump(mode="json"), compact=True)
        else:
            self._line(event_text(event))

    def finished(self, run: NormalizedRun) -> None:
        if self.as_json:
            self._json(run.model_dump(mode="json"), compact=True)
            return
        reason = f": {run.failure_reason}" if run.failure_reason else ""
        self._line(f"{run.id} {_status(run)}{reason} (cost {_cost(run)})")

    def runs(self, runs: Iterable[NormalizedRun]) -> None:
        if self.as_json:
            self._json([r.model_dump(mode="json") for r in runs])
            return
        rows = [
            (
                r.id,
                r.status,
                r.native_status,
                _time(r.created_at),
                _cost(r),
                "-" if r.tokens is None else str(r.tokens),
            )
            for r in runs
        ]
        if not rows:
            self._line("no runs")
            return
        self._line(text_table(("ID", "STATUS", "NATIVE", "CREATED", "COST", "TOKENS"), rows))

    def input_sent(self, run_id: str) -> None:
        if self.as_json:
            self._json({"run_id": run_id, "ok": True})
        else:
            self._line(f"{run_id}: input sent")


# the commands' bodies -----------------------------------------------------------------------


def _only_given(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options the user gave (one left off is None, or empty when repeatable)."""
    return {k: v for k, v in options.items() if v is not None and v != () and v != {}}


def _refuse_others(kind: str, given: Mapping[str, Any], accepted: Iterable[str], what: str) -> None:
    extra = sorted(set(given) - set(accepted))
    if extra:
        takes = ", ".join(flag(n) for n in accepted) or "none"
        raise UsageError(
            f"{', '.join(flag(n) for n in extra)}: not an option of {what} on the {kind} "
            f"platform (it takes: {takes})"
        )


def _profile(platform: str) -> Profile:
    from agentsync.platforms.profiles import load_profile

    return load_profile(platform)


def _open(profile: Profile, deployment: str | None) -> AbstractContextManager[Adapter]:
    from agentsync.platforms.driver import open_adapter

    return open_adapter(profile, deployment=deployment)


def _follow(adapter: Adapter, run: NormalizedRun, out: RunPrinter) -> int:
    """Watch the run to its end; 0 only if it succeeded."""
    from agentsync.platforms.model import NormalizedRun
    from agentsync.platforms.watch import watch

    out.status(run)
    final = run
    for update in watch(adapter, run.id, initial=run):
        if isinstance(update, NormalizedRun):
            final = update
            if not update.final:
                out.status(update)
        else:
            out.event(update)
    out.finished(final)
    return 0 if final.status == "succeeded" else 1


def start(
    platform: str,
    deployment: str | None,
    options: Mapping[str, Any],
    *,
    watch: bool,
    as_json: bool,
) -> int:
    from agentsync.platforms.driver import start_options

    profile = _profile(platform)
    given = _only_given(options)
    accepted = start_options(profile.kind)
    _refuse_others(profile.kind, given, accepted, "start")
    missing = [flag(name) for name, required in accepted.items() if required and name not in given]
    if missing:
        raise UsageError(
            f"{', '.join(missing)}: required to start a run on the {profile.kind} platform"
        )
    out = RunPrinter(as_json)
    with _open(profile, deployment) as adapter:
        run = adapter.start(**given)
        if watch:
            return _follow(adapter, run, out)
    out.run(run)
    return 0


def get(platform: str, deployment: str | None, run_id: str, *, watch: bool, as_json: bool) -> int:
    out = RunPrinter(as_json)
    with _open(_profile(platform), deployment) as adapter:
        run = adapter.get(run_id)
        if watch:
            return _follow(adapter, run, out)
    out.run(run)
    return 0


def list_runs(
    platform: str,
    deployment: str | None,
    filters: Mapping[str, Any],
    *,
    limit: int,
    page_size: int | None,
    as_json: bool,
) -> None:
    from agentsync.platforms.driver import list_filters

    profile = _profile(platform)
    given = _only_given(filters)
    if profile.kind == "ambient" and "sources" in given:
        sources = given.pop("sources")
        if len(sources) > 1:
            raise UsageError("--source: an ambient platform filters on one source")
        given["source"] = sources[0]
    _refuse_others(profile.kind, given, list_filters(profile.kind), "list")
    with _open(profile, deployment) as adapter:
        runs = list(adapter.list(limit=limit, page_size=page_size, **given))
    RunPrinter(as_json).runs(runs)


def cancel(platform: str, deployment: str | None, run_id: str, *, as_json: bool) -> None:
    with _open(_profile(platform), deployment) as adapter:
        run = adapter.cancel(run_id)
    out = RunPrinter(as_json)
    if as_json:
        out.run(run)
    else:
        out.status(run)


def replay(
    platform: str, run_id: str, options: Mapping[str, str | None], *, watch: bool, as_json: bool
) -> int:
    from agentsync.platforms.driver import replay as replay_run

    out = RunPrinter(as_json)
    with _open(_profile(platform), None) as adapter:
        run = replay_run(adapter, run_id, **options)
        if watch:
            return _follow(adapter, run, out)
    out.run(run)
    return 0


def send_input(platform: str, run_id: str, content: str, *, as_json: bool) -> None:
    from agentsync.platforms.driver import send_input as send

    with _open(_profile(platform), None) as adapter:
        send(adapter, run_id, content)
    RunPrinter(as_json).input_sent(run_id)
