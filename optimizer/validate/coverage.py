"""Every refill due in the horizon is visited, listed unassigned with a true reason, or deferred."""

from __future__ import annotations

from optimizer.domain import Patient
from optimizer.rules.eligibility import Reason, is_certified_for, may_practice, within_reach
from optimizer.rules.windows import RefillWindow
from optimizer.validate.base import Context
from optimizer.validate.travel import fits_alone

__all__ = ["check_coverage", "check_reason", "true_reason"]

Row = dict[str, str]


def check_coverage(ctx: Context, visited: dict[str, int], unassigned: list[Row], deferred: list[Row]) -> None:
    """Each due refill once: visited, unassigned (reason true by the inputs) or deferred, never two."""
    due = ctx.due
    listed: dict[str, Row] = {}
    for u in unassigned:
        pid = u["patient_id"]
        if pid in listed:
            ctx.bad("unassigned", "listed twice", patient_id=pid)
        listed[pid] = u
        if pid in visited:
            ctx.bad("unassigned", "listed unassigned but also visited", patient_id=pid)
        if pid not in due:
            ctx.bad("unassigned", "listed but no refill is due in the horizon", patient_id=pid)
            continue
        check_reason(ctx, ctx.windows[pid], ctx.roster.patient(pid), u)
    later: dict[str, Row] = {}
    for d in deferred:
        pid = d["patient_id"]
        if pid in visited or pid in listed or pid in later:
            ctx.bad("deferred", "deferred but also visited or listed elsewhere", patient_id=pid)
        later[pid] = d
        w = ctx.windows.get(pid)
        if pid not in due or w is None or w.end <= ctx.horizon.end or w.closed_before(ctx.horizon):
            ctx.bad("deferred", "only a refill whose window runs past the horizon may be deferred",
                    patient_id=pid)
    for pid in sorted(due):
        if pid not in visited and pid not in listed and pid not in later:
            ctx.bad("coverage", "refill due in the horizon is neither visited nor listed unassigned",
                    patient_id=pid)


def check_reason(ctx: Context, w: RefillWindow, p: Patient, u: Row) -> None:
    """The unassigned row's reason is known and is the one the inputs give."""
    reason = u["reason"]
    kw = dict(patient_id=p.patient_id)
    try:
        Reason(reason)
    except ValueError:
        ctx.bad("reason", f"unknown reason {reason!r}", **kw)
        return
    overdue = w.closed_before(ctx.horizon)
    if overdue:
        if reason != Reason.WINDOW_CLOSED:
            ctx.bad("reason", f"refill is overdue: reason must be window_closed, not {reason}", **kw)
        return
    if reason == Reason.WINDOW_CLOSED:
        ctx.bad("reason", "window_closed but the window has not closed before the horizon", **kw)
        return
    truth = true_reason(ctx, w, p)
    if reason != truth:
        ctx.bad("reason", f"reason {reason} is not true: the first failing layer is {truth}", **kw)


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
        if within_reach(n, out_m) and fits_alone(n, p, out_m, back_m):
            reach.append(n)
    return (Reason.NO_LICENSED_NURSE if not licensed else Reason.NO_CERTIFIED_NURSE
            if not certified else Reason.OUT_OF_REACH if not reach else Reason.NO_CAPACITY_IN_WINDOW)
