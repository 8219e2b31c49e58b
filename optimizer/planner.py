"""The weekly planner: planning problem → generic routing model → solver → plan.

A vehicle per nurse × working day; a refill becomes a group of alternative
visit copies, one per feasible day (split by preferred nurse where one is set),
each allowed only on the eligible nurse-days of that day. Objective tiers per
SPEC §5 come from :mod:`optimizer.settings`. Big instances are decomposed into
independent parts (connected components of the refill–nurse eligibility graph)
solved in parallel processes. The greedy baseline is both the warm start and a
safety net: the planner never returns a plan that misses a refill the greedy
makes.
"""

from __future__ import annotations

import logging
import time as _time
from datetime import timedelta
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

from optimizer import settings
from optimizer.domain import minutes_of
from optimizer.greedy import greedy_routes
from optimizer.plan import Plan, plan_from_routes
from optimizer.problem import PlanningProblem
from optimizer.routing import Model
from optimizer.routing.model import UNREACHABLE
from optimizer.schedule import RouteSchedule, schedule_route

__all__ = ["SolverOptions", "plan_problem", "build_model", "components"]

log = logging.getLogger(__name__)
DAY = 24 * 60


@dataclass(frozen=True)
class SolverOptions:
    """How to solve: backend, limits, determinism, parallelism."""

    backend: str = "ortools"  # "ortools" | "pyvrp" | "greedy"
    time_limit: float = 30.0  # seconds for the whole plan (split over the parts)
    max_iterations: int | None = None  # deterministic work limit instead of wall clock
    seed: int = 0
    workers: int = 2
    min_part_seconds: float = 1.0
    greedy_part_max: int = 3  # parts with at most this many refills are placed greedily


@dataclass
class _Built:
    model: Model
    vehicle_nd: list[int]  # model vehicle -> nurse-day index
    visit_refill: list[int]  # model visit -> refill index


def components(problem: PlanningProblem) -> list[list[int]]:
    """Refill indices grouped by connected component of the eligibility graph."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in problem.candidates:
        a, b = find(("r", c.refill)), find(("n", c.nurse_day))
        if a != b:
            parent[a] = b
    groups: dict = defaultdict(list)
    for j in sorted({c.refill for c in problem.candidates}):
        groups[find(("r", j))].append(j)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def build_model(problem: PlanningProblem, refills: list[int]) -> _Built:
    """The generic routing model for a subset of refills (and their nurse-days)."""
    cands = problem.candidates_by_refill()
    nd_used = sorted({k for j in refills for k in cands.get(j, ())})
    nurses = sorted({problem.nurse_days[k].nurse.nurse_id for k in nd_used})
    locs = [problem.nurse_location[n] for n in nurses] + [
        problem.patient_location[problem.refills[j].patient_id] for j in refills]
    local = {g: i for i, g in enumerate(locs)}
    sub_m = problem.minutes[np.ix_(locs, locs)]
    sub_k = problem.km[np.ix_(locs, locs)]
    dur = np.where(np.isnan(sub_m), UNREACHABLE, np.ceil(np.nan_to_num(sub_m) - 1e-6)).astype(np.int64)
    dist = np.where(np.isnan(sub_k), UNREACHABLE, np.rint(np.nan_to_num(sub_k) * 1000)).astype(np.int64)
    m = Model()
    for g in locs:
        m.add_location(name=str(g))
    m.set_matrices(dur, dist)
    cents_per_m = settings.IRS_MILEAGE_RATE_PER_MILE * 100 / (settings.KM_PER_MILE * 1000)
    vehicle_of: dict[int, int] = {}
    vehicle_nd: list[int] = []
    for k in nd_used:
        nd = problem.nurse_days[k]
        n = nd.nurse
        off = nd.index * DAY
        home = local[problem.nurse_location[n.nurse_id]]
        per_min = n.hourly_cost * 100 / 60
        vehicle_of[k] = m.add_vehicle(
            start=home, end=home, tw_early=off + minutes_of(n.shift_start),
            tw_late=off + minutes_of(n.shift_end) + n.max_overtime_minutes,
            soft_end=off + minutes_of(n.shift_end),
            overtime_cost=int(round(per_min * (settings.OVERTIME_MULTIPLIER - 1))),
            max_visits=n.max_visits_per_day, fixed_cost=settings.COST_NURSE_DAY_BALANCE,
            cost_per_time=int(round(per_min)), cost_per_distance_unit=cents_per_m,
            name=f"{n.nurse_id}@{nd.day}",
        )
        vehicle_nd.append(k)
    visit_refill: list[int] = []
    for j in refills:
        r = problem.refills[j]
        p = r.patient
        ploc = local[problem.patient_location[p.patient_id]]
        by_day: dict[int, list[int]] = defaultdict(list)
        for k in cands.get(j, ()):
            by_day[problem.nurse_days[k].index].append(k)
        copies: list[int] = []
        for day_idx in sorted(by_day):
            day = problem.horizon.start + timedelta(days=day_idx)
            off = day_idx * DAY
            cost = 0
            if r.window.reserve_days_left(day) <= settings.LAST_RESERVE_DAYS:
                cost += settings.COST_LAST_RESERVE_DAY
            if r.overdue:
                cost += settings.COST_OVERDUE_PER_DAY * day_idx
            kinds: list[tuple[list[int], int]]
            pref = [k for k in by_day[day_idx] if problem.nurse_days[k].nurse.nurse_id == p.preferred_nurse_id]
            others = [k for k in by_day[day_idx] if k not in pref]
            if p.preferred_nurse_id:
                kinds = [(pref, cost), (others, cost + settings.COST_NOT_PREFERRED_NURSE)]
            else:
                kinds = [(others, cost)]
            for allowed, c in kinds:
                if not allowed:
                    continue
                copies.append(m.add_visit(
                    location=ploc, tw_early=off + minutes_of(p.earliest_arrival),
                    tw_late=off + minutes_of(p.latest_arrival), service=p.visit_minutes,
                    allowed_vehicles=[vehicle_of[k] for k in allowed], required=False,
                    service_cost=c, name=f"{p.patient_id}@{day}"))
                visit_refill.append(j)
        penalty = settings.PENALTY_MISSED_OVERDUE if r.overdue else settings.PENALTY_MISSED_REFILL
        m.add_group(copies, required=False, penalty=penalty)
    return _Built(m, vehicle_nd, visit_refill)


def _initial(built: _Built, problem: PlanningProblem, routes: dict[int, tuple[list[int], RouteSchedule]]):
    """The greedy routes as a solution of ``built.model`` (a warm start)."""
    veh_of = {k: v for v, k in enumerate(built.vehicle_nd)}
    m = built.model
    copies_of: dict[int, list[int]] = defaultdict(list)
    for c, j in enumerate(built.visit_refill):
        copies_of[j].append(c)
    raw = []
    for k, (order, _) in routes.items():
        if k not in veh_of:
            continue
        v = veh_of[k]
        visits = []
        for j in order:
            choice = [c for c in copies_of[j] if m.is_allowed(c, v)]
            if not choice:
                break
            visits.append(choice[0])
        else:
            raw.append((v, visits))
    return m.build_solution(raw, backend="greedy")


def _schedule(problem: PlanningProblem, k: int, order: list[int]) -> RouteSchedule | None:
    nd = problem.nurse_days[k]
    return schedule_route(
        nd.nurse, [problem.refills[j].patient for j in order], problem.travel,
        home=problem.nurse_location[nd.nurse.nurse_id],
        locations=[problem.patient_location[problem.refills[j].patient_id] for j in order])


def _solve_part(problem: PlanningProblem, refills: list[int], opts: SolverOptions,
                time_limit: float) -> tuple[dict[int, list[int]], dict]:
    """Solve one part; returns orders by nurse-day index and solver info."""
    sub = _restrict(problem, refills)
    start_routes = greedy_routes(sub)
    if opts.backend == "greedy":
        return {k: o for k, (o, _) in start_routes.items()}, {"status": "feasible", "backend": "greedy"}
    built = build_model(problem, refills)
    init = _initial(built, problem, start_routes)
    sol = built.model.solve(
        opts.backend, time_limit=None if opts.max_iterations else time_limit,
        max_iterations=opts.max_iterations, seed=opts.seed, initial=init,
    )
    orders = {built.vehicle_nd[r.vehicle]: [built.visit_refill[c] for c in r.visits] for r in sol.routes}
    info = {"status": sol.status, "backend": sol.backend, "objective": int(sol.objective),
            "lower_bound": sol.lower_bound, "message": sol.message,
            "greedy_objective": int(init.objective)}
    if init.objective < sol.objective:  # never worse than the warm start
        orders = {k: o for k, (o, _) in start_routes.items()}
        info["note"] = "kept the greedy start: the solver did not improve on it"
        info["objective"] = int(init.objective)
    return orders, info


def _restrict(problem: PlanningProblem, refills: list[int]) -> PlanningProblem:
    """A view of ``problem`` with only the candidates of ``refills`` (indices unchanged)."""
    keep = set(refills)
    from dataclasses import replace

    return replace(problem, candidates=[c for c in problem.candidates if c.refill in keep])


def _part_worker(args):
    problem, refills, opts, limit = args
    return _solve_part(problem, refills, opts, limit)


def plan_problem(
    problem: PlanningProblem,
    options: SolverOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan ``problem``: decompose, solve the parts (in parallel), merge, fill gaps greedily."""
    opts = options or SolverOptions()
    say = progress or (lambda msg: log.info(msg))
    t0 = _time.perf_counter()
    parts = components(problem)
    total = sum(len(p) for p in parts) or 1
    say(f"{len(problem.refills)} refills due, {len(problem.candidates)} (refill, nurse-day) pairs, "
        f"{len(parts)} independent part(s), backend {opts.backend}")
    jobs = []
    for part in parts:
        share = len(part) / total
        limit = max(opts.min_part_seconds, opts.time_limit * share * max(1, opts.workers))
        jobs.append((problem, part, opts, min(limit, opts.time_limit)))
    results: list[tuple[dict[int, list[int]], dict]] = []
    big = [j for j in jobs if len(j[1]) > opts.greedy_part_max or opts.backend == "greedy"]
    small = [j for j in jobs if j not in big]
    if opts.workers > 1 and len(big) > 1:
        with ProcessPoolExecutor(max_workers=opts.workers) as pool:
            for i, res in enumerate(pool.map(_part_worker, big), 1):
                results.append(res)
                say(f"part {i}/{len(big)} solved ({res[1].get('status')})")
    else:
        for i, job in enumerate(big, 1):
            results.append(_part_worker(job))
            say(f"part {i}/{len(big)} solved ({results[-1][1].get('status')})")
    for job in small:  # tiny parts: the greedy insertion is optimal enough and instant
        results.append(_part_worker((job[0], job[1], SolverOptions(backend="greedy"), 0)))
    routes: dict[int, tuple[list[int], RouteSchedule]] = {}
    repaired = 0
    for orders, _ in results:
        for k, order in orders.items():
            sched = _schedule(problem, k, order)
            while sched is None and order:  # rounding disagreement: drop the last stop, refill later
                order = order[:-1]
                repaired += 1
                sched = _schedule(problem, k, order)
            if order:
                routes[k] = (order, sched)
    routes = greedy_routes(problem, routes=routes)  # fill any gap the solver left
    greedy_plan_routes = greedy_routes(problem)
    served = sum(len(o) for o, _ in routes.values())
    served_greedy = sum(len(o) for o, _ in greedy_plan_routes.values())
    note = ""
    if served_greedy > served:
        routes, note = greedy_plan_routes, "the greedy baseline placed more refills; kept it"
    infos = [i for _, i in results]
    statuses = {i.get("status") for i in infos}
    solver = {
        "backend": opts.backend,
        "status": "feasible" if statuses <= {"feasible", "optimal"} else ",".join(sorted(map(str, statuses))),
        "parts": len(parts),
        "objective": sum(i.get("objective", 0) or 0 for i in infos),
        "lower_bound": None,
        "time_limit_s": opts.time_limit if not opts.max_iterations else None,
        "max_iterations": opts.max_iterations,
        "seed": opts.seed,
        "repaired_stops": repaired,
    }
    if note:
        solver["note"] = note
    if not opts.max_iterations:
        solver["runtime_s"] = round(_time.perf_counter() - t0, 2)
    return plan_from_routes(problem, routes, solver=solver)
