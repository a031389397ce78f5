"""The ``server`` extra (pyproject.toml): the modules it brings, and how to install it, for the
messages of a command that needs one of them on an install without it."""

from __future__ import annotations

# The import names of the ``server`` extra's packages (pyproject.toml; a test keeps them in
# step): a command that needs one says how to install it, instead of an internal error.
SERVER_EXTRA_MODULES = frozenset(
    {
        "fastapi",
        "starlette",
        "uvicorn",
        "cryptography",
        "github",
        "psycopg",
        "prometheus_client",
        "sse_starlette",
        "pydantic_settings",
    }
)
# agentsync installs from its clone or a wheel (docs/install.md), not from an index by name.
INSTALL_SERVER_EXTRA = (
    "in agentsync's clone, pip install '.[server]' (or pipx install --force '.[server]')"
)
