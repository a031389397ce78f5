"""The preview's additions in words, shared by its text and Markdown forms: a schedule change,
a budget exposure, an agent switched on or off, limits removed, an agent that stops."""

from __future__ import annotations

from agentsync.config.money import money
from agentsync.config.schedule.words import fire_time
from agentsync.sync.preview.model import EnabledChange, Exposure, FilePreview, ScheduleChange

AGAINST_EMPTY = "Previewed against an empty state: no control plane was given."
_STOPS = {
    "cron": "its cron schedule stops",
    "react": "it stops reacting to repository events",
    "mention": "it stops answering mentions",
}


def next_fires_text(change: ScheduleChange) -> str:
    if not change.next_fires:
        return "it never fires again"
    return "next " + ", ".join(fire_time(moment) for moment in change.next_fires)


def exposure_text(exposure: Exposure) -> str:
    """E.g. "up to 48 runs a day × $2 = $96, capped by limits.day at $20"."""  # noqa: RUF002
    if not exposure.enabled:
        return "disabled: it does not run"
    fires, run, day = exposure.fires_per_day, exposure.run, exposure.day
    if fires is None and not exposure.on_events:
        return "no triggers: it runs only when started by hand"
    parts = []
    if fires is not None:
        runs = f"up to {fires:,} run{'s' if fires != 1 else ''} a day"
        if exposure.on_events:
            parts.append(f"{runs} on its schedule, and one on each event or mention")
        elif run is None:
            parts.append(f"{runs}, each up to the account's default limits.run")
        else:
            parts.append(f"{runs} × {money(run)} = {money(fires * run)}")  # noqa: RUF001
    else:
        each = "" if run is None else f", each up to {money(run)}"
        parts.append(f"a run on each event or mention{each}")
    if day is not None and (exposure.daily is None or exposure.daily >= day):
        parts.append(f"capped by limits.day at {money(day)}")
    elif day is not None:
        parts.append(f"within limits.day of {money(day)}")
    elif exposure.daily is None:
        parts.append("no limits.day of its own (the account default applies)")
    rise = rise_text(exposure)
    return ", ".join(parts) + (f" ({rise})" if rise else "")


def rise_text(exposure: Exposure) -> str:
    """How the daily exposure rises ("new exposure", "rises from $20 a day"); "" if it does not."""
    if not exposure.rises:
        return ""
    if not exposure.before:
        return "new exposure"
    if exposure.daily is None:
        return f"rises: was at most {money(exposure.before)} a day"
    return f"rises from {money(exposure.before)} a day"


def enabled_text(change: EnabledChange) -> str:
    return "now disabled: it stops running" if change.before else "now enabled: it starts running"


def limits_removed_text(windows: tuple[str, ...]) -> str:
    names = ", ".join(f"limits.{window}" for window in windows)
    defaults = "defaults apply" if len(windows) > 1 else "default applies"
    return f"{names} removed: the account {defaults}"


def stops_text(file: FilePreview) -> str:
    """Why the agent would stop: deleted (and what stops with it), or disabled."""
    if file.stops == "disabled":
        return "disabled"
    stops = [_STOPS[kind] for kind in file.action.triggers if kind in _STOPS]
    return "deleted" + (f": {'; '.join(stops)}" if stops else "")
