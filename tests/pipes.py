"""What ``command | head -c 10`` does to a command: its reader goes away after a few bytes."""

from __future__ import annotations

import subprocess
import sys


def after_closed_pipe(program: str, *args: str) -> tuple[int, bytes]:
    """Run ``python -c program args``, read the first bytes of its output, then close the pipe;
    return its exit status and everything it wrote to stderr."""
    with subprocess.Popen(
        [sys.executable, "-c", program, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as reader:
        assert reader.stdout is not None
        assert reader.stderr is not None
        assert reader.stdout.read(10)
        reader.stdout.close()
        return reader.wait(timeout=60), reader.stderr.read()
