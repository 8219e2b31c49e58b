"""SDVRPTW benchmark of the generic routing model's backends against best-known solutions.

Cordeau & Laporte (2001) site-dependent VRPTW instances PR01–PR10 and Vidal et al.
(2013) PR11A–PR14B (VRPLIB, from PyVRP/Instances) in ``../shared/benchmarks/sdvrptw``:
costs ×1000 rounded (PyVRP's ``round_func="exact"``), total distance only. Every result is timed,
costed and checked by :class:`optimizer.routing.Model`, not by the solver.

Usage::

    python bench/sdvrptw.py --time-limit 10 60 --backends pyvrp ortools --instances PR01 PR02
    python bench/sdvrptw.py --time-limit 10 --jsonl out/sdvrptw.jsonl   # append raw rows
    python bench/sdvrptw.py --time-limit 60 --backends pyvrp --options '{"pyvrp": {"workers": 2}}'

Prints the machine, the versions, and one table per (time limit, backend):
instance, clients, vehicles, BKS, cost, gap %, the first seed's run alone (with
``workers`` > 1), all served?, runtime, load. ``--instances small|large|all`` name the sets;
issue 14's runs: ``--time-limit 60 --backends pyvrp --instances all --options
'{"pyvrp": {"workers": 2}}'``.

``--probe NURSES PATIENTS`` instead times the engine on a synthetic national
nurse × day model (12 working days, a visit copy per feasible day, 60-min
visits, windows, max 5 visits, eligibility: the 6 nearest nurses within 240 min):
model arrays, arc pruning, the OR-Tools build by phase, the cheapest-insertion
construction, and one guarded solve per backend.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import cpu_model, load_avg, mem_total_gib, versions_text  # noqa: E402

from optimizer.routing import solve  # noqa: E402
from optimizer.routing.vrplib_io import read_instance, read_solution  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "sdvrptw"
INSTANCES = [f"PR{k:02d}" for k in range(1, 11)]
LARGE = [f"PR{k}{s}" for k in range(11, 15) for s in "AB"]  # Vidal et al. (2013), 360-720 clients
SETS = {"small": INSTANCES, "large": LARGE, "all": INSTANCES + LARGE}


def machine() -> str:
    """CPU model, cores, memory, load, and versions, in a few lines."""
    cpu = cpu_model(platform.processor() or "?")
    gib = mem_total_gib()
    mem = f"{gib:.0f} GB" if gib is not None else "?"
    load = load_avg()
    load_text = "/".join(f"{x:.2f}" for x in load) if load else "?"
    return "\n".join([
        f"machine: {cpu}, {os.cpu_count()} cores, {mem} RAM, load avg {load_text} at start",
        f"python {platform.python_version()}, {versions_text(('ortools', 'pyvrp', 'numpy', 'vrplib'))}",
        f"date: {dt.datetime.now().isoformat(timespec='seconds')}",
    ])


def run_one(directory: Path, name: str, backend: str, time_limit: float, seed: int,
            options: dict | None = None) -> dict:
    inst = read_instance(directory / f"{name}.vrp")
    _, bks = read_solution(directory / f"{name}.sol", inst.model)
    t0 = time.perf_counter()
    sol = solve(inst.model, backend, time_limit=time_limit, seed=seed, fallback=None,
                options={backend: dict((options or {}).get(backend, {}))})
    wall = time.perf_counter() - t0
    issues = inst.model.check(sol)
    served_all = not sol.unserved
    cost = sol.objective if sol.ok else None
    runs = re.search(r"run_costs=([0-9inf/]+)", sol.message)
    first = runs.group(1).split("/")[0] if runs else None  # the first seed's run alone (portfolio)
    return {
        "first_run_gap": None if not first or first == "inf" or not bks else 100.0 * (int(first) - bks) / bks,
        "instance": name, "clients": inst.num_clients, "vehicles": inst.num_vehicles, "bks": bks,
        "backend": backend, "options": (options or {}).get(backend, {}), "time_limit": time_limit, "seed": seed,
        "cost": cost,
        "gap": None if cost is None or not bks else 100.0 * (cost - bks) / bks,
        "served_all": served_all, "status": sol.status, "runtime": round(wall, 2),
        "check_issues": len(issues),
        "load1": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None, "message": sol.message.replace("\n", " | ")[:300],
    }


def table(rows: list[dict]) -> str:
    head = "| instance | clients | vehicles | BKS | cost | gap % | first seed alone % | all served | runtime s | load |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|:---:|---:|---:|"]
    for r in rows:
        gap = "—" if r["gap"] is None else f"{r['gap']:.2f}"
        cost = "—" if r["cost"] is None else str(r["cost"])
        one = "—" if r.get("first_run_gap") is None else f"{r['first_run_gap']:.2f}"
        lines.append(f"| {r['instance']} | {r['clients']} | {r['vehicles']} | {r['bks']} | {cost} | {gap} | {one} | "
                     f"{'yes' if r['served_all'] else 'NO'} | {r['runtime']:.1f} | {r['load1']} |")
    gaps = [r["gap"] for r in rows if r["gap"] is not None]
    if gaps:
        ones = [r["first_run_gap"] for r in rows if r.get("first_run_gap") is not None]
        one = f"{statistics.mean(ones):.2f} ({len(ones)})" if ones else ""
        lines.append(f"| **mean** ({len(gaps)}/{len(rows)} solved) | | | | | **{statistics.mean(gaps):.2f}** "
                     f"(max {max(gaps):.2f}) | {one} | | {statistics.mean(r['runtime'] for r in rows):.1f} | |")
    return "\n".join(lines)


def national_model(n_nurses: int, n_patients: int, *, n_days: int = 12, copies: int = 4, seed: int = 0):
    """A synthetic nurse × day model shaped like the planner's (see the module docs)."""
    import numpy as np

    from optimizer.routing import Model

    rng = np.random.default_rng(seed)
    nurse_xy = rng.uniform([0, 0], [4000, 2500], (n_nurses, 2))  # km, a continent
    pat_xy = nurse_xy[rng.integers(0, n_nurses, n_patients)] + rng.normal(0, 80, (n_patients, 2))
    xy = np.vstack([nurse_xy, pat_xy])
    km = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)) * 1.3
    minutes = np.ceil(km).astype(np.int64)  # 60 km/h
    m = Model()
    for x, y in xy:
        m.add_location(x, y)
    m.set_matrices(minutes, np.rint(km * 1000).astype(np.int64))
    day = 1440
    veh = np.array([[m.add_vehicle(start=n, end=n, tw_early=d * day + 480, tw_late=d * day + 1140,
                                   soft_end=d * day + 1080, overtime_cost=46, max_visits=5, cost_per_time=92,
                                   cost_per_distance_unit=0.045) for d in range(n_days)] for n in range(n_nurses)])
    for p in range(n_patients):
        loc = n_nurses + p
        reach = np.flatnonzero(minutes[:n_nurses, loc] <= 240)
        reach = reach[np.argsort(minutes[reach, loc])][:6]
        first = int(rng.integers(0, n_days - copies + 1))
        cs = [m.add_visit(location=loc, tw_early=d * day + 480, tw_late=d * day + 1020, service=60,
                          allowed_vehicles=veh[reach, d].tolist(), required=False,
                          service_cost=5000 if d == first + copies - 1 else 0)
              for d in range(first, first + copies) if len(reach)]
        if cs:
            m.add_group(cs, required=False, penalty=10**7)
    return m


def probe(n_nurses: int, n_patients: int, time_limit: float, backends: list[str]) -> None:
    import resource

    import numpy as np

    from optimizer.routing.construct import cheapest_insertion
    from optimizer.routing.ortools_backend import _Built

    t = time.perf_counter()
    m = national_model(n_nurses, n_patients)
    print(f"model: {m.num_vehicles} vehicles, {m.num_visits} visits, {len(m.groups)} groups "
          f"({time.perf_counter() - t:.1f} s)", flush=True)
    t = time.perf_counter()
    a = m.arrays()
    print(f"arrays and single-visit fits: {time.perf_counter() - t:.2f} s", flush=True)
    vis = np.flatnonzero(a.servable())
    t = time.perf_counter()
    ok = a.arc_possible(vis, vis)
    print(f"arc pruning: {time.perf_counter() - t:.2f} s, {100 * ok.mean():.2f} % of {ok.size} visit arcs kept",
          flush=True)
    t = time.perf_counter()
    built = _Built(m, prune_arcs=True)
    print(f"OR-Tools model: {time.perf_counter() - t:.2f} s {built.phases}", flush=True)
    del built
    t = time.perf_counter()
    start = m.build_solution(cheapest_insertion(m), backend="construct")
    print(f"cheapest insertion: {time.perf_counter() - t:.2f} s, {start.summary()}", flush=True)
    print(f"peak RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    for backend in backends:
        for init in (None, start):
            t = time.perf_counter()
            sol = solve(m, backend, time_limit=time_limit, initial=init, fallback=None)
            print(f"{backend} {'from construction' if init else 'from scratch'}, {time_limit:g} s: "
                  f"{sol.summary()} | {sol.message.replace(chr(10), ' | ')[:300]}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, nargs="+", default=[10.0, 60.0], help="seconds per instance")
    ap.add_argument("--instances", nargs="+", default=INSTANCES,
                    help="instance names, or a set: small (PR01-PR10), large (PR11A-PR14B), all")
    ap.add_argument("--backends", nargs="+", default=["pyvrp", "ortools"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder with the .vrp/.sol files")
    ap.add_argument("--jsonl", type=Path, help="append one JSON row per run to this file")
    ap.add_argument("--options", type=json.loads, default={},
                    help='backend options as JSON, e.g. \'{"pyvrp": {"workers": 2}}\'')
    ap.add_argument("--probe", type=int, nargs=2, metavar=("NURSES", "PATIENTS"),
                    help="time the engine on a synthetic national nurse × day model instead")
    args = ap.parse_args(argv)

    args.instances = [x for name in args.instances for x in SETS.get(name, [name])]
    print(machine(), flush=True)
    if args.probe:
        probe(args.probe[0], args.probe[1], args.time_limit[0], args.backends)
        return 0
    for tl in args.time_limit:
        for backend in args.backends:
            rows = []
            opts = args.options.get(backend, {})
            print(f"\n## {backend}{' ' + json.dumps(opts) if opts else ''}, {tl:g} s per instance\n", flush=True)
            for name in args.instances:
                row = run_one(args.dir, name, backend, tl, args.seed, args.options)
                rows.append(row)
                gap = "—" if row["gap"] is None else f"{row['gap']:.2f} %"
                print(f"  {name}: cost {row['cost']}, gap {gap}, {row['status']}, {row['runtime']:.1f} s",
                      flush=True)
                if args.jsonl:
                    args.jsonl.parent.mkdir(parents=True, exist_ok=True)
                    with args.jsonl.open("a") as fh:
                        fh.write(json.dumps(row) + "\n")
            print("\n" + table(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
