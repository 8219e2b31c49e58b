"""Re-plan after a call-out on the 1,000-patient national bench (issue 11 item 7).

    python bench/replan.py [--data /tmp/r1k] [--time-limit 30] [--scratch]

Generates the roster (``haiplan synth DATA --patients 1000 --nurses 125 --seed 7``) unless
DATA holds one, plans 14 days, then the nurse with the most visits in the first week
calls out for two of her working days with visits (two ``time_off.csv`` rows) and the
plan is re-planned from the first of them (``api.replan``, what ``haiplan replan`` runs).
Prints: her visits on those days, the visits changed beyond hers (another nurse or day, or
dropped; target: at most as many as hers), visits added, the visits kept on their nurse and
day whose start moved beyond ±30 min, the time to re-plan (target ≤ 15 s) with the load average
before and after (the machine is shared), and the independent check of both plans;
with ``--scratch``, how many visits a plan from scratch would have changed instead.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_avg, machine_info  # noqa: E402

from optimizer import api  # noqa: E402
from optimizer.planning.planner import SolverOptions  # noqa: E402

START = dt.date(2026, 1, 5)
AS_OF = dt.date(2026, 1, 1)


def _roster(data: Path, seed: int) -> None:
    if (data / "patients.csv").exists():
        return
    api.synth(data, patients=1000, nurses=125, seed=seed, as_of=AS_OF, plan_start=START)


def _call_out(data: Path, out: Path, plan, days: int = 2) -> tuple[str, list[dt.date]]:
    """A copy of ``data`` in ``out`` where the busiest nurse of week one is off two days."""
    week1 = [v for v in plan.visits if v.date < START + dt.timedelta(days=7)]
    nurse, _ = Counter(v.nurse_id for v in week1).most_common(1)[0]
    off = sorted({v.date for v in week1 if v.nurse_id == nurse and v.date > START})[:days]
    shutil.copytree(data, out)
    path = out / "time_off.csv"
    rows = []
    if path.exists():
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["nurse_id", "date", "start", "end"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        w.writerows({"nurse_id": nurse, "date": d.isoformat(), "start": "", "end": ""} for d in off)
    return nurse, off


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("/tmp/r1k"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds for the first plan")
    ap.add_argument("--scratch", action="store_true",
                    help="also plan from the call-out date from scratch (the first plan's time limit) and "
                         "count the visits that differ from the previous plan")
    args = ap.parse_args()
    print(machine_info())
    _roster(args.data, args.seed)
    provider = api.travel_provider("haversine")
    roster, _ = api.load_data(args.data, as_of=AS_OF)
    first = api.plan(roster, start=START, days=14, provider=provider,
                     options=SolverOptions(time_limit=args.time_limit, seed=args.seed))
    with tempfile.TemporaryDirectory() as tmp:
        prev_dir = Path(tmp) / "plan"
        api.write_plan_folder(first, prev_dir, with_map=False)
        nurse, off = _call_out(args.data, Path(tmp) / "data", first.plan)
        hers = [v for v in first.plan.visits if v.nurse_id == nurse and v.date in off]
        roster2, _ = api.load_data(Path(tmp) / "data", as_of=AS_OF)
        load0 = load_avg()
        t0 = time.perf_counter()
        res = api.replan(roster2, prev_dir, start=off[0], provider=provider, options=SolverOptions(seed=args.seed))
        seconds = time.perf_counter() - t0
        load1 = load_avg()
        new_dir = Path(tmp) / "replan"
        api.write_plan_folder(res, new_dir, with_map=False)
        v_first = api.check(roster, prev_dir, provider=provider)
        v_new = api.check(roster2, new_dir, provider=provider)
    changes = res.plan.changes or []
    her_ids = {(v.patient_id, v.date) for v in hers}
    retimed = [c for c in changes  # kept on their nurse and day, timed anew beyond ±30 min
               if c.change == "moved" and (c.old_nurse_id, c.old_date) == (c.new_nurse_id, c.new_date)]
    moved = [c for c in changes if c.change in ("moved", "dropped") and c not in retimed]
    beyond = [c for c in moved if (c.patient_id, c.old_date) not in her_ids]
    added = [c for c in changes if c.change == "added"]
    before = [v for v in first.plan.visits if v.date < off[0]]
    same_before = {(v.nurse_id, v.date, v.seq, v.patient_id, v.start) for v in before} == {
        (v.nurse_id, v.date, v.seq, v.patient_id, v.start) for v in res.plan.visits if v.date < off[0]}
    k0, k1 = first.plan.kpis(), res.plan.kpis()
    print(f"first plan: {k0['visits']} visits of {k0['refills_due']} due, {k0['unassigned']} unassigned, "
          f"{len(v_first)} violation(s)")
    print(f"call-out: the busiest nurse is off {off[0]} and {off[-1]}: {len(hers)} visits of hers")
    print(f"re-plan from {off[0]}: {k1['visits']} visits, {k1['unassigned']} unassigned, "
          f"{len(v_new)} violation(s); visits before {off[0]} unchanged: {same_before}")
    mine = Counter(c.change for c in moved if (c.patient_id, c.old_date) in her_ids)
    print(f"  her visits: moved {mine['moved']}, dropped {mine['dropped']}")
    print(f"  visits changed beyond hers: {len(beyond)} (target <= {len(hers)}) {Counter(c.reason for c in beyond)}")
    print(f"  visits added: {len(added)} {Counter(c.reason for c in added)}")
    print(f"  visits kept on their nurse and day, start moved beyond ±30 min: {len(retimed)}")
    for v in v_new[:5]:
        print(f"  violation: {v}")
    if args.scratch:
        end = START + dt.timedelta(days=13)
        t1 = time.perf_counter()
        fresh = api.plan(roster2, start=off[0], days=(end - off[0]).days + 1, provider=provider,
                         options=SolverOptions(time_limit=args.time_limit, seed=args.seed)).plan
        t_fresh = time.perf_counter() - t1
        old = {(v.patient_id, v.nurse_id, v.date) for v in first.plan.visits if v.date >= off[0]}
        new = {(v.patient_id, v.nurse_id, v.date) for v in fresh.visits}
        print(f"  from scratch instead: {len(old - new)} of the previous plan's {len(old)} visits from {off[0]} "
              f"not kept as they were, {t_fresh:.0f} s")
    print(f"  time to re-plan: {seconds:.1f} s (target <= 15 s; insertion around the kept visits); "
          f"load average {load0[0] if load0 else '-':.2f} before, {load1[0] if load1 else '-':.2f} after")


if __name__ == "__main__":
    main()
