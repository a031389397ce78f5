from __future__ import annotations

from typing import get_args

import pytest

from agentsync.platforms.model import (
    NATIVE_STATUSES,
    STATUS_TABLES,
    NormalizedRun,
    Status,
    normalize,
)


@pytest.mark.parametrize("platform", sorted(NATIVE_STATUSES))
def test_every_native_status_maps(platform: str) -> None:
    table = STATUS_TABLES[platform]  # type: ignore[index]
    assert set(table) == set(NATIVE_STATUSES[platform])  # type: ignore[index]
    assert set(table.values()) <= set(get_args(Status))


def test_the_brief_lists_are_the_enums() -> None:
    assert set(NATIVE_STATUSES["ellipsis"]) == {
        "scheduled", "creating_sandbox", "running", "completed", "error", "cancelled", "stopped"
    }  # fmt: skip
    assert set(NATIVE_STATUSES["ambient"]) == {
        "QUEUED", "PENDING", "CLAIMED", "INPROGRESS", "SUCCEEDED", "FAILED"
    }  # fmt: skip
    assert "waiting_for_input" in NATIVE_STATUSES["threads"]
    assert "installing" in NATIVE_STATUSES["deployments"]


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown threads run status 'paused'"):
        normalize("threads", "paused")


def test_normalized_run_is_frozen_and_knows_final() -> None:
    run = NormalizedRun(id="r", platform="threads", status="succeeded", native_status="completed")
    assert run.final
    with pytest.raises(ValueError, match="frozen"):
        run.id = "other"  # type: ignore[misc]
