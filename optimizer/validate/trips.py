"""Checks of overnight trips (SPEC §5 routes, §6 nurse_days.csv; issue 13 item 1).

A nurse-day's ``start_lat/start_lon`` and ``end_lat/end_lon`` say where it starts and ends:
home, or the lodging of an overnight trip. A trip may last several nights: a chain of days, each
ending where the next one starts. Recomputed from the inputs and the plan's rows:

- ``trip_continuity``: a day that ends away from home is followed by that nurse's next
  calendar day, a planned working day that starts at that very point; a day that starts
  away follows such a day (so every day of a trip of several nights starts where the night
  before it was); unless the plan has no day for the nurse after the night and she has time off
  then, or (a re-plan from that day or before) it is a holiday or changes.csv moves a visit of
  hers that day away for ``patient_away``: a trip cut short, whose way home is not planned (the
  night is still priced);
- ``workday``, ``time_off``, ``holiday``: every day of a trip, the drive-only ones too, is one of
  the nurse's working days (a nurse does not stay away over a weekend, a day off or a holiday);
- ``trip``: the lodging is the home of a patient the nurse visits on the day she stays or
  the day after ("near the last patient"), or a *waypoint*: a night of a trip that visits a
  patient, on the way from the nurse's home to one of the trip's patients (by the travel provider:
  home → lodging → patient at most :data:`WAYPOINT_SLACK` and :data:`WAYPOINT_SLACK_MINUTES` longer
  than home → patient); ``lodging_cost`` is one night
  (:data:`optimizer.settings.LODGING_COST_PER_NIGHT_USD`, per diem included) on every day that
  ends away and nothing on one that ends at home; a point that is not a place (not a number, or
  outside latitude ±90, longitude ±180) is reported.

The legs from the start and to the end point are checked against the travel provider with
every other leg (:mod:`optimizer.validate.routes`, a drive-only day of a trip too), reach from
the lodging with each visit (:mod:`optimizer.validate.visits`), and the lodging inside the day's
cost with the cost.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from optimizer import settings
from optimizer.domain import Nurse
from optimizer.validate.base import TOL_COST, Context
from optimizer.validate.travel import Point

__all__ = ["read_ends", "check_trips", "same_point", "POINT_TOL_DEG", "WAYPOINT_SLACK", "WAYPOINT_SLACK_MINUTES"]

Row = dict[str, str]
#: Two points closer than this in latitude and longitude are one (the CSV holds 6 decimals).
POINT_TOL_DEG: float = 1e-5
_COLUMNS = ("start_lat", "start_lon", "end_lat", "end_lon")
#: A waypoint's detour (home → lodging → a patient of the trip) is at most this share ...
WAYPOINT_SLACK: float = 0.6
#: ... plus these minutes of drive.
WAYPOINT_SLACK_MINUTES: float = 30.0


def same_point(a: Point, b: Point) -> bool:
    """Whether ``a`` and ``b`` are the same place (to the CSV's precision)."""
    return abs(a[0] - b[0]) <= POINT_TOL_DEG and abs(a[1] - b[1]) <= POINT_TOL_DEG


def _point(ctx: Context, row: Row, side: str, home: Point) -> Point:
    """A row's start or end point; home when the columns are empty (an older plan)."""
    lat, lon = (row.get(f"{side}_lat") or "").strip(), (row.get(f"{side}_lon") or "").strip()
    if not lat and not lon:
        return home
    try:
        pt = (float(lat), float(lon))
    except ValueError:
        pt = (math.nan, math.nan)
    if not (all(math.isfinite(x) for x in pt) and abs(pt[0]) <= 90 and abs(pt[1]) <= 180):
        ctx.bad("trip", f"{side} point {lat!r}, {lon!r} is not a place", nurse_id=row["nurse_id"],
                date=row["date"])
        return home
    return pt


def read_ends(ctx: Context, days: list[Row]) -> None:
    """Set ``ctx.ends`` from the nurse_days rows of known nurses (home where a row gives none)."""
    for row in days:
        if not ctx.roster.has_nurse(row["nurse_id"]):
            continue
        n = ctx.roster.nurse(row["nurse_id"])
        home = (n.lat, n.lon)
        ctx.ends[(n.nurse_id, row["date"])] = (_point(ctx, row, "start", home), _point(ctx, row, "end", home))


def check_trips(ctx: Context, by_route: dict[tuple[str, str], list[Row]], days: list[Row],
                changes: list[Row] | None = None) -> None:
    """Trip continuity, the days of a trip, the lodging's place and its cost, for every nurse_days row
    (module docs); ``changes``: the changes.csv rows (a re-plan's)."""
    for row in days:
        nid, ds = row["nurse_id"], row["date"]
        if not ctx.roster.has_nurse(nid):
            continue
        n = ctx.roster.nurse(nid)
        home = (n.lat, n.lon)
        start, end = ctx.start_end(n, ds)
        kw = dict(nurse_id=nid, date=ds)
        try:
            d = date.fromisoformat(ds)
        except ValueError:
            continue
        if not (same_point(end, home) and same_point(start, home)):
            _check_day_of_trip(ctx, n, d, kw)
        if not same_point(end, home) and _cut_short(ctx, nid, d, changes or []):
            _check_lodging(ctx, row, end, [], [], kw, place=False)
        elif not same_point(end, home):
            nxt = (d + timedelta(days=1)).isoformat()
            if (nid, nxt) not in ctx.ends or not same_point(ctx.start_end(n, nxt)[0], end):
                ctx.bad("trip_continuity", f"the day ends away from home but the nurse's day {nxt} "
                        "does not start there", **kw)
            near = [*by_route.get((nid, ds), []), *by_route.get((nid, nxt), [])]
            _check_lodging(ctx, row, end, near, _trip_visits(ctx, n, d, by_route), kw)
        elif _cost(row) > TOL_COST:
            ctx.bad("trip", f"lodging_cost {row.get('lodging_cost')} on a day that ends at home", **kw)
        if not same_point(start, home):
            prev = (d - timedelta(days=1)).isoformat()
            if (nid, prev) not in ctx.ends or not same_point(ctx.start_end(n, prev)[1], start):
                ctx.bad("trip_continuity", f"the day starts away from home but the nurse's day {prev} "
                        "does not end there", **kw)


def _cut_short(ctx: Context, nurse_id: str, d: date, changes: list[Row]) -> bool:
    """The night after day ``d`` away is a trip cut short: the plan has no day for the nurse the
    next day, and she has time off that day (a call-out after the trip was planned), or, in a
    re-plan from that day or before, it is a company holiday or changes.csv drops or moves a visit
    of hers that day for ``patient_away`` with the patient away then (a re-plan that could not
    keep the trip's next day). Her way home is not planned. A next day the plan does have starts
    at the lodging like any day of a trip (she wakes up there)."""
    nxt = d + timedelta(days=1)
    if (nurse_id, nxt.isoformat()) in ctx.ends:
        return False
    if ctx.roster.time_off_on(nurse_id, nxt):
        return True
    r = ctx.replan_from
    if r is None or nxt < r:
        return False
    return nxt in ctx.calendar or any(
        c.get("old_nurse_id") == nurse_id and c.get("old_date") == nxt.isoformat()
        and c.get("change") in ("moved", "dropped") and c.get("reason") == "patient_away"
        and ctx.roster.is_away(c.get("patient_id", ""), nxt) for c in changes)


def _check_day_of_trip(ctx: Context, n: Nurse, d: date, kw: dict[str, str]) -> None:
    """A day of a trip (it starts or ends away) is one of the nurse's working days."""
    if not n.works_on(d):
        ctx.bad("workday", f"a day of an overnight trip on {d:%a}, not one of the nurse's workdays", **kw)
    if ctx.roster.is_off(n.nurse_id, d):
        ctx.bad("time_off", "a day of an overnight trip on the nurse's day off", **kw)
    if d in ctx.calendar:
        ctx.bad("holiday", f"a day of an overnight trip on a company holiday ({ctx.calendar.days[d]})", **kw)


def _trip_visits(ctx: Context, n: Nurse, d: date, by_route: dict[tuple[str, str], list[Row]]) -> list[Row]:
    """The visits of the whole trip the night after day ``d`` belongs to: the days linked to it by
    nights away, back and forth (as the rows say where each day starts and ends)."""
    home = (n.lat, n.lon)
    first = d
    while not same_point(ctx.start_end(n, first.isoformat())[0], home) and \
            (n.nurse_id, (first - timedelta(days=1)).isoformat()) in ctx.ends and (d - first).days < 60:
        first -= timedelta(days=1)
    out, day = [], first
    while (n.nurse_id, day.isoformat()) in ctx.ends and (day - first).days < 60:
        out += by_route.get((n.nurse_id, day.isoformat()), [])
        if same_point(ctx.start_end(n, day.isoformat())[1], home):
            break
        day += timedelta(days=1)
    return out


def _cost(row: Row) -> float:
    try:
        return float(row.get("lodging_cost") or 0.0)
    except ValueError:
        return math.nan


def _check_lodging(ctx: Context, row: Row, end: Point, near: list[Row], trip: list[Row],
                   kw: dict[str, str], *, place: bool = True) -> None:
    """The night's lodging: at the home of a patient visited that day or the next, or a waypoint of a
    trip that visits a patient, on the way (module docs); priced at one night. ``place=False``: the
    price only (a trip cut short, whose visits after the night were re-planned)."""
    if place and not any(same_point(end, h) for h in _homes(ctx, near)):
        _check_waypoint(ctx, row, end, _homes(ctx, trip), kw)
    night = settings.LODGING_COST_PER_NIGHT_USD
    cost = _cost(row)
    if not abs(cost - night) <= TOL_COST:
        ctx.bad("trip", f"lodging_cost {row.get('lodging_cost')} but a night away costs {night:.2f}", **kw)


def _homes(ctx: Context, visits: list[Row]) -> list[Point]:
    return [(p.lat, p.lon) for p in (ctx.roster.patient(v["patient_id"]) for v in visits
                                     if ctx.roster.has_patient(v["patient_id"]))]


def _check_waypoint(ctx: Context, row: Row, end: Point, homes: list[Point], kw: dict[str, str]) -> None:
    """A night at no patient visited that day or the next: a waypoint of a trip with visits, on the way."""
    if not homes:
        ctx.bad("trip", "the lodging is near no patient the nurse visits that day or the next, and "
                "the trip visits no patient", **kw)
        return
    n = ctx.roster.nurse(row["nurse_id"])
    home = (n.lat, n.lon)
    there = ctx.travel(home, end)[0]
    for h in homes:
        direct, on = ctx.travel(home, h)[0], ctx.travel(end, h)[0]
        if there + on <= direct * (1 + WAYPOINT_SLACK) + WAYPOINT_SLACK_MINUTES:
            return
    ctx.bad("trip", "the lodging, a waypoint, is on the way from home to no patient of the trip "
            f"({there:.0f} min from home)", **kw)
