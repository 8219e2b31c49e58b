"""The weekly planner: planning problem → generic routing model → solver → plan.

A vehicle per nurse × working day; a refill becomes a group of alternative
visit copies, one per feasible day (split by preferred nurse where one is set),
each allowed only on the eligible nurse-days of that day. The objective (SPEC §5
tiers) is stated once, in :mod:`optimizer.rules.objective`, which builds the model and
scores plans; routes are timed and priced by the one schedule
(:mod:`optimizer.planning.schedule`), so the solver's routes are taken as they are. Big instances are decomposed into
independent parts (connected components of the refill–nurse eligibility graph)
solved in parallel processes. The greedy baseline is both the warm start and a
safety net: the planner never returns a plan that misses a refill the greedy
makes. After the rounds, the day phase (:func:`_day_phase`, ``day_share`` of the time)
holds each visit on its day and routes each day again over all that day's nurses,
where the rounds' regions cut nurse territories (issue 14 item 2).
"""

from __future__ import annotations

import logging
import multiprocessing
import time as _time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace


from optimizer import settings
from optimizer._proc import die_with_parent
from optimizer.planning.greedy import Routes, _best_insertion, greedy_routes, insert_with_ejection, urgency_order
from optimizer.rules.objective import DAY, UNITS_PER_DOLLAR, Built, build_model, score
from optimizer.planning.partition import Part, components, day_parts, partition, split_by_region
from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.planning.problem import PlanningProblem
from optimizer.routing import Solution
from optimizer.planning.schedule import schedule_order

__all__ = ["SolverOptions", "plan_problem", "build_model", "components", "routes_from_solution",
           "move_kept_for_missed", "Part", "split_by_region"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolverOptions:
    """How to solve: backend, limits, determinism, parallelism."""

    backend: str = settings.SOLVER_BACKEND  # "ortools" | "pyvrp" | "greedy"
    time_limit: float = settings.SOLVER_TIME_LIMIT_S  # seconds for the whole plan (split over the parts)
    max_iterations: int | None = None  # deterministic work limit instead of wall clock
    seed: int = 0
    workers: int = settings.SOLVER_WORKERS
    min_part_seconds: float = settings.SOLVER_MIN_PART_SECONDS
    part_overhead_seconds: float = settings.SOLVER_PART_OVERHEAD_S
    greedy_part_max: int = settings.SOLVER_GREEDY_PART_MAX
    max_part_refills: int = settings.SOLVER_MAX_PART_REFILLS
    rounds: int = settings.SOLVER_ROUNDS
    day_share: float = settings.SOLVER_DAY_SHARE  # of time_limit for the day phase (0: none)
    day_part_refills: int = settings.SOLVER_DAY_PART_REFILLS


def _partition(problem: PlanningProblem, opts: SolverOptions, seed: int, max_refills: int,
               routes: Routes | None = None, sticky: bool = True) -> list[Part]:
    """The parts of a round (:func:`optimizer.planning.partition.partition`)."""
    return partition(problem, seed, max_refills, routes, sticky)


def _initial(built: Built, problem: PlanningProblem, routes: Routes) -> Solution:
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


def routes_from_solution(problem: PlanningProblem, built: Built, sol: Solution) -> Routes:
    """The solver's routes as domain routes, taken as they are.

    Each route is scheduled by the one schedule (:func:`optimizer.planning.schedule.schedule_order`),
    which is what timed it in the model, so the times must agree to the minute; a
    route that does not is a bug, raised, never a stop dropped.
    """
    out: Routes = {}
    for r in sol.routes:
        k = built.vehicle_nd[r.vehicle]
        order = [built.visit_refill[c] for c in r.visits]
        sched = schedule_order(problem, k, order)
        off = problem.nurse_days[k].index * DAY
        if sched is None or (sched.depart + off, tuple(leg.start + off for leg in sched.legs),
                             sched.return_ + off) != (r.departure, r.starts, r.return_time):
            raise RuntimeError(f"bug: the routing model and the domain schedule disagree on vehicle "
                               f"{r.vehicle} ({len(order)} visits; model status {sol.status})")
        out[k] = (order, sched)
    return out


def _solve_part(problem: PlanningProblem, part: Part, opts: SolverOptions,
                time_limit: float, index: dict[int, list[int]] | None = None) -> tuple[dict[int, list[int]], dict]:
    """Solve one part; returns orders by nurse-day index and solver info (``index``: :func:`candidate_index`)."""
    sub = _restrict(problem, part, index)
    if part.start:
        start_routes = {k: (list(o), schedule_order(problem, k, list(o))) for k, o in part.start}
        start_routes = greedy_routes(sub, routes=start_routes)  # place what the start leaves out
    else:
        start_routes = greedy_routes(sub)
    refills = [j for j in part.refills if any(c.refill == j for c in sub.candidates)]
    if opts.backend == "greedy" or not refills:
        return {k: o for k, (o, _) in start_routes.items()}, {"status": "feasible", "backend": "greedy"}
    built = build_model(sub, refills)
    init = _initial(built, sub, start_routes)
    sol = built.model.solve(
        opts.backend, time_limit=None if opts.max_iterations else time_limit,
        max_iterations=opts.max_iterations, seed=opts.seed, initial=init,
        options={"pyvrp": {"workers": 1}},  # the parts already run in ``opts.workers`` processes
    )
    info = {"status": sol.status, "backend": sol.backend, "objective": int(sol.objective),
            "lower_bound": sol.lower_bound, "message": sol.message,
            "greedy_objective": int(init.objective)}
    if not sol.ok or init.objective < sol.objective:  # never worse than the warm start
        info["note"] = ("kept the greedy start: the solver did not improve on it" if sol.ok else
                        "kept the greedy start: the solver's solution fails the model's check")
        info["objective"] = int(init.objective)
        info["status"] = init.status
        return {k: o for k, (o, _) in start_routes.items()}, info
    return {k: o for k, (o, _) in routes_from_solution(sub, built, sol).items()}, info


def candidate_index(problem: PlanningProblem) -> dict[int, list[int]]:
    """Positions in ``problem.candidates`` of each refill's candidates (built once per round, not per part)."""
    out: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(problem.candidates):
        out[c.refill].append(i)
    return out


def _restrict(problem: PlanningProblem, part: Part,
              index: dict[int, list[int]] | None = None) -> PlanningProblem:
    """A view of ``problem`` with only the candidates of ``part`` (indices and order unchanged).

    With ``index`` (:func:`candidate_index`) only the part's own candidates are read: a scan
    of every candidate per part cost minutes at 10,000 patients (hundreds of parts, millions
    of candidates).
    """
    keep = set(part.refills)
    if index is None:
        chosen = [c for c in problem.candidates if c.refill in keep]
    else:
        chosen = [problem.candidates[i] for i in sorted(i for j in keep for i in index.get(j, ()))]
    nds = problem.nurse_days
    return replace(problem, candidates=[
        c for c in chosen
        if (part.nurses is None or nds[c.nurse_day].nurse.nurse_id in part.nurses)
        and (part.days is None or nds[c.nurse_day].index in part.days)])


def _with_start(problem: PlanningProblem, part: Part, base: Routes) -> Part:
    """``part`` with the baseline's routes on its nurse-days as warm start."""
    keep = set(part.refills)
    start = []
    for k in sorted(base):
        nd = problem.nurse_days[k]
        if (part.nurses is not None and nd.nurse.nurse_id not in part.nurses
                or part.days is not None and nd.index not in part.days):
            continue
        order = tuple(j for j in base[k][0] if j in keep)  # a sub-route of a feasible route
        if order and schedule_order(problem, k, list(order)) is not None:
            start.append((k, order))
    return replace(part, start=tuple(start))


_PROBLEM: PlanningProblem | None = None  # inherited by forked workers: no pickling of matrices
_INDEX: dict[int, list[int]] | None = None  # candidate_index(_PROBLEM), inherited the same way


def _part_worker(args):
    part, opts, limit, deadline = args
    assert _PROBLEM is not None
    if deadline is not None:  # the round's time is shared: a part started late gets what is left
        left = deadline - _time.monotonic()
        # "late" is measured against the budget too: a whole budget under min_part_seconds still solves
        if left < min(opts.min_part_seconds, limit / 2):
            orders, info = _solve_part(_PROBLEM, part, replace(opts, backend="greedy"), 0, _INDEX)
            return orders, {**info, "note": "no time left in the round: kept the greedy start"}
        limit = min(limit, left)
    return _solve_part(_PROBLEM, part, opts, limit, _INDEX)


def _run_parts(problem: PlanningProblem, parts: list[Part], opts: SolverOptions, budget: float,
               say: Callable[[str], None], label: str) -> list[tuple[dict[int, list[int]], dict]]:
    """Solve the parts, big ones in parallel processes, within ``budget`` seconds in all.

    The processes' seconds, less ``part_overhead_seconds`` for each solved part's work outside
    the search, are shared by the solved parts in proportion to their refills (at least
    ``min_part_seconds`` each). The biggest parts go first; a part that starts when less than
    ``min_part_seconds`` of the budget is left keeps its greedy start (each part also costs a
    solver process and a model build: at 10,000 patients, hundreds of parts at a 1 s floor ran
    the 30 s budget of a round to 20 minutes). A deterministic run (``max_iterations``) has no
    deadline.
    """
    deadline = None if opts.max_iterations else _time.monotonic() + budget
    ordered = sorted(parts, key=lambda p: -len(p.refills))
    solved = [p for p in ordered if len(p.refills) > opts.greedy_part_max or opts.backend == "greedy"]
    total = sum(len(p.refills) for p in solved) or 1
    # the processes' seconds, less each part's own work outside the search (model, start, merge)
    search = max(0.0, budget * max(1, opts.workers) - len(solved) * opts.part_overhead_seconds)
    big = [(p, opts, min(max(opts.min_part_seconds, search * len(p.refills) / total), budget), deadline)
           for p in solved]
    small = [p for p in ordered if len(p.refills) <= opts.greedy_part_max and opts.backend != "greedy"]
    results: list[tuple[dict[int, list[int]], dict]] = []
    global _PROBLEM, _INDEX
    _PROBLEM, _INDEX = problem, candidate_index(problem)
    try:
        if opts.workers > 1 and len(big) > 1:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=opts.workers, mp_context=ctx,
                                     initializer=die_with_parent) as pool:
                for i, res in enumerate(pool.map(_part_worker, big), 1):
                    results.append(res)
                    if i % max(1, len(big) // 10) == 0 or i == len(big):
                        say(f"{label}: part {i}/{len(big)} solved")
        else:
            for i, job in enumerate(big, 1):
                results.append(_part_worker(job))
                say(f"{label}: part {i}/{len(big)} solved ({results[-1][1].get('status')})")
        for part in small:  # tiny parts: the greedy insertion is optimal enough and instant
            results.append(_part_worker((part, SolverOptions(backend="greedy"), 0, None)))
    finally:
        _PROBLEM, _INDEX = None, None
    late = sum(1 for _, info in results if info.get("note", "").startswith("no time left"))
    if late:
        say(f"{label}: {late} part(s) started with no time left kept their greedy start")
    return results


def _merge(problem: PlanningProblem, results: list[tuple[dict[int, list[int]], dict]],
           held: Routes | None = None) -> Routes:
    """The parts' routes together (over ``held``, the routes no part had), each scheduled by the
    one schedule as it is; the greedy then fills any gap the parts left. A part's route that the
    schedule rejects is a bug."""
    routes: Routes = dict(held or {})
    for orders, _ in results:
        for k, order in orders.items():
            if not order:
                continue
            sched = schedule_order(problem, k, order)
            if sched is None:
                raise RuntimeError(f"bug: a solved route on nurse-day {k} ({len(order)} visits) "
                                   "is infeasible under the one schedule")
            routes[k] = (order, sched)
    return greedy_routes(problem, routes=routes)


def _day_phase(problem: PlanningProblem, routes: Routes, opts: SolverOptions, budget: float,
               say: Callable[[str], None]) -> Routes:
    """Route each day again with its visits held on it (:func:`optimizer.planning.partition.day_parts`):
    a day's visits move between all that day's eligible nurses, in one part where the rounds'
    regions cut nurse territories. Each part starts from the current routes and keeps them
    unless the solver improves on them; the whole is kept only if the objective falls.
    Parts of at most ``greedy_part_max`` visits keep their routes as they are."""
    parts = [_with_start(problem, p, routes) for p in day_parts(
        problem, routes, max_refills=opts.day_part_refills, seed=opts.seed)
        if len(p.refills) > opts.greedy_part_max]
    if not parts:
        return routes
    moving = {j for p in parts for j in p.refills}
    held = {k: r for k, r in routes.items() if not set(r[0]) & moving}
    say(f"day phase: {len(parts)} part(s) of {len(moving)} visits, each on its day, by {opts.backend}")
    merged = _merge(problem, _run_parts(problem, parts, opts, budget, say, "day phase"), held)
    new, old = score(problem, merged), score(problem, routes)
    better = new[0] <= old[0] and _firm(problem, merged) >= _firm(problem, routes)
    say(f"day phase: {new[1]} refills placed, objective {new[0]:,} (was {old[1]}, {old[0]:,})"
        f"{'' if better else '; kept the previous plan'}")
    return merged if better else routes


def _firm(problem: PlanningProblem, routes: Routes) -> int:
    """Refills ``routes`` place that the next plan could not make (a deferrable one it can make may be
    left to it when that costs less)."""
    return sum(1 for o, _ in routes.values() for j in o if not problem.next_plan_days(j))


def move_kept_for_missed(problem: PlanningProblem, routes: Routes) -> Routes:
    """Place refills the routes miss by moving a kept (pinned) visit off their nurse-day to
    another of its nurse-days (SPEC §5: a kept visit moves only to place a refill that would
    otherwise be missed; the solvers rarely find this three-visit move by local search).
    Refills the next plan can still make (deferrable) are left out, as the objective says."""
    keep = problem.pins.keep if problem.pins is not None else {}
    if not keep:
        return routes
    routes = dict(routes)
    cands = problem.candidates_by_refill()
    placed = {j for o, _ in routes.values() for j in o}
    for j in urgency_order(problem):
        if j in placed or j not in cands or problem.refills[j].deferrable:
            continue
        move = _kept_move(problem, routes, cands, keep, j)
        if move is not None:
            routes.update(move)
            placed.add(j)
    return routes


def _kept_move(problem: PlanningProblem, routes: Routes, cands: dict[int, list[int]], keep: dict[int, int],
               j: int) -> Routes | None:
    """The two routes that place ``j`` on a nurse-day by moving one visit kept there, or ``None``."""
    for k in cands[j]:
        order = routes.get(k, ([], None))[0]
        for v in (x for x in order if keep.get(x) == k):
            fit = _best_insertion(problem, k, [x for x in order if x != v], j)
            if fit is None:
                continue
            for k2 in cands[v]:
                if k2 == k:
                    continue
                fit2 = _best_insertion(problem, k2, routes.get(k2, ([], None))[0], v)
                if fit2 is not None:
                    return {k: fit, k2: fit2}
    return None


def _rounds(problem: PlanningProblem, routes: Routes, opts: SolverOptions, rounds: int, budget: float,
            say: Callable[[str], None]) -> tuple[Routes, list[dict], int]:
    """The decomposition rounds from ``routes`` within ``budget`` seconds: the routes, the last
    round's part infos and the most parts of a round."""
    t0 = _time.perf_counter()
    infos: list[dict] = []
    n_parts = 0
    for r in range(rounds):
        if r and not opts.max_iterations and _time.perf_counter() - t0 > budget:
            say(f"the rounds' {budget:g} s are used after round {r}; no further round")
            break
        size = opts.max_part_refills if r % 2 == 0 else int(opts.max_part_refills * 1.5)
        # every route stays whole in one region (sticky), the regions of each round drawn with another
        # seed and size. A round that gave each refill to the region of its nearest nurse cut the
        # placements a border crossed (67 of 825 on the 1,000-patient roster); their part re-placed
        # them on its own nurses' days, off their due dates (+9 % tier cost), so that round was
        # always rejected and its third of the time lost (bench/RESULTS.md, 2026-12-03 midday)
        parts = [_with_start(problem, p, routes)
                 for p in _partition(problem, opts, opts.seed + r, size, routes)]
        n_parts = max(n_parts, len(parts))
        n_big = sum(len(p.refills) > opts.greedy_part_max or opts.backend == "greedy" for p in parts)
        say(f"round {r + 1}/{rounds}: {len(parts)} independent part(s): {n_big} solved by {opts.backend}, "
            f"{len(parts) - n_big} small one(s) placed greedily")
        results = _run_parts(problem, parts, opts, budget / rounds, say, f"round {r + 1}")
        merged = _merge(problem, results)
        placed = {j for o, _ in merged.values() for j in o}
        missing = [j for o, _ in routes.values() for j in o if j not in placed]
        if missing:  # a region border cut a placement: make room by moving one visit
            merged = insert_with_ejection(problem, merged, missing)
        infos = [i for _, i in results]
        new, old = score(problem, merged), score(problem, routes)
        say(f"round {r + 1}: {new[1]} refills placed, objective {new[0]:,} "
            f"(was {old[1]}, {old[0]:,}){'' if new[0] <= old[0] else '; kept the previous plan'}")
        if new[0] <= old[0]:
            routes = merged
    return routes, infos, n_parts


def plan_problem(
    problem: PlanningProblem,
    options: SolverOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan ``problem``: greedy start, then rounds of decompose → solve parts in parallel → merge.

    Each round partitions the big eligibility components into regions differently
    (another clustering seed) and starts from the previous round's plan, so visits
    can move across the previous round's region borders.
    """
    opts = options or SolverOptions()
    say = progress or (lambda msg: log.info(msg))
    t0 = _time.perf_counter()
    base = greedy_routes(problem)  # the baseline: warm start and safety net
    routes = base
    say(f"{len(problem.refills)} first fills due (later fills of the same pumps are added after), "
        f"{len(problem.candidates)} (refill, nurse-day) pairs; "
        f"greedy start places {sum(len(o) for o, _ in base.values())}")
    rounds = max(1, opts.rounds) if opts.backend != "greedy" else 1
    day_share = min(max(opts.day_share, 0.0), 0.9) if opts.backend != "greedy" else 0.0
    routes, infos, n_parts = _rounds(problem, routes, opts, rounds, opts.time_limit * (1 - day_share), say)
    if day_share:
        left = opts.time_limit - (_time.perf_counter() - t0)
        routes = _day_phase(problem, routes, opts, max(left, opts.time_limit * day_share / 2), say)
    moved = move_kept_for_missed(problem, routes)
    if score(problem, moved)[0] < score(problem, routes)[0]:
        routes = moved
    note = ""
    if score(problem, base)[0] < score(problem, routes)[0]:
        routes, note = base, "the greedy baseline was better; kept it"
    statuses = {i.get("status") for i in infos}
    solver = {
        "backend": opts.backend,
        "status": "feasible" if statuses <= {"feasible", "optimal"} else ",".join(sorted(map(str, statuses))),
        "parts": n_parts,
        "rounds": rounds,
        "day_share": day_share,
        "objective": score(problem, routes)[0],
        "objective_units_per_dollar": UNITS_PER_DOLLAR,
        "greedy_objective": score(problem, base)[0],
        "lower_bound": None,
        "time_limit_s": opts.time_limit if not opts.max_iterations else None,
        "max_iterations": opts.max_iterations,
        "seed": opts.seed,
    }
    notes = sorted({i["note"] for i in infos if i.get("note")})
    if notes:
        solver["notes"] = notes
    if note:
        solver["note"] = note
    if not opts.max_iterations:
        solver["runtime_s"] = round(_time.perf_counter() - t0, 2)
    return plan_from_routes(problem, routes, solver=solver)
