"""Request bodies no answer could carry again (a lone surrogate, a number that is not finite,
an integer past Python's digit limit, nesting over 100 levels) are a 422 naming the field, on
every route, and nothing is stored: the lists that would show them still answer. So is a
deployment's or thread's id that a create would store with a control character, or too long."""

from __future__ import annotations

import httpx
import pytest

DEPLOYMENT_RUNS = "/v1/agent-deployments/dep_1/runs"


def template_run(fields: str) -> str:
    """A run of the built-in template, with ``fields`` (raw JSON members) added."""
    return '{"template_id": "welcome-to-ellipsis", ' + fields + "}"


CASES = [
    # route, raw body, what the message says
    ("/v1/agents/runs", template_run('"prompt": "\\ud800"'), "prompt is not valid Unicode"),
    (
        "/v1/agents/runs",
        template_run('"metadata": {"a": "x\\udfff"}'),
        "metadata.a is not valid Unicode",
    ),
    ("/v1/agents/runs", template_run('"metadata": {"\\ud800": "x"}'), "metadata is not valid"),
    (
        "/v1/agents/runs",
        template_run('"config_override": {"limits": {"run": NaN}}'),
        "config_override.limits.run is NaN, a number JSON cannot hold",
    ),
    (DEPLOYMENT_RUNS, '{"input": {"a": "\\ud800"}}', "input.a is not valid Unicode"),
    (DEPLOYMENT_RUNS, '{"input": {"a": NaN}}', "input.a is NaN"),
    (DEPLOYMENT_RUNS, '{"input": {"a": 1e400}}', "input.a is 1e400"),
    (DEPLOYMENT_RUNS, '{"input": {"a": %s}}' % ("9" * 5000), "an integer of 5,000 digits"),
    (
        DEPLOYMENT_RUNS,
        '{"input": ' + '{"a": ' * 150 + "1" + "}" * 151,
        "is nested more than 100 levels deep",
    ),
    ("/v1/threads/thr_1/runs", '{"input": "\\ud800"}', "input is not valid Unicode"),
    ("/agent/run", '{"prompt": "go", "title": "\\ud800"}', "title is not valid Unicode"),
]


@pytest.mark.parametrize(("route", "body", "says"), CASES)
def test_a_body_no_answer_could_carry_is_refused_and_nothing_is_stored(
    api: httpx.Client, route: str, body: str, says: str
) -> None:
    response = api.post(
        route,
        content=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": "k-1"},
    )
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert says in problem["message"]
    # the field's path too, as the message names it (a number's was empty)
    assert problem["path"], problem
    assert problem["message"].startswith(problem["path"][:80]), problem
    for listing in ("/v1/agents/runs", DEPLOYMENT_RUNS, "/v1/runs", "/agent/runs"):
        listed = api.get(listing)
        assert listed.status_code == 200, (listing, listed.text)
        assert "runs_" not in listed.text


def test_a_sync_error_with_a_lone_surrogate_is_refused_and_the_config_kept(
    api: httpx.Client, config_id: str
) -> None:
    response = api.post(
        f"/v1/sync/configs/{config_id}/error",
        content='{"message": "bad \\udc80 file"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["path"] == "message"
    listed = api.get("/v1/agents/configs")
    assert listed.status_code == 200, listed.text
    assert api.get(f"/v1/agents/configs/{config_id}").json()["sync_error"] is None


def test_a_body_that_is_not_utf8_is_a_422(api: httpx.Client) -> None:
    response = api.post(
        "/v1/threads/thr_1/runs",
        content=b'{"route_id": "\xff"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["message"] == "the body is not UTF-8 text"


@pytest.mark.parametrize("stored_id", ["%00", "a%0Ab", "%E2%80%AE", "d" * 201])
@pytest.mark.parametrize("route", ["/v1/agent-deployments/{}/runs", "/v1/threads/{}/runs"])
def test_a_create_refuses_an_id_it_would_store_unprintable_or_too_long(
    api: httpx.Client, route: str, stored_id: str
) -> None:
    response = api.post(route.format(stored_id), json={}, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["path"].endswith("_id")
    assert "1 to 200 printable characters" in problem["message"]
    assert "runs_" not in api.get("/v1/agents/runs").text


def test_an_id_of_200_printable_characters_is_taken(api: httpx.Client) -> None:
    response = api.post(f"/v1/threads/{'t é' * 66}ab/runs", json={})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("route", "body", "path"),
    [
        (DEPLOYMENT_RUNS, {"input": {}, "retain_on_failure": "yes"}, "retain_on_failure"),
        (DEPLOYMENT_RUNS, {"input": {}, "retention_seconds": "600"}, "retention_seconds"),
        ("/agent/run", {"prompt": "go", "team": "no"}, "team"),
        ("/agent/run", {"prompt": "go", "team": 0}, "team"),
    ],
)
def test_a_dialect_field_of_the_wrong_type_is_a_422_not_a_guess(
    api: httpx.Client, route: str, body: dict[str, object], path: str
) -> None:
    """``"yes"`` was stored as true, ``"no"`` and ``0`` as false, ``"600"`` as 600."""
    response = api.post(route, json=body, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 422, response.text
    assert [problem["path"] for problem in response.json()["detail"]] == [path]


@pytest.mark.parametrize(
    ("envs", "says"),
    [
        ({"A" * 257: "v"}, "name is longer than 256 characters"),
        ({"API_KEY": "s3cret-" * 10_000}, "the value of API_KEY is longer than 65536 characters"),
    ],
)
def test_deployment_envs_are_bounded_as_sandbox_variables_are(
    api: httpx.Client, envs: dict[str, str], says: str
) -> None:
    """Both were taken (a 10,000-character name, a 100 KB value) and handed to the runner."""
    body = {"input": {}, "envs": envs}
    response = api.post(DEPLOYMENT_RUNS, json=body, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]
    assert "s3cret" not in response.text
    assert "runs_" not in api.get(DEPLOYMENT_RUNS).text
