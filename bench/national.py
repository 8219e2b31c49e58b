"""Synthetic national instances: the planner against the greedy baseline (issue 3).

For each size (patients, ~1 nurse per 8 patients, 14 days) and method, runs one
fresh process and reports wall time end to end (load, travel matrix, solve, write,
check), peak memory, drive minutes per visit, refills placed and missed
(``no_capacity_in_window``: refills some nurse could make that the plan left out),
visits in the last reserve day and validator violations, and how the plan keeps
due dates (issue 11 item 1): the share of refills made on their due date where a
working nurse-day exists on it, the share made early, and the share of fills that
end a floxuridine course made early (:func:`due_date_shares`, computed from the
plan folder's visits.csv and the roster's files only, so a plan of any version of
the planner is measured the same way).

    python bench/national.py --sizes 300 1000 3000 5000 --methods greedy ortools
    python bench/national.py --sizes 1000 --keep /tmp/kept   # keep data/ and plan folders
    python bench/national.py --shares DATA PLAN              # the shares of any plan folder
    python bench/national.py --common DATA PLAN_A PLAN_B     # drive of two plans on the visits both make
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_info  # noqa: E402

AS_OF = "2026-11-20"
START = "2026-11-23"


def _calendar(data: Path, start: dt.date, end: dt.date):
    """The company calendar of a roster folder: its holidays.csv, else the default (either layout)."""
    try:
        from optimizer.rules.company_calendar import Holiday, HolidayCalendar
    except ImportError:  # pragma: no cover - a layout without the calendar: no holidays
        return set()
    path = data / "holidays.csv"
    if path.exists():
        rows = pd.read_csv(path, dtype=str)
        return set(HolidayCalendar.from_list(
            Holiday(dt.date.fromisoformat(d), str(n)) for d, n in zip(rows["date"], rows["name"])).days)
    return set(HolidayCalendar.default(start, end).days)


def _working_days(data: Path, start: dt.date, end: dt.date) -> set[dt.date]:
    """Dates on which at least one nurse works: a workday, not a whole day off, not a holiday."""
    nurses = pd.read_csv(data / "nurses.csv", dtype=str)
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    off: set[tuple[str, str]] = set()
    toff = data / "time_off.csv"
    if toff.exists():
        t = pd.read_csv(toff, dtype=str).fillna("")
        whole = t["start"] == "" if "start" in t else pd.Series(True, index=t.index)
        off = set(zip(t.loc[whole, "nurse_id"], t.loc[whole, "date"]))
    holidays = _calendar(data, start, end)
    days = set()
    for i in range((end - start).days + 1):
        d = start + dt.timedelta(days=i)
        if d in holidays:
            continue
        for nid, wd in zip(nurses["nurse_id"], nurses.get("workdays", pd.Series(["Mon;Tue;Wed;Thu;Fri"] * len(nurses)))):
            wds = {names.index(x.strip()) for x in str(wd if isinstance(wd, str) else "Mon;Tue;Wed;Thu;Fri").split(";")
                   if x.strip()}
            if d.weekday() in wds and (nid, d.isoformat()) not in off:
                days.add(d)
                break
    return days


def due_date_shares(data: Path, plan: Path) -> dict:
    """How a plan keeps due dates (issue 11 item 1), from ``plan/visits.csv`` and the roster files only.

    Returns the share of planned refills on their due date among those whose due date
    is a working day of the horizon (some nurse works, not a holiday), the share made
    early (all refills), and the share of fills ending a floxuridine course (the pump
    holds floxuridine: the patient's ``last_fill_infusate`` for a patient's first visit
    in the plan, the previous visit's infusate after that) made before their due date:
    of all of them, and of those whose window reaches the due date (a pump that runs dry
    soon after the due date has a window that closes before it: early is the only choice),
    and of those whose window reaches a due date that is a working day (the qualifier of
    the on-due share: a fill due on a holiday goes a day early when the day after is the
    pump's last reserve day, which SPEC §5 ranks above the due date).
    """
    summary = json.loads((plan / "summary.json").read_text())
    start = dt.date.fromisoformat(str(summary["horizon"]["start"]))
    end = start + dt.timedelta(days=int(summary["horizon"]["days"]) - 1)
    visits = pd.read_csv(plan / "visits.csv", dtype=str)
    patients = pd.read_csv(data / "patients.csv", dtype=str).set_index("patient_id")
    working = _working_days(data, start, end)
    visits = visits.sort_values(["patient_id", "date"])
    in_pump = []
    prev: dict[str, str] = {}
    for pid, inf in zip(visits["patient_id"], visits["infusate"]):
        in_pump.append(prev.get(pid, patients.at[pid, "last_fill_infusate"]))
        prev[pid] = inf
    day = visits["date"].map(dt.date.fromisoformat)
    due = visits["due_date"].map(dt.date.fromisoformat)
    possible = due.map(lambda d: start <= d <= end and d in working)
    chemo_end = pd.Series(in_pump, index=visits.index) == "floxuridine"
    # a chemo-ending fill may be made on or after its due date only when its window reaches it
    # (the pump's reserve margin can close the window before the due date)
    reachable = chemo_end & (visits["window_end"].map(dt.date.fromisoformat) >= due)
    n = len(visits)
    return {
        "on_due_where_possible": round(float((day[possible] == due[possible]).mean()), 4) if possible.any() else None,
        "due_possible": int(possible.sum()),
        "on_due_all": round(float((day == due).mean()), 4) if n else None,
        "early_all": round(float((day < due).mean()), 4) if n else None,
        "chemo_ending": int(chemo_end.sum()),
        "chemo_ending_early": round(float((day[chemo_end] < due[chemo_end]).mean()), 4) if chemo_end.any() else None,
        "chemo_ending_due_in_window": int(reachable.sum()),
        "chemo_ending_early_avoidable": (round(float((day[reachable] < due[reachable]).mean()), 4)
                                         if reachable.any() else None),
        # the issue's own qualifier: where a working nurse-day exists on the due date (not a holiday)
        "chemo_ending_early_where_possible": (round(float((day[reachable & possible] < due[reachable & possible])
                                                          .mean()), 4) if (reachable & possible).any() else None),
        "chemo_ending_due_possible": int((reachable & possible).sum()),
        "fill_1": int((visits["fill_no"] == "1").sum()) if "fill_no" in visits else n,
    }


def common_drive(data: Path, plan_a: Path, plan_b: Path) -> dict:
    """Drive of two plans of one roster on the visits both make (issue 11 item 1 against an older plan).

    A visit is (patient, fill number; 1 where ``visits.csv`` has no ``fill_no``). Each plan's days keep
    only the common visits, in the plan's order, from the nurse's home and back to it (a trip's
    lodging is not used: both plans are measured the same way), each leg by the great-circle model
    rounded up to the minute as the planner's schedule does. Returns the common visits, each plan's
    minutes and minutes per common visit, and the ratio ``b / a``.
    """
    import math

    from geodata.travel.haversine import HaversineProvider

    api, _, _ = _imports()
    roster, _ = api.load_data(data, as_of=dt.date.fromisoformat(AS_OF))  # points as the planner reads them
    home_of = {n.nurse_id: (n.lat, n.lon) for n in roster.nurses}
    at = {p.patient_id: (p.lat, p.lon) for p in roster.patients}

    def keyed(plan: Path) -> pd.DataFrame:
        v = pd.read_csv(plan / "visits.csv", dtype={"patient_id": str, "nurse_id": str})
        v["fill"] = v["fill_no"].fillna(1).astype(int) if "fill_no" in v else 1
        return v

    va, vb = keyed(plan_a), keyed(plan_b)
    common = set(zip(va["patient_id"], va["fill"])) & set(zip(vb["patient_id"], vb["fill"]))
    provider = HaversineProvider()

    def minutes(v: pd.DataFrame) -> int:
        v = v[[k in common for k in zip(v["patient_id"], v["fill"])]].sort_values(["nurse_id", "date", "seq"])
        legs: list[tuple[tuple[float, float], tuple[float, float]]] = []
        for (nid, _), day in v.groupby(["nurse_id", "date"], sort=False):
            pts = [home_of[nid], *(at[p] for p in day["patient_id"]), home_of[nid]]
            legs += list(zip(pts, pts[1:]))
        if not legs:
            return 0
        m, _ = provider.pairwise([a for a, _ in legs], [b for _, b in legs])
        return int(sum(math.ceil(x - 1e-6) for x in m))

    a, b = minutes(va), minutes(vb)
    n = len(common)
    return {"common_visits": n, "a_visits": len(va), "b_visits": len(vb), "a_minutes": a, "b_minutes": b,
            "a_min_per_visit": round(a / n, 1) if n else None, "b_min_per_visit": round(b / n, 1) if n else None,
            "b_over_a": round(b / a, 4) if a else None}


def _imports():
    """The planner's entry points in either package layout (the bench measures old commits too)."""
    from optimizer import api
    try:
        from optimizer.studies import synth
        from optimizer.planning.planner import SolverOptions
    except ImportError:  # the layout before issue 10 item 6
        from optimizer import synth  # type: ignore[no-redef]
        from optimizer.planner import SolverOptions  # type: ignore[no-redef]
    return api, synth, SolverOptions


def make_roster(size: int, seed: int, data: Path):
    """The synthetic national roster of ``size`` patients (about one nurse per 8), as ``run_one`` makes it.

    Parameters
    ----------
    size
        Patients.
    seed
        The generator's seed.
    data
        Folder the roster's files are written to (``bench/national_refs.py`` reads it again).

    Returns
    -------
    Roster
        The roster loaded as the planner loads it (as of ``AS_OF``).
    """
    api, synth, _ = _imports()
    syn = synth.generate(size, max(1, round(size / 8)), seed=seed, as_of=dt.date.fromisoformat(AS_OF),
                         plan_start=dt.date.fromisoformat(START))
    synth.write(syn, data)
    roster, _ = api.load_data(data, as_of=dt.date.fromisoformat(AS_OF))
    return roster


def run_one(size: int, method: str, time_limit: float, seed: int, keep: Path | None = None,
            solver: dict | None = None, overnight: bool | None = None) -> dict:
    """One plan of the national roster of ``size`` patients by ``method``; ``solver``: more
    :class:`SolverOptions` fields (only those given are passed: old commits lack new ones);
    ``overnight=False``: day trips only (passed only when given, as old commits plan day trips only)."""
    api, synth, SolverOptions = _imports()
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
        opts = SolverOptions(backend=method, time_limit=time_limit, seed=seed, **(solver or {}))
        more = {} if overnight is None else {"overnight": overnight}
        res = api.plan(roster, start=dt.date.fromisoformat(START), days=14, provider=provider, options=opts, **more)
        t_plan = time.perf_counter() - t1
        out = Path(tmp) / "plan"
        api.write_plan_folder(res, out, with_map=False)
        t_end = time.perf_counter() - t1
        violations = api.check(roster, out, provider=provider)
        shares = due_date_shares(data, out)
        if keep is not None:
            dest = keep / f"{size}-{method}"
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(data, dest / "data")
            shutil.copytree(out, dest / "plan")
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
        "day_share": res.plan.solver.get("day_share"), **(solver or {}), **shares,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000, 5000])
    ap.add_argument("--methods", nargs="+", default=["greedy", "ortools"])
    ap.add_argument("--time-limit", type=float, nargs="+", default=None,
                    help="solver seconds per size (default: 30 s per 1,000 patients, at least 20)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="keep each run's data/ and plan/ under KEEP/SIZE-METHOD")
    ap.add_argument("--shares", nargs=2, type=Path, metavar=("DATA", "PLAN"),
                    help="print the due-date shares of a plan folder and exit")
    ap.add_argument("--day-share", type=float, default=None,
                    help="share of the time limit for the day phase (SolverOptions.day_share; default: settings)")
    ap.add_argument("--part-refills", type=int, default=None,
                    help="region part size of the rounds (SolverOptions.max_part_refills; default: settings)")
    ap.add_argument("--max-iterations", type=int, default=None,
                    help="deterministic work limit per part instead of the wall clock (SolverOptions.max_iterations)")
    ap.add_argument("--no-overnight", action="store_true",
                    help="day trips only (api.plan(overnight=False)): the routing compared with a plan of day trips")
    ap.add_argument("--common", nargs=3, type=Path, metavar=("DATA", "PLAN_A", "PLAN_B"),
                    help="drive of two plans of DATA on the visits both make (common_drive), then exit")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # size method limit: child process
    args = ap.parse_args()
    if args.shares:
        print(json.dumps(due_date_shares(*args.shares)))
        return
    if args.common:
        print(json.dumps(common_drive(*args.common)))
        return
    given = (("day_share", "--day-share", args.day_share), ("max_part_refills", "--part-refills", args.part_refills),
             ("max_iterations", "--max-iterations", args.max_iterations))
    solver = {k: v for k, _, v in given if v is not None}
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], float(args.one[2]), args.seed, args.keep, solver,
                                 False if args.no_overnight else None)))
        return
    print(f"# machine: {machine_info()}")
    rows = []
    for i, size in enumerate(args.sizes):
        limit = args.time_limit[i] if args.time_limit else max(20.0, 30.0 * size / 1000)
        for method in args.methods:
            keep = ["--keep", str(args.keep)] if args.keep else []
            keep += [x for _, flag, v in given if v is not None for x in (flag, str(v))]
            keep += ["--no-overnight"] if args.no_overnight else []
            proc = subprocess.run([sys.executable, __file__, "--seed", str(args.seed), *keep, "--one", str(size),
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
            "peak_mib", "violations", "on_due_where_possible", "early_all", "chemo_ending_early",
            "chemo_ending_early_avoidable", "chemo_ending_early_where_possible", "fill_1"]
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
