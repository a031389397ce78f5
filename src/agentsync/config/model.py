"""The v1 agent config model: the single source of truth for the config's shape and defaults.

Every field that the platform's config reference names is declared here with its documented
default. The JSON Schema in ``schemas/agent-config.v1.json`` is generated from these models,
and agent-lint validates shape against that generated schema, so editing a model and running
``make schema`` is the one way to change what a config may contain.

Conventions shared by every model:
- strict types (no coercion: ``"5"`` is not a number, ``yes`` is not a boolean);
- unknown keys are rejected, except in ``mcp_servers`` and ``tools`` entries, which are open;
- a key whose value is null means "use the default", the way an empty YAML value reads;
- a spelling the platform accepts but its config reference does not document (a top-level
  ``name:``, ``pull_request_merged``) is read as its documented form, and the published schema
  marks it deprecated (``reference.DEPRECATED_TOP_LEVEL_KEYS``, ``DEPRECATED_REACT_EVENTS``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentsync.config.money import MAX_AMOUNT, unfit_numbers
from agentsync.config.reference import (
    CPU_MAX,
    CPU_MIN,
    DEPRECATED_REACT_EVENTS,
    DEPRECATED_TOP_LEVEL_KEYS,
    MentionPlatform,
    ReactEventName,
)
from agentsync.config.variables import NAME_PATTERN, NAME_RULE


def _deprecated(message: str) -> dict[str, Any]:
    """Schema annotations of an undocumented spelling: ``deprecated`` for JSON Schema tools,
    ``deprecationMessage`` for editors (a warning, and no completion)."""
    return {"deprecated": True, "deprecationMessage": message}


def _undocumented(key: str, default: Any) -> Any:
    """The field of an undocumented top-level ``key`` (``DEPRECATED_TOP_LEVEL_KEYS``)."""
    block, field = DEPRECATED_TOP_LEVEL_KEYS[key]
    return Field(
        default=default,
        exclude=True,
        description=f"Deprecated: the config reference documents {field} under {block}:. "
        f"Read as {block}.{field} when that is unset.",
        json_schema_extra=_deprecated(f"{key} belongs under {block}: ({block}.{field})"),
    )


DeprecatedReactEventName = Annotated[
    Literal["pull_request_merged"],
    Field(
        description="Deprecated spelling of pull_request_merge.",
        json_schema_extra=_deprecated(
            "pull_request_merged is deprecated: the config reference documents this event as "
            "pull_request_merge"
        ),
    ),
]


class _Model(BaseModel):
    """Base for every config model: strict, closed, null means default."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if value is not None or not _has_default(cls, key)
            }
        return data


class _OpenModel(_Model):
    """A model whose extra keys are passed through to the platform unchanged."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


def _has_default(model: type[BaseModel], key: Any) -> bool:
    """A known, optional field: null there means the default. Unknown keys stay (and fail)."""
    field = model.model_fields.get(key) if isinstance(key, str) else None
    return field is not None and not field.is_required()


class Metadata(_Model):
    """Freeform organization, modeled on Kubernetes labels and annotations."""

    labels: list[str] = Field(default=[], description="Flat string tags for grouping.")
    annotations: dict[str, str] = Field(default={}, description="Free-form key/value notes.")


class EllipsisBlock(_Model):
    """Schema version, identity and organizational metadata."""

    version: Literal["v1"] = Field(
        default="v1", description="Config schema version. v1 is the only supported version."
    )
    name: str = Field(default="", description="Human-readable agent name.")
    description: str = Field(default="", description="What the agent does.")
    metadata: Metadata = Field(
        default_factory=Metadata,
        description="Labels and annotations; excluded from the content identity.",
    )


class CronTrigger(_Model):
    """Run the agent on a schedule (UTC)."""

    type: Literal["cron"] = Field(description="Selects the cron trigger shape.")
    schedule: str = Field(
        description=(
            "5-field cron expression, or EventBridge cron(...), rate(...) or at(...). UTC."
        ),
    )


class ReactEvent(_Model):
    """One repository or issue event that starts the agent."""

    event: ReactEventName | DeprecatedReactEventName = Field(
        description="The event that starts the agent."
    )
    repository: str | None = Field(
        default=None, description="Optional: the repository the event comes from."
    )
    branches: list[str] | None = Field(
        default=None, description="Branch globs; only valid on push events. Unset: every branch."
    )

    @field_validator("event")
    @classmethod
    def _documented_event(cls, event: str) -> str:
        return DEPRECATED_REACT_EVENTS.get(event, event)


class ReactTrigger(_Model):
    """Run the agent in response to repository and issue events."""

    type: Literal["react"] = Field(description="Selects the react trigger shape.")
    events: list[ReactEvent] = Field(description="Events that start the agent.")


class MentionTrigger(_Model):
    """Route @ellipsis mentions to this agent instead of the built-in responder."""

    type: Literal["mention"] = Field(description="Selects the mention trigger shape.")
    platforms: list[MentionPlatform] = Field(
        default=[], description="Platforms whose mentions route here; empty means all."
    )


Trigger = Annotated[
    CronTrigger | ReactTrigger | MentionTrigger,
    Field(
        discriminator="type",
        title="Trigger",
        description="One way the agent is started; its type selects the keys it takes.",
    ),
]


class Repository(_Model):
    """A repository checked out in the sandbox."""

    name: str = Field(description="Repository name.")
    owner: str | None = Field(default=None, description="Defaults to the config's account.")
    ref: str | None = Field(default=None, description="Defaults to the default-branch head.")


class Variable(_Model):
    """An environment variable injected into the sandbox."""

    name: str = Field(
        pattern=NAME_PATTERN,
        description=f"Environment variable name: {NAME_RULE}. Names that change how a process "
        "starts (BASH_ENV, LD_*, PATH...) are refused.",
    )
    value: str | None = Field(
        default=None,
        description="Inline value for non-secret config; omit it to resolve the variable "
        "from the sandbox-variables store at run time.",
    )


class Compute(_Model):
    """Sandbox sizing; omitted values use the platform default."""

    cpu: float | None = Field(
        default=None,
        ge=CPU_MIN,
        le=CPU_MAX,
        description="vCPUs, 0.125 to 16. Unset: the platform default.",
    )
    memory: str | int | None = Field(
        default=None,
        description='Memory, 512MB to 64GB: "4GB", "512MB", "2Gi" or megabytes. '
        "Unset: the platform default.",
    )
    timeout: str | int | None = Field(
        default=None,
        description='Run timeout up to 24h: "30m", "2h", "1h30m" or seconds. '
        "Unset: the platform default.",
    )


class Image(_Model):
    """Sandbox image customization."""

    dockerfile_append: str | None = Field(
        default=None,
        description="Dockerfile lines appended to the image; RUN instructions only. "
        "Unset: nothing appended.",
    )


class Hooks(_Model):
    """Shell commands run at points of the sandbox lifecycle."""

    post_start: str | list[str] | None = Field(
        default=None, description="Run after the sandbox starts. Unset: nothing."
    )
    post_clone: str | list[str] | None = Field(
        default=None, description="Run after the repositories are cloned. Unset: nothing."
    )


class Sandbox(_Model):
    """The sandbox the agent runs in."""

    repositories: list[Repository] = Field(default=[], description="Repositories checked out.")
    variables: list[Variable] = Field(default=[], description="Environment variables injected.")
    compute: Compute = Field(default_factory=Compute, description="Sandbox sizing.")
    image: Image = Field(default_factory=Image, description="Image customization.")
    hooks: Hooks = Field(default_factory=Hooks, description="Lifecycle hooks.")


class McpServer(_OpenModel):
    """An MCP server available to the agent; keys besides name pass through."""

    name: str = Field(description="Server name; github, linear and slack are first-party.")


class Tool(_OpenModel):
    """A tool available to the agent; keys besides type pass through."""

    type: str = Field(description="Tool identifier.")


class Claude(_Model):
    """Model settings."""

    system: str = Field(
        default="",
        description="The agent's instructions. Required (non-empty) for cron, react and "
        "manual agents; ignored for mention agents.",
    )
    model: str | None = Field(default=None, description="Model id; the platform default if unset.")


def _budget(which: str) -> Any:
    """The field of one spend limit: ``which`` budget, 0 to ``MAX_AMOUNT`` dollars."""
    return Field(
        default=None,
        ge=0,
        le=MAX_AMOUNT,
        description=f"{which} budget (USD). Unset: the account default.",
    )


class Limits(_Model):
    """Spend limits in US dollars; unset means the account default."""

    run: float | None = _budget("Per-run")
    day: float | None = _budget("Daily")
    week: float | None = _budget("Weekly")
    month: float | None = _budget("Monthly")


class StructuredOutput(_Model):
    """Constrain the agent's final answer to a JSON Schema."""

    type: Literal["json_schema"] = Field(default="json_schema", description="Output type.")
    json_schema: dict[str, Any] = Field(default={}, description="A JSON Schema document.")


class AgentConfig(_Model):
    """An agent config file (v1)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        title="Ellipsis agent config (v1)",
        json_schema_extra={"$id": "https://agentsync.dev/schemas/agent-config.v1.json"},
    )

    @model_validator(mode="before")
    @classmethod
    def _numbers_fit(cls, data: Any) -> Any:
        """NaN, infinity and numbers past 10^15 fit no field, at any depth (agent-lint:
        invalid-value, which checks the same)."""
        for path, _ in unfit_numbers(data):
            where = ".".join(str(part) for part in path)
            raise ValueError(f"{where} must be a finite number, at most {MAX_AMOUNT:,}")
        return data

    ellipsis: EllipsisBlock = Field(
        default_factory=EllipsisBlock,
        description="Version, identity and metadata. Its presence marks the file as a config.",
    )
    enabled: bool = Field(default=True, description="Disabled agents are stored but never run.")
    triggers: list[Trigger] = Field(default=[], description="When the agent runs.")
    sandbox: Sandbox = Field(default_factory=Sandbox, description="Where the agent runs.")
    mcp_servers: list[McpServer] = Field(default=[], description="MCP servers for the agent.")
    tools: list[Tool] = Field(default=[], description="Tools for the agent.")
    claude: Claude = Field(default_factory=Claude, description="Model settings.")
    limits: Limits = Field(default_factory=Limits, description="Spend limits in USD.")
    structured_output: StructuredOutput | None = Field(
        default=None,
        description="Constrain the final answer to a JSON Schema. Unset: a free-form answer.",
    )

    # Undocumented spellings the platform accepts (DEPRECATED_TOP_LEVEL_KEYS): checked here,
    # read into their documented place by _documented_places, left out of the identity.
    repositories: list[Repository] = _undocumented("repositories", [])
    name: str = _undocumented("name", "")
    description: str = _undocumented("description", "")

    @model_validator(mode="before")
    @classmethod
    def _documented_places(cls, data: Any) -> Any:
        """A deprecated top-level key fills its documented place when that is unset."""
        if not isinstance(data, dict):
            return data
        placed = dict(data)
        for key, (block, field) in DEPRECATED_TOP_LEVEL_KEYS.items():
            section = placed.get(block)
            if data.get(key) is None or not (section is None or isinstance(section, dict)):
                continue
            if (section or {}).get(field) is None:
                placed[block] = {**(section or {}), field: data[key]}
        return placed
