"""More than one refill per patient in a horizon (issue 11 item 8): planning in passes.

A refill's window is computed from the previous fill's date, so fill k+1 of a patient
cannot be priced before fill k has a date. The plan is therefore made in passes:

1. the first fill of every patient is planned by any backend (greedy or solver), as
   a horizon of one fill per patient always was;
2. for every refill the plan placed, :func:`optimizer.rules.windows.next_fill` gives the
   patient as it is after that visit (last fill on the planned date, what it delivered,
   a full reservoir, the next infusate by protocol, the patient's own interval); when
   that fill's window opens inside the horizon, it becomes a refill with ``fill_no``
   one higher, with its own candidates (the same eligibility, holidays and absences);
3. the placed visits are pinned to their nurse-day (their date is what the later
   window was computed from) and the later fills are inserted around them greedily
   (the one route schedule and cost, due date preferred); passes repeat until no new
   fill opens in the horizon.

The earlier fills are never moved by a later pass, so every ``fill_no`` window in the
plan is exactly the one its predecessor's planned date implies — the validator
recomputes it from the inputs with the same :func:`~optimizer.rules.windows.next_fill`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from optimizer import settings

from optimizer.planning.candidates import assess
from optimizer.planning.greedy import Routes, greedy_routes
from optimizer.planning.keep import pin_later_fills
from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.planning.problem import Candidate, PlanningProblem, Refill, refill_in
from optimizer.planning.schedule import schedule_order
from optimizer.rules.objective import UNITS_PER_DOLLAR, score
from optimizer.rules.windows import next_fill

__all__ = ["routes_of_plan", "plan_routes", "lodging_units", "Night", "extend_with_next_fills", "with_later_fills"]

#: Passes at most (a 10-week horizon of 14-day fills needs 5; a bound against a loop).
MAX_PASSES: int = 12


def lodging_units() -> int:
    """One night's lodging and per diem in objective units (read at each call)."""
    return int(round(settings.LODGING_COST_PER_NIGHT_USD * UNITS_PER_DOLLAR))


Night = tuple[str, int, int, int]
"""A night away of a plan: (nurse id, the day that ends away, the next day, the lodging's location)."""


def _nights_of(problem: PlanningProblem, plan: Plan, k_of: dict[tuple[str, date], int]) -> list[Night]:
    """The nights away of ``plan`` (days that end away from home) inside ``problem``'s nurse-days; a
    lodging is a location of the problem (a patient's home, or a waypoint at one or at a lodging town), else
    ``RuntimeError``."""
    away = [d for d in plan.nurse_days if d.ends_away and (d.nurse_id, d.date) in k_of]
    if not away:
        return []
    at = {(round(t.lat, 6), round(t.lon, 6)): problem.town_base + i for i, t in enumerate(problem.towns)}
    at.update({(round(problem.roster.patient(pid).lat, 6), round(problem.roster.patient(pid).lon, 6)): loc
               for pid, loc in problem.patient_location.items()})
    out = []
    for d in away:
        loc = at.get((round(float(d.end_lat), 6), round(float(d.end_lon), 6)))
        nxt = k_of.get((d.nurse_id, d.date + timedelta(days=1)))
        if loc is None or nxt is None:
            raise RuntimeError(f"a trip of the plan on {d.date} ends at no location of the problem")
        out.append((d.nurse_id, k_of[(d.nurse_id, d.date)], nxt, loc))
    return out


def plan_routes(problem: PlanningProblem, plan: Plan, *, inside_only: bool = False) -> tuple[Routes, list[Night]]:
    """The plan's days as scheduled routes of ``problem`` and its nights away (the one plan→routes reader).

    Parameters
    ----------
    problem
        The problem the plan is read on.
    plan
        A plan of day trips and overnight trips (its days' start and end points).
    inside_only
        Leave out visits and nights on nurse-days ``problem`` does not hold (a re-plan's days
        before its horizon); else such a visit raises ``KeyError``.

    Returns
    -------
    (Routes, list[Night])
        Each day (with visits, or a day of a trip) timed by the one schedule from its start to its
        end, a night's lodging priced; ``RuntimeError`` when a day does not fit the schedule.
    """
    k_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
    j_of = {(r.patient_id, r.fill_no): j for j, r in enumerate(problem.refills)}
    nights = _nights_of(problem, plan, k_of)
    start = {b: loc for _, _, b, loc in nights}
    end = {a: loc for _, a, _, loc in nights}
    orders: dict[int, list[tuple[int, int]]] = {k: [] for k in (*start, *end)}
    outside: dict[str, int] = {}  # a re-plan numbers its fills on from the visits it kept as they were
    for v in sorted(plan.visits, key=lambda v: v.date):
        if inside_only and (v.nurse_id, v.date) not in k_of:
            outside[v.patient_id] = outside.get(v.patient_id, 0) + 1
            continue
        j = j_of.get((v.patient_id, v.fill_no - outside.get(v.patient_id, 0)))
        if j is None:
            raise RuntimeError(f"a visit of the plan on {v.date} is no refill of the problem")
        orders.setdefault(k_of[(v.nurse_id, v.date)], []).append((v.seq, j))
    routes: Routes = {}
    for k, seq in orders.items():
        order = [j for _, j in sorted(seq)]
        sched = schedule_order(problem, k, order, start=start.get(k), end=end.get(k),
                               lodging_units=lodging_units() if k in end else 0)
        if sched is None:
            raise RuntimeError(f"bug: a planned route on nurse-day {k} is infeasible under the one schedule")
        routes[k] = (order, sched)
    return routes, nights


def routes_of_plan(problem: PlanningProblem, plan: Plan) -> Routes:
    """The plan's visits as scheduled routes of ``problem`` (by nurse-day index, in visit order; the
    days of an overnight trip from and to its lodging): :func:`plan_routes` without the nights."""
    return plan_routes(problem, plan)[0]


def extend_with_next_fills(problem: PlanningProblem, routes: Routes) -> PlanningProblem | None:
    """``problem`` with the next fill of every placed last fill whose window opens in the horizon.

    Placed refills keep only their nurse-day as candidate (pinned); the new refills get
    their candidates and reasons from :func:`optimizer.planning.candidates.assess`; a confirmed or
    previously planned visit dated in a new fill's days is pinned to it
    (:func:`optimizer.planning.keep.pin_later_fills`). Returns None when no new fill opens in the horizon.
    """
    last = {}
    for j, r in enumerate(problem.refills):
        if r.fill_no > last.get(r.patient_id, (0, -1))[0]:
            last[r.patient_id] = (r.fill_no, j)
    placed_on = {j: k for k, (order, _) in routes.items() for j in order}
    new: list[Refill] = []
    for pid, (fill_no, j) in sorted(last.items()):
        if j not in placed_on:
            continue
        r = problem.refills[j]
        after = next_fill(r.patient, problem.nurse_days[placed_on[j]].day, rules=problem.rules)
        nxt = refill_in(problem.roster, problem.horizon, after, rules=problem.rules, fill_no=fill_no + 1)
        if isinstance(nxt, Refill):
            new.append(nxt)
    if not new:
        return None
    elig = assess(problem.roster, problem.horizon, new, problem.nurse_days, provider=problem.provider)
    base = len(problem.refills)
    pinned = [c for c in problem.candidates if c.refill not in placed_on] + [
        Candidate(j, k) for j, k in placed_on.items()]
    pinned += [Candidate(base + j, k) for j, k in zip(elig.refill.tolist(), elig.nurse_day.tolist())]
    pinned.sort(key=lambda c: (c.refill, c.nurse_day))
    return pin_later_fills(replace(problem, refills=[*problem.refills, *new], candidates=pinned,
                                   unplannable={**problem.unplannable, **elig.unplannable}))


def with_later_fills(problem: PlanningProblem, plan: Plan) -> tuple[Plan, PlanningProblem]:
    """The plan with every later fill the horizon holds, and the problem it was planned on.

    Parameters
    ----------
    problem
        The problem of the first fills (:func:`optimizer.planning.problem.build_problem`).
    plan
        Its plan, by any backend.

    Returns
    -------
    (Plan, PlanningProblem)
        ``plan`` unchanged and ``problem`` when no later fill opens in the horizon; else the
        plan of the extended problem (first fills where they were, later fills inserted),
        with the solver's ``objective`` re-scored on it.
    """
    if problem.provider is None:
        return plan, problem
    routes = routes_of_plan(problem, plan)
    current = problem
    for _ in range(MAX_PASSES):
        ext = extend_with_next_fills(current, routes)
        if ext is None:
            break
        current = ext
        routes = greedy_routes(current, routes=routes)
    if current is problem:
        return plan, problem
    solver = dict(plan.solver)
    if "objective" in solver:
        solver["objective"] = score(current, routes)[0]
    solver["later_fills"] = len(current.refills) - len(problem.refills)
    return plan_from_routes(current, routes, solver=solver), current
