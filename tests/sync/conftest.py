"""The sync tests run against the same real local control plane as the control plane tests."""

from __future__ import annotations

from tests.controlplane.conftest import api, server

__all__ = ["api", "server"]
