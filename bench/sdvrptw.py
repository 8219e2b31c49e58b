"""SDVRPTW benchmark of the generic routing model's backends against best-known solutions.

Cordeau & Laporte (2001) site-dependent VRPTW instances PR01–PR10 (VRPLIB, from
PyVRP/Instances) in ``../shared/benchmarks/sdvrptw``: costs ×1000 rounded
(PyVRP's ``round_func="exact"``), total distance only. Every result is timed,
costed and checked by :class:`optimizer.routing.Model`, not by the solver.

Usage::

    python bench/sdvrptw.py --time-limit 10 60 --backends pyvrp ortools --instances PR01 PR02
    python bench/sdvrptw.py --time-limit 10 --jsonl out/sdvrptw.jsonl   # append raw rows

Prints the machine, the versions, and one table per (time limit, backend):
instance, clients, vehicles, BKS, cost, gap %, all served?, runtime.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
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


def run_one(directory: Path, name: str, backend: str, time_limit: float, seed: int) -> dict:
    inst = read_instance(directory / f"{name}.vrp")
    _, bks = read_solution(directory / f"{name}.sol", inst.model)
    t0 = time.perf_counter()
    sol = solve(inst.model, backend, time_limit=time_limit, seed=seed, fallback=None)
    wall = time.perf_counter() - t0
    issues = inst.model.check(sol)
    served_all = not sol.unserved
    cost = sol.objective if sol.ok else None
    return {
        "instance": name, "clients": inst.num_clients, "vehicles": inst.num_vehicles, "bks": bks,
        "backend": backend, "time_limit": time_limit, "seed": seed, "cost": cost,
        "gap": None if cost is None or not bks else 100.0 * (cost - bks) / bks,
        "served_all": served_all, "status": sol.status, "runtime": round(wall, 2),
        "check_issues": len(issues),
        "load1": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None, "message": sol.message.replace("\n", " | ")[:300],
    }


def table(rows: list[dict]) -> str:
    head = "| instance | clients | vehicles | BKS | cost | gap % | all served | runtime s |"
    lines = [head, "|---|---:|---:|---:|---:|---:|:---:|---:|"]
    for r in rows:
        gap = "—" if r["gap"] is None else f"{r['gap']:.2f}"
        cost = "—" if r["cost"] is None else str(r["cost"])
        lines.append(f"| {r['instance']} | {r['clients']} | {r['vehicles']} | {r['bks']} | {cost} | {gap} | "
                     f"{'yes' if r['served_all'] else 'NO'} | {r['runtime']:.1f} |")
    gaps = [r["gap"] for r in rows if r["gap"] is not None]
    if gaps:
        lines.append(f"| **mean** ({len(gaps)}/{len(rows)} solved) | | | | | **{statistics.mean(gaps):.2f}** "
                     f"(max {max(gaps):.2f}) | | {statistics.mean(r['runtime'] for r in rows):.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, nargs="+", default=[10.0, 60.0], help="seconds per instance")
    ap.add_argument("--instances", nargs="+", default=INSTANCES)
    ap.add_argument("--backends", nargs="+", default=["pyvrp", "ortools"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder with the .vrp/.sol files")
    ap.add_argument("--jsonl", type=Path, help="append one JSON row per run to this file")
    args = ap.parse_args(argv)

    print(machine(), flush=True)
    for tl in args.time_limit:
        for backend in args.backends:
            rows = []
            print(f"\n## {backend}, {tl:g} s per instance\n", flush=True)
            for name in args.instances:
                row = run_one(args.dir, name, backend, tl, args.seed)
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
