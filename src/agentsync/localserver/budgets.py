"""Money on the local control plane: the caps a new run must fit under, the account's budget
(``GET /v1/budget``) and spend per day (``GET /v1/usage``).

Before a run is created, every cap that applies is checked: the config's
``limits.day``/``week``/``month`` (from the stored config, so a per-run override cannot lift
them) and the account's ``ServerSettings.account_budget_usd`` (per calendar month). A cap
refuses the run (402, naming the cap) when the window's spend, plus ``limits.run`` of each
unfinished run in it (its reservation), plus this run's own ``limits.run`` would pass it, or
when the spend has reached it. Windows are UTC: the day, the week from Monday, the month from
the 1st. ``limits.run`` itself is enforced while the run runs (see ``runners``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from agentsync.client.errors import BudgetExceeded
from agentsync.client.records import FINAL_STATUSES, Run
from agentsync.config.money import MILLICENTS_PER_USD, money
from agentsync.localserver.runners import run_limit_millicents
from agentsync.localserver.settings import Shared, stamp
from agentsync.localserver.store import RunQuery


class BudgetWindow(BaseModel):
    start: str
    end: str  # exclusive


class Budget(BaseModel):
    """``GET /v1/budget``: the account's spend in the current calendar month (UTC).

    The numbers are always numbers (the platform CLI formats them); ``limited`` says whether an
    account budget is set at all (without one, budget/remaining/fraction are 0).
    """

    period: Literal["month"] = "month"
    window: BudgetWindow
    budget_usd: float
    spent_usd: float
    remaining_usd: float  # never below 0
    fraction_used: float  # spent / budget; may pass 1; 1 for a budget of 0
    limited: bool
    pause_at_limit: bool  # runs are refused (402) once the budget is spent


class UsageDay(BaseModel):
    date: str  # YYYY-MM-DD, UTC
    spent_usd: float
    runs: int


class UsageDailyPoint(BaseModel):
    """One day in the platform's usage dashboard shape (token split unknown locally: 0)."""

    date: str
    tokens: int
    tokens_input: int = 0
    tokens_output: int = 0
    tokens_cache_read: int = 0
    tokens_cache_creation: int = 0
    cost_tokens_millicents: int
    cost_sandbox_cpu_millicents: int
    cost_sandbox_memory_millicents: int
    cost_fee_millicents: int


class ModelUsage(BaseModel):
    model_id: str
    tokens: int
    cost_tokens_millicents: int
    cost_sandbox_cpu_millicents: int
    cost_sandbox_memory_millicents: int
    cost_fee_millicents: int


class Usage(BaseModel):
    """``GET /v1/usage``: spend per UTC day over ``days`` days, oldest first, days without runs
    too, in our summary (``days``, ``total_usd``) and the platform dashboard's shape."""

    days: list[UsageDay]
    total_usd: float
    period_start: str
    period_end: str
    total_tokens: int
    total_cost_millicents: int
    prior_total_tokens: int
    prior_total_cost_millicents: int
    daily: list[UsageDailyPoint]
    by_model: list[ModelUsage]


_THIS = {"day": "today", "week": "this week", "month": "this month"}


def _window(window: str, moment: datetime) -> tuple[datetime, datetime]:
    """The UTC day, week (from Monday) or month holding ``moment``: ``[start, end)``."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if window == "day":
        return day, day + timedelta(days=1)
    if window == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)


def _cost_split(runs: list[Run]) -> dict[str, int]:
    """Tokens and each kind of cost, summed over ``runs``."""
    return {
        "tokens": sum(r.tokens_total for r in runs),
        "cost_tokens_millicents": sum(r.cost_tokens for r in runs),
        "cost_sandbox_cpu_millicents": sum(r.cost_sandbox_cpu for r in runs),
        "cost_sandbox_memory_millicents": sum(r.cost_sandbox_memory for r in runs),
        "cost_fee_millicents": sum(r.cost_fee for r in runs),
    }


def _usd(millicents: int) -> float:
    return millicents / MILLICENTS_PER_USD


def _millicents(usd: float) -> int:
    return round(usd * MILLICENTS_PER_USD)


def _run_limit(snapshot: dict[str, Any]) -> int:
    """What a run of ``snapshot`` may cost: its ``limits.run``, 0 when it has none."""
    return run_limit_millicents(snapshot) or 0


class Budgets:
    """Caps, the account budget and usage, counted from the runs in the store."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def _runs_between(
        self, start: datetime, end: datetime, config_id: str | None = None
    ) -> list[Run]:
        """The runs created in ``[start, end)``, of one config or of all."""
        last = end - timedelta(microseconds=1)
        query = RunQuery(config_id=config_id, start=stamp(start), end=stamp(last), limit=10_000_000)
        return self._shared.store.list_runs(query)

    def _caps(
        self, config_id: str | None, snapshot: dict[str, Any]
    ) -> list[tuple[str, str, float, str | None]]:
        """Each cap on a run of ``snapshot``: (its name, its window, USD, its config or None)."""
        caps: list[tuple[str, str, float, str | None]] = []
        if config_id is not None:
            record = self._shared.store.get_config(config_id)
            limits = (record.agent_config if record else snapshot).get("limits") or {}
            for window in ("day", "week", "month"):
                if limits.get(window) is not None:
                    name = f"limits.{window} {money(limits[window])} of config {config_id}"
                    caps.append((name, window, limits[window], config_id))
        budget = self._shared.settings.account_budget_usd
        if budget is not None:
            caps.append((f"the account budget {money(budget)} per month", "month", budget, None))
        return caps

    def check(self, config_id: str | None, snapshot: dict[str, Any]) -> None:
        """Refuse (``BudgetExceeded``) a run that would pass a config cap or the account budget
        (module docstring); call it under the lock the run is inserted under."""
        expected = _run_limit(snapshot)
        moment = self._shared.clock()
        for name, window, cap, scope in self._caps(config_id, snapshot):
            runs = self._runs_between(*_window(window, moment), config_id=scope)
            spent = sum(r.cost_millicents for r in runs)
            reserved = sum(
                _run_limit(r.config_snapshot) for r in runs if r.status not in FINAL_STATUSES
            )
            if spent >= _millicents(cap) or spent + reserved + expected > _millicents(cap):
                detail = f"{name}: ${_usd(spent):,.2f} spent {_THIS[window]}"
                if reserved:
                    detail += f", {money(_usd(reserved))} held by unfinished runs"
                if expected:
                    detail += f", and this run may cost up to {money(_usd(expected))} (limits.run)"
                raise BudgetExceeded(detail)

    def account(self) -> Budget:
        """The account's budget and spend this calendar month."""
        start, end = _window("month", self._shared.clock())
        spent = sum(r.cost_millicents for r in self._runs_between(start, end))
        budget = self._shared.settings.account_budget_usd
        remaining = fraction = 0.0
        if budget is not None:
            cap = _millicents(budget)
            remaining = _usd(max(cap - spent, 0))
            fraction = spent / cap if cap else 1.0
        return Budget(
            window=BudgetWindow(start=stamp(start), end=stamp(end)),
            budget_usd=budget or 0.0,
            spent_usd=_usd(spent),
            remaining_usd=remaining,
            fraction_used=fraction,
            limited=budget is not None,
            pause_at_limit=budget is not None,
        )

    def usage(self, days: int) -> Usage:
        """Spend per UTC day over the last ``days`` days, today included."""
        today, tomorrow = _window("day", self._shared.clock())
        first = today - timedelta(days=days - 1)
        runs = self._runs_between(first, tomorrow)
        prior = self._runs_between(first - timedelta(days=days), first)
        by_day: dict[str, list[Run]] = {}
        by_model: dict[str, list[Run]] = {}
        for run in runs:
            by_day.setdefault(run.created_at[:10], []).append(run)
            model = (run.config_snapshot.get("claude") or {}).get("model") or "default"
            by_model.setdefault(model, []).append(run)
        dates = [(first + timedelta(days=n)).date().isoformat() for n in range(days)]
        return Usage(
            days=[
                UsageDay(
                    date=d,
                    spent_usd=_usd(sum(r.cost_millicents for r in by_day.get(d, []))),
                    runs=len(by_day.get(d, [])),
                )
                for d in dates
            ],
            total_usd=_usd(sum(r.cost_millicents for r in runs)),
            period_start=dates[0],
            period_end=dates[-1],
            total_tokens=sum(r.tokens_total for r in runs),
            total_cost_millicents=sum(r.cost_millicents for r in runs),
            prior_total_tokens=sum(r.tokens_total for r in prior),
            prior_total_cost_millicents=sum(r.cost_millicents for r in prior),
            daily=[UsageDailyPoint(date=d, **_cost_split(by_day.get(d, []))) for d in dates],
            by_model=[
                ModelUsage(model_id=model, **_cost_split(group))
                for model, group in sorted(by_model.items())
            ],
        )
