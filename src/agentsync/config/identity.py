"""The content identity of a config: a stable hash of its normalized form.

Two files that mean the same config have the same identity, whatever their formatting, key
order, comments, quoting or spelled-out defaults. ``ellipsis.metadata`` is excluded: labels and
annotations have no effect on how the agent runs. The sync engine compares identities to
decide between "unchanged" and "update", and to recognise a moved file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from agentsync.config.model import AgentConfig


def parse_config(data: Any) -> AgentConfig:
    """Validate loaded data into the model (raises pydantic's ``ValidationError``)."""
    return AgentConfig.model_validate({} if data is None else data)


def normalized(config: AgentConfig) -> dict[str, Any]:
    """Every field with its default filled in, metadata dropped, as JSON-ready data."""
    return config.model_dump(mode="json", exclude={"ellipsis": {"metadata"}})


def content_identity(config: AgentConfig) -> str:
    """``sha256:<hex>`` of the canonical JSON of the normalized config."""
    canonical = json.dumps(
        normalized(config), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
