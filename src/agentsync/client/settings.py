"""Where the control-plane client calls and with what token, resolved as the platform's own
``agent`` CLI resolves them: the arguments, else the environment (``ELLIPSIS_API_BASE_URL``, or
``ELLIPSIS_API_BASE``; ``ELLIPSIS_API_TOKEN``), else the file
``$ELLIPSIS_CONFIG_DIR/config.json`` (default ``~/.config/ellipsis/config.json``, a JSON object
with ``apiBase`` and ``token``), else ``https://api.ellipsis.dev`` and no token. The stream's
base is ``ELLIPSIS_WS_BASE``, else the API base with ``ws(s)://``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from agentsync.errors import UsageError
from agentsync.settings import (
    ELLIPSIS_API_BASE,
    ELLIPSIS_API_BASE_URL,
    ELLIPSIS_API_TOKEN,
    ELLIPSIS_CONFIG_DIR,
    ELLIPSIS_WS_BASE,
)
from agentsync.urls import redact_url

DEFAULT_BASE_URL: Final = "https://api.ellipsis.dev"
BASE_URL_VARIABLES: Final = (ELLIPSIS_API_BASE_URL.name, ELLIPSIS_API_BASE.name)
TOKEN_VARIABLE: Final = ELLIPSIS_API_TOKEN.name
CONFIG_DIR_VARIABLE: Final = ELLIPSIS_CONFIG_DIR.name
DEFAULT_CONFIG_DIR: Final = "~/.config/ellipsis"
CONFIG_FILE_NAME: Final = "config.json"
WS_BASE_VARIABLE: Final = ELLIPSIS_WS_BASE.name


@dataclass(frozen=True)
class ConnectionSettings:
    """Where to call and with what; ``repr`` leaves the token out."""

    base_url: str = DEFAULT_BASE_URL
    token: str | None = field(default=None, repr=False)
    ws_base: str | None = None  # None: the base URL with ws:// or wss://

    @property
    def stream_base(self) -> str:
        """The WebSocket base: ``ws_base``, else the base URL with ``ws://`` or ``wss://``."""
        if self.ws_base is not None:
            return self.ws_base
        scheme, rest = self.base_url.split("://", 1)
        return {"https": "wss"}.get(scheme, "ws") + "://" + rest


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    """``$ELLIPSIS_CONFIG_DIR/config.json``, by default ``~/.config/ellipsis/config.json``."""
    environ = os.environ if environ is None else environ
    directory = environ.get(CONFIG_DIR_VARIABLE) or DEFAULT_CONFIG_DIR
    return Path(directory).expanduser() / CONFIG_FILE_NAME


def _config_data(path: Path) -> dict[str, Any]:
    """The ``agent`` CLI's settings file as it is (empty when there is none); a file that
    cannot be read, or is not a JSON object, is a one-line ``UsageError``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    # UnicodeDecodeError and JSONDecodeError are ValueErrors; RecursionError: nested too deep
    except (OSError, ValueError, RecursionError) as error:
        raise UsageError(f"{path}: cannot read the client settings: {error}") from error
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the client settings must be a JSON object")
    return data


def _read_config_file(path: Path) -> dict[str, str]:
    """``apiBase`` and ``token`` from the ``agent`` CLI's settings file, if there is one."""
    data = _config_data(path)
    settings: dict[str, str] = {}
    for key in ("apiBase", "token"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise UsageError(f"{path}: {key} must be a string")
        settings[key] = value
    return settings


def load_settings(
    base_url: str | None = None,
    token: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ConnectionSettings:
    """Arguments, else the environment, else the config file, else the defaults."""
    environ = os.environ if environ is None else environ
    from_file = _read_config_file(config_file(environ))
    base_url = (
        base_url
        or next((environ[v] for v in BASE_URL_VARIABLES if environ.get(v)), None)
        or from_file.get("apiBase")
        or DEFAULT_BASE_URL
    )
    token = token or environ.get(TOKEN_VARIABLE) or from_file.get("token") or None
    token = token.strip() or None if token else None  # a stray newline or space around it
    if _scheme(base_url) not in ("http", "https"):
        raise UsageError(
            f"the API base URL is not an http:// or https:// URL: {redact_url(base_url)!r}"
        )
    ws_base = environ.get(WS_BASE_VARIABLE) or None
    if ws_base is not None and _scheme(ws_base) not in ("ws", "wss"):
        raise UsageError(
            f"{WS_BASE_VARIABLE} is not a ws:// or wss:// URL: {redact_url(ws_base)!r}"
        )
    return ConnectionSettings(
        base_url=base_url.rstrip("/"),
        token=token,
        ws_base=ws_base.rstrip("/") if ws_base else None,
    )


def write_login(path: Path, base_url: str | None, token: str | None) -> None:
    """Store (``token`` given) or remove (None) the token in the ``agent`` CLI's settings file,
    with ``apiBase`` when given, keeping its other keys. The file is written whole, then moved
    into place, readable by its owner only."""
    data = _config_data(path)
    if token is None:
        data.pop("token", None)
    else:
        data["token"] = token
    if base_url is not None:
        data["apiBase"] = base_url
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(staged, path)


def _scheme(url: str) -> str | None:
    """The scheme of a URL that parses (with a valid host and port), else None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError:  # an unclosed IPv6 bracket, a bad port
        return None
    return parts.scheme
