"""The real week inside a nurse-day: part-day time off and the break (SPEC §4, §5 routes).

A nurse-day is read as intervals of work: each drive leg (``travel_minutes`` up to the
arrival, and the provider's drive home up to the return) and each visit (start to end).
Waiting at a patient's door is not work. Part-day time off may overlap none of them. A
day whose work (return − depart) exceeds :data:`optimizer.settings.BREAK_AFTER_WORK_MINUTES`
has one break of ``break_minutes`` inside [depart, return] that overlaps no visit and no
leg: ``break_start``/``break_end`` of nurse_days.csv (a plan without the columns has no
breaks).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from optimizer import settings
from optimizer.domain import Nurse, minutes_of
from optimizer.validate.base import TOL_MIN, Context, to_dt

__all__ = ["Busy", "busy_intervals", "check_break", "check_part_day_off"]

Row = dict[str, str]
#: What the nurse is doing, from when to when: ("visit" | "drive", start, end).
Busy = tuple[str, datetime, datetime]


def busy_intervals(ctx: Context, n: Nurse, ret: datetime, vs: list[Row]) -> list[Busy]:
    """The route's drive legs and visits, in order (``vs`` sorted by seq)."""
    out: list[Busy] = []
    for r in vs:
        arrival = to_dt(r["arrival"])
        out.append(("drive", arrival - timedelta(minutes=float(r["travel_minutes"])), arrival))
        out.append(("visit", to_dt(r["start"]), to_dt(r["end"])))
    if vs:
        last = ctx.roster.patient(vs[-1]["patient_id"])
        m, _ = ctx.travel((last.lat, last.lon), ctx.start_end(n, vs[-1]["date"])[1])  # home or lodging
        if m == m:  # an unreachable leg is reported by the route checks
            out.append(("drive", ret - timedelta(minutes=m), ret))
    return out


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    """Minutes that [a0, a1] and [b0, b1] share."""
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds() / 60)


def _slack(kind: str) -> float:
    """Overlap tolerated: none on a visit, rounding on a leg (its minutes are the provider's, rounded)."""
    return 0.0 if kind == "visit" else TOL_MIN


def check_part_day_off(ctx: Context, n: Nurse, d: date, busy: list[Busy], kw: dict[str, str]) -> None:
    """No visit and no drive leg overlaps the nurse's part-day time off on ``d``."""
    midnight = datetime.combine(d, datetime.min.time())
    for t in ctx.roster.time_off_on(n.nurse_id, d):
        if t.start is None or t.end is None:
            continue
        lo = midnight + timedelta(minutes=minutes_of(t.start))
        hi = midnight + timedelta(minutes=minutes_of(t.end))
        for kind, a, b in busy:
            if _overlap(a, b, lo, hi) > _slack(kind):
                ctx.bad("part_time_off", f"{kind} {a:%H:%M}-{b:%H:%M} overlaps time off "
                        f"{t.start:%H:%M}-{t.end:%H:%M}", **kw)


def _break_of(ctx: Context, row: Row, kw: dict[str, str]) -> tuple[datetime, datetime] | None:
    """The nurse-day's break, None when it has none (empty cells, or an older plan without the columns)."""
    text_start, text_end = (row.get("break_start") or "").strip(), (row.get("break_end") or "").strip()
    if not text_start and not text_end:
        return None
    try:
        return to_dt(text_start), to_dt(text_end)
    except ValueError:
        ctx.bad("break", f"break {text_start!r}-{text_end!r} is not a pair of ISO datetimes", **kw)
        return None


def check_break(ctx: Context, n: Nurse, d: date, row: Row, busy: list[Busy], kw: dict[str, str]) -> None:
    """A day of more than the break threshold of work has one break of ``break_minutes``, placed
    inside [depart, return] and overlapping no visit and no drive leg."""
    depart, ret = to_dt(row["depart"]), to_dt(row["return"])
    work = (ret - depart).total_seconds() / 60
    brk = _break_of(ctx, row, kw)
    if brk is None:
        if work > settings.BREAK_AFTER_WORK_MINUTES:
            ctx.bad("break", f"{work:.0f} min of work and no break (one is due after "
                    f"{settings.BREAK_AFTER_WORK_MINUTES} min)", **kw)
        return
    b0, b1 = brk
    length = (b1 - b0).total_seconds() / 60
    if length < n.break_minutes:
        ctx.bad("break", f"break of {length:.0f} min, the nurse's is {n.break_minutes}", **kw)
    if b0 < depart or b1 > ret or b0.date() != d:
        ctx.bad("break", f"break {b0:%H:%M}-{b1:%H:%M} outside the day {depart:%H:%M}-{ret:%H:%M}", **kw)
    for kind, a, b in busy:
        if _overlap(a, b, b0, b1) > _slack(kind):
            ctx.bad("break", f"break {b0:%H:%M}-{b1:%H:%M} overlaps the {kind} {a:%H:%M}-{b:%H:%M}", **kw)
