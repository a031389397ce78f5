"""The control plane's 422 answers for invalid config content hold no secret: the sync API's
YAML, a run's inline config, ``config_override`` and ``config_override_yaml`` (broken YAML too).
The diagnostics are all still there, with their rule, line and column."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from tests.secret_samples import PIN, SAMPLE_IDS, SAMPLES, Sample, leaky_config


def diagnostics(response: httpx.Response, sample: Sample) -> list[dict[str, Any]]:
    """The 422's diagnostics, once the whole body is checked to hold no secret."""
    assert response.status_code == 422, response.text
    assert not sample.leaked_in(response.text)
    assert PIN not in response.text
    detail: list[dict[str, Any]] = response.json()["detail"]
    return detail


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_the_sync_api_answers_invalid_yaml_without_its_secrets(
    api: httpx.Client, sample: Sample
) -> None:
    text, expected = leaky_config(sample)
    response = api.put(
        "/v1/sync/configs",
        json={"repository": "acme/secrets", "path": "agents/leaky.yaml", "yaml": text},
    )
    found = diagnostics(response, sample)
    assert sorted(((d["rule"], d["line"]) for d in found), key=lambda d: (d[1], d[0])) == expected
    assert {"rule": "unknown-key", "line": 7, "column": 7} in [
        {key: d[key] for key in ("rule", "line", "column")} for d in found
    ]


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_a_run_with_an_inline_config_or_an_override_is_answered_without_its_secrets(
    api: httpx.Client, config_id: str, sample: Sample
) -> None:
    text, expected = leaky_config(sample)
    rules = {rule for rule, _ in expected}
    data = yaml.safe_load(text)

    inline = api.post("/v1/agents/runs", json={"config": data})
    assert {d["rule"] for d in diagnostics(inline, sample)} == rules
    override = api.post("/v1/agents/runs", json={"config_id": config_id, "config_override": data})
    assert {d["rule"] for d in diagnostics(override, sample)} == rules
    override_yaml = api.post(
        "/v1/agents/runs", json={"config_id": config_id, "config_override_yaml": text}
    )
    assert {d["rule"] for d in diagnostics(override_yaml, sample)} == rules


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_an_override_that_is_not_yaml_is_answered_without_its_secrets(
    api: httpx.Client, config_id: str, sample: Sample
) -> None:
    key = sample.value if sample.shaped else "notes"  # a generic token is a secret as a value
    broken = (
        f"{key}: 1\n{key}: 2\n"
        f"sandbox:\n  variables:\n    - name: API_TOKEN\n      value: !!int {sample.value}\n"
    )
    response = api.post(
        "/v1/agents/runs", json={"config_id": config_id, "config_override_yaml": broken}
    )
    found = diagnostics(response, sample)
    assert [(d["rule"], d["line"], d["column"]) for d in found] == [
        ("duplicate-key", 2, 1),
        ("syntax", 6, 14),
    ]
