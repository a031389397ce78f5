"""Other platforms' run APIs served over the local control plane's runs ("dialects"), so the
adapters in ``agentsync.platforms`` can be tested against a real server: one module per
dialect (:mod:`.deployments`, :mod:`.threads`, :mod:`.ambient`), what they add to the runner
(:mod:`.runner`: write-only ``envs``, interactive input) and what they share (:mod:`.common`).

Each create is a ``ControlPlane`` run of an inline config built from the request (its
``claude.system`` is the prompt or the input); the dialect's own fields (thread, deployment,
version, title, team, retention...) live in the run's ``metadata``. A dialect sees only the runs
it created (``metadata["dialect"]``); any other id is a 404. Auth is the ``/v1`` Bearer tokens.
"""

from __future__ import annotations

from fastapi import APIRouter

from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.dialects import ambient, deployments, threads
from agentsync.localserver.dialects.runner import dialect_runner, inputs_of
from agentsync.localserver.json_request import api_router

__all__ = ["dialect_router", "inputs_of"]


def dialect_router(control_plane: ControlPlane) -> APIRouter:
    """The dialect routes; wraps ``control_plane``'s runner for their ``envs`` and input."""
    dialect_runner(control_plane)
    router = api_router()
    for dialect in (deployments, threads, ambient):
        router.include_router(dialect.router)
    return router
