"""What the ``agent`` commands that call the Ellipsis API share: the client (settings from
``ELLIPSIS_API_BASE_URL`` / ``ELLIPSIS_API_TOKEN``, else the Ellipsis CLI's config.json), config
files read and checked before they are sent, and following a run to its end.

The client, httpx and websockets are imported inside the functions, so ``agent --help`` stays
fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentsync.cli.boundary import ExitCode
from agentsync.errors import AgentsyncError, UsageError

if TYPE_CHECKING:
    from agentsync.cli.printers import EllipsisPrinter
    from agentsync.client.api import Client
    from agentsync.client.records import Run


def client_from_environment() -> Client:
    from agentsync.client.api import client_from_environment as from_environment

    return from_environment()


def read_config_file(path: Path) -> dict[str, Any]:
    """A config file's mapping, validated here first: errors carry file:line:col."""
    from agentsync.config.loader import load_text
    from agentsync.lint.validation import ConfigRejected, validate_yaml

    text = _read_text(path)
    try:
        validate_yaml(text, str(path))
    except ConfigRejected as error:
        problems = error.detail if isinstance(error.detail, list) else [{"message": error.detail}]
        raise AgentsyncError("; ".join(_at(path, p) for p in problems)) from error
    data = load_text(text, str(path)).data
    assert isinstance(data, dict)  # validate_yaml accepts only a mapping with 'ellipsis:'
    return data


def _at(path: Path, problem: dict[str, Any]) -> str:
    """``file:line:col: message [rule]``, as agent-lint writes it."""
    if problem.get("line") is None:
        return f"{path}: {problem.get('message')}"
    return f"{path}:{problem['line']}:{problem['column']}: {problem['message']} [{problem['rule']}]"


def override_yaml(inline: str | None, path: Path | None) -> str | None:
    """The ``--config-override`` text, or the ``--config-override-file``'s: at most one."""
    if inline is not None and path is not None:
        raise UsageError("give at most one of --config-override and --config-override-file")
    return _read_text(path) if path is not None else inline


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read: {error}") from error


def show_or_watch(client: Client, run: Run, out: EllipsisPrinter, *, watch: bool) -> int:
    """Print the run; or follow it to its end and exit 0 only if it completed."""
    if not watch:
        out.run(run)
        return ExitCode.OK
    out.started(run)
    for event in client.follow_run(run.id):
        out.event(event)
    final = client.get_run(run.id)
    out.finished(final)
    return ExitCode.OK if final.status == "completed" else ExitCode.FAILED
