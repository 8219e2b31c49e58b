"""National roster against two plain references (issue 14 item 2): OR-Tools whole-instance and VROOM.

The roster is ``bench/national.py``'s (1,000 patients, 125 nurses, seed 7, 14 days from
2026-11-23, haversine travel). Each method runs in its own process and writes its routes
to ``OUT/NAME.json``; ``report`` then compares them on one travel matrix, the planning
problem's (whole-minute legs of the great-circle provider, as the planner's schedule):

* ``ref-ortools``: the whole instance as one plain OR-Tools model: one vehicle per
  nurse-day with a candidate (home to home, shift start to shift end + overtime), one node
  per refill (its arrival window is the same every day, so the copies per day of the issue's
  wording are one node whose allowed vehicles are its candidate nurse-days:
  ``VehicleVar(i).SetValues([-1] + allowed)``), a disjunction with the missed-refill
  penalty, registered transit matrices (no per-arc Python callbacks, SPEC §8), visits per
  day capped, LOCAL_CHEAPEST_INSERTION + GUIDED_LOCAL_SEARCH, 120 s;
* ``ref-vroom``: pyvroom, one vehicle per nurse-day (its day's shift as time window,
  ``max_tasks`` = visits per day), each refill a job with one skill that exactly the
  vehicles of its candidate nurse-days hold (licence, certification, reach, workday: the
  planner's eligibility), one arrival window per candidate day, priorities overdue > due >
  deferrable, exploration level 5, ``timeout`` 60 s, 2 threads;
* ``ref-ortools-due`` / ``ref-vroom-due``: the same, each refill allowed only on its nurse-days
  of least day cost (its due date where a nurse-day on it can make it), so that the references
  keep the planner's first tiers (SPEC §5: on the due date ≫ driving) as a constraint;
* ``ortools`` / ``pyvrp``: the planner (decomposed by region) at 60 s; ``ortools-600``:
  at 600 s (anytime); ``ortools-whole``: the planner with one part per eligibility
  component (``max_part_refills`` above the instance), 60 s; ``greedy``: the planner's
  baseline and warm start alone.

Neither reference models the break of a long day nor part-day time off (the synthetic
roster has none of the latter); ``report`` counts their routes that the planner's schedule
rejects. *Common visits*: refills both plans place; each plan's routes keep only those
stops (home → common stops in the plan's order → home) and are re-summed on the same matrix.

    python bench/national_refs.py all                 # every method, one at a time, then the report
    python bench/national_refs.py run ref-vroom       # one method
    python bench/national_refs.py report              # compare what OUT holds

``NATIONAL_REFS_SIZE`` and ``NATIONAL_REFS_TIME_FACTOR`` (environment) shrink a smoke run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_avg, machine_info, versions_text  # noqa: E402
from national import AS_OF, START, _imports, make_roster  # noqa: E402

SIZE, SEED, DAYS = 1000, 7, 14
OUT = Path("/tmp/haiplan-national-refs")
#: name -> (kind, seconds, extra planner options)
METHODS: dict[str, tuple[str, float, dict]] = {
    "ref-ortools": ("ref-ortools", 120.0, {}),
    "ref-vroom": ("ref-vroom", 60.0, {}),
    # the same, each refill only on its days of least day cost (its due date where a nurse-day of it
    # can make it): the planner's first tiers (SPEC §5: on the due date ≫ driving) as a constraint
    "ref-ortools-due": ("ref-ortools", 120.0, {"due": True}),
    "ref-vroom-due": ("ref-vroom", 60.0, {"due": True}),
    "ortools": ("ours", 60.0, {"backend": "ortools"}),
    "pyvrp": ("ours", 60.0, {"backend": "pyvrp"}),
    "ortools-whole": ("ours", 60.0, {"backend": "ortools", "max_part_refills": 10**6}),
    "ortools-600": ("ours", 600.0, {"backend": "ortools"}),
    "greedy": ("ours", 0.0, {"backend": "greedy"}),  # the planner's baseline and warm start
}

Route = tuple[str, str, list[tuple[str, int]]]  # nurse_id, date, [(patient_id, fill_no), …]


def setup(out: Path):
    """The roster (generated once into ``out/data``), the travel provider and the first-fill problem."""
    api, _, _ = _imports()
    from optimizer.domain import Horizon

    data = out / "data"
    if (data / "patients.csv").exists():
        roster, _ = api.load_data(data, as_of=dt.date.fromisoformat(AS_OF))
    else:
        data.mkdir(parents=True, exist_ok=True)
        roster = make_roster(int(os.environ.get("NATIONAL_REFS_SIZE", SIZE)), SEED, data)
    provider = api.travel_provider("haversine")
    problem = api.make_problem(roster, Horizon(dt.date.fromisoformat(START), DAYS), provider=provider)
    return roster, provider, problem


class Instance:
    """The references' view of a planning problem: nodes (homes, then refills), vehicles, matrices."""

    def __init__(self, problem, *, due: bool = False) -> None:
        from optimizer.domain import minutes_of
        from optimizer.rules.objective import day_cost, matrix_metres, matrix_minutes

        cands = problem.candidates_by_refill()
        if due:  # only the nurse-days of least day cost (due date, last reserve day, overdue delay)
            for j, ks in cands.items():
                least = min(day_cost(problem, j, k) for k in ks)
                cands[j] = [k for k in ks if day_cost(problem, j, k) == least]
        self.refills = sorted(cands)
        used = sorted({k for j in self.refills for k in cands[j]})
        nurses = sorted({problem.nurse_days[k].nurse.nurse_id for k in used})
        self.home_node = {n: i for i, n in enumerate(nurses)}
        self.vehicles = used  # nurse-day indices
        self.veh_of = {k: v for v, k in enumerate(used)}
        locs = [problem.nurse_location[n] for n in nurses] + [
            problem.patient_location[problem.refills[j].patient_id] for j in self.refills]
        idx = np.asarray(locs, dtype=np.int64)
        self.minutes = matrix_minutes(problem.minutes[np.ix_(idx, idx)])
        self.metres = matrix_metres(problem.km[np.ix_(idx, idx)])
        self.h = len(nurses)
        self.allowed = [[self.veh_of[k] for k in cands[j]] for j in self.refills]
        pats = [problem.refills[j].patient for j in self.refills]
        self.window = [(minutes_of(p.earliest_arrival), minutes_of(p.latest_arrival)) for p in pats]
        self.service = [0] * self.h + [p.visit_minutes for p in pats]
        self.kind = [2 if problem.refills[j].overdue else 0 if problem.refills[j].deferrable else 1
                     for j in self.refills]
        nds = [problem.nurse_days[k] for k in used]
        self.start = [self.home_node[nd.nurse.nurse_id] for nd in nds]
        self.shift = [(minutes_of(nd.nurse.shift_start), minutes_of(nd.nurse.shift_end) + nd.nurse.max_overtime_minutes)
                      for nd in nds]
        self.day = [nd.index for nd in nds]
        self.cap = [nd.nurse.max_visits_per_day for nd in nds]
        self.problem = problem

    def route(self, v: int, nodes: list[int]) -> Route:
        """Vehicle ``v``'s refill nodes as a route of patient ids (fill 1)."""
        nd = self.problem.nurse_days[self.vehicles[v]]
        return (nd.nurse.nurse_id, nd.day.isoformat(),
                [(self.problem.refills[self.refills[n - self.h]].patient_id, 1) for n in nodes])


def solve_ortools(inst: Instance, seconds: float) -> tuple[list[Route], dict]:
    """The plain OR-Tools reference (module docstring)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    from optimizer import settings

    n_nodes, n_veh = inst.h + len(inst.refills), len(inst.vehicles)
    manager = pywrapcp.RoutingIndexManager(n_nodes, n_veh, inst.start, inst.start)
    routing = pywrapcp.RoutingModel(manager)
    cost = routing.RegisterTransitMatrix(inst.minutes.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    timed = (inst.minutes + np.asarray(inst.service, dtype=np.int64)[:, None]).tolist()
    routing.AddDimension(routing.RegisterTransitMatrix(timed), 24 * 60, 24 * 60, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    count = routing.RegisterUnaryTransitVector([0] * inst.h + [1] * len(inst.refills))
    routing.AddDimensionWithVehicleCapacity(count, 0, inst.cap, True, "Visits")
    penalty = {2: settings.PENALTY_MISSED_OVERDUE, 1: settings.PENALTY_MISSED_REFILL,
               0: settings.PENALTY_DEFERRED}
    for i, j in enumerate(inst.refills):
        index = manager.NodeToIndex(inst.h + i)
        time_dim.CumulVar(index).SetRange(*inst.window[i])
        routing.VehicleVar(index).SetValues([-1] + inst.allowed[i])
        routing.AddDisjunction([index], penalty[inst.kind[i]] // 1000)  # cents / 1000: ≫ any route's minutes
    for v in range(n_veh):
        for index in (routing.Start(v), routing.End(v)):
            time_dim.CumulVar(index).SetRange(*inst.shift[v])
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromSeconds(int(seconds))
    t0 = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    info = {"solve_s": round(time.perf_counter() - t0, 1), "status": int(routing.status())}
    routes: list[Route] = []
    if sol is None:
        return routes, info
    info["objective"] = sol.ObjectiveValue()
    for v in range(n_veh):
        index, nodes = sol.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = sol.Value(routing.NextVar(index))
        if nodes:
            routes.append(inst.route(v, nodes))
    return routes, info


def solve_vroom(inst: Instance, seconds: float) -> tuple[list[Route], dict]:
    """The VROOM reference (module docstring); times in seconds, a clock over the whole horizon."""
    import vroom

    day_s = 24 * 3600
    problem = vroom.Input()
    # a leg longer than every vehicle's whole window is in no feasible route: capped there, the matrix
    # means the same and stays under VROOM's cost bound (at 10,000 patients the cross-country legs
    # overflowed it: "Too high cost values")
    longest = max(b - a for a, b in inst.shift) + 1
    problem.set_durations_matrix("car", (np.minimum(inst.minutes, longest) * 60).astype(np.uint32))
    skills: dict[int, set[int]] = defaultdict(set)
    for i, allowed in enumerate(inst.allowed):
        for v in allowed:
            skills[v].add(i)
    for v in range(len(inst.vehicles)):
        a, b = inst.shift[v]
        off = inst.day[v] * day_s
        problem.add_vehicle(vroom.Vehicle(v + 1, start=inst.start[v], end=inst.start[v], skills=skills[v],
                                          time_window=vroom.TimeWindow(off + a * 60, off + b * 60),
                                          max_tasks=inst.cap[v]))
    priority = {2: 100, 1: 10, 0: 1}
    for i in range(len(inst.refills)):
        ea, la = inst.window[i]
        days = sorted({inst.day[v] for v in inst.allowed[i]})
        problem.add_job(vroom.Job(i + 1, location=inst.h + i, default_service=inst.service[inst.h + i] * 60,
                                  skills={i}, priority=priority[inst.kind[i]],
                                  time_windows=[vroom.TimeWindow(d * day_s + ea * 60, d * day_s + la * 60)
                                                for d in days]))
    t0 = time.perf_counter()
    sol = problem.solve(exploration_level=5, nb_threads=2, timeout=dt.timedelta(seconds=seconds))
    info = {"solve_s": round(time.perf_counter() - t0, 1), "cost": int(sol.summary.cost),
            "unassigned": int(sol.summary.unassigned)}
    frame = sol.routes
    routes: list[Route] = []
    jobs = frame[frame["type"] == "job"]
    for vid, rows in jobs.groupby("vehicle_id", sort=True):
        nodes = [inst.h + int(i) - 1 for i in rows.sort_values("arrival")["id"]]
        routes.append(inst.route(int(vid) - 1, nodes))
    return routes, info


def run_ours(roster, provider, seconds: float, options: dict) -> tuple[list[Route], dict]:
    """The planner end to end (problem, plan with later fills) with ``options``."""
    api, _, SolverOptions = _imports()
    opts = SolverOptions(time_limit=max(seconds, 1.0), seed=SEED, **options)
    extra = {"overnight": False} if "overnight" in inspect.signature(api.plan).parameters else {}
    # day trips only, as the references (issue 13's overnight trips reach refills they cannot)
    res = api.plan(roster, start=dt.date.fromisoformat(START), days=DAYS, provider=provider, options=opts, **extra)
    by_day: dict[tuple[str, str], list] = defaultdict(list)
    for v in res.plan.visits:
        by_day[(v.nurse_id, v.date.isoformat())].append((v.seq, v.patient_id, v.fill_no))
    routes = [(n, d, [(p, f) for _, p, f in sorted(stops)]) for (n, d), stops in sorted(by_day.items())]
    k = res.plan.kpis()
    solver = {key: res.plan.solver.get(key) for key in ("status", "parts", "rounds", "objective", "runtime_s",
                                                         "greedy_objective", "lower_bound", "note", "notes")}
    return routes, {"kpis": {key: k[key] for key in ("visits", "refills_due", "unassigned", "drive_minutes",
                                                     "drive_km", "cost", "nurse_days")}, "solver": solver}


def run(name: str, out: Path) -> dict:
    """One method in this process; its routes and figures to ``out/NAME.json``."""
    kind, seconds, options = METHODS[name]
    seconds *= float(os.environ.get("NATIONAL_REFS_TIME_FACTOR", 1))  # smoke runs only
    load0 = load_avg()
    t0 = time.perf_counter()
    roster, provider, problem = setup(out)
    if kind == "ours":
        routes, info = run_ours(roster, provider, seconds, options)
    else:
        inst = Instance(problem, due=bool(options.get("due")))
        routes, info = (solve_ortools if kind == "ref-ortools" else solve_vroom)(inst, seconds)
    row = {"name": name, "limit_s": seconds, "wall_s": round(time.perf_counter() - t0, 1), "load_before": load0,
           "load_after": load_avg(), "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                                                       + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
           "info": info, "routes": routes}
    (out / f"{name}.json").write_text(json.dumps(row))
    return row


# --------------------------------------------------------------------------- report


def _drive(problem, route: Route, keep: set[tuple[str, int]] | None = None) -> tuple[int, float]:
    """Whole-minute drive and km of ``route``, with only the stops of ``keep`` (all when None)."""
    from optimizer.rules.objective import leg_minutes

    nurse, _, stops = route
    locs = [problem.nurse_location[nurse]]
    locs += [problem.patient_location[p] for p, f in stops if keep is None or (p, f) in keep]
    if len(locs) == 1:
        return 0, 0.0
    locs.append(locs[0])
    minutes = km = 0.0
    for a, b in zip(locs, locs[1:]):
        m, k = problem.travel(a, b)
        minutes += leg_minutes(m)
        km += k
    return int(minutes), km


def _placed(row: dict) -> set[tuple[str, int]]:
    return {(p, f) for _, _, stops in row["routes"] for p, f in stops if f == 1}


def _on(problem, row: dict, keep: set | None) -> tuple[int, float]:
    tot = [_drive(problem, tuple(r), keep) for r in row["routes"]]
    return sum(m for m, _ in tot), sum(k for _, k in tot)


def _rejected(problem, row: dict) -> int:
    """Routes of ``row`` that the planner's schedule rejects (first fills only)."""
    from optimizer.planning.schedule import schedule_order

    k_of = {(nd.nurse.nurse_id, nd.day.isoformat()): k for k, nd in enumerate(problem.nurse_days)}
    j_of = {r.patient_id: j for j, r in enumerate(problem.refills)}
    bad = 0
    for nurse, day, stops in row["routes"]:
        order = [j_of[p] for p, f in stops if f == 1]
        if order and schedule_order(problem, k_of[(nurse, day)], order) is None:
            bad += 1
    return bad


def _on_due(problem, row: dict) -> float:
    """Share of the first fills placed that are made on their due date (SPEC §5 objective tier)."""
    due = {r.patient_id: r.window.due.isoformat() for r in problem.refills}
    made = [(day, p) for _, day, stops in row["routes"] for p, f in stops if f == 1]
    return sum(day == due[p] for day, p in made) / max(1, len(made))


def report(out: Path) -> None:
    """Compare every ``out/*.json`` (module docstring) and print the tables."""
    from optimizer.planning.bound import lower_bound

    _, _, problem = setup(out)
    rows = {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}
    j_of = {r.patient_id: j for j, r in enumerate(problem.refills)}
    bound = lower_bound(problem)
    print(f"# {machine_info()}; {versions_text(('pyvroom',))}")
    print(f"# roster: {len(problem.roster.patients)} patients, {len(problem.roster.nurses)} nurses, seed {SEED}, {DAYS} days from {START}; {len(problem.refills)} first fills due, "
          f"{bound.refills_placeable} with a candidate nurse-day (upper bound on first fills placed)")
    print("\n| method | limit s | wall s | load 1-min before / after | peak MiB | first fills placed | all visits "
          "| nurse-days | on due date | drive h | drive km | drive min / visit | drive bound h (its placed) | above bound "
          "| routes our schedule rejects |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        placed = _placed(row)
        minutes, km = _on(problem, row, None)
        visits = sum(len(s) for _, _, s in row["routes"])
        b = lower_bound(problem, [j_of[p] for p, _ in placed])
        first_m, _ = _on(problem, row, placed)
        print(f"| {name} | {row['limit_s']:g} | {row['wall_s']} | {row['load_before'][0]:.1f} / "
              f"{row['load_after'][0]:.1f} | {row['peak_mib']} | {len(placed)} | {visits} | {len(row['routes'])} "
              f"| {_on_due(problem, row):.0%} | {minutes / 60:,.1f} "
              f"| {km:,.0f} | {minutes / max(1, visits):.1f} | {b.drive_minutes / 60:,.1f} "
              f"| {first_m / max(1, b.drive_minutes) - 1:+.1%} | {_rejected(problem, row)} |")
    refs = [r for r in ("ref-ortools", "ref-vroom", "ref-ortools-due", "ref-vroom-due") if r in rows]
    print("\nCommon visits (refills both place; each plan's routes with the other stops removed, same matrix):")
    print("| ours | reference | common | ours drive h | ref drive h | ours / ref (min) | ours km | ref km | ours / ref (km) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for ours in (n for n in rows if not n.startswith("ref-")):
        ratios = []
        for ref in refs:
            common = _placed(rows[ours]) & _placed(rows[ref])
            (om, ok), (rm, rk) = _on(problem, rows[ours], common), _on(problem, rows[ref], common)
            ratios.append((om / rm, ref))
            print(f"| {ours} | {ref} | {len(common)} | {om / 60:,.1f} | {rm / 60:,.1f} | {om / rm:.3f} "
                  f"| {ok:,.0f} | {rk:,.0f} | {ok / rk:.3f} |")
        for family in (False, True):  # the references as asked, and those kept to the due dates
            some = [r for r in ratios if r[1].endswith("-due") == family]
            if some:
                worst = max(some)
                print(f"| {ours} | better ref: {worst[1]} | | | | gap {worst[0] - 1:+.1%} (target ≤ −10 %) | | | |")
    _decomposition(problem, rows, refs)


def _decomposition(problem, rows: dict, refs: list[str]) -> None:
    """Share of the remaining gap (parts − best reference) that decomposition costs (parts − whole)."""
    if not {"ortools", "ortools-whole"} <= rows.keys() or not refs:
        return
    for ref in refs:
        common = _placed(rows["ortools"]) & _placed(rows["ortools-whole"]) & _placed(rows[ref])
        parts, whole, r = (_on(problem, rows[n], common)[0] for n in ("ortools", "ortools-whole", ref))
        gap = parts - r
        share = (parts - whole) / gap if gap else float("nan")
        print(f"\nDecomposition vs {ref}, on the {len(common)} visits all three make: parts {parts / 60:,.1f} h, "
              f"whole {whole / 60:,.1f} h, {ref} {r / 60:,.1f} h; remaining gap {gap / 60:+,.1f} h, "
              f"of which decomposition (parts − whole) {(parts - whole) / 60:+,.1f} h = {share:.0%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["all", "run", "report"])
    ap.add_argument("name", nargs="?", choices=list(METHODS))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.what == "run":
        row = run(args.name, args.out)
        print(json.dumps({k: v for k, v in row.items() if k != "routes"}))
    elif args.what == "all":
        for name in args.methods:  # one at a time, each in a fresh process
            proc = subprocess.run([sys.executable, __file__, "run", name, "--out", str(args.out)],
                                  capture_output=True, text=True)
            print(proc.stdout.strip()[-2000:] or proc.stderr[-2000:], flush=True)
        report(args.out)
    else:
        report(args.out)


if __name__ == "__main__":
    main()
