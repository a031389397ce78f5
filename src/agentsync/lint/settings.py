"""Lint settings: which rules run and the platform maximums, read from the project's config.

Looked up from the working directory upwards (stopping at the repository root):
``.agent-lint.yaml`` or ``[tool.agent-lint]`` in ``pyproject.toml``::

    disable: [budget-schedule]
    max-limits: {run: 50, day: null, week: null, month: null}

``.agent-lint.yaml`` is read as YAML 1.2, like the configs (``on`` and ``yes`` are strings),
and its errors are one line with the file, line and column. A misspelt setting is an error
with the closest name. A rule id in ``disable`` that names no rule is a warning, and so is an
error rule, which agent-lint then stops reporting though the sync engine and the control
plane still refuse a config that breaks it (``agentsync.lint.rules.disable_warnings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from agentsync.config.files import os_reason
from agentsync.config.loader import Limits, load_text
from agentsync.config.money import MAX_AMOUNT, dollars
from agentsync.config.suggest import did_you_mean
from agentsync.errors import UsageError

LIMIT_WINDOWS = ("run", "day", "week", "month")
SETTING_NAMES = ("disable", "max-limits")
DEFAULT_MAX_LIMITS: dict[str, float | None] = {
    "run": 50.0,
    "day": None,
    "week": None,
    "month": None,
}


class Settings(NamedTuple):
    """Everything that changes what agent-lint reports."""

    disable: frozenset[str] = frozenset()
    max_limits: Mapping[str, float | None] = DEFAULT_MAX_LIMITS
    load_limits: Limits = Limits()
    source: str | None = None  # the file the settings came from, for messages

    def with_disabled(self, rules: list[str]) -> Settings:
        return self._replace(disable=self.disable | frozenset(rules))


def _from_mapping(raw: Any, source: str) -> Settings:
    if raw is None:
        return Settings(source=source)
    if not isinstance(raw, dict):
        raise UsageError(f"{source}: settings must be a mapping")
    for name in raw:
        if name not in SETTING_NAMES:
            known = ", ".join(SETTING_NAMES)
            suggestion = did_you_mean(str(name), SETTING_NAMES) or f" (the settings are {known})"
            raise UsageError(f"{source}: unknown setting {str(name)!r}{suggestion}")
    disable = raw.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(r, str) for r in disable):
        example = (
            'disable = ["budget-schedule"]' if ".toml" in source else "disable: [budget-schedule]"
        )
        raise UsageError(f"{source}: 'disable' must be a list of rule ids, e.g. {example}")
    max_limits = dict(DEFAULT_MAX_LIMITS)
    given = raw.get("max-limits", {})
    if not isinstance(given, dict) or set(given) - set(LIMIT_WINDOWS):
        raise UsageError(f"{source}: 'max-limits' takes run, day, week and month")
    for window, value in given.items():
        amount = None if value is None else dollars(value)
        if value is not None and (amount is None or amount < 0):
            raise UsageError(
                f"{source}: max-limits.{window} must be a number of dollars "
                f"from 0 to {MAX_AMOUNT:,}, or null"
            )
        max_limits[window] = amount
    return Settings(disable=frozenset(disable), max_limits=max_limits, source=source)


def _yaml_settings(text: str, source: str) -> Any:
    """The data of ``.agent-lint.yaml``, read as configs are (YAML 1.2, duplicate keys refused);
    a problem is one line naming the file and position."""
    document = load_text(text, source)
    if document.problems:
        first = document.problems[0]
        raise UsageError(f"{source}:{first.line}:{first.column}: {first.message}")
    return document.data


SETTINGS_FILES = (".agent-lint.yaml", "pyproject.toml")  # looked for in this order


def parse_settings(name: str, text: str, source: str) -> Settings | None:
    """The settings in a file named ``name`` (one of :data:`SETTINGS_FILES`) whose content is
    ``text``; None for a ``pyproject.toml`` without ``[tool.agent-lint]``. ``source`` names
    the file in messages."""
    if name == ".agent-lint.yaml":
        return _from_mapping(_yaml_settings(text, source), source)
    import tomllib  # only when a pyproject.toml is there: keeps the cold start small

    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{source}: cannot parse: {error}") from error
    except RecursionError as error:  # tomllib recurses into each nested array and table
        raise UsageError(
            f"{source}: cannot parse: arrays or tables are nested too deeply"
        ) from error
    if not isinstance(tool, dict) or "agent-lint" not in tool:
        return None
    return _from_mapping(tool["agent-lint"], f"{source} [tool.agent-lint]")


def find_settings(start: Path, stop: Path | None = None) -> Settings:
    """The settings of the nearest ``.agent-lint.yaml`` or ``pyproject.toml`` above ``start``.
    A symbolic link is not a settings file (as for configs: git stores the link, and a pull
    request must not make agent-lint read, and quote in an error, a file outside it)."""
    for directory in (start, *start.parents):
        for name in SETTINGS_FILES:
            path = directory / name
            if path.is_symlink() or not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as error:
                raise UsageError(f"{path}: cannot parse: {error}") from error
            except OSError as error:
                raise UsageError(f"{path}: cannot read it ({os_reason(error)})") from error
            settings = parse_settings(name, text, str(path))
            if settings is not None:
                return settings
        if directory == stop or (directory / ".git").exists():
            break
    return Settings()
