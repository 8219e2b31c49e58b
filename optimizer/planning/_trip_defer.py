"""Far refills the next plan can make on an overnight trip: deferred to it, not out of reach.

A refill whose window runs past the horizon and finds no room in it goes to the next plan
(``deferred.csv``). With overnight trips on, the same holds for one no day trip reaches: when
this plan has no trip for it (its days in the horizon a weekend, a holiday, or taken by other
trips, or deferring costs less, as the objective prices a deferrable refill), the next plan can,
on a trip after the horizon; ``unassigned.csv`` would call for a clinic
or a partner for a refill the program's own nurses will make. It is deferred only when such a
trip exists by the inputs (:func:`next_plan_trip`): a licensed, certified nurse within
:data:`~optimizer.planning.waypoints.MAX_NIGHTS` nights whose working days after the horizon hold
the trip with the visit inside the window. Otherwise it stays ``out_of_reach`` (with its ways
out in ``alternatives.csv``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

from optimizer.domain import Horizon
from optimizer.planning._trip_state import nurses_for
from optimizer.planning.plan import Deferred, Plan
from optimizer.planning.problem import PlanningProblem, calendar_of
from optimizer.planning.waypoints import MAX_NIGHTS, day_budget
from optimizer.rules.eligibility import Reason, may_practice

__all__ = ["next_plan_trip", "defer_to_next_trips"]


def next_plan_trip(problem: PlanningProblem, j: int) -> tuple[str, int, float] | None:
    """``(nurse_id, nights, drive minutes one way)`` of a trip after the horizon that can make refill
    ``j``, the fewest nights then the nearest nurse; ``None`` if none can (or ``j`` is not deferrable).

    The trip takes ``max(2, ⌈(2·drive + visit) / day⌉)`` consecutive working days of the nurse
    (``day``: her shift and overtime less the break, :func:`~optimizer.planning.waypoints.day_budget`),
    at most ``MAX_NIGHTS + 1``, all after the horizon, where she works and is licensed, with the visit
    on a day of the window: on the last day of the drive out, ``⌈(drive + visit) / day⌉``.
    """
    r = problem.refills[j]
    if not r.deferrable:
        return None
    first = problem.horizon.end + timedelta(days=1)
    if r.window.end < first:
        return None
    last = r.window.end + timedelta(days=MAX_NIGHTS)  # the way back may run past the window
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    holidays = calendar_of(problem.roster, Horizon(first, len(days)))
    ploc = problem.patient_location[r.patient_id]
    best: tuple[int, float, str] | None = None
    for nurse in nurses_for(problem, j):
        drive = problem.travel(problem.nurse_location[nurse.nurse_id], ploc)[0]
        budget = day_budget(nurse)
        visit = r.patient.visit_minutes
        need = max(2, math.ceil((2 * drive + visit) / budget))
        if need > MAX_NIGHTS + 1:
            continue
        out = max(1, math.ceil((drive + visit) / budget))
        works = [d not in holidays and problem.roster.available(nurse, d)
                 and may_practice(nurse, r.patient.state, on=d) for d in days]
        if _run_with_visit(days, works, need, out - 1, r.window.start, r.window.end):
            key = (need - 1, drive, nurse.nurse_id)
            best = key if best is None or key < best else best
    return None if best is None else (best[2], best[0], best[1])


def _run_with_visit(days: list[date], works: list[bool], length: int, at: int, lo: date, hi: date) -> bool:
    """A run of ``length`` consecutive working days whose ``at``-th day lies in ``[lo, hi]``."""
    for s in range(len(days) - length + 1):
        if all(works[s:s + length]) and lo <= days[s + at] <= hi:
            return True
    return False


def defer_to_next_trips(problem: PlanningProblem, plan: Plan) -> Plan:
    """``plan`` with its deferrable ``out_of_reach`` refills that a trip after the horizon can make
    (:func:`next_plan_trip`) moved from ``unassigned`` to ``deferred`` (the module docs)."""
    index = {(r.patient_id, r.window.start): j for j, r in enumerate(problem.refills)}
    keep, moved = [], []
    for u in plan.unassigned:
        j = index.get((u.patient_id, u.window_start))
        trip = None
        if j is not None and u.reason == Reason.OUT_OF_REACH:
            trip = next_plan_trip(problem, j)
        if trip is None:
            keep.append(u)
            continue
        nurse_id, nights, drive = trip
        moved.append(Deferred(
            patient_id=u.patient_id, state=u.state, window_start=u.window_start, window_end=u.window_end,
            empty_date=u.empty_date, detail=(
                f"window ends {u.window_end}, after the horizon; no day trip reaches the patient and this plan "
                f"has no trip for it: the next plan can make it on an overnight trip of {nights} night(s) by "
                f"{nurse_id} ({drive / 60:.1f} h drive)")))
    if not moved:
        return plan
    deferred = sorted([*plan.deferred, *moved], key=lambda d: (d.window_end, d.patient_id))
    return replace(plan, unassigned=keep, deferred=deferred)
