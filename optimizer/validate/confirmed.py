"""Confirmed visits kept, and changes.csv well-formed and true (SPEC §4 confirmed_visits, §6 changes.csv).

Each confirmed visit dated in the horizon is in visits.csv (same patient, nurse and date;
start within ``settings.CONFIRMED_START_TOLERANCE_MINUTES`` when one was given), or
changes.csv lists it (``moved`` or ``dropped``, by its old nurse and date) with a reason
that the inputs make true. ``capacity`` is accepted as stated: only a solver could say.
No row of changes.csv is contradicted by visits.csv: a dropped visit (or one moved to another
nurse or date) is no longer there on its old nurse and date, and a kept, moved or added visit
is there on its new ones.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time

from optimizer import settings
from optimizer.domain import ConfirmedVisit, Nurse, minutes_of
from optimizer.rules.eligibility import is_certified_for, may_practice
from optimizer.validate.base import Context, to_dt

__all__ = ["CHANGE_COLUMNS", "CHANGE_KINDS", "CHANGE_REASONS", "check_changes", "check_confirmed", "keeping_visit"]

Row = dict[str, str]

CHANGE_COLUMNS = ("patient_id", "change", "old_nurse_id", "old_date", "new_nurse_id", "new_date", "reason")
CHANGE_KINDS = ("kept", "moved", "added", "dropped")
#: Why a kept visit was not kept as it was; ``patient_inactive`` (left the program) and, for an
#: added visit, ``referral`` (a refill the previous plan did not list) and ``next_fill`` (the fill
#: after one made before the re-plan date) complete the list.
CHANGE_REASONS = ("nurse_off", "holiday", "patient_away", "license", "certification", "window_moved",
                  "capacity", "patient_inactive", "referral", "next_fill")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def check_changes(ctx: Context, changes: list[Row], header: list[str], visits: list[Row]) -> None:
    """changes.csv has its columns, and each row a known change and reason, ISO dates, and the
    nurses and dates its kind names (rule ``changes``); and no row is contradicted by visits.csv
    (rule ``change_visit``, :func:`_check_against_visits`)."""
    missing = [c for c in CHANGE_COLUMNS if c not in header]
    if missing:
        ctx.bad("changes", f"changes.csv lacks {', '.join(missing)}")
        return
    planned = {(v["patient_id"], v["nurse_id"], v["date"]) for v in visits}
    for r in changes:
        kw = dict(patient_id=r["patient_id"])
        kind, reason = r["change"], r["reason"]
        if kind not in CHANGE_KINDS:
            ctx.bad("changes", f"change {kind!r} is none of {', '.join(CHANGE_KINDS)}", **kw)
            continue
        if reason not in CHANGE_REASONS and not (kind == "kept" and not reason):
            ctx.bad("changes", f"reason {reason!r} is none of {', '.join(CHANGE_REASONS)}", **kw)
        bad_dates = [c for c in ("old_date", "new_date") if r[c] and _day(r[c]) is None]
        if bad_dates:
            ctx.bad("changes", f"{', '.join(bad_dates)} not an ISO date", **kw)
        old = bool(r["old_nurse_id"] and r["old_date"])
        new = bool(r["new_nurse_id"] and r["new_date"])
        if kind in ("kept", "moved", "dropped") and not old:
            ctx.bad("changes", f"a {kind} visit names its old nurse and date", **kw)
        if kind == "dropped" and (r["new_nurse_id"] or r["new_date"]):
            ctx.bad("changes", "a dropped visit has no new nurse or date", **kw)
        if kind in ("kept", "moved", "added") and not new:
            ctx.bad("changes", f"a {kind} visit names its new nurse and date", **kw)
        if kind == "kept" and (r["old_nurse_id"], r["old_date"]) != (r["new_nurse_id"], r["new_date"]):
            ctx.bad("changes", "a kept visit has the same nurse and date before and after", **kw)
        if not bad_dates:  # a date that is no date is a form error only
            _check_against_visits(ctx, r, planned, old=old, new=new)


def _check_against_visits(ctx: Context, r: Row, planned: set[tuple[str, str, str]], *, old: bool,
                          new: bool) -> None:
    """A changes.csv row that visits.csv contradicts (rule ``change_visit``).

    Parameters
    ----------
    ctx
        The run's context (violations go there).
    r
        The changes.csv row, of a known kind.
    planned
        (patient_id, nurse_id, ISO date) of every row of visits.csv.
    old, new
        Whether the row names its old, and its new, nurse and date.

    Notes
    -----
    The visit a kept, moved or added row names as new is in visits.csv. The old visit of a
    dropped row is not; nor is that of a moved row that names another nurse or date (a moved
    row on the same nurse and date is a visit timed anew, without its promised start).
    """
    pid, kind = r["patient_id"], r["change"]
    kw = dict(patient_id=pid)
    if new and kind in ("kept", "moved", "added") and (pid, r["new_nurse_id"], r["new_date"]) not in planned:
        ctx.bad("change_visit", f"the {kind} visit {r['new_nurse_id']} {r['new_date']} is not in visits.csv",
                nurse_id=r["new_nurse_id"], date=r["new_date"], **kw)
    elsewhere = kind == "dropped" or (kind == "moved" and (r["old_nurse_id"], r["old_date"]) != (
        r["new_nurse_id"], r["new_date"]))
    if old and elsewhere and (pid, r["old_nurse_id"], r["old_date"]) in planned:
        ctx.bad("change_visit", f"listed as {kind}, but the visit is still in visits.csv on its old nurse "
                "and date", nurse_id=r["old_nurse_id"], date=r["old_date"], **kw)


def keeping_visit(cv: ConfirmedVisit, planned: dict[tuple[str, str, str], list[Row]]) -> Row | None:
    """The visit that keeps ``cv``: same patient, nurse and date, starting within the tolerance when
    a start was given (``None`` when there is none).

    Parameters
    ----------
    cv
        The confirmed visit.
    planned
        visits.csv rows by (patient_id, nurse_id, ISO date): the plan's, or a previous plan's.
    """
    tol = settings.CONFIRMED_START_TOLERANCE_MINUTES
    for v in planned.get((cv.patient_id, cv.nurse_id, cv.date.isoformat()), []):
        if cv.start is None:
            return v
        start = to_dt(v["start"])
        if abs(start.hour * 60 + start.minute - minutes_of(cv.start)) <= tol:
            return v
    return None


def check_confirmed(ctx: Context, visits: list[Row], changes: list[Row]) -> None:
    """Each confirmed visit in the horizon is kept, or listed in changes.csv with a true reason.

    The window and infusate a confirmed visit was for are those of the patient's first fill
    (in ``ctx.chains``) whose window has not closed by its date.
    """
    listed = {(r["patient_id"], r["old_nurse_id"], r["old_date"]): r for r in changes
              if r.get("change") in ("moved", "dropped")}
    planned: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for v in visits:
        planned[(v["patient_id"], v["nurse_id"], v["date"])].append(v)
    for cv in ctx.roster.confirmed_visits:
        if cv.date not in ctx.horizon or keeping_visit(cv, planned) is not None:
            continue
        kw = dict(patient_id=cv.patient_id, nurse_id=cv.nurse_id, date=cv.date.isoformat())
        row = listed.get((cv.patient_id, cv.nurse_id, cv.date.isoformat()))
        if row is None:
            ctx.bad("confirmed", "confirmed visit not kept and not listed in changes.csv", **kw)
            continue
        if row["reason"] != "capacity" and not _reason_true(ctx, cv, row["reason"], planned):
            ctx.bad("change_reason", f"confirmed visit listed as {row['change']} for {row['reason']!r}, "
                    "which the inputs do not make true", **kw)


def _reason_true(ctx: Context, cv: ConfirmedVisit, reason: str,
                 planned: dict[tuple[str, str, str], list[Row]]) -> bool:
    """Whether ``reason`` holds for the confirmed visit by the inputs alone.

    ``window_moved`` holds when the date is outside the window of the fill it was for, or when
    another confirmed visit of the patient, kept, makes that fill (two promises for one refill:
    after the kept one the pump is full, the next window lies ahead).
    """
    roster, d = ctx.roster, cv.date
    if reason == "holiday":
        return d in ctx.calendar
    if reason == "patient_away":
        return roster.is_away(cv.patient_id, d)
    if reason == "patient_inactive":
        return not roster.has_patient(cv.patient_id) or not roster.patient(cv.patient_id).active
    if not roster.has_nurse(cv.nurse_id) or not roster.has_patient(cv.patient_id):
        return reason == "nurse_off" and not roster.has_nurse(cv.nurse_id)
    n = roster.nurse(cv.nurse_id)
    if reason == "nurse_off":
        return _nurse_off(ctx, n, d, cv.start, roster.patient(cv.patient_id).visit_minutes)
    chain = ctx.chains.get(cv.patient_id) or []
    fill = next((f for f in chain if f.window.end >= d), chain[-1] if chain else None)
    if fill is None:
        return False
    if reason == "license":
        return not may_practice(n, fill.patient.state, on=d)
    if reason == "certification":
        return not is_certified_for(n, fill.patient.next_infusate)
    if reason == "window_moved":
        w = fill.window
        if not (w.start <= d <= w.end) and not (w.is_empty_window and d == w.end):
            return True
        twins = (keeping_visit(other, planned) for other in roster.confirmed_visits
                 if other.patient_id == cv.patient_id and other != cv)
        return any(v is not None and ctx.row_window.get(id(v)) == w for v in twins)
    return False


def _nurse_off(ctx: Context, n: Nurse, d: date, start: time | None, visit_minutes: int) -> bool:
    """The nurse does not work on ``d``, or (a start given) no start within the tolerance fits
    the visit into her working time."""
    intervals = ctx.roster.working_intervals(n, d, overtime=True)
    if not intervals:
        return True
    if start is None:
        return False
    tol = settings.CONFIRMED_START_TOLERANCE_MINUTES
    lo, hi = minutes_of(start) - tol, minutes_of(start) + tol
    return not any(max(a, lo) <= min(hi, b - visit_minutes) for a, b in intervals)


