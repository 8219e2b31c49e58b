"""Independent plan validator (SPEC §7): every rule of §5 recomputed from the inputs.

It reads a plan folder's CSV files and the roster, recomputes refill windows and
eligibility with :mod:`optimizer.rules.windows` and :mod:`optimizer.rules.eligibility`, and
travel times with the provider. It never looks at the planner or its state.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from geodata.travel.base import pairwise
from optimizer import settings
from optimizer.domain import Horizon, Nurse, Patient, Roster, minutes_of
from optimizer.rules.eligibility import Reason, is_certified_for, may_practice, within_reach
from optimizer.rules.windows import WindowRules, refill_window

__all__ = ["Violation", "check_plan"]

TOL_MIN = 1.0  # minutes of rounding tolerance on travel legs
TOL_KM = 0.05
TOL_COST = 0.05


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    message: str
    nurse_id: str = ""
    patient_id: str = ""
    date: str = ""

    def __str__(self) -> str:
        who = " ".join(x for x in (self.nurse_id, self.date, self.patient_id) if x)
        return f"[{self.rule}] {who}: {self.message}" if who else f"[{self.rule}] {self.message}"


def _rows(path: Path) -> list[dict[str, str]]:
    from optimizer.io.cells import restore_cell  # plan CSVs quote text a spreadsheet would evaluate

    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: restore_cell(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _minute(t: datetime, day: date) -> float:
    return (t - datetime.combine(day, datetime.min.time())).total_seconds() / 60.0


class _Travel:
    """Provider times between ``(lat, lon)`` points, pair by pair.

    Only the pairs the checks read are computed (the plan's legs, and the nurse ↔
    patient pairs behind an unassigned reason), in batches through the provider's
    pairwise face: no matrix over all the roster's homes.
    """

    def __init__(self, provider) -> None:
        self.provider = provider
        self.cache: dict[tuple[tuple[float, float], tuple[float, float]], tuple[float, float]] = {}

    def prime(self, pairs: Iterable[tuple[tuple[float, float], tuple[float, float]]]) -> None:
        """Compute the ``(from, to)`` pairs not known yet, in one batch."""
        todo = [ab for ab in dict.fromkeys(pairs) if ab not in self.cache]
        if not todo:
            return
        minutes, km = pairwise(self.provider, [a for a, _ in todo], [b for _, b in todo])
        self.cache.update(zip(todo, zip(minutes.tolist(), km.tolist())))

    def __call__(self, a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        hit = self.cache.get((a, b))
        if hit is None:
            self.prime([(a, b)])
            hit = self.cache[(a, b)]
        return hit


def _plan_pairs(roster: Roster, visits: list[dict[str, str]]) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Every leg the checks read: home → patient for each visit, and each route's legs in seq order."""
    routes: dict[tuple[str, str], list[tuple[int, tuple[float, float]]]] = defaultdict(list)
    pairs = []
    for v in visits:
        nid, pid = v["nurse_id"], v["patient_id"]
        if not (roster.has_nurse(nid) and roster.has_patient(pid)):
            continue
        n, p = roster.nurse(nid), roster.patient(pid)
        pairs.append(((n.lat, n.lon), (p.lat, p.lon)))
        try:
            routes[(nid, v["date"])].append((int(v["seq"]), (p.lat, p.lon)))
        except ValueError:
            continue
    for (nid, _), stops in routes.items():
        home = (roster.nurse(nid).lat, roster.nurse(nid).lon)
        pts = [home, *(pt for _, pt in sorted(stops)), home]
        pairs += list(zip(pts[:-1], pts[1:]))
    return pairs


def _fits_alone(n: Nurse, p: Patient, out_m: float, back_m: float) -> bool:
    if math.isnan(out_m) or math.isnan(back_m):
        return False
    start = max(minutes_of(n.shift_start) + math.ceil(out_m - 1e-6), minutes_of(p.earliest_arrival))
    if start > minutes_of(p.latest_arrival):
        return False
    return start + p.visit_minutes + math.ceil(back_m - 1e-6) <= minutes_of(n.shift_end) + n.max_overtime_minutes


def check_plan(
    roster: Roster,
    plan_dir: str | Path,
    *,
    provider,
    rules: WindowRules | None = None,
    horizon: Horizon | None = None,
) -> list[Violation]:
    """Every violation of SPEC §5 in the plan folder ``plan_dir`` (empty list: valid)."""
    plan_dir = Path(plan_dir)
    rules = rules or WindowRules()
    out: list[Violation] = []

    def bad(rule: str, msg: str, **kw: str) -> None:
        out.append(Violation(rule, msg, **kw))

    for name in ("visits.csv", "nurse_days.csv", "unassigned.csv", "summary.json"):
        if not (plan_dir / name).exists():
            bad("files", f"{name} is missing")
    if out:
        return out
    if horizon is None:
        h = json.loads((plan_dir / "summary.json").read_text())["horizon"]
        horizon = Horizon(date.fromisoformat(h["start"]), int(h["days"]))
    visits = _rows(plan_dir / "visits.csv")
    days = _rows(plan_dir / "nurse_days.csv")
    unassigned = _rows(plan_dir / "unassigned.csv")
    deferred = _rows(plan_dir / "deferred.csv") if (plan_dir / "deferred.csv").exists() else []

    travel = _Travel(provider)
    travel.prime(_plan_pairs(roster, visits))
    windows = {p.patient_id: refill_window(p, rules=rules) for p in roster.active_patients()}

    # ---- which refills are due in the horizon (recomputed) ----
    due = {pid for pid, w in windows.items() if not w.opens_after(horizon)}

    # ---- per visit ----
    visited: dict[str, int] = defaultdict(int)
    by_route: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for v in visits:
        nid, pid, ds = v["nurse_id"], v["patient_id"], v["date"]
        kw = dict(nurse_id=nid, patient_id=pid, date=ds)
        if not roster.has_nurse(nid):
            bad("unknown_nurse", f"nurse {nid} is not in the roster", **kw)
            continue
        if not roster.has_patient(pid) or not roster.patient(pid).active:
            bad("unknown_patient", "patient is not an active patient of the roster", **kw)
            continue
        n, p = roster.nurse(nid), roster.patient(pid)
        d = date.fromisoformat(ds)
        w = windows[pid]
        visited[pid] += 1
        by_route[(nid, ds)].append(v)
        if d not in horizon:
            bad("horizon", f"visit date outside the horizon {horizon.start}..{horizon.end}", **kw)
        overdue = w.closed_before(horizon)
        if not overdue and not (w.start <= d <= w.end):
            if not (w.is_empty_window and d == w.end):
                bad("window", f"date outside the refill window {w.start}..{w.end}", **kw)
        if overdue and not v.get("alarm"):
            bad("alarm", "overdue refill (window closed before the horizon) not flagged", **kw)
        for col, val in (("window_start", w.start), ("window_end", w.end), ("due_date", w.due),
                         ("empty_date", w.empty)):
            if v[col] != val.isoformat():
                bad("window_dates", f"{col} {v[col]} but the rule gives {val}", **kw)
        if int(v["reserve_days_left"]) != (w.empty - d).days:
            bad("reserve", f"reserve_days_left {v['reserve_days_left']} but empty − date = "
                f"{(w.empty - d).days}", **kw)
        if v["state"] != p.state:
            bad("state", f"state {v['state']} but the patient lives in {p.state}", **kw)
        if v["infusate"] != p.next_infusate.value:
            bad("infusate", f"infusate {v['infusate']} but the next fill is {p.next_infusate.value}", **kw)
        if not may_practice(n, p.state, on=d):
            bad("license", f"nurse may not practice in {p.state} on {d}", **kw)
        if not is_certified_for(n, p.next_infusate):
            bad("certification", f"nurse not certified for {p.next_infusate.value}", **kw)
        if not n.works_on(d):
            bad("workday", f"{d:%a} is not one of the nurse's workdays", **kw)
        if roster.is_off(nid, d):
            bad("time_off", "nurse has this day off", **kw)
        out_m, _ = travel((n.lat, n.lon), (p.lat, p.lon))
        if not within_reach(n, out_m):
            bad("reach", f"drive from home {out_m:.0f} min exceeds {n.max_drive_minutes_one_way}", **kw)
        arrival, start, end = _dt(v["arrival"]), _dt(v["start"]), _dt(v["end"])
        if start.date() != d:
            bad("date", "start is not on the visit date", **kw)
        s_min = _minute(start, d)
        if not (minutes_of(p.earliest_arrival) <= s_min <= minutes_of(p.latest_arrival)):
            bad("arrival_window", f"start {start:%H:%M} outside {p.earliest_arrival:%H:%M}-"
                f"{p.latest_arrival:%H:%M}", **kw)
        if arrival > start:
            bad("arrival_window", "visit starts before the nurse arrives", **kw)
        if end - start != timedelta(minutes=p.visit_minutes):
            bad("visit_length", f"visit lasts {(end - start).total_seconds() / 60:.0f} min, "
                f"needs {p.visit_minutes}", **kw)
    for pid, k in visited.items():
        if k > 1:
            bad("double_booking", f"patient visited {k} times", patient_id=pid)

    # ---- per route (nurse-day) ----
    day_rows = {(r["nurse_id"], r["date"]): r for r in days}
    for (nid, ds), vs in by_route.items():
        n, d = roster.nurse(nid), date.fromisoformat(ds)
        kw = dict(nurse_id=nid, date=ds)
        vs.sort(key=lambda r: int(r["seq"]))
        if [int(r["seq"]) for r in vs] != list(range(1, len(vs) + 1)):
            bad("sequence", "seq is not 1..n", **kw)
        if len(vs) > n.max_visits_per_day:
            bad("max_visits", f"{len(vs)} visits, limit {n.max_visits_per_day}", **kw)
        row = day_rows.get((nid, ds))
        if row is None:
            bad("nurse_days", "visits without a nurse_days row", **kw)
            continue
        depart, ret = _dt(row["depart"]), _dt(row["return"])
        if _minute(depart, d) < minutes_of(n.shift_start):
            bad("shift", f"departs {depart:%H:%M} before shift start {n.shift_start:%H:%M}", **kw)
        limit = minutes_of(n.shift_end) + n.max_overtime_minutes
        if _minute(ret, d) > limit:
            bad("shift", f"returns {ret:%H:%M}, after shift end + overtime", **kw)
        prev_pt, prev_end = (n.lat, n.lon), depart
        drive_m, drive_km = 0.0, 0.0
        for r in vs:
            p = roster.patient(r["patient_id"])
            m, km = travel(prev_pt, (p.lat, p.lon))
            if math.isnan(m):
                bad("travel", "leg is unreachable by road", patient_id=p.patient_id, **kw)
                continue
            if float(r["travel_minutes"]) + TOL_MIN < m:
                bad("travel", f"travel_minutes {r['travel_minutes']} below the provider's {m:.1f}",
                    patient_id=p.patient_id, **kw)
            if abs(float(r["travel_km"]) - km) > max(TOL_KM, 0.01 * km):
                bad("travel", f"travel_km {r['travel_km']} but the provider gives {km:.2f}",
                    patient_id=p.patient_id, **kw)
            arrival = _dt(r["arrival"])
            if arrival < prev_end + timedelta(minutes=m - TOL_MIN):
                bad("sequence_times", f"arrives {arrival:%H:%M}, earlier than the previous stop "
                    f"end {prev_end:%H:%M} plus {m:.0f} min of travel", patient_id=p.patient_id, **kw)
            drive_m += float(r["travel_minutes"])
            drive_km += float(r["travel_km"])
            prev_pt, prev_end = (p.lat, p.lon), _dt(r["end"])
        m, km = travel(prev_pt, (n.lat, n.lon))
        if ret < prev_end + timedelta(minutes=m - TOL_MIN):
            bad("sequence_times", f"returns {ret:%H:%M}, before the last visit ends plus {m:.0f} min "
                "of travel home", **kw)
        if int(row["visits"]) != len(vs):
            bad("nurse_days", f"visits {row['visits']} but {len(vs)} in visits.csv", **kw)
        work = (ret - depart).total_seconds() / 60
        if abs(float(row["work_minutes"]) - work) > TOL_MIN:
            bad("nurse_days", f"work_minutes {row['work_minutes']} but return − depart = {work:.0f}", **kw)
        overtime = max(0.0, _minute(ret, d) - minutes_of(n.shift_end))
        if abs(float(row["overtime_minutes"]) - overtime) > TOL_MIN:
            bad("overtime", f"overtime_minutes {row['overtime_minutes']} but recomputed {overtime:.0f}", **kw)
        if float(row["drive_minutes"]) + TOL_MIN * (len(vs) + 1) < drive_m + m:
            bad("nurse_days", f"drive_minutes {row['drive_minutes']} below the legs' {drive_m + m:.0f}", **kw)
        regular = work - overtime
        cost = n.hourly_cost / 60 * (regular + settings.OVERTIME_MULTIPLIER * overtime) + \
            float(row["drive_km"]) / settings.KM_PER_MILE * settings.IRS_MILEAGE_RATE_PER_MILE
        if abs(float(row["cost"]) - cost) > TOL_COST + 0.001 * cost:
            bad("cost", f"cost {row['cost']} but recomputed {cost:.2f}", **kw)
    for key in day_rows:
        if key not in by_route:
            bad("nurse_days", "a nurse_days row without visits", nurse_id=key[0], date=key[1])

    # ---- every due refill visited once or unassigned, each reason true ----
    listed = {}
    for u in unassigned:
        pid = u["patient_id"]
        if pid in listed:
            bad("unassigned", "listed twice", patient_id=pid)
        listed[pid] = u
        if pid in visited:
            bad("unassigned", "listed unassigned but also visited", patient_id=pid)
        if pid not in due:
            bad("unassigned", "listed but no refill is due in the horizon", patient_id=pid)
            continue
        _check_reason(roster, horizon, windows[pid], roster.patient(pid), u, travel, bad)
    later = {}
    for d in deferred:
        pid = d["patient_id"]
        if pid in visited or pid in listed or pid in later:
            bad("deferred", "deferred but also visited or listed elsewhere", patient_id=pid)
        later[pid] = d
        if pid not in due or windows[pid].end <= horizon.end or windows[pid].closed_before(horizon):
            bad("deferred", "only a refill whose window runs past the horizon may be deferred",
                patient_id=pid)
    for pid in sorted(due):
        if pid not in visited and pid not in listed and pid not in later:
            bad("coverage", "refill due in the horizon is neither visited nor listed unassigned",
                patient_id=pid)
    return out


def _check_reason(roster, horizon, w, p, u, travel, bad) -> None:
    reason = u["reason"]
    kw = dict(patient_id=p.patient_id)
    try:
        Reason(reason)
    except ValueError:
        bad("reason", f"unknown reason {reason!r}", **kw)
        return
    overdue = w.closed_before(horizon)
    if overdue:
        if reason != Reason.WINDOW_CLOSED:
            bad("reason", f"refill is overdue: reason must be window_closed, not {reason}", **kw)
        return
    if reason == Reason.WINDOW_CLOSED:
        bad("reason", "window_closed but the window has not closed before the horizon", **kw)
        return
    days = w.days_in(horizon) or ([w.end] if w.end in horizon else [])
    licensed = [n for n in roster.nurses
                if any(may_practice(n, p.state, on=d) for d in (days or [horizon.start]))]
    certified = [n for n in licensed if is_certified_for(n, p.next_infusate)]
    home = (p.lat, p.lon)
    travel.prime([((n.lat, n.lon), home) for n in certified] + [(home, (n.lat, n.lon)) for n in certified])
    reach = []
    for n in certified:
        out_m, _ = travel((n.lat, n.lon), (p.lat, p.lon))
        back_m, _ = travel((p.lat, p.lon), (n.lat, n.lon))
        if within_reach(n, out_m) and _fits_alone(n, p, out_m, back_m):
            reach.append(n)
    truth = (Reason.NO_LICENSED_NURSE if not licensed else Reason.NO_CERTIFIED_NURSE
             if not certified else Reason.OUT_OF_REACH if not reach else Reason.NO_CAPACITY_IN_WINDOW)
    if reason != truth:
        bad("reason", f"reason {reason} is not true: the first failing layer is {truth}", **kw)
