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

from optimizer.planning.candidates import assess
from optimizer.planning.greedy import Routes, greedy_routes
from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.planning.problem import Candidate, PlanningProblem, Refill, refill_in
from optimizer.planning.schedule import schedule_order
from optimizer.rules.objective import score
from optimizer.rules.windows import next_fill

__all__ = ["routes_of_plan", "extend_with_next_fills", "with_later_fills"]

#: Passes at most (a 10-week horizon of 14-day fills needs 5; a bound against a loop).
MAX_PASSES: int = 12


def routes_of_plan(problem: PlanningProblem, plan: Plan) -> Routes:
    """The plan's visits as scheduled routes of ``problem`` (by nurse-day index, in visit order)."""
    k_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
    j_of = {(r.patient_id, r.fill_no): j for j, r in enumerate(problem.refills)}
    orders: dict[int, list[tuple[int, int]]] = {}
    for v in plan.visits:
        orders.setdefault(k_of[(v.nurse_id, v.date)], []).append((v.seq, j_of[(v.patient_id, v.fill_no)]))
    routes: Routes = {}
    for k, seq in orders.items():
        order = [j for _, j in sorted(seq)]
        sched = schedule_order(problem, k, order)
        if sched is None:
            raise RuntimeError(f"bug: a planned route on nurse-day {k} is infeasible under the one schedule")
        routes[k] = (order, sched)
    return routes


def extend_with_next_fills(problem: PlanningProblem, routes: Routes) -> PlanningProblem | None:
    """``problem`` with the next fill of every placed last fill whose window opens in the horizon.

    Placed refills keep only their nurse-day as candidate (pinned); the new refills get
    their candidates and reasons from :func:`optimizer.planning.candidates.assess`.
    Returns None when no new fill opens in the horizon.
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
    return replace(problem, refills=[*problem.refills, *new], candidates=pinned,
                   unplannable={**problem.unplannable, **elig.unplannable})


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
