"""Lint settings: which rules run and the platform maximums, read from the project's config.

Looked up from the working directory upwards (stopping at the repository root):
``.agent-lint.yaml`` or ``[tool.agent-lint]`` in ``pyproject.toml``::

    disable: [budget-schedule]
    max-limits: {run: 50, day: null, week: null, month: null}
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from agentsync.config.files import os_reason
from agentsync.config.loader import Limits
from agentsync.errors import UsageError

LIMIT_WINDOWS = ("run", "day", "week", "month")
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
    unknown = set(raw) - {"disable", "max-limits"}
    if unknown:
        raise UsageError(f"{source}: unknown setting(s) {', '.join(sorted(unknown))}")
    disable = raw.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(r, str) for r in disable):
        raise UsageError(f"{source}: 'disable' must be a list of rule ids")
    max_limits = dict(DEFAULT_MAX_LIMITS)
    given = raw.get("max-limits", {})
    if not isinstance(given, dict) or set(given) - set(LIMIT_WINDOWS):
        raise UsageError(f"{source}: 'max-limits' takes run, day, week and month")
    for window, value in given.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise UsageError(f"{source}: max-limits.{window} must be a number or null")
        max_limits[window] = None if value is None else float(value)
    return Settings(disable=frozenset(disable), max_limits=max_limits, source=source)


SETTINGS_FILES = (".agent-lint.yaml", "pyproject.toml")  # looked for in this order


def parse_settings(name: str, text: str, source: str) -> Settings | None:
    """The settings in a file named ``name`` (one of :data:`SETTINGS_FILES`) whose content is
    ``text``; None for a ``pyproject.toml`` without ``[tool.agent-lint]``. ``source`` names
    the file in messages."""
    if name == ".agent-lint.yaml":
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise UsageError(f"{source}: cannot parse: {error}") from error
        return _from_mapping(raw, source)
    import tomllib  # only when a pyproject.toml is there: keeps the cold start small

    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{source}: cannot parse: {error}") from error
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
