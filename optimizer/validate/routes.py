"""Checks of each route (nurse-day): sequence, overdue refills first, shift, legs against the
provider, totals and cost; part-day time off and the break (:mod:`optimizer.validate.week`)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from optimizer import settings
from optimizer.domain import Nurse, minutes_of
from optimizer.validate.base import TOL_COST, TOL_MIN, TOL_KM, Context, minute, to_dt
from optimizer.validate.week import busy_intervals, check_break, check_part_day_off

__all__ = ["check_routes", "check_overdue_first"]

Row = dict[str, str]


def check_routes(ctx: Context, by_route: dict[tuple[str, str], list[Row]], days: list[Row]) -> None:
    """Check each route's visits against its nurse_days row, and that every row has visits."""
    day_rows = {(r["nurse_id"], r["date"]): r for r in days}
    for (nid, ds), vs in by_route.items():
        kw = dict(nurse_id=nid, date=ds)
        vs.sort(key=lambda r: int(r["seq"]))
        n = ctx.roster.nurse(nid)
        if [int(r["seq"]) for r in vs] != list(range(1, len(vs) + 1)):
            ctx.bad("sequence", "seq is not 1..n", **kw)
        if len(vs) > n.max_visits_per_day:
            ctx.bad("max_visits", f"{len(vs)} visits, limit {n.max_visits_per_day}", **kw)
        row = day_rows.get((nid, ds))
        if row is None:
            ctx.bad("nurse_days", "visits without a nurse_days row", **kw)
            continue
        check_route(ctx, n, date.fromisoformat(ds), vs, row)
    for key, row in day_rows.items():
        if key in by_route:
            continue
        home = (ctx.roster.nurse(key[0]).lat, ctx.roster.nurse(key[0]).lon) if ctx.roster.has_nurse(key[0]) else None
        if home is not None and set(ctx.start_end(ctx.roster.nurse(key[0]), key[1])) != {home}:
            # an overnight trip's drive out or home alone: checked as a route without visits
            check_route(ctx, ctx.roster.nurse(key[0]), date.fromisoformat(key[1]), [], row)
        else:
            ctx.bad("nurse_days", "a nurse_days row without visits", nurse_id=key[0], date=key[1])
    check_overdue_first(ctx, by_route)


def check_overdue_first(ctx: Context, by_route: dict[tuple[str, str], list[Row]]) -> None:
    """An overdue refill is the first stop of its route (SPEC §5; issue 12): on each route, in
    ``seq`` order, no stop that is not an overdue refill comes before one that is.

    Overdue is recomputed from the inputs: the patient's first visit of the plan (the earliest
    date) when the refill window of the patient row closed before the horizon starts; in a
    re-plan, also a visit on or after the re-plan date making a fill whose window closed before it.
    """
    first_day: dict[str, str] = {}
    for (_, ds), vs in by_route.items():
        for r in vs:
            pid = r["patient_id"]
            first_day[pid] = min(first_day.get(pid, ds), ds)
    for (nid, ds), vs in by_route.items():
        other = ""  # seq of the first stop that is not an overdue refill
        for r in sorted(vs, key=lambda r: int(r["seq"])):
            pid = r["patient_id"]
            w = ctx.windows.get(pid)
            made = ctx.row_window.get(id(r))  # the fill this row makes (a re-plan: overdue at its date)
            if not ((w is not None and w.closed_before(ctx.horizon) and first_day[pid] == ds)
                    or (made is not None and ctx.overdue(made, on=date.fromisoformat(ds)))):
                other = other or r["seq"]
            elif other:
                ctx.bad("overdue_not_first", f"overdue refill is stop {r['seq']}, after stop {other}, which is "
                        "not an overdue refill: an overdue refill is the first stop of its route",
                        nurse_id=nid, patient_id=pid, date=ds)


def check_route(ctx: Context, n: Nurse, d: date, vs: list[Row], row: Row) -> None:
    """Check one nurse-day: its shift, its legs in seq order, and its nurse_days totals and cost."""
    kw = dict(nurse_id=n.nurse_id, date=d.isoformat())
    depart, ret = to_dt(row["depart"]), to_dt(row["return"])
    if minute(depart, d) < minutes_of(n.shift_start):
        ctx.bad("shift", f"departs {depart:%H:%M} before shift start {n.shift_start:%H:%M}", **kw)
    if minute(ret, d) > minutes_of(n.shift_end) + n.max_overtime_minutes:
        ctx.bad("shift", f"returns {ret:%H:%M}, after shift end + overtime", **kw)
    drive_m = _check_legs(ctx, n, depart, ret, vs, kw)
    busy = busy_intervals(ctx, n, ret, vs)
    check_part_day_off(ctx, n, d, busy, kw)
    check_break(ctx, n, d, row, busy, kw)
    if int(row["visits"]) != len(vs):
        ctx.bad("nurse_days", f"visits {row['visits']} but {len(vs)} in visits.csv", **kw)
    work = (ret - depart).total_seconds() / 60
    if abs(float(row["work_minutes"]) - work) > TOL_MIN:
        ctx.bad("nurse_days", f"work_minutes {row['work_minutes']} but return − depart = {work:.0f}", **kw)
    overtime = max(0.0, minute(ret, d) - minutes_of(n.shift_end))
    if abs(float(row["overtime_minutes"]) - overtime) > TOL_MIN:
        ctx.bad("overtime", f"overtime_minutes {row['overtime_minutes']} but recomputed {overtime:.0f}", **kw)
    if float(row["drive_minutes"]) + TOL_MIN * (len(vs) + 1) < drive_m:
        ctx.bad("nurse_days", f"drive_minutes {row['drive_minutes']} below the legs' {drive_m:.0f}", **kw)
    regular = work - overtime
    cost = n.hourly_cost / 60 * (regular + settings.OVERTIME_MULTIPLIER * overtime) + \
        float(row["drive_km"]) / settings.KM_PER_MILE * settings.IRS_MILEAGE_RATE_PER_MILE + \
        float(row.get("lodging_cost") or 0.0)  # a night away (checked in optimizer.validate.trips)
    if abs(float(row["cost"]) - cost) > TOL_COST + 0.001 * cost:
        ctx.bad("cost", f"cost {row['cost']} but recomputed {cost:.2f}", **kw)


def _check_legs(ctx: Context, n: Nurse, depart: datetime, ret: datetime, vs: list[Row],
                kw: dict[str, str]) -> float:
    """Check each leg from the day's start (home, or an overnight trip's lodging) through the visits
    to its end; return the drive minutes (stated legs out, the provider's last leg)."""
    start, end = ctx.start_end(n, kw["date"])
    prev_pt, prev_end = start, depart
    drive_m = 0.0
    for r in vs:
        p = ctx.roster.patient(r["patient_id"])
        m, km = ctx.travel(prev_pt, (p.lat, p.lon))
        where = dict(patient_id=p.patient_id, **kw)
        if math.isnan(m):
            ctx.bad("travel", "leg is unreachable by road", **where)
            continue
        if float(r["travel_minutes"]) + TOL_MIN < m:
            ctx.bad("travel", f"travel_minutes {r['travel_minutes']} below the provider's {m:.1f}", **where)
        if abs(float(r["travel_km"]) - km) > max(TOL_KM, 0.01 * km):
            ctx.bad("travel", f"travel_km {r['travel_km']} but the provider gives {km:.2f}", **where)
        arrival = to_dt(r["arrival"])
        if arrival < prev_end + timedelta(minutes=m - TOL_MIN):
            ctx.bad("sequence_times", f"arrives {arrival:%H:%M}, earlier than the previous stop "
                    f"end {prev_end:%H:%M} plus {m:.0f} min of travel", **where)
        drive_m += float(r["travel_minutes"])
        prev_pt, prev_end = (p.lat, p.lon), to_dt(r["end"])
    m, _ = ctx.travel(prev_pt, end)
    if math.isnan(m):
        ctx.bad("travel", "the leg to the day's end is unreachable by road", **kw)
        return drive_m
    if ret < prev_end + timedelta(minutes=m - TOL_MIN):
        ctx.bad("sequence_times", f"returns {ret:%H:%M}, before the last visit ends (or the day starts) "
                f"plus {m:.0f} min of travel to the day's end", **kw)
    return drive_m + m
