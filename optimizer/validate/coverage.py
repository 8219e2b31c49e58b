"""Every refill due in the horizon is visited, listed unassigned with a true reason, or deferred."""

from __future__ import annotations

from datetime import date

from optimizer.domain import Patient
from optimizer.rules.eligibility import Reason, is_certified_for, may_practice, within_reach
from optimizer.rules.windows import RefillWindow
from optimizer.validate.base import Context
from optimizer.validate.travel import fits_alone

__all__ = ["KNOWN_REASONS", "PATIENT_AWAY", "away_all_window", "check_coverage", "check_reason", "true_reason",
           "window_days"]

Row = dict[str, str]
#: The window lies inside an absence and cannot be made before departure (patient_away.csv).
PATIENT_AWAY = "patient_away"
#: Every reason an unassigned row may give (SPEC §5 and ``patient_away``).
KNOWN_REASONS: frozenset[str] = frozenset({r.value for r in Reason} | {PATIENT_AWAY})


def check_coverage(ctx: Context, visited: set[str], unassigned: list[Row], deferred: list[Row]) -> None:
    """Each due refill once: visited, unassigned (reason true by the inputs) or deferred, never two.

    The refill asked for is each patient's pending fill (``ctx.pending``): the first when the
    plan does not visit the patient, the one after the last visit when visits.csv numbers
    fills; an older plan's visited patient has none.
    """
    due = ctx.due
    listed: dict[str, Row] = {}
    for u in unassigned:
        pid = u["patient_id"]
        if pid in listed:
            ctx.bad("unassigned", "listed twice", patient_id=pid)
        listed[pid] = u
        fill = ctx.pending.get(pid)
        if pid in visited and fill is None:
            ctx.bad("unassigned", "listed unassigned but also visited", patient_id=pid)
        if pid not in due or fill is None:
            ctx.bad("unassigned", "listed but no refill is due in the horizon", patient_id=pid)
            continue
        check_reason(ctx, fill.window, fill.patient, u)
    later: dict[str, Row] = {}
    for d in deferred:
        pid = d["patient_id"]
        if pid in listed or pid in later or (pid in visited and ctx.pending.get(pid) is None):
            ctx.bad("deferred", "deferred but also visited or listed elsewhere", patient_id=pid)
        later[pid] = d
        fill = ctx.pending.get(pid)
        if pid not in due or fill is None or fill.window.end <= ctx.horizon.end \
                or fill.window.closed_before(ctx.horizon):
            ctx.bad("deferred", "only a refill whose window runs past the horizon may be deferred",
                    patient_id=pid)
    for pid in sorted(due):
        if pid not in listed and pid not in later:
            ctx.bad("coverage", "refill due in the horizon is neither visited nor listed unassigned",
                    patient_id=pid)


def check_reason(ctx: Context, w: RefillWindow, p: Patient, u: Row) -> None:
    """The unassigned row's reason is known and is the one the inputs give."""
    reason = u["reason"]
    kw = dict(patient_id=p.patient_id)
    if reason not in KNOWN_REASONS:
        ctx.bad("reason", f"unknown reason {reason!r}", **kw)
        return
    overdue = ctx.overdue(w)
    if overdue:
        if reason != Reason.WINDOW_CLOSED:
            ctx.bad("reason", f"refill is overdue: reason must be window_closed, not {reason}", **kw)
        return
    if reason == Reason.WINDOW_CLOSED:
        ctx.bad("reason", "window_closed but the window has not closed before the horizon", **kw)
        return
    if reason == PATIENT_AWAY:
        if not away_all_window(ctx, w, p):
            ctx.bad("reason", "patient_away but the patient is home on a day of the window in the horizon",
                    **kw)
        return
    truth = true_reason(ctx, w, p)
    if reason != truth:
        ctx.bad("reason", f"reason {reason} is not true: the first failing layer is {truth}", **kw)


def window_days(ctx: Context, w: RefillWindow) -> list[date]:
    """The dates of the horizon on which the refill may be made (the last safe day of a pump that
    runs dry before its window opens); in a re-plan, from the re-plan date on (the days before it
    are as they were: a refill still pending cannot be made on them)."""
    days = ([w.end] if w.end in ctx.horizon else []) if w.is_empty_window else w.days_in(ctx.horizon)
    r = ctx.replan_from
    return days if r is None else [d for d in days if d >= r]


def away_all_window(ctx: Context, w: RefillWindow, p: Patient) -> bool:
    """The patient is away on every day of the window in the horizon (and there is one)."""
    days = window_days(ctx, w)
    return bool(days) and all(ctx.roster.is_away(p.patient_id, d) for d in days)


def true_reason(ctx: Context, w: RefillWindow, p: Patient) -> Reason:
    """The first failing layer for a refill whose window is open: license, certificate, reach, capacity."""
    horizon = ctx.horizon
    days = w.days_in(horizon) or ([w.end] if w.end in horizon else [])
    licensed = [n for n in ctx.roster.nurses
                if any(may_practice(n, p.state, on=d) for d in (days or [horizon.start]))]
    certified = [n for n in licensed if is_certified_for(n, p.next_infusate)]
    home = (p.lat, p.lon)
    ctx.travel.prime([((n.lat, n.lon), home) for n in certified] + [(home, (n.lat, n.lon)) for n in certified])
    reach = []
    for n in certified:
        out_m, _ = ctx.travel((n.lat, n.lon), home)
        back_m, _ = ctx.travel(home, (n.lat, n.lon))
        if within_reach(n, out_m) and fits_alone(n, p, out_m, back_m, days or [horizon.start]):
            reach.append(n)
    return (Reason.NO_LICENSED_NURSE if not licensed else Reason.NO_CERTIFIED_NURSE
            if not certified else Reason.OUT_OF_REACH if not reach else Reason.NO_CAPACITY_IN_WINDOW)
