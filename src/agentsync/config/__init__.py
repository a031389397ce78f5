"""The v1 agent config: model, JSON Schema, YAML loading with positions, discovery, identity.

Importing this package is cheap: the pydantic model loads only from ``config.model``.
"""
