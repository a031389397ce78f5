"""The run driver: a profile's adapter, opened, and the operations only some platforms have.

``open_adapter`` builds the adapter a ``Profile`` names (closing its connections after);
``start_options`` tells which ``start`` options a kind of platform takes (read off the
adapter's signature, so the two cannot drift) and ``list_filters`` which filters its ``list``
takes; ``send_input`` and ``replay`` refuse, with
``Unsupported``, on platforms without them.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from agentsync.errors import UsageError
from agentsync.platforms import ambient, deployments, ellipsis, threads
from agentsync.platforms.ambient import AmbientAdapter
from agentsync.platforms.base import Adapter, Http, TakesInput
from agentsync.platforms.deployments import DeploymentsAdapter
from agentsync.platforms.ellipsis import EllipsisAdapter
from agentsync.platforms.errors import Unsupported
from agentsync.platforms.model import NormalizedRun, Platform
from agentsync.platforms.threads import ThreadsAdapter

if TYPE_CHECKING:
    from agentsync.platforms.profiles import Profile

ADAPTERS: Mapping[Platform, type[Adapter]] = {
    "ellipsis": EllipsisAdapter,
    "deployments": DeploymentsAdapter,
    "threads": ThreadsAdapter,
    "ambient": AmbientAdapter,
}
FILTERS: Mapping[Platform, tuple[str, ...]] = {
    "ellipsis": ellipsis.FILTERS,
    "deployments": deployments.FILTERS,
    "threads": threads.FILTERS,
    "ambient": ambient.FILTERS,
}


def start_options(kind: Platform) -> dict[str, bool]:
    """The options ``start`` takes on this kind of platform, each with whether it is required."""
    parameters = inspect.signature(ADAPTERS[kind].start).parameters
    return {
        name: parameter.default is inspect.Parameter.empty
        for name, parameter in parameters.items()
        if name != "self"
    }


def list_filters(kind: Platform) -> tuple[str, ...]:
    """The names of the filters ``list`` takes on this kind of platform."""
    return FILTERS[kind]


@contextmanager
def open_adapter(
    profile: Profile, *, deployment: str | None = None, environ: Mapping[str, str] | None = None
) -> Iterator[Adapter]:
    """The adapter of ``profile``; ``deployment`` (else the profile's) for deployments."""
    if deployment is not None and profile.kind != "deployments":
        raise UsageError(f"--deployment applies only to deployments platforms, not {profile.kind}")
    token = profile.token(environ)
    if profile.kind == "ellipsis":
        from agentsync.client.api import client_from_environment

        with client_from_environment(profile.base_url, token) as client:
            yield EllipsisAdapter(client)
        return
    deployment = deployment or profile.deployment
    if profile.kind == "deployments" and not deployment:
        raise UsageError(
            f"platform {profile.name!r} runs agent deployments: give --deployment ID "
            f'or deployment = "ID" in its profile ({profile.origin})'
        )
    assert profile.base_url is not None  # the profile's checks saw to both
    assert token is not None
    with Http(profile.base_url, token) as http:
        if profile.kind == "deployments":
            assert deployment is not None
            yield DeploymentsAdapter(http, deployment)
        elif profile.kind == "threads":
            yield ThreadsAdapter(http)
        else:
            yield AmbientAdapter(http)


def send_input(adapter: Adapter, run_id: str, content: str) -> None:
    if not isinstance(adapter, TakesInput):
        raise Unsupported(f"{adapter.platform} runs take no interactive input")
    adapter.send_input(run_id, content)


def replay(adapter: Adapter, run_id: str, **options: str | None) -> NormalizedRun:
    if not isinstance(adapter, EllipsisAdapter):
        raise Unsupported(f"{adapter.platform} runs cannot be replayed")
    return adapter.replay(run_id, **options)
