"""The sync tests run against the same real local control plane as the control plane tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY, api, server

__all__ = ["api", "client", "direct", "server"]


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    """The real client, on the local control plane."""
    with Client(server.url, API_KEY) as client:
        yield client


@pytest.fixture
def direct(client: Client) -> Client:
    """The same client, named for the tests that also talk through a faulty proxy: it reads
    what the control plane holds, with no fault in the way."""
    return client
