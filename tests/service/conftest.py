"""Fixtures of the service's end-to-end tests: a fake GitHub with the service's App installed,
the local control plane and a client of it, and the environment ``agent serve`` and ``agent
worker`` run with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY, server_options
from tests.service.fake_github import FakeGitHub
from tests.service.support import APP_ID, INSTALLATION, SECRET, TOKEN, private_pem


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def github(tmp_path: Path, app_key: rsa.RSAPrivateKey) -> Iterator[FakeGitHub]:
    with FakeGitHub(tmp_path / "github", token=TOKEN) as fake:
        fake.install_app(APP_ID, app_key.public_key(), INSTALLATION)
        yield fake


@pytest.fixture
def control_plane(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(server_options(tmp_path, cron_interval=None)) as running:
        yield running


@pytest.fixture
def cp(control_plane: LocalServer) -> Iterator[Client]:
    with Client(control_plane.url, API_KEY) as client:
        yield client


@pytest.fixture
def env(
    tmp_path: Path, github: FakeGitHub, control_plane: LocalServer, app_key: rsa.RSAPrivateKey
) -> dict[str, str]:
    """A GitHub App (check runs and comments)."""
    key_file = tmp_path / "app-key.pem"
    key_file.write_text(private_pem(app_key))
    return {
        "AGENTSYNC_WEBHOOK_SECRET": SECRET.decode(),
        "AGENTSYNC_GITHUB_APP_ID": str(APP_ID),
        "AGENTSYNC_GITHUB_APP_KEY_FILE": str(key_file),
        "AGENTSYNC_GITHUB_API_URL": github.url,
        "AGENTSYNC_GITHUB_WRITE_PAUSE": "0",
        "ELLIPSIS_API_BASE_URL": control_plane.url,
        "ELLIPSIS_API_TOKEN": API_KEY,
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
