"""The default backend by measurement, and continuity of care (issue 12 item 7).

Small rosters (26 patients, 6 nurses in PA/OH/WV/NY, one per seed) and a national
roster (1,000 patients, 125 nurses, seed 7), each planned with every backend at
the default time limit (``settings.SOLVER_TIME_LIMIT_S``), same start date, 14 days.
The rosters are ``haiplan synth``'s (the same ``synth.generate`` call) with a share
of patients given a preferred nurse (``--preferred-share``; the CLI's is 0.2).

Per run: refills placed (visits), missed (``no_capacity_in_window``), drive hours,
cost, continuity — of the visits of patients with a preferred nurse, the share made
by that nurse (``pref_share``), how many she was eligible for (a candidate nurse-day
for the refill: ``pref_eligible``), and of those where she was eligible and had room
(one of those nurse-days has fewer visits than her ``max_visits_per_day`` in the
plan, or she made the visit), the share made by her
(``pref_avail_share``) — wall time of the plan (load to plan, no writing) and the
independent checker's violations (must be 0). Each run is a fresh process, one at
a time. ``--not-preferred-cents`` overrides ``settings.COST_NOT_PREFERRED_NURSE``
(cents per visit) to measure another continuity weight.

    python bench/backends.py                                   # small (3 seeds) and national, 3 backends
    python bench/backends.py --no-national --not-preferred-cents 500 2500
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402

AS_OF = "2026-11-20"
START = "2026-11-23"
SMALL = dict(patients=26, nurses=6, states="PA;OH;WV;NY")
NATIONAL = dict(patients=1000, nurses=125, states=None, seed=7)


def write_roster(out: Path, *, patients: int, nurses: int, seed: int, states: str | None,
                 preferred_share: float) -> None:
    """``haiplan synth OUT --patients N --nurses M --seed S [--states ...]`` with a preferred share."""
    from optimizer.studies import synth
    syn = synth.generate(patients, nurses, seed=seed, states=states.split(";") if states else None,
                         as_of=dt.date.fromisoformat(AS_OF), plan_start=dt.date.fromisoformat(START),
                         preferred_share=preferred_share)
    synth.write(syn, out)


def continuity(res) -> dict:
    """Visits of patients with a preferred nurse: made by her; and where she was eligible and had room."""
    problem, plan = res.problem, res.plan
    nurses = {n.nurse_id: n for n in problem.roster.nurses}
    refill_of = {(r.patient_id, r.fill_no): j for j, r in enumerate(problem.refills)}
    cands: dict[int, list[int]] = {}
    for c in problem.candidates:
        cands.setdefault(c.refill, []).append(c.nurse_day)
    load: dict[tuple[str, dt.date], int] = {(d.nurse_id, d.date): d.visits for d in plan.nurse_days}
    pref_of = {p.patient_id: p.preferred_nurse_id for p in problem.roster.patients}
    n = made = eligible = avail = avail_made = 0
    for v in plan.visits:
        pref = pref_of.get(v.patient_id)
        if not pref or pref not in nurses:
            continue
        n += 1
        made += v.nurse_id == pref
        j = refill_of.get((v.patient_id, v.fill_no))
        days = [problem.nurse_days[k] for k in cands.get(j, ()) if problem.nurse_days[k].nurse.nurse_id == pref]
        eligible += bool(days)
        room = any(load.get((pref, nd.day), 0) < nurses[pref].max_visits_per_day or v.nurse_id == pref
                   for nd in days)
        if room:
            avail += 1
            avail_made += v.nurse_id == pref
    return {"pref_visits": n, "pref_made": made, "pref_share": round(made / n, 3) if n else None,
            "pref_eligible": eligible, "pref_avail": avail, "pref_avail_made": avail_made,
            "pref_avail_share": round(avail_made / avail, 3) if avail else None}


def run_one(data: Path, backend: str, time_limit: float, cents: int | None) -> dict:
    from optimizer import api, settings
    from optimizer.planning.planner import SolverOptions
    if cents is not None:
        settings.COST_NOT_PREFERRED_NURSE = cents
    t0 = time.perf_counter()
    roster, _ = api.load_data(data, as_of=dt.date.fromisoformat(AS_OF))
    provider = api.travel_provider("haversine")
    res = api.plan(roster, start=dt.date.fromisoformat(START), days=14, provider=provider,
                   options=SolverOptions(backend=backend, time_limit=time_limit))
    wall = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan"
        api.write_plan_folder(res, out, with_map=False)
        violations = api.check(roster, out, provider=provider)
    k = res.plan.kpis()
    return {"backend": backend, "not_preferred_cents": settings.COST_NOT_PREFERRED_NURSE,
            "refills_due": k["refills_due"], "placed": k["visits"],
            "missed": k["unassigned_by_reason"].get("no_capacity_in_window", 0), "unassigned": k["unassigned"],
            "drive_h": k["drive_hours"], "cost": k["cost"], "overtime_min": k["overtime_minutes"],
            **continuity(res), "wall_s": round(wall, 1), "violations": len(violations),
            "status": res.plan.solver.get("status"), "note": res.plan.solver.get("note", "")}


def main() -> None:
    from optimizer import settings
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3], help="small rosters' seeds")
    ap.add_argument("--no-national", action="store_true")
    ap.add_argument("--national-only", action="store_true")
    ap.add_argument("--backends", nargs="+", default=["ortools", "pyvrp", "greedy"])
    ap.add_argument("--time-limit", type=float, default=settings.SOLVER_TIME_LIMIT_S)
    ap.add_argument("--preferred-share", type=float, default=0.5, help="small rosters (national: synth's 0.2)")
    ap.add_argument("--not-preferred-cents", type=int, nargs="+", default=[None],
                    help="continuity weights to measure (default: settings')")
    ap.add_argument("--one", nargs=4, help=argparse.SUPPRESS)  # data backend limit cents: child process
    args = ap.parse_args()
    if args.one:
        data, backend, limit, cents = args.one
        print(json.dumps(run_one(Path(data), backend, float(limit), None if cents == "-" else int(cents))))
        return
    print(f"# machine: {machine_info()}")
    print(f"# start {START}, 14 days, time limit {args.time_limit:g} s, "
          f"COST_NOT_PREFERRED_NURSE default {settings.COST_NOT_PREFERRED_NURSE} cents", flush=True)
    rosters = [] if args.national_only else [
        (f"small s{s}", dict(SMALL, seed=s), args.preferred_share) for s in args.seeds]
    if not args.no_national:
        rosters.append(("national", NATIONAL, 0.2))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec, share in rosters:
            data = Path(tmp) / name.replace(" ", "_")
            write_roster(data, **spec, preferred_share=share)
            for cents in args.not_preferred_cents:
                for backend in args.backends:
                    if backend == "greedy" and cents is not None and cents != args.not_preferred_cents[0]:
                        continue
                    proc = subprocess.run([sys.executable, __file__, "--one", str(data), backend,
                                           str(args.time_limit), "-" if cents is None else str(cents)],
                                          capture_output=True, text=True)
                    if proc.returncode != 0:
                        print(f"{name} {backend}: FAILED\n{proc.stderr[-2000:]}", file=sys.stderr, flush=True)
                        continue
                    row = {"roster": name, **json.loads(proc.stdout.strip().splitlines()[-1]),
                           "load1": round(os.getloadavg()[0], 2)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    cols = ["roster", "backend", "not_preferred_cents", "refills_due", "placed", "missed", "drive_h", "cost",
            "pref_visits", "pref_made", "pref_share", "pref_eligible", "pref_avail", "pref_avail_share", "wall_s",
            "violations", "load1"]
    print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    by: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["roster"].startswith("small"):
            by.setdefault((r["backend"], r["not_preferred_cents"]), []).append(r)
    print("\nsmall rosters, summed over seeds:")
    for (backend, cents), rs in by.items():
        pm, pv = sum(r["pref_made"] for r in rs), sum(r["pref_visits"] for r in rs)
        print(f"  {backend:8s} {cents:>5} c: placed {sum(r['placed'] for r in rs)}, missed "
              f"{sum(r['missed'] for r in rs)}, drive {sum(r['drive_h'] for r in rs):.1f} h, cost "
              f"${sum(r['cost'] for r in rs):,.2f}, preferred {pm}/{pv}, violations "
              f"{sum(r['violations'] for r in rs)}")


if __name__ == "__main__":
    main()
