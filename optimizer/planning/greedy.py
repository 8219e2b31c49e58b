"""Greedy baseline: what a careful planner does by hand (SPEC §5, issue 3 item 7).

Most urgent refill first; for it, the earliest feasible day and on that day the
nearest eligible nurse with room, inserting the visit where it adds the least
cost to her route (the one route cost, :mod:`optimizer.planning.schedule`). Produces the same :class:`~optimizer.planning.plan.Plan` as the
optimizer, so both are validated and compared the same way.
"""

from __future__ import annotations

import time as _time

from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.planning.problem import PlanningProblem
from optimizer.rules.objective import keep_cost
from optimizer.planning.schedule import RouteSchedule, schedule_order

__all__ = ["Routes", "greedy_routes", "plan_greedy", "insert_with_ejection", "urgency_order"]

Routes = dict[int, tuple[list[int], RouteSchedule]]
"""Scheduled routes by nurse-day index: (refill indices in order, schedule)."""


def urgency_order(problem: PlanningProblem) -> list[int]:
    """Refill indices, most urgent first: kept visits (pinned), overdue, then by window end, pump empty date."""
    keep = problem.pins.keep if problem.pins is not None else {}
    return sorted(
        range(len(problem.refills)),
        key=lambda j: (j not in keep, not problem.refills[j].overdue, problem.refills[j].window.end,
                       problem.refills[j].window.empty, problem.refills[j].patient_id),
    )


def greedy_routes(
    problem: PlanningProblem,
    *,
    routes: Routes | None = None,
) -> Routes:
    """Routes by nurse-day index, built greedily (optionally on top of ``routes``)."""
    routes = dict(routes or {})
    served = {j for order, _ in routes.values() for j in order}
    cands = problem.candidates_by_refill()
    for j in urgency_order(problem):
        if j in served or j not in cands:
            continue
        ploc = problem.patient_location[problem.refills[j].patient_id]

        def key(k: int) -> tuple:
            nd = problem.nurse_days[k]
            return (keep_cost(problem, j, k), nd.day, problem.minutes[problem.nurse_location[nd.nurse.nurse_id], ploc],
                    nd.nurse.nurse_id)

        for k in sorted(cands[j], key=key):
            fit = _best_insertion(problem, k, routes.get(k, ([], None))[0], j)
            if fit is not None:
                routes[k] = fit
                served.add(j)
                break
    return routes


def plan_greedy(problem: PlanningProblem) -> Plan:
    """The greedy baseline plan."""
    t0 = _time.perf_counter()
    routes = greedy_routes(problem)
    return plan_from_routes(problem, routes, solver={
        "backend": "greedy", "status": "feasible", "runtime_s": round(_time.perf_counter() - t0, 3)})


def _best_insertion(problem: PlanningProblem, k: int, order: list[int], j: int
                    ) -> tuple[list[int], RouteSchedule] | None:
    """Refill ``j`` inserted into nurse-day ``k``'s ``order`` where the route costs least
    (first such position on ties), or ``None`` if no position is feasible."""
    best: tuple[int, list[int], RouteSchedule] | None = None
    for pos in range(len(order) + 1):
        trial = order[:pos] + [j] + order[pos:]
        sched = schedule_order(problem, k, trial)
        if sched is not None and (best is None or sched.objective_units < best[0]):
            best = (sched.objective_units, trial, sched)
    return (best[1], best[2]) if best else None


def insert_with_ejection(
    problem: PlanningProblem,
    routes: Routes,
    refills: list[int],
) -> Routes:
    """Place ``refills`` that plain insertion cannot: eject one visit from a candidate
    route to make room, and re-insert the ejected visit elsewhere (an ejection chain of
    depth one). Returns the updated routes; refills that still do not fit stay out."""
    routes = dict(routes)
    cands = problem.candidates_by_refill()
    for j in refills:
        if any(j in o for o, _ in routes.values()):
            continue
        done = False
        for k in cands.get(j, ()):
            order = routes.get(k, ([], None))[0]
            fit = _best_insertion(problem, k, order, j)
            if fit is not None:
                routes[k] = fit
                done = True
                break
            for v in order:
                rest = [x for x in order if x != v]
                fit = _best_insertion(problem, k, rest, j)
                if fit is None:
                    continue
                for k2 in cands.get(v, ()):
                    if k2 == k:
                        continue
                    fit2 = _best_insertion(problem, k2, routes.get(k2, ([], None))[0], v)
                    if fit2 is not None:
                        routes[k], routes[k2] = fit, fit2
                        done = True
                        break
                if done:
                    break
            if done:
                break
    return routes
