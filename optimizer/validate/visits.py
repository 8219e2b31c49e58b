"""Checks of each visit on its own: window, reserve, eligibility, workday, holiday, patient away,
arrival window, length."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from optimizer.domain import Nurse, Patient, minutes_of
from optimizer.rules.eligibility import is_certified_for, may_practice, within_reach
from optimizer.rules.windows import RefillWindow
from optimizer.validate.base import Context, minute, to_dt
from optimizer.validate.clock import window_on_nurse_clock
from optimizer.validate.fills import fills_of

__all__ = ["check_visits"]

Row = dict[str, str]


def check_visits(ctx: Context, visits: list[Row], *, numbered: bool) -> dict[tuple[str, str], list[Row]]:
    """Check every visit row against the fill it makes; return the rows of each route (nurse, date).

    Sets ``ctx.chains`` and ``ctx.pending``: each active patient's fills, and the fill after
    the plan's visits. A row naming a nurse the roster does not hold, or a patient it does not
    hold as active, is reported and left out; but a visit before a re-plan's date
    (:meth:`~optimizer.validate.base.Context.history`) of a patient made inactive since is the
    previous plan's, kept as it was: it is checked like any (her row gives her home and window),
    and she has no pending fill. ``numbered``: visits.csv carries ``fill_no`` (see
    :mod:`optimizer.validate.fills`).
    """
    by_patient: dict[str, list[Row]] = defaultdict(list)
    by_route: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for v in visits:
        nid, pid, ds = v["nurse_id"], v["patient_id"], v["date"]
        kw = dict(nurse_id=nid, patient_id=pid, date=ds)
        if not ctx.roster.has_nurse(nid):
            ctx.bad("unknown_nurse", f"nurse {nid} is not in the roster", **kw)
            continue
        if not ctx.roster.has_patient(pid) or not (ctx.roster.patient(pid).active or ctx.history(ds)):
            ctx.bad("unknown_patient", "patient is not an active patient of the roster", **kw)
            continue
        by_patient[pid].append(v)
        by_route[(nid, ds)].append(v)
    for pid in [*ctx.windows, *(pid for pid in by_patient if pid not in ctx.windows)]:
        rows = by_patient.get(pid, [])
        fills, ctx.chains[pid] = fills_of(ctx, pid, rows, numbered=numbered)
        if pid in ctx.windows:  # an inactive patient's refills are no longer asked for
            ctx.pending[pid] = ctx.chains[pid][-1] if numbered or not rows else None
        for v, fill in zip(rows, fills):
            ctx.row_window[id(v)] = fill.window
            check_visit(ctx, v, fill.patient, fill.window)
    return by_route


def check_visit(ctx: Context, v: Row, p: Patient, w: RefillWindow) -> None:
    """Check one visit row of a known nurse and patient ``p`` (as of this fill) against window ``w``."""
    n, d = ctx.roster.nurse(v["nurse_id"]), date.fromisoformat(v["date"])
    kw = dict(nurse_id=n.nurse_id, patient_id=p.patient_id, date=v["date"])
    _check_window(ctx, v, d, w, kw)
    if v["state"] != p.state:
        ctx.bad("state", f"state {v['state']} but the patient lives in {p.state}", **kw)
    if v["infusate"] != p.next_infusate.value:
        ctx.bad("infusate", f"infusate {v['infusate']} but the next fill is {p.next_infusate.value}", **kw)
    _check_nurse(ctx, n, p, d, kw)
    _check_times(ctx, v, n, p, d, kw)


def _check_window(ctx: Context, v: Row, d: date, w: RefillWindow, kw: dict[str, str]) -> None:
    horizon = ctx.horizon
    if d not in horizon:
        ctx.bad("horizon", f"visit date outside the horizon {horizon.start}..{horizon.end}", **kw)
    overdue = ctx.overdue(w, on=d)
    if not overdue and not (w.start <= d <= w.end):
        if not (w.is_empty_window and d == w.end):
            ctx.bad("window", f"date outside the refill window {w.start}..{w.end}", **kw)
    if overdue and not v.get("alarm"):
        ctx.bad("alarm", "overdue refill (window closed before the horizon or the re-plan date) not flagged", **kw)
    for col, val in (("window_start", w.start), ("window_end", w.end), ("due_date", w.due),
                     ("empty_date", w.empty)):
        if v[col] != val.isoformat():
            ctx.bad("window_dates", f"{col} {v[col]} but the rule gives {val}", **kw)
    if int(v["reserve_days_left"]) != (w.empty - d).days:
        ctx.bad("reserve", f"reserve_days_left {v['reserve_days_left']} but empty − date = "
                f"{(w.empty - d).days}", **kw)


def _check_nurse(ctx: Context, n: Nurse, p: Patient, d: date, kw: dict[str, str]) -> None:
    if not may_practice(n, p.state, on=d):
        ctx.bad("license", f"nurse may not practice in {p.state} on {d}", **kw)
    if not is_certified_for(n, p.next_infusate):
        ctx.bad("certification", f"nurse not certified for {p.next_infusate.value}", **kw)
    if not n.works_on(d):
        ctx.bad("workday", f"{d:%a} is not one of the nurse's workdays", **kw)
    if ctx.roster.is_off(n.nurse_id, d):
        ctx.bad("time_off", "nurse has this day off", **kw)
    if d in ctx.calendar:
        ctx.bad("holiday", f"{d} is a company holiday ({ctx.calendar.days[d]})", **kw)
    if ctx.roster.is_away(p.patient_id, d):
        ctx.bad("patient_away", "the patient is away from home on this date", **kw)
    out_m, _ = ctx.travel((n.lat, n.lon), (p.lat, p.lon))
    if not within_reach(n, out_m) and not _from_lodging(ctx, n, p, d):
        ctx.bad("reach", f"drive from home {out_m:.0f} min (and from any lodging of the day) exceeds "
                f"{n.max_drive_minutes_one_way}", **kw)


def _from_lodging(ctx: Context, n: Nurse, p: Patient, d: date) -> bool:
    """The drive from the lodging of an overnight trip this day (where it starts or ends away from
    home) is within the nurse's limit (SPEC §5 eligibility)."""
    home = (n.lat, n.lon)
    return any(within_reach(n, ctx.travel(pt, (p.lat, p.lon))[0])
               for pt in set(ctx.start_end(n, d.isoformat())) if pt != home)


def _check_times(ctx: Context, v: Row, n: Nurse, p: Patient, d: date, kw: dict[str, str]) -> None:
    """Times of one visit: on its date, inside the patient's arrival window (her clock; the plan's
    times are the nurse's), after the arrival, as long as the visit."""
    arrival, start, end = to_dt(v["arrival"]), to_dt(v["start"]), to_dt(v["end"])
    if start.date() != d:
        ctx.bad("date", "start is not on the visit date", **kw)
    s_min = minute(start, d)
    lo, hi = window_on_nurse_clock(n, p, d)
    if not (lo <= s_min <= hi):
        shift = lo - minutes_of(p.earliest_arrival)
        clock = f" (the patient's clock; {lo // 60:02d}:{lo % 60:02d}-{hi // 60:02d}:{hi % 60:02d} on the nurse's)" \
            if shift else ""
        ctx.bad("arrival_window", f"start {start:%H:%M} outside {p.earliest_arrival:%H:%M}-"
                f"{p.latest_arrival:%H:%M}{clock}", **kw)
    if arrival > start:
        ctx.bad("arrival_window", "visit starts before the nurse arrives", **kw)
    if end - start != timedelta(minutes=p.visit_minutes):
        ctx.bad("visit_length", f"visit lasts {(end - start).total_seconds() / 60:.0f} min, "
                f"needs {p.visit_minutes}", **kw)
