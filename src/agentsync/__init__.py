"""agentsync: GitOps for AI-agent configs (linter, sync engine, control plane, run driver)."""

from __future__ import annotations

__version__ = "0.1.0"
