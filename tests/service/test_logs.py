"""The service's JSON logs: one object per line with its context fields, and every registered
secret scrubbed, however it reaches a line (a message, an exception, JSON escaping, one line of
a PEM key)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from agentsync.service.logs import Redactor, configure
from tests.service.support import private_pem

QUOTED = 'webhook"secret\\with-quote-0123456789'
TOKEN = "ghp_0123456789abcdefTOKEN"


@pytest.fixture(scope="module")
def pem() -> str:
    return private_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture
def logged(pem: str) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = configure(Redactor([QUOTED, TOKEN.encode(), pem]), stream=stream)
    yield logging.getLogger("agentsync.service.test"), stream
    for name in ("agentsync", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).removeHandler(handler)


def test_lines_are_json_with_their_context(logged: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logged
    log.info("job done", extra={"job": 7, "repository": "acme/app", "delivery": "d-1"})
    [entry] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entry["message"] == "job done"
    assert (entry["job"], entry["repository"], entry["delivery"]) == (7, "acme/app", "d-1")
    assert entry["level"] == "info"
    assert entry["ts"].endswith("Z")


def test_secrets_are_scrubbed_however_they_arrive(
    logged: tuple[logging.Logger, io.StringIO], pem: str
) -> None:
    log, stream = logged
    log.warning(f"the secret is {QUOTED}")  # JSON escapes its quote and backslash
    log.info("auth", extra={"error": f"Authorization: token {TOKEN}"})
    try:
        raise RuntimeError(f"could not parse the key:\n{pem}")
    except RuntimeError:
        log.exception("boom")
    text = stream.getvalue()
    assert QUOTED not in text
    assert json.dumps(QUOTED)[1:-1] not in text
    assert TOKEN not in text
    for line in pem.splitlines()[1:-1]:
        assert line not in text
    assert text.count("***") >= 3
    assert all(json.loads(line) for line in text.splitlines())


def test_short_strings_are_not_treated_as_secrets() -> None:
    redactor = Redactor(["abc", "job"])
    assert redactor("a job for abc") == "a job for abc"
