"""Overnight trips on a rural national roster (issue 13 item 1).

The rural national roster (``haiplan synth --preset rural``: 240 patients, 24 nurses over the
default 25-state footprint, half the patients rural) is planned twice from the same roster, seed, backend and start date:
with overnight trips off (``api.plan(..., overnight=False)``) and on (the default). Printed
per run: refills due, placed, out_of_reach and every other unassigned reason, cost, cost per
placed refill, out_of_reach refills whose window closes in the horizon (``out_of_reach_closing``:
the others run past it, so the next plan may make them), refills deferred because only a trip after the
horizon can make them (``deferred_to_next_trip``, with trips on: no day trip reaches them, this plan has no
trip for them, one of the next plan can; they are not out of reach), lodging nights and their cost, trips by their number of nights, nights at a
waypoint (at no patient visited that day or the next), the trips pass by step (seconds), wall
time, and the independent checker's violations of the written plan folder (must be 0). Of the
refills left out_of_reach, ``out_of_reach_beyond_a_day`` are farther than a working day's drive
from every nurse who may make them and ``out_of_reach_no_trip_days`` cannot be made by any trip
of the planner's kind whatever the other visits (no licensed, certified nurse has enough
consecutive working days with one in the window: weekends, Thanksgiving, the horizon's end, or
more than MAX_NIGHTS nights; ``closing_no_trip_days``: those of them closing in the horizon); the rest
lost their nurse's days to other visits. The machine is
shared: the load average is printed with it.

    python bench/overnight.py                          # the rural preset, seed 0, greedy
    python bench/overnight.py --backend ortools --time-limit 20 --seed 1
    python bench/overnight.py --patients 300 --nurses 35 --rural-share 0.6   # a roster of these sizes instead
"""

from __future__ import annotations

import argparse
import math
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
START = dt.date(2026, 11, 23)
END = START + dt.timedelta(days=13)  # the horizon's last day


def run(data: Path, out: Path, *, overnight: bool, backend: str, time_limit: float, seed: int) -> dict:
    """Plan ``data`` with trips on or off, write and check the folder; the figures of the run."""
    from geodata.travel.haversine import HaversineProvider
    from optimizer import api
    from optimizer.planning import trips
    from optimizer.planning.planner import SolverOptions

    provider = HaversineProvider()
    roster, _ = api.load_data(data, as_of=AS_OF)
    PATIENTS.update({p.patient_id: (p.lat, p.lon) for p in roster.patients})
    opts = SolverOptions(backend=backend, time_limit=time_limit, seed=seed)
    t0 = time.perf_counter()
    res = api.plan(roster, start=START, days=14, provider=provider, options=opts, overnight=overnight)
    wall = time.perf_counter() - t0
    api.write_plan_folder(res, out, with_map=False)
    violations = api.check(roster, out, provider=provider)
    k = res.plan.kpis()
    far = beyond_a_day(roster, res.plan, provider)
    no_days, no_days_closing = no_trip_days(res.problem, res.plan)
    return {"trips": "on" if overnight else "off", "due": k["refills_due"], "placed": k["visits"],
            "out_of_reach": k["unassigned_by_reason"].get("out_of_reach", 0),
            "out_of_reach_closing": sum(str(u.reason) == "out_of_reach" and u.window_end <= END
                                        for u in res.plan.unassigned),
            "deferred_to_next_trip": sum("no day trip reaches" in d.detail for d in res.plan.deferred),
            "other_unassigned": k["unassigned"] - k["unassigned_by_reason"].get("out_of_reach", 0),
            "out_of_reach_beyond_a_day": far, "out_of_reach_no_trip_days": no_days, "closing_no_trip_days": no_days_closing, "by_reason": k["unassigned_by_reason"], "cost": k["cost"], "cost_per_placed": k["cost_per_visit"],
            "nights": k["overnight_stays"], "trips_by_nights": trip_lengths(res.plan),
            "waypoint_nights": waypoint_nights(res.plan), "lodging": k["lodging_cost"], "wall_s": round(wall, 1),
            "trips_pass_s": {step: round(sec, 2) for step, sec in getattr(trips, "LAST_TIMINGS", {}).items()}
            if overnight else {},
            "violations": len(violations)}


def trip_lengths(plan) -> dict[int, int]:
    """Trips (chains of nights away on consecutive days of one nurse) by their number of nights."""
    away = {(d.nurse_id, d.date) for d in plan.nurse_days if d.ends_away}
    out: dict[int, int] = {}
    for nid, day in away:
        if (nid, day - dt.timedelta(days=1)) in away:
            continue  # not the first night of its trip
        n = 1
        while (nid, day + dt.timedelta(days=n)) in away:
            n += 1
        out[n] = out.get(n, 0) + 1
    return dict(sorted(out.items()))


def waypoint_nights(plan) -> int:
    """Nights at a waypoint: at no home of a patient the nurse visits that day or the next."""
    homes: dict[tuple[str, dt.date], set[str]] = {}
    for v in plan.visits:
        homes.setdefault((v.nurse_id, v.date), set()).add(v.patient_id)
    out = 0
    for d in plan.nurse_days:
        if not d.ends_away:
            continue
        pids = homes.get((d.nurse_id, d.date), set()) | homes.get((d.nurse_id, d.date + dt.timedelta(days=1)), set())
        pts = {(round(PATIENTS[p][0], 5), round(PATIENTS[p][1], 5)) for p in pids if p in PATIENTS}
        out += (round(float(d.end_lat), 5), round(float(d.end_lon), 5)) not in pts
    return out


PATIENTS: dict[str, tuple[float, float]] = {}


def beyond_a_day(roster, plan, provider) -> int:
    """Refills left out_of_reach whose nearest licensed, certified nurse lives farther than a whole
    working day can drive (shift + overtime − break, one way): no one-night trip can make them."""
    from optimizer.rules.eligibility import is_certified_for, may_practice

    out = 0
    for u in plan.unassigned:
        if str(u.reason) != "out_of_reach":
            continue
        p = roster.patient(u.patient_id)
        ok = [n for n in roster.nurses if is_certified_for(n, p.next_infusate)
              and may_practice(n, p.state, on=u.window_start)]
        if not ok:
            continue
        minutes, _ = provider.pairwise([(n.lat, n.lon) for n in ok], [(p.lat, p.lon)] * len(ok))
        longest = [(n.shift_end.hour * 60 + n.shift_end.minute + n.max_overtime_minutes
                    - n.shift_start.hour * 60 - n.shift_start.minute - n.break_minutes) for n in ok]
        out += all(m > d for m, d in zip(minutes, longest))
    return out


def no_trip_days(problem, plan) -> int:
    """Refills left out_of_reach that no trip of the planner's kind could make whatever the other
    visits: no licensed, certified nurse has a run of consecutive working days in the horizon long
    enough for the drive out and back (whole working days, at most MAX_NIGHTS nights) with a day of
    the refill's window inside (weekends, holidays, the horizon's end, too far): (all, those whose
    window closes in the horizon)."""
    from optimizer.planning.waypoints import MAX_NIGHTS, day_budget
    from optimizer.rules.eligibility import is_certified_for, may_practice

    roster = problem.roster
    days = {}
    for nd in problem.nurse_days:
        days.setdefault(nd.nurse.nurse_id, set()).add(nd.day)
    fill = {(r.patient_id, r.window.start): r for r in problem.refills}
    out = closing = 0
    for u in plan.unassigned:
        if str(u.reason) != "out_of_reach":
            continue
        r = fill.get((u.patient_id, u.window_start))
        p = r.patient if r is not None else roster.patient(u.patient_id)  # a later fill: its own infusate
        window = {u.window_start + dt.timedelta(days=i) for i in range((u.window_end - u.window_start).days + 1)}
        possible = False
        for n in roster.nurses:
            if not (is_certified_for(n, p.next_infusate) and may_practice(n, p.state, on=u.window_start)):
                continue
            drive = problem.provider.pairwise([(n.lat, n.lon)], [(p.lat, p.lon)])[0][0]
            need = max(2, math.ceil((2 * drive + p.visit_minutes) / day_budget(n)))
            mine = days.get(n.nurse_id, set())
            for d in window & mine:
                for first in (d - dt.timedelta(days=i) for i in range(need)):
                    run = [first + dt.timedelta(days=i) for i in range(need)]
                    possible |= need <= MAX_NIGHTS + 1 and all(x in mine for x in run)
        out += not possible
        closing += not possible and u.window_end <= END
    return out, closing


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=None, help="sizes instead of the rural preset")
    ap.add_argument("--nurses", type=int, default=35)
    ap.add_argument("--rural-share", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backend", default="greedy")
    ap.add_argument("--time-limit", type=float, default=20.0)
    args = ap.parse_args(argv)
    from optimizer.studies import synth

    print(machine_info())
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    what = ("the rural preset (240 patients, 24 nurses, rural share 0.5)" if args.patients is None else
            f"{args.patients} patients, {args.nurses} nurses, rural share {args.rural_share}")
    print(f"roster: {what}, default footprint, seed {args.seed}; horizon {START} + 14 days; backend {args.backend}"
          + (f" ({args.time_limit:g} s)" if args.backend != "greedy" else "") + "; great-circle travel")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        if args.patients is None:
            syn = synth.preset("rural", seed=args.seed, as_of=AS_OF, plan_start=START)
        else:
            syn = synth.generate(args.patients, args.nurses, seed=args.seed, as_of=AS_OF, plan_start=START,
                                 rural_share=args.rural_share)
        synth.write(syn, data)
        rows = [run(data, Path(tmp) / f"plan_{on}", overnight=on, backend=args.backend,
                    time_limit=args.time_limit, seed=args.seed) for on in (False, True)]
    for r in rows:
        print(" ".join(f"{key}={val}" for key, val in r.items()))
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    off, on = rows
    if off["out_of_reach"]:
        print(f"out_of_reach {off['out_of_reach']} -> {on['out_of_reach']} "
              f"({1 - on['out_of_reach'] / off['out_of_reach']:.0%} fewer); placed {off['placed']} -> "
              f"{on['placed']}; cost per placed refill ${off['cost_per_placed']} -> ${on['cost_per_placed']}")


if __name__ == "__main__":
    main()
