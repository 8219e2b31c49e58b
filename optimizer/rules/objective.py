"""The planner's objective (SPEC §5 objective), stated once.

One module holds the tiers and their weights (read from :mod:`optimizer.settings`,
where they are in cents), the money unit of the objective, how a nurse's pay
and mileage become integer rates, and how the domain's travel minutes and
kilometres become the integers every route is timed and priced with. The same
functions price the generic routing model (:func:`build_model`) and score a plan
(:func:`score`), so the model's objective of a solution and the plan's score are
the same number.

The objective, lowest first: refills not placed (overdue ≫ due ≫ a kept visit moved,
:func:`keep_cost` ≫ deferrable)
≫ overdue delay ≫ visits in the last reserve day ≫ days away from the due date
(a day early on a fill that ends a floxuridine course most) ≫ labour, overtime and mileage
(:func:`optimizer.routing.timing.route_cost`) ≫ continuity ≫ a per nurse-day
tie-break toward fewer, fuller days.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import numpy as np

from optimizer import settings
from optimizer.domain import Nurse, Patient, minutes_of
from optimizer.planning.problem import PlanningProblem, Refill
from optimizer.planning.workday import blocked_minutes, break_terms
from optimizer.routing import Model
from optimizer.rules.clock import clock_shift
from optimizer.routing.timing import UNREACHABLE

__all__ = ["UNITS_PER_DOLLAR", "UNITS_PER_CENT", "DAY", "NurseRates", "nurse_rates", "leg_minutes",
           "leg_metres", "matrix_minutes", "matrix_metres", "arc_cost", "in_last_reserve_day",
           "due_date_cost", "day_cost", "visit_cost", "keep_cost", "visit_patient", "miss_penalty",
           "refill_penalty", "score", "Built", "build_model"]

UNITS_PER_CENT: int = 60
"""The objective counts sixtieths of a cent, so that a wage in cents per hour is an
exact integer rate per minute (the routing model needs integers); mileage is
rounded per leg to 1/60 cent."""
UNITS_PER_DOLLAR: int = 100 * UNITS_PER_CENT
DAY: int = 24 * 60
"""Minutes per day: the routing model's clock runs over the whole horizon."""


@dataclass(frozen=True, slots=True)
class NurseRates:
    """A nurse-day's integer prices in objective units (SPEC §5 cost of a nurse-day)."""

    per_minute: int  # hourly_cost, from departure to return
    overtime_per_minute: int  # the extra (OVERTIME_MULTIPLIER − 1) × pay past shift end
    per_metre: float  # IRS mileage rate; each leg's cost is rounded to an integer
    fixed: int  # COST_NURSE_DAY_BALANCE: the tie-break per nurse-day used


def nurse_rates(nurse: Nurse) -> NurseRates:
    """The integer rates of ``nurse``'s days (settings are read at each call, never cached)."""
    per_min = float(nurse.hourly_cost) * UNITS_PER_DOLLAR / 60
    return NurseRates(
        per_minute=int(round(per_min)),
        overtime_per_minute=int(round(per_min * (settings.OVERTIME_MULTIPLIER - 1))),
        per_metre=settings.IRS_MILEAGE_RATE_PER_MILE * UNITS_PER_DOLLAR / (settings.KM_PER_MILE * 1000),
        fixed=settings.COST_NURSE_DAY_BALANCE * UNITS_PER_CENT,
    )


def leg_minutes(minutes: float) -> int:
    """A travel leg in whole minutes: rounded up (an epsilon absorbs float noise); nan → unreachable."""
    m = float(minutes)
    return UNREACHABLE if math.isnan(m) else min(UNREACHABLE, math.ceil(m - 1e-6))


def leg_metres(km: float) -> int:
    """A travel leg in whole metres (half to even, as :func:`numpy.rint`); nan → unreachable."""
    k = float(km)
    return UNREACHABLE if math.isnan(k) else min(UNREACHABLE, round(k * 1000))


def matrix_minutes(minutes: np.ndarray) -> np.ndarray:
    """:func:`leg_minutes` of every entry (the same float64 arithmetic, so the same integers)."""
    m = np.asarray(minutes, dtype=np.float64)
    out = np.ceil(np.nan_to_num(m, nan=0.0) - 1e-6)
    return np.where(np.isnan(m), UNREACHABLE, np.minimum(out, UNREACHABLE)).astype(np.int64)


def matrix_metres(km: np.ndarray) -> np.ndarray:
    """:func:`leg_metres` of every entry."""
    k = np.asarray(km, dtype=np.float64)
    out = np.rint(np.nan_to_num(k, nan=0.0) * 1000)
    return np.where(np.isnan(k), UNREACHABLE, np.minimum(out, UNREACHABLE)).astype(np.int64)


def arc_cost(rates: NurseRates, metres: int) -> int:
    """Mileage cost of one leg, as the routing model counts it (``rint(rate × distance)``)."""
    return int(round(rates.per_metre * float(metres))) if rates.per_metre else 0


def in_last_reserve_day(reserve_days_left: int) -> bool:
    """Whether a visit with this many reserve days left is in the last reserve day(s)."""
    return reserve_days_left <= settings.LAST_RESERVE_DAYS


def due_date_cost(refill: Refill, day: date) -> int:
    """Cents for making ``refill`` on ``day`` rather than on its due date (SPEC §5 objective).

    Each day away from ``due`` costs :data:`~optimizer.settings.COST_DAY_FROM_DUE`; a day
    early on a fill that ends a floxuridine course (the pump now holds floxuridine) costs
    :data:`~optimizer.settings.COST_DAY_EARLY_CHEMO_END` instead, since it cuts the course
    short. Overdue refills are priced by their delay instead.
    """
    if refill.overdue:
        return 0
    away = (day - refill.window.due).days
    if away < 0 and refill.window.infusate_now.is_chemo:
        return -away * settings.COST_DAY_EARLY_CHEMO_END
    return abs(away) * settings.COST_DAY_FROM_DUE


def day_cost(problem: PlanningProblem, refill: int, nurse_day: int) -> int:
    """Cents of the tiers that depend on the day only: overdue delay, last reserve day, due date.

    The last-reserve-day tier prices a visit that uses the pump's reserve: after the due
    date, with :data:`~optimizer.settings.LAST_RESERVE_DAYS` or fewer days left. A visit
    on or before its due date is on the prescribed schedule, even when the pump's reserve
    beyond the due date is a single day (30 mL at 2 mL/day for a 14-day interval): pricing
    it as a reserve-day visit would send every such fill a day early, cutting floxuridine
    courses short (issue 11 item 1).
    """
    r = problem.refills[refill]
    nd = problem.nurse_days[nurse_day]
    cents = _day_tiers(r, nd.day)
    if r.overdue:
        cents += settings.COST_OVERDUE_PER_DAY * nd.index
    return cents


def _day_tiers(refill: Refill, day: date) -> int:
    """Cents of the last-reserve-day and due-date tiers of making ``refill`` on ``day``."""
    cents = 0
    if (day > refill.window.due or refill.overdue) and in_last_reserve_day(refill.window.reserve_days_left(day)):
        cents += settings.COST_LAST_RESERVE_DAY
    return cents + due_date_cost(refill, day)


def visit_cost(problem: PlanningProblem, refill: int, nurse_day: int) -> int:
    """Tier costs of making ``refill`` on ``nurse_day`` (objective units): last reserve day,
    overdue delay, days from the due date (:func:`day_cost`), continuity."""
    r = problem.refills[refill]
    cents = day_cost(problem, refill, nurse_day)
    pref = r.patient.preferred_nurse_id
    if pref and pref != problem.nurse_days[nurse_day].nurse.nurse_id:
        cents += settings.COST_NOT_PREFERRED_NURSE
    return (cents + keep_cost(problem, refill, nurse_day)) * UNITS_PER_CENT


def visit_patient(problem: PlanningProblem, refill: int) -> Patient:
    """The patient as the visit of ``refill`` is timed: a kept visit with a confirmed start has its
    arrival window cut to the start ± 30 min (:class:`optimizer.planning.keep.Pins`)."""
    pins = problem.pins
    if pins is not None and refill in pins.patients:
        return pins.patients[refill]
    return problem.refills[refill].patient


def keep_cost(problem: PlanningProblem, refill: int, nurse_day: int) -> int:
    """Cents for making a pinned refill (a confirmed visit, or a re-plan's previous visit) on
    another nurse-day than its own: the keep tier, below a missed refill that can be made."""
    pins = problem.pins
    if pins is None or pins.keep.get(refill, nurse_day) == nurse_day:
        return 0
    return settings.COST_MOVED_VISIT


def refill_penalty(problem: PlanningProblem, refill: int) -> int:
    """Cost of not placing ``refill`` (:func:`miss_penalty`); a pinned refill also pays the
    keep tier, so dropping a kept visit is never cheaper than moving it."""
    pins = problem.pins
    moved = settings.COST_MOVED_VISIT * UNITS_PER_CENT if pins is not None and refill in pins.keep else 0
    return miss_penalty(problem, refill) + moved


def miss_penalty(problem: PlanningProblem, refill: int) -> int:
    """Cost of not placing ``refill``: overdue ≫ due in the horizon ≫ deferrable to the next plan.

    A deferrable refill (its window runs past the horizon) that the next plan can make from home
    (:meth:`~optimizer.planning.problem.PlanningProblem.next_plan_days`) costs what its best such day
    pays in the day tiers (days from the due date, last reserve day) plus
    :data:`~optimizer.settings.COST_DEFERRED`: it is made now only on a day as near its due date,
    not days early because a nurse is nearby (SPEC §5). One the next plan cannot make from home costs
    :data:`~optimizer.settings.PENALTY_DEFERRED`.
    """
    r = problem.refills[refill]
    if r.overdue:
        return settings.PENALTY_MISSED_OVERDUE * UNITS_PER_CENT
    if not r.deferrable:
        return settings.PENALTY_MISSED_REFILL * UNITS_PER_CENT
    days = problem.next_plan_days(refill)
    if not days:
        return settings.PENALTY_DEFERRED * UNITS_PER_CENT
    return (min(_day_tiers(r, d) for d in days) + settings.COST_DEFERRED) * UNITS_PER_CENT


class Costed(Protocol):
    """A scheduled route that knows its cost (:class:`optimizer.planning.schedule.RouteSchedule`)."""

    @property
    def objective_units(self) -> int: ...


def score(problem: PlanningProblem,
          routes: Mapping[int, tuple[Sequence[int], Costed]]) -> tuple[int, int]:
    """The objective of a plan's routes (by nurse-day index), in objective units.

    Route costs (labour, overtime, mileage and the nurse-day tie-break) plus the
    tier cost of every visit plus the penalty of every refill with candidates
    that no route serves; the very number :meth:`Model.evaluate` gives the same
    routes in :func:`build_model`'s model. Returns (objective, refills placed).
    """
    total = 0
    placed: set[int] = set()
    for k, (order, sched) in routes.items():
        if not order:
            continue
        total += sched.objective_units
        for j in order:
            total += visit_cost(problem, j, k)
            placed.add(j)
    total += sum(refill_penalty(problem, j) for j in problem.candidates_by_refill() if j not in placed)
    return total, len(placed)


@dataclass
class Built:
    """A routing model of some refills, with the maps back to the problem."""

    model: Model
    vehicle_nd: list[int]  # model vehicle -> nurse-day index
    visit_refill: list[int]  # model visit -> refill index


def build_model(problem: PlanningProblem, refills: Sequence[int]) -> Built:
    """The generic routing model for ``refills`` (each with candidates) and their nurse-days.

    A vehicle per nurse-day (day ``i`` runs from ``i × DAY`` on the model's clock);
    a refill is a group of alternative visit copies, one per (day, tier cost, clock shift),
    each allowed on the nurse-days of that day with that cost whose nurse reads the patient's
    arrival window on her clock with that shift (:mod:`optimizer.rules.clock`); the group's
    penalty is :func:`miss_penalty`. The copies of an overdue refill are flagged
    ``first``: it is the first stop of its route (SPEC §5).
    """
    cands = problem.candidates_by_refill()
    nd_used = sorted({k for j in refills for k in cands.get(j, ())})
    nurses = sorted({problem.nurse_days[k].nurse.nurse_id for k in nd_used})
    locs = [problem.nurse_location[n] for n in nurses] + [
        problem.patient_location[problem.refills[j].patient_id] for j in refills]
    local = {g: i for i, g in enumerate(locs)}
    m = Model()
    for g in locs:
        m.add_location(name=str(g))
    m.set_matrices(matrix_minutes(problem.minutes[np.ix_(locs, locs)]),
                   matrix_metres(problem.km[np.ix_(locs, locs)]))
    vehicle_of: dict[int, int] = {}
    for k in nd_used:
        nd = problem.nurse_days[k]
        n, off = nd.nurse, nd.index * DAY
        home = local[problem.nurse_location[n.nurse_id]]
        rates = nurse_rates(n)
        vehicle_of[k] = m.add_vehicle(
            start=home, end=home, tw_early=off + minutes_of(n.shift_start),
            tw_late=off + minutes_of(n.shift_end) + n.max_overtime_minutes,
            soft_end=off + minutes_of(n.shift_end), overtime_cost=rates.overtime_per_minute,
            max_visits=n.max_visits_per_day, fixed_cost=rates.fixed, cost_per_time=rates.per_minute,
            cost_per_distance_unit=rates.per_metre, name=f"{n.nurse_id}@{nd.day}",
            blocked=[(a + off, b + off) for a, b in blocked_minutes(problem.roster, n, nd.day)],
            **break_terms(n).shifted(off))
    visit_refill: list[int] = []
    for j in refills:
        p = visit_patient(problem, j)
        ploc = local[problem.patient_location[p.patient_id]]
        # one copy per day, cost and clock: nurses in another time zone read the patient's
        # arrival window shifted (optimizer.rules.clock)
        by_copy: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        for k in cands.get(j, ()):
            nd = problem.nurse_days[k]
            by_copy[(nd.index, visit_cost(problem, j, k), clock_shift(nd.nurse, p, nd.day))].append(k)
        copies: list[int] = []
        for (day_idx, cost, shift), allowed in sorted(by_copy.items()):
            off = day_idx * DAY + shift
            copies.append(m.add_visit(
                location=ploc, tw_early=off + minutes_of(p.earliest_arrival),
                tw_late=off + minutes_of(p.latest_arrival), service=p.visit_minutes,
                allowed_vehicles=[vehicle_of[k] for k in allowed], required=False, service_cost=cost,
                first=problem.refills[j].overdue,
                name=f"{p.patient_id}@{problem.horizon.start + timedelta(days=day_idx)}"))
            visit_refill.append(j)
        m.add_group(copies, required=False, penalty=refill_penalty(problem, j))
    return Built(m, [k for k in nd_used], visit_refill)
