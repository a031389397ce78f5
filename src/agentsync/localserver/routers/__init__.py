"""The local control plane's ``/v1`` API, one router per resource: runs, configs, the sync
API, a run's events, sandbox variables, budget and usage, templates, and the caller (me).
``create_app`` includes ``ROUTERS``; their shared plumbing is
:mod:`agentsync.localserver.http_api`."""

from __future__ import annotations

from fastapi import APIRouter

from agentsync.localserver.routers import (
    budgets,
    configs,
    events,
    me,
    runs,
    sync,
    templates,
    variables,
)

ROUTERS: tuple[APIRouter, ...] = (
    runs.router,
    configs.router,
    sync.router,
    variables.router,
    budgets.router,
    me.router,
    templates.router,
    events.router,
)
