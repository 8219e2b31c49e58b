"""Checks of overnight trips (SPEC §5 routes, §6 nurse_days.csv; issue 13 item 1).

A nurse-day's ``start_lat/start_lon`` and ``end_lat/end_lon`` say where it starts and ends:
home, or the lodging of an overnight trip. Recomputed from the inputs and the plan's rows:

- ``trip_continuity``: a day that ends away from home is followed by that nurse's next
  calendar day, a planned working day that starts at that very point; a day that starts
  away follows such a day;
- ``trip``: the lodging is the home of a patient the nurse visits on the day she stays or
  the day after ("near the last patient"); ``lodging_cost`` is one night
  (:data:`optimizer.settings.LODGING_COST_PER_NIGHT_USD`, per diem included) on a day that
  ends away and nothing on one that ends at home; a point that is not a number is reported.

The legs from the start and to the end point are checked against the travel provider with
every other leg (:mod:`optimizer.validate.routes`), reach from the lodging with each visit
(:mod:`optimizer.validate.visits`), and the lodging inside the day's cost with the cost.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from optimizer import settings
from optimizer.validate.base import TOL_COST, Context
from optimizer.validate.travel import Point

__all__ = ["read_ends", "check_trips", "same_point", "POINT_TOL_DEG"]

Row = dict[str, str]
#: Two points closer than this in latitude and longitude are one (the CSV holds 6 decimals).
POINT_TOL_DEG: float = 1e-5
_COLUMNS = ("start_lat", "start_lon", "end_lat", "end_lon")


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
    if not all(math.isfinite(x) for x in pt):
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


def check_trips(ctx: Context, by_route: dict[tuple[str, str], list[Row]], days: list[Row]) -> None:
    """Trip continuity, the lodging's place and its cost, for every nurse_days row (module docs)."""
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
        if not same_point(end, home):
            nxt = (d + timedelta(days=1)).isoformat()
            if (nid, nxt) not in ctx.ends or not same_point(ctx.start_end(n, nxt)[0], end):
                ctx.bad("trip_continuity", f"the day ends away from home but the nurse's day {nxt} "
                        "does not start there", **kw)
            _check_lodging(ctx, row, end, [*by_route.get((nid, ds), []), *by_route.get((nid, nxt), [])], kw)
        elif _cost(row) > TOL_COST:
            ctx.bad("trip", f"lodging_cost {row.get('lodging_cost')} on a day that ends at home", **kw)
        if not same_point(start, home):
            prev = (d - timedelta(days=1)).isoformat()
            if (nid, prev) not in ctx.ends or not same_point(ctx.start_end(n, prev)[1], start):
                ctx.bad("trip_continuity", f"the day starts away from home but the nurse's day {prev} "
                        "does not end there", **kw)


def _cost(row: Row) -> float:
    try:
        return float(row.get("lodging_cost") or 0.0)
    except ValueError:
        return math.nan


def _check_lodging(ctx: Context, row: Row, end: Point, visits: list[Row], kw: dict[str, str]) -> None:
    """The night's lodging: at the home of a patient of the trip, and priced at one night."""
    homes = [(p.lat, p.lon) for p in (ctx.roster.patient(v["patient_id"]) for v in visits
                                      if ctx.roster.has_patient(v["patient_id"]))]
    if not any(same_point(end, h) for h in homes):
        ctx.bad("trip", "the lodging is not near a patient the nurse visits that day or the next", **kw)
    night = settings.LODGING_COST_PER_NIGHT_USD
    cost = _cost(row)
    if not abs(cost - night) <= TOL_COST:
        ctx.bad("trip", f"lodging_cost {row.get('lodging_cost')} but a night away costs {night:.2f}", **kw)
