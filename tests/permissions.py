"""Commands that file permissions bind, for the tests of unreadable files and directories.

Under root, ``chmod 000`` stops nobody: root reads every file through the capabilities
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. So a command that must meet an unreadable file runs
as root without them (``setpriv`` drops them from its bounding set: the command keeps its user,
so it still reads the checkout, the virtualenv and its own temporary files); any other user
runs the command as it is. :func:`why_permissions_do_not_bind` says, for a skip, why
unreadable files cannot be made here; :func:`run_bound` runs ``agent-lint`` or ``agent`` so,
and :func:`run_sync` runs ``agent sync`` so against a control plane.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.localserver.conftest import API_KEY

AGENT_LINT = (
    sys.executable,
    "-c",
    "import sys; from agentsync.cli.lint import main; sys.exit(main())",
)
AGENT = (sys.executable, "-m", "agentsync.cli.main")

_DROPPED = "--bounding-set=-dac_override,-dac_read_search"
_PROBE = (
    "import sys\n"
    "try:\n"
    "    open(sys.argv[1], 'rb').close()\n"
    "except PermissionError:\n"
    "    print('blocked')\n"
)


def bound_by_permissions(command: Sequence[str]) -> list[str]:
    """``command``, run so that file permissions apply to it (see the module docstring)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return list(command)
    return [setpriv, _DROPPED, "--", *command]


@functools.cache
def why_permissions_do_not_bind() -> str | None:
    """None when a file chmod 000 is unreadable to :func:`bound_by_permissions` commands;
    else why it is not (the reason a test that needs one skips)."""
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch, "probe")
        probe.write_bytes(b"")
        probe.chmod(0)
        done = subprocess.run(
            bound_by_permissions([sys.executable, "-c", _PROBE, str(probe)]),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    if done.stdout.strip() == "blocked":
        return None
    if os.geteuid() != 0:
        return f"a file with mode 000 is still readable here (uid {os.geteuid()})"
    return (
        "running as root, and root reads a file with mode 000 unless it drops "
        "CAP_DAC_OVERRIDE, which setpriv could not do here"
        + ("" if shutil.which("setpriv") else " (setpriv is not installed)")
        + f": {done.stderr.strip()[:200]}"
    )


def run_bound(
    command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``command`` (e.g. ``[*AGENT_LINT, "--format", "json"]``) bound by file permissions, in
    ``cwd``, with ``env`` added to this process's environment: its status and output."""
    return subprocess.run(
        bound_by_permissions(command),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def run_sync(url: str, scratch: Path, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``agent sync ARGS ROOT`` bound by file permissions, in ``root``, against the control
    plane at ``url`` (with the tests' API key); its settings and the sync state file
    (``scratch/sync-state.json``) under ``scratch``."""
    environment = {
        "ELLIPSIS_API_BASE_URL": url,
        "ELLIPSIS_API_TOKEN": API_KEY,
        "ELLIPSIS_CONFIG_DIR": str(scratch / "ellipsis"),
        "XDG_STATE_HOME": str(scratch / "state"),
    }
    state = ["--state-file", str(scratch / "sync-state.json")]
    return run_bound([*AGENT, "sync", *args, *state, str(root)], root, environment, timeout=60)
