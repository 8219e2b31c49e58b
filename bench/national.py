"""Synthetic national instances: the planner against the greedy baseline (issue 3).

For each size (patients, ~1 nurse per 8 patients, 14 days) and method, runs one
fresh process and reports wall time end to end (load, travel matrix, solve, write,
check), peak memory, drive minutes per visit, refills placed and missed
(``no_capacity_in_window``: refills some nurse could make that the plan left out),
visits in the last reserve day and validator violations.

    python bench/national.py --sizes 300 1000 3000 5000 --methods greedy ortools
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402

AS_OF = "2026-11-20"
START = "2026-11-23"


def run_one(size: int, method: str, time_limit: float, seed: int) -> dict:
    import datetime as dt

    from optimizer import api
    from optimizer.studies import synth
    from optimizer.planning.planner import SolverOptions

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        syn = synth.generate(size, max(1, round(size / 8)), seed=seed, as_of=dt.date.fromisoformat(AS_OF),
                             plan_start=dt.date.fromisoformat(START))
        synth.write(syn, data)
        t_gen = time.perf_counter() - t0
        t1 = time.perf_counter()
        roster, _ = api.load_data(data, as_of=dt.date.fromisoformat(AS_OF))
        provider = api.travel_provider("haversine")
        opts = SolverOptions(backend=method, time_limit=time_limit, seed=seed)
        res = api.plan(roster, start=dt.date.fromisoformat(START), days=14, provider=provider, options=opts)
        t_plan = time.perf_counter() - t1
        out = Path(tmp) / "plan"
        api.write_plan_folder(res, out, with_map=False)
        t_end = time.perf_counter() - t1
        violations = api.check(roster, out, provider=provider)
    k = res.plan.kpis()
    return {
        "patients": size, "nurses": len(roster.nurses), "method": method,
        "refills_due": k["refills_due"], "visits": k["visits"],
        "missed": k["unassigned_by_reason"].get("no_capacity_in_window", 0),
        "unplaceable": k["unassigned"] - k["unassigned_by_reason"].get("no_capacity_in_window", 0),
        "drive_min_per_visit": k["drive_minutes_per_visit"], "cost_per_visit": k["cost_per_visit"],
        "last_reserve_day": k["visits_in_last_reserve_day"], "overtime_min": k["overtime_minutes"],
        "nurse_days": k["nurse_days"], "gen_s": round(t_gen, 1), "plan_s": round(t_plan, 1),
        "end_to_end_s": round(t_end, 1), "violations": len(violations),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                          + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "status": res.plan.solver.get("status"), "parts": res.plan.solver.get("parts"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000, 5000])
    ap.add_argument("--methods", nargs="+", default=["greedy", "ortools"])
    ap.add_argument("--time-limit", type=float, nargs="+", default=None,
                    help="solver seconds per size (default: 30 s per 1,000 patients, at least 20)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # size method limit: child process
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], float(args.one[2]), args.seed)))
        return
    print(f"# machine: {machine_info()}")
    rows = []
    for i, size in enumerate(args.sizes):
        limit = args.time_limit[i] if args.time_limit else max(20.0, 30.0 * size / 1000)
        for method in args.methods:
            proc = subprocess.run([sys.executable, __file__, "--seed", str(args.seed), "--one", str(size),
                                   method, str(limit)], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{size} {method}: FAILED\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row["time_limit_s"] = limit if method != "greedy" else None
            rows.append(row)
            print(json.dumps(row), flush=True)
    cols = ["patients", "nurses", "method", "time_limit_s", "refills_due", "visits", "missed", "unplaceable",
            "drive_min_per_visit", "cost_per_visit", "last_reserve_day", "overtime_min", "end_to_end_s",
            "peak_mib", "violations"]
    print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    for size in args.sizes:
        by = {r["method"]: r for r in rows if r["patients"] == size}
        if "greedy" in by:
            for m, r in by.items():
                if m != "greedy" and by["greedy"]["drive_min_per_visit"]:
                    print(f"{size}: {m} drive/visit = {r['drive_min_per_visit'] / by['greedy']['drive_min_per_visit']:.2f}"
                          f" × greedy; missed {r['missed']} vs greedy {by['greedy']['missed']}")


if __name__ == "__main__":
    main()
