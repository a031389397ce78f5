"""Shared test helpers: paths to the repository and its fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "fixtures"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
