"""The published JSON Schema of the v1 config: generating it from the model, and loading it.

``generate()`` needs pydantic; ``load()`` reads the checked-in file with the standard library
only, so agent-lint can validate against it without importing pydantic.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILENAME = "agent-config.v1.json"
SCHEMA_URL = (
    "https://raw.githubusercontent.com/agentsync/agentsync/main/schemas/agent-config.v1.json"
)


def generate() -> dict[str, Any]:
    """Build the JSON Schema from the pydantic model (the source of truth)."""
    from agentsync.config.model import AgentConfig

    schema = AgentConfig.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render(schema: dict[str, Any]) -> str:
    """The exact text of the checked-in schema file."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _schema_path() -> Path:
    # A wheel carries the file inside the package; a source checkout has it at the root.
    package = Path(__file__).resolve().parents[1]
    packaged = package / "schemas" / SCHEMA_FILENAME
    return packaged if packaged.is_file() else package.parents[1] / "schemas" / SCHEMA_FILENAME


@cache
def load() -> dict[str, Any]:
    """The checked-in JSON Schema, as agent-lint validates against it."""
    with _schema_path().open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema
