"""The control plane's real-server fixtures, reused: a server on a loopback port per test."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.localserver.conftest import api, server, stepped  # noqa: F401


def until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("timed out waiting")
