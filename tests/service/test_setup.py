"""How ``agent serve`` and ``agent worker`` read their GitHub credentials and settings from the
environment (:mod:`agentsync.service.github.credentials`, :mod:`agentsync.service.setup`): which
variable wins, what each refusal says, and that the secrets reach the log redactor."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsync.errors import UsageError
from agentsync.service.github.credentials import (
    AppCredentials,
    TokenCredentials,
    credentials_from_environment,
    secret_of,
)
from agentsync.service.logs import Redactor
from agentsync.service.setup import job_handlers, seconds_from_environment

KEY = (
    "-----BEGIN PRIVATE KEY-----\n"
    "not-a-real-key-but-long-enough-to-redact\n"
    "-----END PRIVATE KEY-----\n"
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (
        "AGENTSYNC_GITHUB_APP_ID",
        "AGENTSYNC_GITHUB_TOKEN",
        "AGENTSYNC_GITHUB_WRITE_PAUSE",
    ):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.pem"
    path.write_text(KEY, encoding="utf-8")
    return path


def test_a_token_is_comment_only_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSYNC_GITHUB_TOKEN", " ghp_secret \n")
    credentials = credentials_from_environment(None)
    assert credentials == TokenCredentials("ghp_secret")
    assert secret_of(credentials) == "ghp_secret"


def test_an_app_needs_its_id_and_key_file(monkeypatch: pytest.MonkeyPatch, key_file: Path) -> None:
    monkeypatch.setenv("AGENTSYNC_GITHUB_APP_ID", "123")
    credentials = credentials_from_environment(key_file)
    assert isinstance(credentials, AppCredentials)
    assert (credentials.app_id, secret_of(credentials)) == (123, KEY)
    with pytest.raises(UsageError, match=r"needs its private key: --github-app-key-file PATH"):
        credentials_from_environment(None)
    with pytest.raises(UsageError, match=r"missing\.pem: cannot read the GitHub App key"):
        credentials_from_environment(key_file.with_name("missing.pem"))


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({}, "no GitHub credentials: set AGENTSYNC_GITHUB_APP_ID and --github-app-key-file"),
        (
            {"AGENTSYNC_GITHUB_APP_ID": "1", "AGENTSYNC_GITHUB_TOKEN": "t"},
            "set AGENTSYNC_GITHUB_APP_ID or AGENTSYNC_GITHUB_TOKEN, not both",
        ),
        (
            {"AGENTSYNC_GITHUB_APP_ID": "my-app"},
            "AGENTSYNC_GITHUB_APP_ID must be a number, not 'my-app'",
        ),
    ],
)
def test_credentials_that_cannot_be_used_are_refused(
    monkeypatch: pytest.MonkeyPatch, key_file: Path, environment: dict[str, str], message: str
) -> None:
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError) as refused:
        credentials_from_environment(key_file)
    assert message in str(refused.value)


@pytest.mark.parametrize(("value", "seconds"), [("", 1.0), ("0", 0.0), (" 2.5 ", 2.5)])
def test_the_write_pause(monkeypatch: pytest.MonkeyPatch, value: str, seconds: float) -> None:
    monkeypatch.setenv("AGENTSYNC_GITHUB_WRITE_PAUSE", value)
    assert seconds_from_environment("AGENTSYNC_GITHUB_WRITE_PAUSE", default=1.0) == seconds


@pytest.mark.parametrize("value", ["soon", "-1", "3600", "nan"])
def test_a_write_pause_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("AGENTSYNC_GITHUB_WRITE_PAUSE", value)
    with pytest.raises(UsageError, match=r"must be a number of seconds \(0 to 3600\)"):
        seconds_from_environment("AGENTSYNC_GITHUB_WRITE_PAUSE", default=1.0)


def test_job_handlers_check_up_front_and_redact_the_secrets(
    monkeypatch: pytest.MonkeyPatch, key_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("AGENTSYNC_GITHUB_APP_ID", "123")
    monkeypatch.setenv("ELLIPSIS_API_TOKEN", "ellipsis-secret-token")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    redactor = Redactor()
    job_handlers("https://api.github.com", key_file, redactor)
    line = redactor(f"key {KEY.splitlines()[1]} and token ellipsis-secret-token")
    assert "not-a-real-key" not in line
    assert "ellipsis-secret-token" not in line

    monkeypatch.delenv("ELLIPSIS_API_TOKEN")
    with pytest.raises(UsageError, match="no API token"):
        job_handlers("https://api.github.com", key_file, Redactor())
