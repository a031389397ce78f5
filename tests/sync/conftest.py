"""The sync tests run against the same real local control plane as the control plane tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentsync.controlplane.client import Client
from agentsync.controlplane.server import LocalServer
from tests.controlplane.conftest import API_KEY, api, server

__all__ = ["api", "client", "server"]


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    """The real client, on the local control plane."""
    with Client(server.url, API_KEY) as client:
        yield client
