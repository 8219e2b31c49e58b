"""A plan: visits, nurse-days, unassigned refills with reasons, and KPIs (SPEC §6)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from optimizer.rules.eligibility import Reason
from optimizer.rules.objective import UNITS_PER_DOLLAR, in_last_reserve_day
from optimizer.planning.keep import Change, changes_of
from optimizer.planning.problem import PlanningProblem
from optimizer.planning.schedule import RouteSchedule

__all__ = ["PlannedVisit", "NurseDayPlan", "Unassigned", "Deferred", "Plan", "plan_from_routes",
           "location_point", "VISIT_COLUMNS", "NURSE_DAY_COLUMNS", "UNASSIGNED_COLUMNS", "DEFERRED_COLUMNS"]

VISIT_COLUMNS = (
    "nurse_id", "date", "seq", "patient_id", "state", "infusate", "arrival", "start", "end",
    "travel_minutes", "travel_km", "window_start", "window_end", "due_date", "empty_date",
    "reserve_days_left", "alarm", "fill_no", "patient_name", "address", "phone", "notes", "nurse_name",
)
NURSE_DAY_COLUMNS = (
    "nurse_id", "date", "visits", "depart", "return", "drive_minutes", "drive_km",
    "work_minutes", "overtime_minutes", "cost", "break_start", "break_end",
    # overnight trips (SPEC §6): where the day starts and ends (home unless the nurse stays the night
    # near her last patient) and the night's lodging, per diem included (in ``cost`` too)
    "start_lat", "start_lon", "end_lat", "end_lon", "lodging_cost",
)
UNASSIGNED_COLUMNS = (
    "patient_id", "state", "window_start", "window_end", "empty_date", "reason", "detail",
    "reserve_days_left",
)
DEFERRED_COLUMNS = ("patient_id", "state", "window_start", "window_end", "empty_date", "detail")


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(0, 0)) + timedelta(minutes=minute)


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    nurse_id: str
    date: date
    seq: int
    patient_id: str
    state: str
    infusate: str
    arrival: datetime
    start: datetime
    end: datetime
    travel_minutes: int
    travel_km: float
    window_start: date
    window_end: date
    due_date: date
    empty_date: date
    reserve_days_left: int
    alarm: str = ""  # "window_closed" / "pump_empty" for overdue refills
    fill_no: int = 1  # 1, 2, … per patient within the plan, in date order (issue 11 item 8)
    # operational columns (SPEC §4): for nurses and planners, never in leadership outputs or logs
    patient_name: str = field(default="", repr=False)
    address: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)
    notes: str = field(default="", repr=False)
    nurse_name: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class NurseDayPlan:
    nurse_id: str
    date: date
    visits: int
    depart: datetime
    return_: datetime
    drive_minutes: int
    drive_km: float
    work_minutes: int
    overtime_minutes: int
    cost: float
    break_start: datetime | None = None  # a day of more than 6 hours of work has a break (SPEC §5)
    break_end: datetime | None = None
    start_lat: float | None = None  # where the day starts: home, or an overnight trip's lodging
    start_lon: float | None = None
    end_lat: float | None = None  # where the day ends: home, or the lodging of the night after it
    end_lon: float | None = None
    lodging_cost: float = 0.0  # dollars: the night after this day away (settings.LODGING_COST_PER_NIGHT_USD)

    @property
    def ends_away(self) -> bool:
        """Whether the nurse stays the night away after this day (an overnight trip)."""
        return self.lodging_cost > 0


@dataclass(frozen=True, slots=True)
class Unassigned:
    patient_id: str
    state: str
    window_start: date
    window_end: date
    empty_date: date
    reason: Reason
    detail: str
    reserve_days_left: int  # at the end of its window (an overdue refill: at the horizon's start)


@dataclass(frozen=True, slots=True)
class Deferred:
    """A refill whose window runs past the horizon, not placed in it: for the next plan."""

    patient_id: str
    state: str
    window_start: date
    window_end: date
    empty_date: date
    detail: str


@dataclass
class Plan:
    """The result of planning one horizon, independent of how it was made."""

    visits: list[PlannedVisit]
    nurse_days: list[NurseDayPlan]
    unassigned: list[Unassigned]
    horizon_start: date
    horizon_days: int
    solver: dict = field(default_factory=dict)  # status, backend, runtime, objective, bound
    deferred: list[Deferred] = field(default_factory=list)
    changes: list[Change] | None = None  # changes.csv: kept visits not kept as they were (keep.py)

    def kpis(self) -> dict:
        """Counts, drive totals, on-time rate, cost (for summary.json and the screen)."""
        n_vis = len(self.visits)
        drive_min = sum(d.drive_minutes for d in self.nurse_days)
        drive_km = sum(d.drive_km for d in self.nurse_days)
        due = n_vis + len(self.unassigned)
        reasons = Counter(str(u.reason) for u in self.unassigned)
        reserve = [v.reserve_days_left for v in self.visits]
        return {
            "visits": n_vis,
            "refills_due": due,
            "unassigned": len(self.unassigned),
            "unassigned_by_reason": dict(sorted(reasons.items())),
            "deferred_to_next_plan": len(self.deferred),
            # an overdue refill (alarm) is not on time, even when planned (issue 12 item 4)
            "on_time_rate": round(sum(1 for v in self.visits if not v.alarm) / due, 4) if due else 1.0,
            "nurse_days": len(self.nurse_days),
            "nurses_used": len({d.nurse_id for d in self.nurse_days}),
            "drive_minutes": int(drive_min),
            "drive_hours": round(drive_min / 60, 1),
            "drive_km": round(drive_km, 1),
            "drive_minutes_per_visit": round(drive_min / n_vis, 1) if n_vis else 0.0,
            "overtime_minutes": int(sum(d.overtime_minutes for d in self.nurse_days)),
            "cost": round(sum(d.cost for d in self.nurse_days), 2),
            "cost_per_visit": round(sum(d.cost for d in self.nurse_days) / n_vis, 2) if n_vis else 0.0,
            "overnight_stays": sum(1 for d in self.nurse_days if d.ends_away),
            "lodging_cost": round(sum(d.lodging_cost for d in self.nurse_days), 2),
            "visits_in_last_reserve_day": sum(1 for r in reserve if in_last_reserve_day(r)),
            "min_reserve_days_left": min(reserve) if reserve else None,
            "alarms_planned": sum(1 for v in self.visits if v.alarm),
        }


def _ends(problem: PlanningProblem, nurse_id: str, sched: RouteSchedule) -> dict[str, float]:
    """The start and end points of a nurse-day (home, or an overnight trip's lodging) and its lodging."""
    home = problem.roster.nurse(nurse_id)
    out: dict[str, float] = {}
    for side, loc in (("start", sched.start), ("end", sched.end)):
        pt = (home.lat, home.lon) if loc is None else location_point(problem, loc)
        out[f"{side}_lat"], out[f"{side}_lon"] = round(pt[0], 6), round(pt[1], 6)
    out["lodging_cost"] = round(sched.lodging_units / UNITS_PER_DOLLAR, 2)
    return out


def location_point(problem: PlanningProblem, loc: int) -> tuple[float, float]:
    """``(lat, lon)`` of location index ``loc`` of ``problem`` (nurses' homes first, then patients,
    then lodging towns)."""
    nurses = problem.roster.nurses
    if loc < len(nurses):
        return nurses[loc].lat, nurses[loc].lon
    town = problem.town_at(loc)
    if town is not None:
        return town.lat, town.lon
    pid = next(p for p, i in problem.patient_location.items() if i == loc)
    p = problem.roster.patient(pid)
    return p.lat, p.lon


def plan_from_routes(
    problem: PlanningProblem,
    routes: dict[int, tuple[list[int], RouteSchedule]],
    *,
    solver: dict | None = None,
    not_placed_detail: dict[int, str] | None = None,
) -> Plan:
    """Assemble a :class:`Plan` from scheduled routes keyed by nurse-day index.

    ``routes[k] = (refill indices in order, schedule)``. Refills with candidates
    that no route serves are unassigned with ``no_capacity_in_window``.
    """
    visits: list[PlannedVisit] = []
    days: list[NurseDayPlan] = []
    served: set[int] = set()
    for k in sorted(routes, key=lambda k: (problem.nurse_days[k].nurse.nurse_id, problem.nurse_days[k].day)):
        order, sched = routes[k]
        if not order and not sched.away:
            continue
        nd = problem.nurse_days[k]
        for seq, (j, leg) in enumerate(zip(order, sched.legs), start=1):
            r = problem.refills[j]
            served.add(j)
            w = r.window
            reserve = w.reserve_days_left(nd.day)
            alarm = ""
            if r.overdue:
                alarm = "pump_empty" if w.empty < problem.horizon.start else "window_closed"
            visits.append(PlannedVisit(
                nurse_id=nd.nurse.nurse_id, date=nd.day, seq=seq, patient_id=r.patient_id,
                state=r.patient.state, infusate=r.patient.next_infusate.value,
                arrival=_at(nd.day, leg.arrival), start=_at(nd.day, leg.start), end=_at(nd.day, leg.end),
                travel_minutes=leg.travel_minutes, travel_km=round(leg.travel_km, 2),
                window_start=w.start, window_end=w.end, due_date=w.due, empty_date=w.empty,
                reserve_days_left=reserve, alarm=alarm, fill_no=r.fill_no,
                patient_name=r.patient.name or "", address=r.patient.address or "", phone=r.patient.phone or "",
                notes=r.patient.notes or "", nurse_name=nd.nurse.name or "",
            ))
        days.append(NurseDayPlan(
            nurse_id=nd.nurse.nurse_id, date=nd.day, visits=len(order),
            depart=_at(nd.day, sched.depart), return_=_at(nd.day, sched.return_),
            drive_minutes=sched.drive_minutes, drive_km=round(sched.drive_km, 2),
            work_minutes=sched.work_minutes, overtime_minutes=sched.overtime_minutes,
            cost=round(sched.cost, 2),
            break_start=None if sched.break_start is None else _at(nd.day, sched.break_start),
            break_end=None if sched.break_end is None else _at(nd.day, sched.break_end),
            **_ends(problem, nd.nurse.nurse_id, sched),
        ))
    unassigned: list[Unassigned] = []
    deferred: list[Deferred] = []
    cands = problem.candidates_by_refill()
    details = not_placed_detail or {}
    for j, r in enumerate(problem.refills):
        if j in served:
            continue
        w = r.window
        blocked = problem.unplannable.get(r.patient_id)
        if blocked is not None and not (r.deferrable and blocked[0] is Reason.NO_CAPACITY_IN_WINDOW):
            reason, detail = blocked
        elif r.deferrable:
            after = problem.next_plan_days(j)
            deferred.append(Deferred(
                patient_id=r.patient_id, state=r.patient.state, window_start=w.start, window_end=w.end,
                empty_date=w.empty, detail=(
                    f"due {w.due}, window ends {w.end}, after the horizon: left to the next plan, which can "
                    f"make it from {after[0]}" if after else
                    f"window ends {w.end}, after the horizon; {len(cands.get(j, ()))} eligible "
                    "nurse-day(s) in the horizon had no room")))
            continue
        else:
            reason = Reason.WINDOW_CLOSED if r.overdue else Reason.NO_CAPACITY_IN_WINDOW
            n_nd = len(cands.get(j, ()))
            detail = details.get(j, (
                f"{n_nd} eligible nurse-day(s) in the {'horizon' if r.overdue else 'window'}, all needed for "
                "other refills or no route fits this visit"))
        unassigned.append(Unassigned(
            patient_id=r.patient_id, state=r.patient.state, window_start=w.start, window_end=w.end,
            empty_date=w.empty, reason=reason, detail=detail,
            # the reserve at the last day it may be made: its window's end, the horizon's start for an
            # overdue refill (negative when the pump is already dry)
            reserve_days_left=w.reserve_days_left(max(w.end, problem.horizon.start)),
        ))
    unassigned.sort(key=lambda u: (u.window_end, u.patient_id))
    visits.sort(key=lambda v: (v.nurse_id, v.date, v.seq))
    deferred.sort(key=lambda d: (d.window_end, d.patient_id))
    placed = {j: (problem.nurse_days[k].nurse.nurse_id, problem.nurse_days[k].day)
              for k, (order, _) in routes.items() for j in order}
    changes = changes_of(problem, placed) if problem.pins is not None else None
    return Plan(visits, days, unassigned, problem.horizon.start, problem.horizon.days, dict(solver or {}),
                deferred, changes)
