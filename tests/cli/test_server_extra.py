"""Without the ``server`` extra (``pip install .``), the commands that need it say so in one
line, with the install command, and exit 2: simulated by hiding the extra's modules."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agentsync.server_extra import SERVER_EXTRA_MODULES

HIDE_THE_EXTRA = (
    "import sys\n"
    f"for name in {sorted(SERVER_EXTRA_MODULES)!r}:\n"
    "    sys.modules[name] = None\n"
    "from agentsync.cli.main import main\n"
    "sys.exit(main())\n"
)


@pytest.mark.parametrize(
    "command", [["serve"], ["worker"], ["control-plane", "serve", "--token", "t0ken"]]
)
def test_a_command_that_needs_the_server_extra_says_how_to_install_it(
    command: list[str], tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(tmp_path),
        "AGENTSYNC_WEBHOOK_SECRET": "a-webhook-secret-of-some-length",
        "AGENTSYNC_GITHUB_TOKEN": "not-a-real-token",
        "ELLIPSIS_API_TOKEN": "not-a-real-token",
    }
    done = subprocess.run(
        [sys.executable, "-c", HIDE_THE_EXTRA, *command],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "needs the server extra" in done.stderr
    assert "pip install '.[server]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_server_extras_modules_are_the_ones_the_boundary_knows() -> None:
    """Every package of pyproject's ``server`` extra provides a module the boundary names."""
    requirements = importlib.metadata.requires("agentsync") or []
    server = [
        re.split(r"[\s\[<>=;]", r, maxsplit=1)[0].lower().replace("_", "-")
        for r in requirements
        if 'extra == "server"' in r or "extra == 'server'" in r
    ]
    provides: dict[str, set[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            provides.setdefault(distribution.lower().replace("_", "-"), set()).add(module)
    assert server
    for distribution in server:
        assert provides.get(distribution, set()) & SERVER_EXTRA_MODULES, distribution
