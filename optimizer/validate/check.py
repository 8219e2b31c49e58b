"""The entry point: read a plan folder and run every check against the roster."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from optimizer.domain import Horizon, Roster
from optimizer.errors import UsageError
from optimizer.rules.company_calendar import HolidayCalendar
from optimizer.rules.windows import WindowRules, refill_window
from optimizer.validate.base import Context, Violation, read_rows
from optimizer.validate.confirmed import check_changes, check_confirmed
from optimizer.validate.coverage import check_coverage
from optimizer.validate.previous import check_previous
from optimizer.validate.routes import check_routes
from optimizer.validate.travel import Travel, plan_pairs
from optimizer.validate.trips import check_trips, read_ends
from optimizer.validate.visits import check_visits

__all__ = ["REQUIRED_FILES", "check_plan"]

#: The files every plan folder holds (SPEC §6).
REQUIRED_FILES: tuple[str, ...] = ("visits.csv", "nurse_days.csv", "unassigned.csv", "summary.json")


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh), [])


def check_plan(
    roster: Roster,
    plan_dir: str | Path,
    *,
    provider,
    rules: WindowRules | None = None,
    horizon: Horizon | None = None,
    previous: str | Path | None = None,
) -> list[Violation]:
    """Every violation of SPEC §5 in the plan folder ``plan_dir`` (empty list: valid).

    Parameters
    ----------
    roster
        The inputs the plan was made from.
    plan_dir
        A plan folder (SPEC §6).
    provider
        The travel-time provider the plan was made with.
    rules
        Refill-window rules; the defaults when None.
    horizon
        The planning horizon; read from ``summary.json`` when None.
    previous
        The plan folder a re-plan replaced: the re-plan is also checked against it
        (:func:`optimizer.validate.previous.check_previous`); None: not checked.

    Returns
    -------
    list of Violation
        Each broken rule, recomputed from the inputs (never from the planner's state).

    Raises
    ------
    optimizer.errors.UsageError
        With ``previous``, when ``plan_dir`` is no re-plan (``summary.json`` has no
        ``solver.replan_from``).
    """
    plan_dir = Path(plan_dir)
    missing = [Violation("files", f"{name} is missing") for name in REQUIRED_FILES
               if not (plan_dir / name).exists()]
    if missing:
        return missing
    summary = json.loads((plan_dir / "summary.json").read_text())
    if horizon is None:
        h = summary["horizon"]
        horizon = Horizon(date.fromisoformat(h["start"]), int(h["days"]))
    replan_from = (summary.get("solver") or {}).get("replan_from")
    if previous is not None and not replan_from:
        raise UsageError(f"plan folder {str(plan_dir)!r} is no re-plan (its summary.json has no solver.replan_from): "
                         "check it without the previous plan")
    rules = rules or WindowRules()
    visits = read_rows(plan_dir / "visits.csv")
    travel = Travel(provider)
    travel.prime(plan_pairs(roster, visits))
    ctx = Context(roster, horizon, rules, travel,
                  {p.patient_id: refill_window(p, rules=rules) for p in roster.active_patients()},
                  HolidayCalendar.of(roster.holidays, horizon.start, horizon.end),
                  replan_from=date.fromisoformat(replan_from) if replan_from else None)
    days = read_rows(plan_dir / "nurse_days.csv")
    read_ends(ctx, days)  # home, or an overnight trip's lodging (SPEC §6)
    numbered = "fill_no" in _header(plan_dir / "visits.csv")
    by_route = check_visits(ctx, visits, numbered=numbered)
    check_routes(ctx, by_route, days)
    changes: list[dict[str, str]] = []
    if (plan_dir / "changes.csv").exists():
        changes = read_rows(plan_dir / "changes.csv")
    check_trips(ctx, by_route, days, changes)
    deferred = read_rows(plan_dir / "deferred.csv") if (plan_dir / "deferred.csv").exists() else []
    visited = {pid for (_, _), vs in by_route.items() for pid in (v["patient_id"] for v in vs)}
    check_coverage(ctx, visited, read_rows(plan_dir / "unassigned.csv"), deferred)
    if (plan_dir / "changes.csv").exists():
        check_changes(ctx, changes, _header(plan_dir / "changes.csv"), visits)
    check_confirmed(ctx, visits, changes)
    if previous is not None:
        old = Path(previous) / "visits.csv"
        check_previous(ctx, visits, read_rows(old), changes, numbered=numbered and "fill_no" in _header(old))
    return ctx.out
