"""``agent run ... --platform NAME``: the same commands on every platform, output normalized.

``agentsync.cli.run`` parses the options and hands them here when ``--platform`` is given;
this module opens the profile's adapter (``agentsync.platforms.driver``), refuses options the
platform does not take (naming the flag), calls, and prints ``NormalizedRun``s through
``agentsync.cli.printers.PlatformPrinter``. Write-only values (``--env``) go to the adapter
and nowhere else.

Imports of the HTTP stack happen in the functions, so ``agent --help`` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from agentsync.cli.boundary import ExitCode
from agentsync.cli.printers import PlatformPrinter
from agentsync.errors import UsageError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from agentsync.platforms.base import Adapter
    from agentsync.platforms.model import NormalizedRun
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


@contextmanager
def _naming_flags(names: Iterable[str]) -> Iterator[None]:
    """An adapter refuses an option by its parameter's name (``retention_seconds must be
    ...``); say the flag the user typed instead (``--retention-seconds must be ...``)."""
    from agentsync.platforms.errors import InvalidInput

    try:
        yield
    except InvalidInput as error:
        text = str(error)
        for name in sorted(names, key=len, reverse=True):
            for spelt in (name, name.replace("_", " ")):
                if re.match(rf"{re.escape(spelt)}\b", text):
                    raise InvalidInput(flag(name) + text[len(spelt) :]) from None
        raise


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


def _follow(adapter: Adapter, run: NormalizedRun, out: PlatformPrinter) -> int:
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
    return ExitCode.OK if final.status == "succeeded" else ExitCode.FAILED


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
    out = PlatformPrinter(as_json)
    with _open(profile, deployment) as adapter:
        with _naming_flags(given):
            run = adapter.start(**given)
        if watch:
            return _follow(adapter, run, out)
    out.run(run)
    return ExitCode.OK


def get(platform: str, deployment: str | None, run_id: str, *, watch: bool, as_json: bool) -> int:
    out = PlatformPrinter(as_json)
    with _open(_profile(platform), deployment) as adapter:
        run = adapter.get(run_id)
        if watch:
            return _follow(adapter, run, out)
    out.run(run)
    return ExitCode.OK


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
    with _open(profile, deployment) as adapter, _naming_flags([*given, "page_size", "source"]):
        runs = list(adapter.list(limit=limit, page_size=page_size, **given))
    PlatformPrinter(as_json).runs(runs)


def cancel(platform: str, deployment: str | None, run_id: str, *, as_json: bool) -> None:
    with _open(_profile(platform), deployment) as adapter:
        run = adapter.cancel(run_id)
    out = PlatformPrinter(as_json)
    if as_json:
        out.run(run)
    else:
        out.status(run)


def replay(
    platform: str, run_id: str, options: Mapping[str, str | None], *, watch: bool, as_json: bool
) -> int:
    from agentsync.platforms.driver import replay as replay_run

    out = PlatformPrinter(as_json)
    with _open(_profile(platform), None) as adapter:
        run = replay_run(adapter, run_id, **options)
        if watch:
            return _follow(adapter, run, out)
    out.run(run)
    return ExitCode.OK


def send_input(platform: str, run_id: str, content: str, *, as_json: bool) -> None:
    from agentsync.platforms.driver import send_input as send

    with _open(_profile(platform), None) as adapter:
        send(adapter, run_id, content)
    PlatformPrinter(as_json).input_sent(run_id)
