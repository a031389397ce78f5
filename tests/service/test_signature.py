"""Webhook signatures: HMAC-SHA256 with either of two secrets; SHA-1 and malformed headers
refused; secrets from the environment or a file, never shown."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from agentsync.errors import UsageError
from agentsync.service.signature import WebhookSecrets, load_secrets, sign

CURRENT = b"current-secret-0123456789"
PREVIOUS = b"previous-secret-0123456789"
BODY = b'{"zen": "Keep it logically awesome."}'


def test_a_signature_made_with_the_secret_verifies() -> None:
    secrets = WebhookSecrets([CURRENT])
    assert secrets.verify(BODY, sign(CURRENT, BODY))
    assert secrets.verify(BODY, sign(CURRENT, BODY).upper().replace("SHA256=", "sha256="))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=zz",
        sign(b"another-secret-0123456789", BODY),
        sign(CURRENT, BODY + b" "),  # the body changed
        "sha1=" + hmac.new(CURRENT, BODY, hashlib.sha1).hexdigest(),  # SHA-1 never counts
        sign(CURRENT, BODY).removeprefix("sha256="),  # no algorithm prefix
        "sha256=" + "é" * 64,
    ],
)
def test_anything_else_is_refused(header: str | None) -> None:
    assert not WebhookSecrets([CURRENT]).verify(BODY, header)


def test_both_secrets_verify_during_a_rotation() -> None:
    secrets = WebhookSecrets([CURRENT, PREVIOUS])
    assert secrets.verify(BODY, sign(CURRENT, BODY))
    assert secrets.verify(BODY, sign(PREVIOUS, BODY))
    assert not WebhookSecrets([CURRENT]).verify(BODY, sign(PREVIOUS, BODY))


def test_secrets_never_show_in_repr_or_str() -> None:
    secrets = WebhookSecrets([CURRENT, PREVIOUS])
    for text in (repr(secrets), str(secrets), f"{secrets}"):
        assert CURRENT.decode() not in text
        assert PREVIOUS.decode() not in text


def test_secrets_from_the_environment() -> None:
    secrets = load_secrets(None, {"AGENTSYNC_WEBHOOK_SECRET": CURRENT.decode()})
    assert secrets.values == (CURRENT,)
    rotating = load_secrets(
        None,
        {
            "AGENTSYNC_WEBHOOK_SECRET": CURRENT.decode(),
            "AGENTSYNC_WEBHOOK_SECRET_PREVIOUS": PREVIOUS.decode(),
        },
    )
    assert rotating.values == (CURRENT, PREVIOUS)


def test_secrets_from_a_file_win_over_the_environment(tmp_path: Path) -> None:
    file = tmp_path / "secret"
    file.write_text(f"{CURRENT.decode()}\n{PREVIOUS.decode()}\n\n")
    secrets = load_secrets(file, {"AGENTSYNC_WEBHOOK_SECRET": "environment-secret-012345"})
    assert secrets.values == (CURRENT, PREVIOUS)


@pytest.mark.parametrize(
    ("file_text", "environ", "message"),
    [
        (None, {}, "refusing to start without a webhook secret"),
        (None, {"AGENTSYNC_WEBHOOK_SECRET": "  "}, "refusing to start without a webhook secret"),
        (None, {"AGENTSYNC_WEBHOOK_SECRET": "short"}, "^AGENTSYNC_WEBHOOK_SECRET: .*at least 16"),
        (
            None,
            {
                "AGENTSYNC_WEBHOOK_SECRET": "long-enough-0123456789",
                "AGENTSYNC_WEBHOOK_SECRET_PREVIOUS": "x",
            },
            "^AGENTSYNC_WEBHOOK_SECRET_PREVIOUS: .*at least 16 .*openssl rand -hex 32",
        ),
        (
            "a-secret-0123456789\n\nshort\n",
            {},
            "secret, line 3: a webhook secret must be at least 16",
        ),
        ("\n\n", {}, "the webhook secret file is empty"),
        (
            "a-secret-0123456789\nb-secret-0123456789\nc-secret-0123456789\n",
            {},
            "secret, line 3: at most two",
        ),
    ],
)
def test_no_usable_secret_is_a_usage_error(
    tmp_path: Path, file_text: str | None, environ: dict[str, str], message: str
) -> None:
    file = None
    if file_text is not None:
        file = tmp_path / "secret"
        file.write_text(file_text)
    with pytest.raises(UsageError, match=message):
        load_secrets(file, environ)


def test_an_unreadable_secret_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the webhook secret file"):
        load_secrets(tmp_path / "missing", {})
