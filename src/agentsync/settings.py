"""Every environment variable and settings file agentsync reads, as plain data, and the
settings reference generated from it (``docs/settings.md``).

This is the list: a variable read anywhere in ``src/`` is here (a test scans the sources),
and ``docs/settings.md`` is generated from it (``make docs``; a test keeps it current). Code
names a variable through its entry (``XDG_STATE_HOME.name``) rather than spelling it again
(a test checks that too).
Importing this module costs nothing: agent-lint reads its own variables through it. The local
control plane's typed settings, built from these names, are in
``agentsync.localserver.environment``.
"""

from __future__ import annotations

from typing import NamedTuple


class Variable(NamedTuple):
    """An environment variable: its name (``<NAME>`` marks a part the user chooses), the
    default when it is unset, what it means, the commands that read it, and where."""

    name: str
    default: str
    meaning: str
    commands: str
    module: str
    secret: bool = False  # never printed or logged


class SettingsFile(NamedTuple):
    """A file agentsync reads settings or state from."""

    path: str
    meaning: str
    commands: str
    module: str


_CLIENT = "agent run, agent config, agent sync, agent serve, agent worker"
_SERVE = "agent serve, agent worker"

# the Ellipsis API (the control plane) -------------------------------------------------------

ELLIPSIS_API_BASE_URL = Variable(
    "ELLIPSIS_API_BASE_URL",
    "https://api.ellipsis.dev (or apiBase in the Ellipsis CLI's config.json)",
    "The control plane's API base URL.",
    _CLIENT,
    "agentsync/client/settings.py",
)
ELLIPSIS_API_BASE = Variable(
    "ELLIPSIS_API_BASE",
    "unset",
    "The same as ELLIPSIS_API_BASE_URL (the Ellipsis CLI's spelling); that one wins.",
    _CLIENT,
    "agentsync/client/settings.py",
)
ELLIPSIS_API_TOKEN = Variable(
    "ELLIPSIS_API_TOKEN",
    "token in the Ellipsis CLI's config.json",
    "The control plane's API token.",
    _CLIENT,
    "agentsync/client/settings.py, agentsync/service/setup.py",
    secret=True,
)
ELLIPSIS_WS_BASE = Variable(
    "ELLIPSIS_WS_BASE",
    "the API base URL with ws:// or wss://",
    "Where run events stream from (WebSocket).",
    "agent run --watch, agent run get --watch",
    "agentsync/client/settings.py",
)
ELLIPSIS_CONFIG_DIR = Variable(
    "ELLIPSIS_CONFIG_DIR",
    "~/.config/ellipsis",
    "The directory of the Ellipsis CLI's config.json.",
    _CLIENT,
    "agentsync/client/settings.py",
)

# agent run --platform -----------------------------------------------------------------------

AGENTSYNC_PLATFORM = Variable(
    "AGENTSYNC_PLATFORM",
    "unset: Ellipsis",
    "The platform profile `agent run` drives when --platform is not given.",
    "agent run",
    "agentsync/cli/options.py",
)
AGENTSYNC_PLATFORMS_FILE = Variable(
    "AGENTSYNC_PLATFORMS_FILE",
    "$XDG_CONFIG_HOME/agentsync/platforms.toml",
    "The platform profiles file.",
    "agent run --platform",
    "agentsync/platforms/profiles.py",
)
AGENTSYNC_PLATFORM_PROFILE = Variable(
    "AGENTSYNC_PLATFORM_<NAME>_KIND, _BASE_URL, _TOKEN_ENV, _DEPLOYMENT",
    "the profile file's fields",
    "Define the profile NAME (upper-cased, - as _) or override the file's fields.",
    "agent run --platform",
    "agentsync/platforms/profiles.py",
)
PLATFORM_TOKEN = Variable(
    "<TOKEN_ENV>",
    "none: the profile's token is required",
    "The variable a profile's token_env names: that platform's API token.",
    "agent run --platform",
    "agentsync/platforms/profiles.py",
    secret=True,
)
XDG_CONFIG_HOME = Variable(
    "XDG_CONFIG_HOME",
    "~/.config",
    "Where the platform profiles file is looked for.",
    "agent run --platform",
    "agentsync/platforms/profiles.py",
)

# state on this machine ----------------------------------------------------------------------

XDG_STATE_HOME = Variable(
    "XDG_STATE_HOME",
    "~/.local/state",
    "Where agentsync keeps its state: $XDG_STATE_HOME/agentsync.",
    "agent sync, agent control-plane, agent serve, agent worker",
    "platformdirs, for agentsync/state_dir.py",
)

# the local control plane --------------------------------------------------------------------

CONTROL_PLANE_TOKENS = Variable(
    "AGENTSYNC_CONTROL_PLANE_TOKENS",
    "none",
    "API keys the local control plane accepts (runs record source api), comma-separated; "
    "added to --token.",
    "agent control-plane serve",
    "agentsync/localserver/environment.py",
    secret=True,
)
CONTROL_PLANE_CLI_TOKENS = Variable(
    "AGENTSYNC_CONTROL_PLANE_CLI_TOKENS",
    "none",
    "User tokens the local control plane accepts (runs record source cli), comma-separated; "
    "added to --cli-token.",
    "agent control-plane serve",
    "agentsync/localserver/environment.py",
    secret=True,
)
AGENTSYNC_VAULT_KEY = Variable(
    "AGENTSYNC_VAULT_KEY",
    "the key file beside the database (.key), created on first start",
    "The key that encrypts the control plane's stored variable values.",
    "agent control-plane serve",
    "agentsync/localserver/vault.py",
    secret=True,
)

# agent serve and agent worker ---------------------------------------------------------------

AGENTSYNC_WEBHOOK_SECRET = Variable(
    "AGENTSYNC_WEBHOOK_SECRET",
    "none: required unless --webhook-secret-file",
    "The GitHub webhook's secret.",
    "agent serve",
    "agentsync/service/signature.py",
    secret=True,
)
AGENTSYNC_WEBHOOK_SECRET_PREVIOUS = Variable(
    "AGENTSYNC_WEBHOOK_SECRET_PREVIOUS",
    "unset",
    "The webhook's previous secret, still accepted while it is rotated.",
    "agent serve",
    "agentsync/service/signature.py",
    secret=True,
)
AGENTSYNC_GITHUB_TOKEN = Variable(
    "AGENTSYNC_GITHUB_TOKEN",
    "unset",
    "A GitHub token (comments only); or use a GitHub App, not both.",
    _SERVE,
    "agentsync/service/github/credentials.py",
    secret=True,
)
AGENTSYNC_GITHUB_APP_ID = Variable(
    "AGENTSYNC_GITHUB_APP_ID",
    "unset",
    "The GitHub App's id (a number), with its key file (check runs and comments).",
    _SERVE,
    "agentsync/service/github/credentials.py",
)
AGENTSYNC_GITHUB_APP_KEY_FILE = Variable(
    "AGENTSYNC_GITHUB_APP_KEY_FILE",
    "unset (--github-app-key-file)",
    "The GitHub App's private key file.",
    _SERVE,
    "agentsync/cli/serve.py",
)
AGENTSYNC_GITHUB_API_URL = Variable(
    "AGENTSYNC_GITHUB_API_URL",
    "https://api.github.com (--github-api-url)",
    "GitHub's REST API (GitHub Enterprise: https://HOST/api/v3).",
    _SERVE,
    "agentsync/cli/serve.py",
)
AGENTSYNC_GITHUB_WRITE_PAUSE = Variable(
    "AGENTSYNC_GITHUB_WRITE_PAUSE",
    "1",
    "Seconds between two writes to GitHub (0 to 3600), as GitHub asks of integrations.",
    _SERVE,
    "agentsync/service/setup.py",
)
PGPASSWORD = Variable(
    "PGPASSWORD",
    "~/.pgpass, or the URL's password",
    "The PostgreSQL password of a postgresql:// --database (read by the driver).",
    "agent serve, agent worker, agent serve migrate",
    "the PostgreSQL driver (psycopg)",
    secret=True,
)

# agent-lint ---------------------------------------------------------------------------------

GITHUB_ACTIONS = Variable(
    "GITHUB_ACTIONS",
    "unset",
    "When true, agent-lint's default --format is github (annotations).",
    "agent-lint",
    "agentsync/cli/lint.py",
)
NO_COLOR = Variable(
    "NO_COLOR",
    "unset",
    "When set to anything but an empty string, no colour (no-color.org); --color always wins.",
    "agent-lint, agent",
    "agentsync/cli/color.py",
)
FORCE_COLOR = Variable(
    "FORCE_COLOR",
    "unset",
    "When set (but not to 0 or false), colour even when the output is not a terminal; "
    "--color never and NO_COLOR win.",
    "agent-lint, agent",
    "agentsync/cli/color.py",
)
TERM = Variable(
    "TERM",
    "the terminal's",
    "When dumb, no colour.",
    "agent-lint, agent",
    "agentsync/cli/color.py",
)

VARIABLES: tuple[Variable, ...] = tuple(v for v in globals().values() if isinstance(v, Variable))

FILES: tuple[SettingsFile, ...] = (
    SettingsFile(
        ".agent-lint.yaml, or [tool.agent-lint] in pyproject.toml",
        "agent-lint's settings (disabled rules, max-limits): the nearest one above the "
        "current directory, within the repository.",
        "agent-lint",
        "agentsync/lint/settings.py",
    ),
    SettingsFile(
        "$ELLIPSIS_CONFIG_DIR/config.json",
        "The Ellipsis CLI's settings: apiBase and token, when the variables are unset.",
        _CLIENT,
        "agentsync/client/settings.py",
    ),
    SettingsFile(
        "$AGENTSYNC_PLATFORMS_FILE, else $XDG_CONFIG_HOME/agentsync/platforms.toml",
        "The platform profiles: kind, base_url, token_env (the token's variable), deployment.",
        "agent run --platform",
        "agentsync/platforms/profiles.py",
    ),
    SettingsFile(
        "$XDG_STATE_HOME/agentsync/sync-state.json",
        "agent sync's state (its default --state-file): the sync errors of files that created "
        "no agent, and the name each checkout synced as.",
        "agent sync",
        "agentsync/sync/state.py",
    ),
    SettingsFile(
        "$XDG_STATE_HOME/agentsync/control-plane.db, and its key file control-plane.key",
        "The local control plane's database (its default --db) and vault key.",
        "agent control-plane serve, agent control-plane migrate",
        "agentsync/cli/migrate.py, agentsync/localserver/server.py",
    ),
    SettingsFile(
        "$XDG_STATE_HOME/agentsync/service.db",
        "agent serve's queue and status (its default --database, SQLite).",
        "agent serve, agent worker",
        "agentsync/cli/serve.py",
    ),
    SettingsFile(
        "~/.pgpass",
        "PostgreSQL passwords, for a postgresql:// --database without one (read by the driver).",
        "agent serve, agent worker",
        "the PostgreSQL driver (psycopg)",
    ),
)

DOCS_PATH = "docs/settings.md"

_HEAD = """# Settings

<!-- Generated from src/agentsync/settings.py by scripts/make_settings_doc.py: edit that,
     then run `make docs`. -->

Every environment variable and file agentsync reads. `<NAME>` marks a part you choose.
Secrets are never printed or logged.
"""


def _code(modules: str) -> str:
    return ", ".join(f"`{m}`" if m.startswith("agentsync/") else m for m in modules.split(", "))


def _row(*cells: str) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def reference() -> str:
    """``docs/settings.md``: the variables and the files, as Markdown tables."""
    lines = [_HEAD, "## Environment variables", ""]
    lines.append(_row("Variable", "Default", "Meaning", "Read by", "Where"))
    lines.append(_row(*["---"] * 5))
    for v in VARIABLES:
        meaning = v.meaning + (" Secret." if v.secret else "")
        lines.append(_row(f"`{v.name}`", v.default, meaning, v.commands, _code(v.module)))
    lines += ["", "## Files", ""]
    lines.append(_row("File", "Meaning", "Read by", "Where"))
    lines.append(_row(*["---"] * 4))
    lines += [_row(f"`{f.path}`", f.meaning, f.commands, _code(f.module)) for f in FILES]
    return "\n".join(lines) + "\n"
