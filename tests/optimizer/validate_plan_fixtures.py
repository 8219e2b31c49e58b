"""Plan folders for the validator's tests: planned by the real planner through optimizer.api.

Where the planner does not write a column of the week's contract yet (``break_start`` and
``break_end`` of nurse_days.csv), :func:`ensure_breaks` adds it the way the contract states
(a break of ``break_minutes`` in every day of more than ``BREAK_AFTER_WORK_MINUTES`` of work,
overlapping no visit and no drive leg), so the corruptions are made on a valid folder.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from geodata.travel.haversine import HaversineProvider
from optimizer import api, settings
from optimizer.domain import Roster
from optimizer.planning.planner import SolverOptions

DATA = Path(__file__).resolve().parents[1] / "data" / "good"
AS_OF = dt.date(2026, 11, 20)
START = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()
CALIFORNIAN = "P006,34.0522,-118.2437,,CA,1.9,2026-11-12,heparinized_saline,,,,\n"  # no nurse may treat


def plan_folder(base: Path, *, days: int = 14, extra_patients: str = "", drop: tuple[str, ...] = ()
                ) -> tuple[Roster, Path]:
    """Plan a copy of the good roster (``extra_patients`` appended, ``drop`` patients left out)
    with the greedy backend, write the folder under ``base``, and make its breaks explicit."""
    data = base / "data"
    shutil.copytree(DATA, data)
    lines = (data / "patients.csv").read_text().splitlines(keepends=True)
    lines = [ln for ln in lines if ln.split(",")[0] not in drop] + [extra_patients] * bool(extra_patients)
    (data / "patients.csv").write_text("".join(lines))
    roster, _ = api.load_data(data, as_of=AS_OF)
    result = api.plan(roster, start=START, days=days, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    out = base / "plan"
    api.write_plan_folder(result, out, with_map=False)
    ensure_breaks(roster, out)
    return roster, out


def _busy(roster: Roster, nid: str, ret: pd.Timestamp, vs: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    out = []
    for _, v in vs.iterrows():
        arrival = pd.Timestamp(v["arrival"])
        out += [(arrival - pd.Timedelta(minutes=float(v["travel_minutes"])), arrival),
                (pd.Timestamp(v["start"]), pd.Timestamp(v["end"]))]
    n, last = roster.nurse(nid), roster.patient(vs.iloc[-1]["patient_id"])
    home, _ = PROVIDER.pairwise([(last.lat, last.lon)], [(n.lat, n.lon)])
    out.append((ret - pd.Timedelta(minutes=float(home[0])), ret))
    return sorted(out)


def ensure_breaks(roster: Roster, plan_dir: Path) -> None:
    """Give nurse_days.csv ``break_start``/``break_end`` when the planner did not write them.

    A long day's break goes into the first gap between its legs and visits that holds it;
    when none does, right after the last visit, with the return, work, overtime and cost
    moved on by the break.
    """
    days = pd.read_csv(plan_dir / "nurse_days.csv", dtype=str, keep_default_na=False)
    if "break_start" in days.columns:
        return
    visits = pd.read_csv(plan_dir / "visits.csv", dtype=str, keep_default_na=False)
    days["break_start"], days["break_end"] = "", ""
    for i, row in days.iterrows():
        depart, ret = pd.Timestamp(row["depart"]), pd.Timestamp(row["return"])
        if (ret - depart).total_seconds() / 60 <= settings.BREAK_AFTER_WORK_MINUTES:
            continue
        n = roster.nurse(row["nurse_id"])
        vs = visits[(visits.nurse_id == row["nurse_id"]) & (visits.date == row["date"])]
        vs = vs.sort_values("seq", key=lambda s: s.astype(int))
        need = pd.Timedelta(minutes=n.break_minutes)
        at, start = depart, None
        for a, b in _busy(roster, row["nurse_id"], ret, vs):
            if a - at >= need:
                start = at
                break
            at = max(at, b)
        if start is None:  # no gap: the break after the last visit, the day longer by it
            start = pd.Timestamp(vs.iloc[-1]["end"])
            ret = ret + need
            work = (ret - depart).total_seconds() / 60
            end = dt.datetime.combine(dt.date.fromisoformat(row["date"]), n.shift_end)
            overtime = max(0.0, (ret - pd.Timestamp(end)).total_seconds() / 60)
            cost = n.hourly_cost / 60 * (work - overtime + settings.OVERTIME_MULTIPLIER * overtime) + \
                float(row["drive_km"]) / settings.KM_PER_MILE * settings.IRS_MILEAGE_RATE_PER_MILE
            days.loc[i, ["return", "work_minutes", "overtime_minutes", "cost"]] = [
                ret.isoformat(), f"{work:.0f}", f"{overtime:.0f}", f"{cost:.2f}"]
        days.loc[i, ["break_start", "break_end"]] = [start.isoformat(), (start + need).isoformat()]
    days.to_csv(plan_dir / "nurse_days.csv", index=False)


def edit(src: Path, dst: Path, name: str, fn) -> None:
    """Copy the plan folder ``src`` to ``dst`` and pass ``name``'s table (text cells) through ``fn``."""
    shutil.copytree(src, dst)
    frame = pd.read_csv(dst / name, dtype=str, keep_default_na=False)
    fn(frame).to_csv(dst / name, index=False)
