"""Platform profiles: the named platforms ``agent run ... --platform NAME`` can drive.

A profile says which kind of API a platform speaks, where, and which environment variable
holds its token; never the token itself. Profiles come from a TOML file, by default
``$XDG_CONFIG_HOME/agentsync/platforms.toml`` (``~/.config/agentsync/platforms.toml``), or the
file ``$AGENTSYNC_PLATFORMS_FILE`` names::

    [platforms.ci-threads]
    kind = "threads"                    # ellipsis | deployments | threads | ambient
    base_url = "https://api.example.com"
    token_env = "THREADS_API_TOKEN"     # the NAME of the variable that holds the token
    deployment = "dep_123"              # deployments only: the default --deployment

and from the environment: ``AGENTSYNC_PLATFORM_<NAME>_KIND``, ``_BASE_URL``, ``_TOKEN_ENV`` and
``_DEPLOYMENT`` (``NAME`` upper-cased, ``-`` as ``_``) define a profile or override the file's
fields. ``ellipsis`` is built in: the Ellipsis API with the settings ``agent run`` reads without
``--platform`` (``ELLIPSIS_API_BASE_URL``, ``ELLIPSIS_API_TOKEN``, the Ellipsis CLI's
``config.json``); a profile of kind ``ellipsis`` may leave ``base_url`` and ``token_env`` out
for the same. Every problem is a ``UsageError`` naming the file and line, or the variable.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, get_args
from urllib.parse import urlsplit

from agentsync.errors import UsageError
from agentsync.platforms.model import Platform
from agentsync.settings import AGENTSYNC_PLATFORMS_FILE, XDG_CONFIG_HOME

FILE_VARIABLE: Final = AGENTSYNC_PLATFORMS_FILE.name
ENV_PREFIX: Final = "AGENTSYNC_PLATFORM_"
BUILT_IN: Final = "ellipsis"
KINDS: tuple[str, ...] = get_args(Platform)
FIELDS: Final = ("kind", "base_url", "token_env", "deployment")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DECODE_AT = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


@dataclass(frozen=True)
class Profile:
    name: str
    kind: Platform
    base_url: str | None = None
    token_env: str | None = None
    deployment: str | None = None
    origin: str = "built in"  # where it was defined: ``file:line``, or the environment

    def token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The token from ``token_env``; None for a profile without one (Ellipsis settings)."""
        if self.token_env is None:
            return None
        environ = os.environ if environ is None else environ
        token = environ.get(self.token_env)
        if not token:
            raise UsageError(
                f"platform {self.name!r}: its token variable {self.token_env} is not set "
                f"(profile {self.origin})"
            )
        return token


def platforms_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get(FILE_VARIABLE):
        return Path(environ[FILE_VARIABLE]).expanduser()
    config_home = environ.get(XDG_CONFIG_HOME.name) or "~/.config"
    return Path(config_home).expanduser() / "agentsync" / "platforms.toml"


def load_profile(name: str, environ: Mapping[str, str] | None = None) -> Profile:
    """The profile ``name``: the file's, with the environment's fields over it."""
    environ = os.environ if environ is None else environ
    if not NAME.fullmatch(name):
        raise UsageError(f"--platform {name!r}: a platform name is letters, digits, - and _")
    path = platforms_file(environ)
    profiles, text = _read(path)
    prefix = _env_prefix(name)
    from_env = {f: environ[prefix + f.upper()] for f in FIELDS if environ.get(prefix + f.upper())}
    if name in profiles:
        fields: dict[str, Any] = {**profiles[name], **from_env}
        origin = f"{path}:{_line_of(text, name)}"
    elif from_env:
        fields, origin = from_env, f"from {prefix}*"
    elif name == BUILT_IN:
        return Profile(BUILT_IN, "ellipsis")
    else:
        known = sorted({BUILT_IN, *profiles, *_from_environment(environ)})
        raise UsageError(
            f"no platform profile {name!r}: add [platforms.{name}] to {path} or set "
            f"{prefix}KIND (known: {', '.join(known)})"
        )
    return _profile(name, fields, origin, text, path if name in profiles else None)


def _env_prefix(name: str) -> str:
    """The start of the variables that define profile ``name``: ``AGENTSYNC_PLATFORM_NAME_``."""
    return ENV_PREFIX + name.upper().replace("-", "_") + "_"


def _from_environment(environ: Mapping[str, str]) -> set[str]:
    """The profiles the environment defines (``AGENTSYNC_PLATFORM_<NAME>_KIND``), by the name
    that finds them: ``NAME`` lower-cased."""
    return {
        variable.removeprefix(ENV_PREFIX).removesuffix("_KIND").lower()
        for variable, value in environ.items()
        if value
        and variable.startswith(ENV_PREFIX)
        and variable.endswith("_KIND")
        and len(variable) > len(ENV_PREFIX) + len("_KIND")
    }


def _read(path: Path) -> tuple[dict[str, Any], str]:
    """The file's ``platforms`` table and its text; nothing when there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, ""
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _DECODE_AT.match(str(error))
        if found is None:
            raise UsageError(f"{path}: invalid TOML: {error}") from error
        at = f"{path}:{found['line']}:{found['column']}"
        raise UsageError(f"{at}: invalid TOML: {found['message']}") from error
    except RecursionError as error:  # tomllib recurses into each nested array and table
        raise UsageError(f"{path}: invalid TOML: arrays or tables are nested too deeply") from error
    unknown = sorted(set(data) - {"platforms"})
    if unknown:
        line = _line_matching(text, rf"^\s*\[?\s*{re.escape(unknown[0])}\b")
        raise UsageError(
            f"{path}:{line}: unknown key {unknown[0]!r}: profiles go in [platforms.NAME]"
        )
    platforms = data.get("platforms", {})
    if not isinstance(platforms, dict):
        line = _line_matching(text, r"^\s*platforms\s*=")
        raise UsageError(f"{path}:{line}: platforms must be a table of [platforms.NAME] tables")
    for name, table in platforms.items():
        if not isinstance(table, dict):
            raise UsageError(f"{path}:{_line_of(text, name)}: platforms.{name} must be a table")
    return platforms, text


def _profile(
    name: str, fields: dict[str, Any], origin: str, text: str, path: Path | None
) -> Profile:
    def fail(key: str, why: str) -> UsageError:
        if path is None:  # from the environment
            variable = _env_prefix(name) + key.upper()
            return UsageError(f"platform {name!r}: {variable}: {why}")
        return UsageError(f"{path}:{_line_of(text, name, key)}: platform {name!r}: {key}: {why}")

    if "token" in fields:
        raise fail("token", "never put a token here: name its environment variable in token_env")
    for key, value in fields.items():
        if key not in FIELDS:
            raise fail(key, f"unknown key (known: {', '.join(FIELDS)})")
        if not isinstance(value, str) or not value:
            raise fail(key, "must be a non-empty string")
    kind = fields.get("kind")
    if kind not in KINDS:
        raise fail("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    base_url, token_env = fields.get("base_url"), fields.get("token_env")
    if kind != "ellipsis":
        for key, value in (("base_url", base_url), ("token_env", token_env)):
            if value is None:
                raise fail(key, f"required for the {kind} platform")
    if base_url is not None and urlsplit(base_url).scheme not in ("http", "https"):
        raise fail("base_url", f"must start with http:// or https://, got {base_url!r}")
    if token_env is not None and not VARIABLE.fullmatch(token_env):
        raise fail("token_env", f"is the NAME of an environment variable, not {token_env!r}")
    if "deployment" in fields and kind != "deployments":
        raise fail("deployment", "applies only to a deployments platform")
    return Profile(
        name=name,
        kind=kind,
        base_url=base_url.rstrip("/") if base_url else None,
        token_env=token_env,
        deployment=fields.get("deployment"),
        origin=origin,
    )


def _line_of(text: str, name: str, key: str | None = None) -> int:
    """The line of ``[platforms.NAME]`` (or of ``key`` in it); 1 when it cannot be told."""
    quoted = rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
    header = _line_matching(text, rf"^\s*\[\s*platforms\s*\.\s*{quoted}\s*\]")
    if key is None:
        return header
    lines = text.splitlines()
    for number in range(header, len(lines) + 1):
        line = lines[number - 1]
        if number > header and line.lstrip().startswith("["):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return header


def _line_matching(text: str, pattern: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(pattern, line):
            return number
    return 1
