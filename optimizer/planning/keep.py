"""Visits to keep: confirmed visits and a previous plan's visits, pinned to their nurse-day.

SPEC §4 (confirmed_visits.csv) and §6 (``haiplan replan``): a visit already promised
stays with the same nurse on the same date (its start within ±30 minutes when one
was given) unless that became impossible. :func:`pin_visits` matches each wanted
visit to a refill of the problem, finds the true reason when it cannot be kept
(nurse off, holiday, patient away, license, certification, window moved, the day
cannot hold it), and pins the others: the refill's copies on other nurse-days cost
the "keep" tier of the objective (:func:`optimizer.rules.objective.visit_cost`), so
a pinned visit moves only to place a refill that would otherwise be missed
(reason ``capacity``). :func:`changes_of` lists every difference for ``changes.csv``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import TYPE_CHECKING

from optimizer import settings
from optimizer.domain import Patient, minutes_of
from optimizer.planning.schedule import schedule_order
from optimizer.rules.clock import clock_shift
from optimizer.rules.company_calendar import HolidayCalendar
from optimizer.rules.eligibility import is_certified_for, may_practice

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.planning.problem import PlanningProblem

__all__ = ["Wanted", "Pins", "Change", "CHANGE_COLUMNS", "CHANGE_REASONS", "pin_visits", "pin_confirmed",
           "pin_later_fills", "changes_of", "START_TOLERANCE_MINUTES", "start_kept"]

CHANGE_COLUMNS = ("patient_id", "change", "old_nurse_id", "old_date", "new_nurse_id", "new_date", "reason")
"""``changes.csv`` (SPEC §6)."""

CHANGE_REASONS = ("nurse_off", "holiday", "patient_away", "license", "certification", "window_moved",
                  "capacity", "patient_inactive", "referral", "next_fill")
"""Why a visit was not kept as it was (the first seven; ``capacity`` also for a re-plan's visit
kept on its nurse and date whose start moved by more than ±30 min as its day's route changed), a
patient no longer in the program, and for an added visit: ``referral`` (a refill the previous plan
did not list), ``capacity`` (listed unassigned before, placed now) or ``next_fill`` (the fill after
one made before the re-plan date)."""

START_TOLERANCE_MINUTES: int = settings.CONFIRMED_START_TOLERANCE_MINUTES


def start_kept(promised: time, at: time) -> bool:
    """Whether a visit starting at ``at`` keeps the start ``promised``: within
    ±``settings.CONFIRMED_START_TOLERANCE_MINUTES``, read at the call."""
    return abs(minutes_of(at) - minutes_of(promised)) <= settings.CONFIRMED_START_TOLERANCE_MINUTES


@dataclass(frozen=True, slots=True)
class Wanted:
    """A visit to keep: ``patient_id`` with ``nurse_id`` on ``date``, starting near ``start``."""

    patient_id: str
    nurse_id: str
    date: date
    start: time | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """A row of ``changes.csv``: a wanted visit not kept as it was, or a visit added."""

    patient_id: str
    change: str  # kept, moved, added, dropped
    old_nurse_id: str
    old_date: date | None
    new_nurse_id: str
    new_date: date | None
    reason: str


@dataclass(frozen=True)
class Pins:
    """Wanted visits matched to the problem's refills.

    Attributes
    ----------
    keep
        Refill index -> the nurse-day index its visit is pinned to.
    wanted
        The wanted visits inside the horizon.
    refill_of
        Index into ``wanted`` -> the refill it refers to (when one does).
    conflicts
        Index into ``wanted`` -> (reason, detail) of a visit that cannot be kept.
    report_added
        List visits that no wanted visit refers to as ``added`` (a re-plan).
    known
        Patients the previous plan listed (visited, unassigned or deferred).
    refilled
        Patients whose refill the previous plan made before the re-plan date.
    patients
        Refill index -> the patient as its kept visit is timed: the arrival window cut to the
        confirmed start ± 30 min (:func:`optimizer.rules.objective.visit_patient`); the refill
        itself keeps the patient as she is, so a later fill does not inherit the cut.
    """

    keep: Mapping[int, int]
    wanted: tuple[Wanted, ...]
    refill_of: Mapping[int, int]
    conflicts: Mapping[int, tuple[str, str]]
    report_added: bool = False
    known: frozenset[str] = field(default_factory=frozenset)
    refilled: frozenset[str] = field(default_factory=frozenset)
    patients: Mapping[int, Patient] = field(default_factory=dict)


def _match(problem: PlanningProblem, by_patient: Mapping[str, list[int]], w: Wanted) -> int | None:
    """The refill ``w`` refers to: the patient's fill whose days hold its date, else her first."""
    js = sorted(by_patient.get(w.patient_id, ()), key=lambda j: problem.refills[j].window.start)
    if not js:
        return None
    for j in js:
        if w.date in problem.refills[j].days:
            return j
    return js[0]


def _start_fits(intervals: Sequence[tuple[int, int]], start: int, minutes: int) -> bool:
    """Some start within the tolerance of ``start`` lets a visit of ``minutes`` fit an interval."""
    tol = START_TOLERANCE_MINUTES
    return any(max(a, start - tol) <= min(b - minutes, start + tol) for a, b in intervals)


def _conflict(problem: PlanningProblem, w: Wanted, j: int | None, nd_of: Mapping[tuple[str, date], int],
              calendar: HolidayCalendar, cands: set[tuple[int, int]]) -> tuple[str, str] | None:
    """Why ``w`` cannot be kept (reason, detail), or ``None`` when it can be pinned."""
    roster = problem.roster
    if j is None:
        if not roster.has_patient(w.patient_id) or not roster.patient(w.patient_id).active:
            return "patient_inactive", "the patient is no longer active"
        return "window_moved", "no refill of the patient falls due in the horizon"
    r = problem.refills[j]
    if w.date in calendar:
        return "holiday", f"{calendar.name(w.date) or 'company holiday'}"
    if roster.is_away(w.patient_id, w.date):
        return "patient_away", "the patient is away that day"
    if w.date not in r.days:
        return "window_moved", f"the refill's window is now {r.window.start}..{r.window.end}"
    if not roster.has_nurse(w.nurse_id):
        return "nurse_off", "the nurse is no longer on the roster"
    nurse = roster.nurse(w.nurse_id)
    k = nd_of.get((w.nurse_id, w.date))
    if k is None:
        return "nurse_off", "the nurse does not work that day (time off or not a workday)"
    if w.start is not None and not _start_fits(roster.working_intervals(nurse, w.date, overtime=True),
                                               minutes_of(w.start), r.patient.visit_minutes):
        return "nurse_off", "the confirmed time is outside her working time (shift, part-day time off)"
    if not may_practice(nurse, r.patient.state, on=w.date):
        return "license", f"the nurse may no longer practice in {r.patient.state}"
    if not is_certified_for(nurse, r.patient.next_infusate):
        return "certification", f"the nurse is not certified for a {r.patient.next_infusate.value} fill"
    if (j, k) not in cands:
        return "capacity", "the nurse cannot reach the patient within her drive limit and shift"
    return None


def _narrowed(p: Patient, start: time, shift: int = 0) -> Patient | None:
    """``p`` with the arrival window cut to ``start`` ± the tolerance (``None`` if nothing is left).

    ``start`` is on the nurse's clock, like the plan's times; ``shift`` the minutes her clock is
    ahead of the patient's that day (:func:`optimizer.rules.clock.clock_shift`): the window stays
    on the patient's clock."""
    s, tol = minutes_of(start) - shift, START_TOLERANCE_MINUTES
    lo, hi = max(minutes_of(p.earliest_arrival), s - tol), min(minutes_of(p.latest_arrival), s + tol)
    if lo > hi:
        return None
    return replace(p, earliest_arrival=time(lo // 60, lo % 60), latest_arrival=time(hi // 60, hi % 60))


def _shift(problem: PlanningProblem, w: Wanted, j: int) -> int:
    """Minutes ``w``'s nurse's clock is ahead of refill ``j``'s patient's on ``w``'s date."""
    return clock_shift(problem.roster.nurse(w.nurse_id), problem.refills[j].patient, w.date)


def _fits_alone(problem: PlanningProblem, j: int, k: int, patient: Patient | None) -> bool:
    """The visit alone fits nurse-day ``k`` (at the confirmed time when ``patient`` is the cut one)."""
    trial = replace(problem, pins=Pins(keep={}, wanted=(), refill_of={}, conflicts={},
                                       patients={j: patient} if patient is not None else {}))
    return schedule_order(trial, k, [j]) is not None


def _why_not_kept(problem: PlanningProblem, w: Wanted, j: int | None, nd_of: Mapping[tuple[str, date], int],
                  calendar: HolidayCalendar, cands: set[tuple[int, int]], *,
                  taken: bool) -> tuple[tuple[str, str] | None, Patient | None]:
    """Why ``w`` cannot be kept as refill ``j``'s visit (``None`` when it can be pinned), and the
    patient as the pinned visit is timed (her arrival window cut to the confirmed start ± 30 min;
    ``None`` when no start was given). ``taken``: another wanted visit is already pinned to ``j``."""
    why = _conflict(problem, w, j, nd_of, calendar, cands)
    if why is None and taken:
        why = ("window_moved", "another kept visit already makes this refill")
    if why is not None or j is None:
        return why, None
    cut = _narrowed(problem.refills[j].patient, w.start, _shift(problem, w, j)) if w.start is not None else None
    if w.start is not None and cut is None:
        return ("capacity", "the confirmed time is outside the patient's arrival window"), None
    if not _fits_alone(problem, j, nd_of[(w.nurse_id, w.date)], cut):
        return ("capacity", "the nurse's day cannot hold the visit at its time"), None
    return None, cut


def pin_visits(problem: PlanningProblem, wanted: Iterable[Wanted], *, report_added: bool = False,
               known: Iterable[str] = (), refilled: Iterable[str] = ()) -> PlanningProblem:
    """``problem`` with ``wanted`` visits (those inside its horizon) pinned or listed as conflicts.

    Parameters
    ----------
    problem
        The planning problem (not changed; a copy is returned).
    wanted
        Visits to keep: confirmed visits, or a previous plan's visits from the re-plan date.
    report_added
        A re-plan: :func:`changes_of` also lists visits no wanted visit refers to.
    known, refilled
        Patients the previous plan listed, and those it refilled before the re-plan date (for
        the reason of an added visit).

    Returns
    -------
    PlanningProblem
        With ``pins`` set; a pinned visit with a start is timed within ±30 min of it.
    """
    horizon = problem.horizon
    ws = tuple(sorted({w for w in wanted if w.date in horizon},
                      key=lambda w: (w.date, w.nurse_id, w.patient_id)))
    by_patient: dict[str, list[int]] = defaultdict(list)
    for j, r in enumerate(problem.refills):
        by_patient[r.patient_id].append(j)
    nd_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
    calendar = HolidayCalendar.of(problem.roster.holidays, horizon.start, horizon.end)
    cands = {(c.refill, c.nurse_day) for c in problem.candidates}
    keep: dict[int, int] = {}
    refill_of: dict[int, int] = {}
    conflicts: dict[int, tuple[str, str]] = {}
    narrowed: dict[int, Patient] = {}
    for i, w in enumerate(ws):
        j = _match(problem, by_patient, w)
        if j is not None:
            refill_of[i] = j
        why, cut = _why_not_kept(problem, w, j, nd_of, calendar, cands, taken=j in keep)
        if why is not None:
            conflicts[i] = why
            continue
        keep[j] = nd_of[(w.nurse_id, w.date)]
        if cut is not None:
            narrowed[j] = cut
    return replace(problem, pins=Pins(keep=keep, wanted=ws, refill_of=refill_of, conflicts=conflicts,
                                      report_added=report_added, known=frozenset(known),
                                      refilled=frozenset(refilled), patients=narrowed))


def changes_of(problem: PlanningProblem, placed: Mapping[int, tuple[str, date]]) -> list[Change]:
    """``changes.csv`` rows: every wanted visit not kept as it was (moved or dropped, with its
    reason) and, in a re-plan, every visit added.

    A wanted visit is kept when a visit of its patient is planned with the same nurse on
    the same date (a later fill too); else its refill's new visit, if any, is where it moved.
    A wanted visit with a start that could not be pinned (a conflict that no overnight trip
    kept either) is not kept even when its refill lands on the same nurse and date again: it
    was timed anew, without the promised start, so it is listed as moved with the conflict's reason.

    Parameters
    ----------
    placed
        Refill index -> (nurse_id, date) of the new plan's visit.
    """
    pins = problem.pins
    if pins is None:
        return []
    by_patient: dict[str, list[int]] = defaultdict(list)
    for j in sorted(placed):
        by_patient[problem.refills[j].patient_id].append(j)
    claimed: set[int] = set()
    open_: list[int] = []
    for i, w in enumerate(pins.wanted):
        same = [j for j in by_patient.get(w.patient_id, ()) if placed[j] == (w.nurse_id, w.date) and j not in claimed]
        if same and (w.start is None or i not in pins.conflicts or _pinned_here(problem, i)):
            claimed.add(same[0])
        else:
            open_.append(i)
    rows: list[Change] = []
    for i in open_:
        w = pins.wanted[i]
        j = pins.refill_of.get(i)
        new = placed.get(j) if j is not None and j not in claimed else None
        if new is not None:
            claimed.add(j)
        reason = pins.conflicts[i][0] if i in pins.conflicts else "capacity"
        rows.append(Change(w.patient_id, "moved" if new else "dropped", w.nurse_id, w.date,
                           new[0] if new else "", new[1] if new else None, reason))
    if pins.report_added:
        for j, (nurse_id, day) in placed.items():
            if j in claimed:
                continue
            pid = problem.refills[j].patient_id
            why = "next_fill" if pid in pins.refilled else "capacity" if pid in pins.known else "referral"
            rows.append(Change(pid, "added", "", None, nurse_id, day, why))
    rows.sort(key=lambda c: (c.patient_id, c.old_date or c.new_date or date.min, c.change))
    return rows


def _pinned_here(problem: PlanningProblem, i: int) -> bool:
    """Wanted visit ``i``'s refill is pinned to its own nurse-day (a trip may pin a conflict)."""
    pins = problem.pins
    assert pins is not None
    w, j = pins.wanted[i], pins.refill_of.get(i)
    k = pins.keep.get(j) if j is not None else None
    return k is not None and (problem.nurse_days[k].nurse.nurse_id, problem.nurse_days[k].day) == (w.nurse_id, w.date)


def pin_confirmed(problem: PlanningProblem) -> PlanningProblem:
    """``problem`` with the roster's confirmed visits (``confirmed_visits.csv``) pinned; unchanged
    when there are none."""
    confirmed = problem.roster.confirmed_visits
    if not confirmed:
        return problem
    return pin_visits(problem, [Wanted(c.patient_id, c.nurse_id, c.date, c.start) for c in confirmed])


def pin_later_fills(problem: PlanningProblem) -> PlanningProblem:
    """Pin wanted visits to the later fills (``fill_no`` 2, 3, …) a planning pass just added.

    A wanted visit that referred to no refill it could keep (its date outside the first
    fill's days: a second fill confirmed by ``--confirm-days``, or of the previous plan) now
    refers to the new refill of its patient whose days hold its date, and is pinned to it as
    :func:`pin_visits` pins (its start ± 30 min binding too), or keeps the true reason it cannot be.
    """
    pins = problem.pins
    if pins is None:
        return problem
    referred = set(pins.refill_of.values())  # refills a wanted visit already refers to
    fresh: dict[str, list[int]] = defaultdict(list)
    for j, r in enumerate(problem.refills):
        if j not in pins.keep and j not in referred:
            fresh[r.patient_id].append(j)
    nd_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
    cands = {(c.refill, c.nurse_day) for c in problem.candidates}
    calendar = HolidayCalendar.of(problem.roster.holidays, problem.horizon.start, problem.horizon.end)
    keep, refill_of, conflicts = dict(pins.keep), dict(pins.refill_of), dict(pins.conflicts)
    narrowed = dict(pins.patients)
    for i, w in enumerate(pins.wanted):
        if conflicts.get(i, ("",))[0] != "window_moved":
            continue
        j = next((j for j in fresh.get(w.patient_id, ()) if w.date in problem.refills[j].days
                  and j not in referred), None)
        if j is None:
            continue
        refill_of[i] = j
        referred.add(j)
        why, cut = _why_not_kept(problem, w, j, nd_of, calendar, cands, taken=False)
        if why is not None:
            conflicts[i] = why
            continue
        keep[j] = nd_of[(w.nurse_id, w.date)]
        del conflicts[i]
        if cut is not None:
            narrowed[j] = cut
    return replace(problem, pins=replace(pins, keep=keep, refill_of=refill_of, conflicts=conflicts,
                                         patients=narrowed))
