"""The sync tests run against the same real local control plane as the control plane tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentsync.controlplane.client import Client
from agentsync.controlplane.server import LocalServer
from tests.controlplane.conftest import API_KEY, api, server

__all__ = ["api", "direct", "server"]


@pytest.fixture
def direct(server: LocalServer) -> Iterator[Client]:
    """A client straight to the control plane (no proxy, no faults), to read what it holds."""
    with Client(server.url, API_KEY) as client:
        yield client
