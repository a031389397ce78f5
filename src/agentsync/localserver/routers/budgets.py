"""The account's budget (``/v1/budget``) and its usage over the last days (``/v1/usage``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from agentsync.localserver.budgets import Budget, Usage
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep
from agentsync.localserver.json_request import api_router

router = api_router()


@router.get("/v1/budget", response_model=Budget)
async def budget(who: Authenticated, control_plane: ControlPlaneDep) -> Budget:
    """The account's budget and its spend in the current calendar month (UTC). Without a budget,
    ``limited`` is false and the budget figures are 0."""
    return control_plane.budgets.account()


@router.get("/v1/usage", response_model=Usage)
async def usage(
    who: Authenticated,
    control_plane: ControlPlaneDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Usage:
    """Spend, tokens and runs per UTC day over the last ``days`` days (today included, days
    without runs too), with their totals, the totals of as many days before, and a split by
    model."""
    return control_plane.budgets.usage(days)
