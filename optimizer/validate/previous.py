"""A re-plan checked against the plan it replaced (SPEC §6 ``haiplan replan``, ``haiplan check --previous``).

Given the previous plan's visits.csv (OLD), a re-plan's folder (PLAN, ``summary.json``
``solver.replan_from`` set: ``ctx.replan_from``) is checked for:

- ``history_changed``: a visit dated before the re-plan date that is not in PLAN as it was in
  OLD (same patient and fill, nurse, date and start): added, missing, or with another nurse,
  date or start.
- ``change_unlisted``: from the re-plan date on, a difference between OLD and PLAN that
  changes.csv does not list (a start moved beyond the tolerance too: see below). A visit of
  OLD that PLAN does not have with the same patient, nurse and date (the re-plan's rule of a
  kept visit: any fill) needs a ``moved`` or ``dropped`` row naming it as old; a visit of PLAN that OLD does not have needs a ``moved``
  or ``added`` row naming it as new, unless it keeps a confirmed visit of the roster
  (``confirmed_visits.csv``; the re-plan keeps those without a row). The re-plan lists every
  other new placement as ``added`` (``referral``, ``capacity``, ``next_fill``), so an addition
  is required to be listed. Visits are paired by (patient_id, fill_no) (patient_id alone
  when a visits.csv lacks ``fill_no``) only to name the difference: same fill elsewhere is
  moved, in OLD only dropped, in PLAN only added.
- ``change_previous``: a changes.csv row that the difference contradicts: a ``kept``, ``moved`` or
  ``dropped`` row whose old visit is neither in OLD nor a confirmed visit of the roster, or an
  ``added`` row for a visit OLD already had on that nurse and date. Before the re-plan date
  nothing changes, so a row with a side dated before it claims a change that is none: an
  ``added`` row, or a ``moved`` or ``dropped`` row, unless its old visit is a confirmed visit
  that OLD does not keep (same nurse and date, its start within
  ``settings.CONFIRMED_START_TOLERANCE_MINUTES`` when one was given): the re-plan lists that
  promise again as the previous plan did, moved to the patient's visit nearest it (which may be
  one before the date) or dropped.

A kept visit keeps its nurse and date and is timed anew around the changes (SPEC §6), so start
times from the re-plan date on are compared only beyond the tolerance of a confirmed visit: a
visit in both plans on the same nurse and date whose start moved by more than
``settings.CONFIRMED_START_TOLERANCE_MINUTES`` needs a ``moved`` (or ``dropped``) row naming it as
old (rule ``change_unlisted``); the re-plan lists it as ``moved`` on the same nurse and date. A
patient's visits on one nurse-day are paired in start order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from datetime import timedelta
from itertools import zip_longest

from optimizer import settings
from optimizer.validate.base import Context, to_dt
from optimizer.validate.confirmed import CHANGE_COLUMNS, keeping_visit

__all__ = ["check_previous"]

Row = dict[str, str]
Visit = tuple[str, str, str]  # (patient_id, nurse_id, ISO date)


def _fill(v: Row, numbered: bool) -> tuple[str, str]:
    """The fill a visit row makes: (patient_id, fill_no), or (patient_id, "") unnumbered."""
    return v["patient_id"], v["fill_no"] if numbered else ""


def _at(v: Row, side: str = "") -> Visit:
    """(patient_id, nurse_id, date) of a visits.csv row, or of a changes.csv row's ``side`` ("old_", "new_")."""
    return v["patient_id"], v[f"{side}nurse_id"], v[f"{side}date"]


def _clock(v: Row) -> str:
    """A visit's start time, HH:MM."""
    return to_dt(v["start"]).time().isoformat("minutes")


def _where(v: Row) -> str:
    """A visit's nurse, date and start time, as a message names them."""
    return f"{v['nurse_id']} {v['date']} {_clock(v)}"


def _unmatched(rows: list[Row], others: list[Row], same: Callable[[Row], Hashable]) -> list[Row]:
    """The rows of ``rows`` left when each is matched with a row of ``others`` that has the same
    ``same(row)`` (as multisets: a row of ``others`` matches once)."""
    count = Counter(same(v) for v in others)
    left = []
    for v in rows:
        if count[same(v)] > 0:
            count[same(v)] -= 1
        else:
            left.append(v)
    return left


def _leftovers(old: list[Row], new: list[Row], same: Callable[[Row], Hashable]) -> tuple[list[Row], list[Row]]:
    """The rows of ``old`` that ``new`` does not match by ``same``, and those of ``new`` that ``old`` does not."""
    return _unmatched(old, new, same), _unmatched(new, old, same)


def _paired(only_old: list[Row], only_new: list[Row],
            numbered: bool) -> list[tuple[Row | None, Row | None]]:
    """The leftovers paired by fill in date order: (old, new), (old, None) or (None, new)."""
    by_fill: dict[tuple[str, str], tuple[list[Row], list[Row]]] = defaultdict(lambda: ([], []))
    for side, rows in enumerate((only_old, only_new)):
        for v in sorted(rows, key=lambda v: (v["date"], v["start"])):
            by_fill[_fill(v, numbered)][side].append(v)
    return [pair for key in sorted(by_fill) for pair in zip_longest(*by_fill[key])]


def check_previous(ctx: Context, visits: list[Row], old_visits: list[Row], changes: list[Row], *,
                   numbered: bool) -> None:
    """A re-plan's folder against the plan it replaced (rules ``history_changed``,
    ``change_unlisted``, ``change_previous``; see the module's docstring).

    Parameters
    ----------
    ctx
        The run's context; ``ctx.replan_from`` is set (the caller refuses a plan that is no re-plan).
    visits
        The re-plan's visits.csv rows.
    old_visits
        The previous plan's visits.csv rows.
    changes
        The re-plan's changes.csv rows (empty when it has none), each of a known kind with ISO dates
        or empty cells (:func:`optimizer.validate.confirmed.check_changes` reports the others).
    numbered
        Whether both visits.csv have ``fill_no``.
    """
    assert ctx.replan_from is not None
    changes = [r for r in changes if all(c in r for c in CHANGE_COLUMNS)]  # else rule ``changes`` says so
    _check_history(ctx, [v for v in old_visits if ctx.history(v["date"])],
                   [v for v in visits if ctx.history(v["date"])], numbered)
    _check_differences(ctx, [v for v in old_visits if not ctx.history(v["date"])],
                       [v for v in visits if not ctx.history(v["date"])], changes, numbered)
    _check_rows(ctx, old_visits, changes)


def _check_history(ctx: Context, old: list[Row], new: list[Row], numbered: bool) -> None:
    """Each visit before the re-plan date is in both plans with the same fill, nurse, date and start
    (rule ``history_changed``)."""
    only_old, only_new = _leftovers(old, new, lambda v: (*_fill(v, numbered), v["nurse_id"], v["date"],
                                                         to_dt(v["start"])))
    for o, n in _paired(only_old, only_new, numbered):
        v = n if n is not None else o
        assert v is not None
        what = (f"missing: the previous plan has it on {_where(o)}" if n is None else
                f"added on {_where(n)}: the previous plan has no such visit" if o is None else
                f"changed from {_where(o)} to {_where(n)}")
        ctx.bad("history_changed", f"visit before the re-plan date {ctx.replan_from} {what}",
                nurse_id=v["nurse_id"], patient_id=v["patient_id"], date=v["date"])


def _check_differences(ctx: Context, old: list[Row], new: list[Row], changes: list[Row], numbered: bool) -> None:
    """From the re-plan date on, each difference has its changes.csv row (rule ``change_unlisted``),
    a start moved beyond the tolerance too (:func:`_check_times`)."""
    confirmed = {(c.patient_id, c.nurse_id, c.date.isoformat()) for c in ctx.roster.confirmed_visits}
    as_old = {_at(r, "old_") for r in changes if r["change"] in ("moved", "dropped")}
    as_new = {_at(r, "new_") for r in changes if r["change"] in ("moved", "added")}
    only_old, only_new = _leftovers(old, new, _at)
    for o, n in _paired(only_old, only_new, numbered):
        what = (f"dropped from {_where(o)}" if n is None else f"added on {_where(n)}" if o is None
                else f"moved from {_where(o)} to {_where(n)}")
        missing = []
        if o is not None and _at(o) not in as_old:
            missing.append(f"no moved or dropped row from {o['nurse_id']} {o['date']}")
        if n is not None and _at(n) not in as_new and _at(n) not in confirmed:
            missing.append(f"no moved or added row to {n['nurse_id']} {n['date']}")
        if missing:
            v = o if o is not None else n
            assert v is not None
            ctx.bad("change_unlisted", f"visit {what} since the previous plan, and changes.csv has "
                    f"{' and '.join(missing)}", nurse_id=v["nurse_id"], patient_id=v["patient_id"], date=v["date"])
    _check_times(ctx, old, new, as_old)


def _check_times(ctx: Context, old: list[Row], new: list[Row], as_old: set[Visit]) -> None:
    """From the re-plan date on, each visit in both plans on the same nurse and date whose start moved
    by more than the tolerance has a changes.csv row naming it as old (rule ``change_unlisted``).

    Parameters
    ----------
    ctx
        The run's context (violations go there).
    old, new
        The previous plan's and the re-plan's visits.csv rows from the re-plan date on.
    as_old
        (patient_id, nurse_id, ISO date) of the old visit of each ``moved`` or ``dropped`` row.
    """
    tol = timedelta(minutes=settings.CONFIRMED_START_TOLERANCE_MINUTES)
    by_visit: dict[Visit, tuple[list[Row], list[Row]]] = defaultdict(lambda: ([], []))
    for side, rows in enumerate((old, new)):
        for v in rows:
            by_visit[_at(v)][side].append(v)
    for key in sorted(by_visit.keys() - as_old):
        was, now = (sorted(vs, key=lambda v: to_dt(v["start"])) for vs in by_visit[key])
        moved = next(((o, n) for o, n in zip(was, now) if abs(to_dt(n["start"]) - to_dt(o["start"])) > tol), None)
        if moved is not None:
            o, n = moved
            ctx.bad("change_unlisted", f"visit kept on {o['nurse_id']} {o['date']} but moved from {_clock(o)} to "
                    f"{_clock(n)} (more than ±{settings.CONFIRMED_START_TOLERANCE_MINUTES} min) since the previous "
                    "plan, and changes.csv has no moved row for it", nurse_id=o["nurse_id"],
                    patient_id=o["patient_id"], date=o["date"])


def _check_rows(ctx: Context, old: list[Row], changes: list[Row]) -> None:
    """No changes.csv row is contradicted by the previous plan (rule ``change_previous``; see the
    module's docstring).

    Parameters
    ----------
    ctx
        The run's context; ``ctx.replan_from`` is set.
    old
        The previous plan's visits.csv rows, of every date.
    changes
        The re-plan's changes.csv rows that have every column.
    """
    assert ctx.replan_from is not None
    since = ctx.replan_from.isoformat()
    had: dict[Visit, list[Row]] = defaultdict(list)
    for v in old:
        had[_at(v)].append(v)
    confirmed = {(c.patient_id, c.nurse_id, c.date.isoformat()): c for c in ctx.roster.confirmed_visits}
    unkept = {key for key, c in confirmed.items() if keeping_visit(c, had) is None}
    for r in changes:
        pid, kind = r["patient_id"], r["change"]
        old_key, new_key = _at(r, "old_"), _at(r, "new_")
        early = next((r[c] for c in ("old_date", "new_date") if r[c] and r[c] < since), None)
        if kind in ("kept", "moved", "dropped") and r["old_date"] and old_key not in had \
                and old_key not in confirmed:
            ctx.bad("change_previous", f"listed as {kind}, but the previous plan has no visit of the patient "
                    "on that nurse and date (nor is it a confirmed visit)",
                    nurse_id=r["old_nurse_id"], patient_id=pid, date=r["old_date"])
        elif kind in ("moved", "dropped") and early is not None and old_key not in unkept:
            ctx.bad("change_previous", f"listed as {kind} on {early}, before the re-plan date {since}: the visits "
                    "before it stay as the previous plan has them (only a confirmed visit that plan did not keep "
                    "is listed there)", nurse_id=r["old_nurse_id"], patient_id=pid, date=r["old_date"])
        if kind == "added" and r["new_date"] and r["new_date"] < since:
            ctx.bad("change_previous", f"listed as added on {r['new_date']}, before the re-plan date {since}: "
                    "the re-plan adds no visit there", nurse_id=r["new_nurse_id"], patient_id=pid,
                    date=r["new_date"])
        elif kind == "added" and new_key in had:
            ctx.bad("change_previous", "listed as added, but the previous plan has the visit on that nurse and date",
                    nurse_id=r["new_nurse_id"], patient_id=pid, date=r["new_date"])
