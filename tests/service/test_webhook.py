"""``POST /webhooks/github`` on a real uvicorn server over a real SQLite store: signatures,
deduplication, routing, limits, and the operational endpoints."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentsync.service.logs import Redactor, configure
from agentsync.service.signature import WebhookSecrets, sign
from agentsync.service.store_sqlite import SQLiteServiceStore
from tests.service.fake_github import webhook_payload as payload
from tests.service.support import SECRET, WebhookServer, deliver, delivery_headers

PREVIOUS = b"previous-webhook-secret-0123456789"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteServiceStore]:
    opened = SQLiteServiceStore(tmp_path / "service.db")
    yield opened
    opened.close()


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure(Redactor([SECRET, PREVIOUS]), stream=stream)
    yield stream
    for name in ("agentsync", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).removeHandler(handler)


@pytest.fixture
def client(store: SQLiteServiceStore) -> Iterator[httpx.Client]:
    with (
        WebhookServer(store, WebhookSecrets([SECRET, PREVIOUS]), max_body_bytes=256 * 1024) as app,
        httpx.Client(base_url=app.url, timeout=10) as http,
    ):
        yield http


def push(**changes: object) -> dict[str, object]:
    data = payload("push")
    data.update(changes)
    return data


def repository_name() -> str:
    return str(payload("push")["repository"]["full_name"])


def test_a_signed_push_to_the_default_branch_is_stored_and_queued(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    response = deliver(client, "push", push(), delivery="d-1")
    assert response.status_code == 202, response.text
    assert response.json()["outcome"] == "queued"
    status = store.status()
    assert status.deliveries == 1
    assert status.jobs_by_state["queued"] == 1
    job = store.claim("w", 30)
    assert job is not None
    assert job.kind == "push"
    assert job.repository == repository_name()
    assert job.delivery_id == "d-1"


def test_the_previous_secret_still_verifies_during_a_rotation(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    assert deliver(client, "push", push(), secret=PREVIOUS).status_code == 202


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=deadbeef"])
def test_a_missing_or_bad_signature_is_401_and_nothing_is_stored(
    client: httpx.Client, store: SQLiteServiceStore, signature: str | None
) -> None:
    body = json.dumps(push()).encode()
    headers = delivery_headers("push", body)
    del headers["X-Hub-Signature-256"]
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    headers["X-Hub-Signature"] = "sha1=" + "0" * 40  # the SHA-1 header never counts
    response = client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 401
    assert "X-Hub-Signature-256" in response.json()["detail"]
    assert store.status().deliveries == 0


def test_a_body_signed_with_another_secret_is_refused(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    response = deliver(client, "push", push(), secret=b"someone-elses-secret-0123")
    assert response.status_code == 401
    assert store.status().deliveries == 0


def test_a_replayed_delivery_is_stored_once(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    first = deliver(client, "push", push(), delivery="same-id")
    again = deliver(client, "push", push(), delivery="same-id")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    status = store.status()
    assert status.deliveries == 1
    assert sum(status.jobs_by_state.values()) == 1


def test_pushes_to_other_branches_and_pings_are_stored_without_a_job(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    other = deliver(client, "push", push(ref="refs/heads/feature"))
    assert other.status_code == 202
    assert other.json()["outcome"] == "ignored"
    assert "not the default branch" in other.json()["reason"]
    ping = deliver(client, "ping", payload("ping"))
    assert ping.status_code == 202
    assert ping.json()["outcome"] == "ignored"
    status = store.status()
    assert status.deliveries == 2
    assert sum(status.jobs_by_state.values()) == 0


def test_pull_request_actions_that_change_code_are_queued(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    opened = payload("pull_request.opened")
    assert deliver(client, "pull_request", opened).json()["outcome"] == "queued"
    closed = {**opened, "action": "closed"}
    assert deliver(client, "pull_request", closed).json()["outcome"] == "ignored"
    job = store.claim("w", 30)
    assert job is not None
    assert job.kind == "pull_request"
    assert job.payload["number"] == opened["pull_request"]["number"]


def test_githubs_form_encoding_is_understood(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(push())}).encode()
    headers = delivery_headers("push", body)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    response = client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert store.status().jobs_by_state["queued"] == 1


@pytest.mark.parametrize(
    ("body", "event", "message"),
    [
        (b"{not json", "push", "not a JSON payload"),
        (b"[1, 2]", "push", "not a JSON object"),
        (b'{"ref": "refs/heads/main"}', "push", "the payload has no repository.full_name"),
        (b"\xff\xfe", "push", "not a JSON payload"),
    ],
)
def test_malformed_payloads_are_400_naming_why(
    client: httpx.Client, store: SQLiteServiceStore, body: bytes, event: str, message: str
) -> None:
    response = client.post("/webhooks/github", content=body, headers=delivery_headers(event, body))
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert store.status().deliveries == 0


def test_signed_payloads_with_values_no_job_can_use_are_400_and_nothing_is_stored(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    """A NUL (which PostgreSQL cannot store: it used to answer 503, "retry"), a name that is
    not ``owner/name`` (it used to be queued, then remembered and resynced forever), an
    installation id over 64 bits."""
    cases = [
        ("ping", payload("ping") | {"action": "created\0"}, "action"),
        ("push", push(repository={**push()["repository"], "full_name": "../x"}), "full_name"),
        ("push", push(installation={"id": 10**30}), "installation.id"),
    ]
    for event, data, field in cases:
        response = deliver(client, event, data)
        assert response.status_code == 400, (field, response.text)
        assert field in response.json()["detail"]
    assert store.status().deliveries == 0


def test_missing_event_or_delivery_headers_are_400(client: httpx.Client) -> None:
    body = json.dumps(push()).encode()
    for header in ("X-GitHub-Event", "X-GitHub-Delivery"):
        headers = delivery_headers("push", body)
        del headers[header]
        response = client.post("/webhooks/github", content=body, headers=headers)
        assert response.status_code == 400, header


def test_an_oversized_body_is_413_before_anything_is_stored(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    data = push(padding="x" * 300 * 1024)
    response = deliver(client, "push", data)
    assert response.status_code == 413
    # Without a Content-Length (chunked), the cap holds while reading.
    body = json.dumps(data).encode()
    chunked = client.post(
        "/webhooks/github",
        content=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
        headers=delivery_headers("push", body),
    )
    assert chunked.status_code == 413
    assert store.status().deliveries == 0


def test_health_readiness_and_metrics(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    deliver(client, "push", push())
    deliver(client, "push", push(), secret=b"wrong-secret-0123456789")
    text = client.get("/metrics").text
    assert 'agentsync_webhook_deliveries_total{event="push",outcome="queued"} 1.0' in text
    assert (
        'agentsync_webhook_deliveries_total{event="unverified",outcome="bad_signature"} 1.0' in text
    )
    assert 'agentsync_jobs{state="queued"} 1.0' in text
    assert "agentsync_queue_depth 1.0" in text


def test_readyz_is_503_when_the_database_is_gone_and_says_so_in_the_log_once(
    tmp_path: Path, logs: io.StringIO
) -> None:
    """A web endpoint without workers logged nothing when its database stopped answering: an
    operator saw only the probe's 503, which names the kind of failure."""
    store = SQLiteServiceStore(tmp_path / "service.db")
    with WebhookServer(store) as app, httpx.Client(base_url=app.url) as http:
        assert http.get("/readyz").status_code == 200
        store.close()
        responses = [http.get("/readyz") for _ in range(3)]
    assert [r.status_code for r in responses] == [503] * 3
    assert responses[0].json()["status"] == "unavailable"
    warnings = [
        record
        for record in map(json.loads, logs.getvalue().splitlines())
        if record["message"].startswith("not ready: the database does not answer")
    ]
    assert len(warnings) == 1, logs.getvalue()
    assert warnings[0]["level"] == "warning"


def test_logs_are_json_with_the_delivery_and_never_a_secret(
    client: httpx.Client, logs: io.StringIO
) -> None:
    delivery = str(uuid.uuid4())
    deliver(client, "push", push(), delivery=delivery)
    deliver(client, "push", push(), secret=b"wrong-secret-0123456789", delivery="bad-signature")
    body = b"{not json"
    client.post(
        "/webhooks/github", content=body, headers=delivery_headers("push", body, delivery="bad")
    )
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    queued = [line for line in lines if line.get("delivery") == delivery]
    assert queued
    assert queued[0]["repository"] == repository_name()
    assert queued[0]["outcome"] == "queued"
    assert queued[0]["event"] == "push"
    refused = {line.get("delivery"): line for line in lines if line["level"] == "warning"}
    assert refused["bad-signature"]["message"] == (
        "refused a delivery (401): invalid X-Hub-Signature-256"
    )
    assert refused["bad-signature"]["event"] == "unverified"  # nothing unsigned is trusted
    assert refused["bad"]["message"].startswith("refused a delivery (400): the body is not a JSON")
    assert refused["bad"]["event"] == "push"
    text = logs.getvalue()
    for secret in (SECRET, PREVIOUS):
        assert secret.decode() not in text
    assert sign(SECRET, b"") not in text


def test_unsigned_requests_cannot_grow_the_metrics(client: httpx.Client) -> None:
    for n in range(50):
        client.post("/webhooks/github", content=b"{}", headers={"X-GitHub-Event": f"made-up-{n}"})
    text = client.get("/metrics").text
    assert "made-up" not in text
    assert 'event="unverified",outcome="bad_signature"} 50.0' in text


def test_a_signed_but_absurdly_nested_body_is_400(
    client: httpx.Client, store: SQLiteServiceStore
) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/webhooks/github", content=body, headers=delivery_headers("push", body))
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert store.status().deliveries == 0


def test_metrics_give_each_repositorys_last_sync_with_bounded_series(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentsync.service import metrics as metrics_module
    from agentsync.service.metrics import Metrics

    monkeypatch.setattr(metrics_module, "MAX_REPOSITORY_SERIES", 2)
    store = SQLiteServiceStore(tmp_path / "service.db")
    try:
        store.record_sync("acme/old", "a" * 40, "applied", now=1_000.0)
        store.record_sync("acme/new", "b" * 40, "failed", now=3_000.0)
        store.record_sync("acme/mid", "c" * 40, "applied", now=2_000.0)
        text = Metrics(store).render().decode()
    finally:
        store.close()
    name = "agentsync_repository_last_sync_timestamp_seconds"
    series = [line for line in text.splitlines() if line.startswith(name)]
    assert series == [  # the two most recent; acme/old gets no series
        f'{name}{{outcome="failed",repository="acme/new"}} 3000.0',
        f'{name}{{outcome="applied",repository="acme/mid"}} 2000.0',
    ]
    assert "agentsync_repositories 3.0" in text
    assert "agentsync_jobs_folded 0.0" in text


@pytest.mark.parametrize(
    ("ref", "shown"),
    [("refs/heads/\ud800", "refs/heads/\\ud800"), ("refs/heads/\x1b[2J", "refs/heads/\\x1b[2J")],
)
def test_a_ref_no_answer_or_log_can_carry_is_shown_escaped(
    client: httpx.Client, store: SQLiteServiceStore, logs: io.StringIO, ref: str, shown: str
) -> None:
    """A lone surrogate in a push's ref (JSON's "\\ud800") made the answer fail to encode: the
    connection was reset after the delivery was stored."""
    response = deliver(client, "push", push(ref=ref))
    assert response.status_code == 202
    assert response.json()["reason"] == f"{shown} is not the default branch"
    assert store.status().deliveries == 1
    assert f"{shown} is not the default branch".replace("\\", "\\\\") in logs.getvalue()
