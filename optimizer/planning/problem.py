"""The planning problem: refill windows × eligibility × nurse-days, before any routing.

This is the layer between the domain and the generic routing model. It decides
which refills are due in the horizon, on which (nurse, day) pairs each may be
made, and, for those that can be made nowhere, the reason (SPEC §5), layer by
layer: window closed, no licensed nurse, no certified nurse, out of reach, no
capacity in the window, patient away.

Company holidays (:class:`~optimizer.rules.company_calendar.HolidayCalendar` of the
roster) have no nurse-days, so a window that holds one is planned on the working days
around it; a patient's days away (``patient_away.csv``) are not among a refill's days,
so a window partly inside an absence is planned before departure (or after the return)
and one wholly inside it is listed with reason ``patient_away``. A patient may need more
than one refill in a long horizon: ``fill_no`` numbers them (see
:mod:`optimizer.planning.fills`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from geodata.travel.table import TravelTable, TravelView
from optimizer.planning.candidates import assess
from optimizer.planning.towns import Town, lodging_towns
from optimizer.domain import Horizon, Nurse, Patient, Roster
from optimizer.rules.company_calendar import HolidayCalendar
from optimizer.rules.eligibility import Reason
from optimizer.rules.windows import RefillWindow, WindowRules, refill_window

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.planning.keep import Pins

__all__ = ["Refill", "NurseDay", "Candidate", "PlanningProblem", "build_problem", "due_refills", "nurse_days_of",
           "refill_in", "calendar_of"]


@dataclass(frozen=True, slots=True)
class Refill:
    """A refill due in the horizon (or overdue: ``overdue`` is True)."""

    patient: Patient
    window: RefillWindow
    overdue: bool
    days: tuple[date, ...]  # dates of the horizon on which it may be made
    deferrable: bool = False  # the window runs past the horizon: the next plan can still make it
    fill_no: int = 1  # 1, 2, … per patient within the plan, in date order
    absence: tuple[date, date] | None = None  # the absence that holds every day of the window

    @property
    def patient_id(self) -> str:
        return self.patient.patient_id


@dataclass(frozen=True, slots=True)
class NurseDay:
    """One nurse on one working day of the horizon: a vehicle of the routing model."""

    nurse: Nurse
    day: date
    index: int  # day index in the horizon


@dataclass(frozen=True, slots=True)
class Candidate:
    """Refill ``refill`` may be made by nurse-day ``nurse_day`` (indices into the problem)."""

    refill: int
    nurse_day: int


@dataclass
class PlanningProblem:
    """Everything the solvers and the validator need, with travel times on demand.

    Locations are indexed nurses first (their homes), then patients of ``refills``, then
    ``towns`` (lodgings on the way of a trip of several nights, from ``town_base`` on).
    ``minutes``/``km`` read like the provider's ``(n, n)`` matrices over those
    locations (nan = unreachable): ``minutes[a, b]``, ``minutes[np.ix_(rows, cols)]``.
    With the great-circle model they are computed a tile of nearby points at a time
    when first read (:class:`~geodata.travel.table.TravelTable`), so memory grows
    with the pairs routes touch, not with all pairs.
    """

    roster: Roster
    horizon: Horizon
    rules: WindowRules
    refills: list[Refill]
    nurse_days: list[NurseDay]
    candidates: list[Candidate]
    unplannable: dict[str, tuple[Reason, str]]  # patient_id -> (reason, detail)
    minutes: TravelView
    km: TravelView
    nurse_location: dict[str, int]
    patient_location: dict[str, int]
    later: list[RefillWindow] = field(default_factory=list)  # windows opening after the horizon
    provider_name: str = ""
    table: TravelTable | None = None
    provider: object | None = None  # the travel provider (later fills are assessed with it)
    pins: Pins | None = None  # visits to keep (confirmed, or a previous plan's): optimizer.planning.keep
    towns: tuple[Town, ...] = ()  # lodging towns (optimizer.planning.towns), locations town_base + i
    town_base: int = 0
    _by_refill: tuple[list[Candidate], int, dict[int, list[int]]] | None = field(
        default=None, init=False, repr=False, compare=False)
    _last_fill: tuple[list[Refill], int, dict[str, int]] | None = field(
        default=None, init=False, repr=False, compare=False)
    # (refill, date) -> the nurse-days that may make the refill from home that date
    # (optimizer.planning._trip_state.home_days); a copy made with dataclasses.replace starts anew
    _home_days: dict | None = field(default=None, init=False, repr=False, compare=False)
    # schedules, nurse-day terms and legs read once (optimizer.planning.schedule.ScheduleCache); a copy made
    # with dataclasses.replace shares it, and schedule_order starts a new one when an input differs
    _schedules: Any = field(default=None, repr=False, compare=False)
    _next_days: tuple[list[Candidate], int, dict[int, tuple[date, ...]]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def candidates_by_refill(self) -> dict[int, list[int]]:
        """Candidate nurse-days of each refill (in ``candidates`` order): a fresh copy the caller may change.

        Built once per candidate list and copied on each call (the planner and the greedy ask
        for it dozens of times; at 5,000 patients each build read 370,000 candidates).
        """
        cache = self._by_refill
        if cache is None or cache[0] is not self.candidates or cache[1] != len(self.candidates):
            built: dict[int, list[int]] = defaultdict(list)
            for c in self.candidates:
                built[c.refill].append(c.nurse_day)
            cache = self._by_refill = (self.candidates, len(self.candidates), dict(built))
        return defaultdict(list, {j: ks.copy() for j, ks in cache[2].items()})

    def has_later_fill(self, j: int) -> bool:
        """Whether ``refills`` holds a later fill of refill ``j``'s patient (its window hangs on ``j``'s date).

        Each patient's highest fill number is read once per refill list (the trips pass asks often).
        """
        cache = self._last_fill
        if cache is None or cache[0] is not self.refills or cache[1] != len(self.refills):
            top: dict[str, int] = {}
            for r in self.refills:
                top[r.patient_id] = max(top.get(r.patient_id, 0), r.fill_no)
            cache = self._last_fill = (self.refills, len(self.refills), top)
        r = self.refills[j]
        return cache[2][r.patient_id] > r.fill_no

    def next_plan_days(self, j: int) -> tuple[date, ...]:
        """The days after the horizon on which the next plan could make deferrable refill ``j`` from home.

        Days of its window after the horizon (only the last safe day for a pump that runs dry before
        its window opens) that are no company holiday, on which the patient is home and some nurse
        who may make the refill from home now (a candidate) works; empty for a refill that is not
        deferrable or has no candidates. Read once per candidate list.
        """
        cache = self._next_days
        if cache is None or cache[0] is not self.candidates or cache[1] != len(self.candidates):
            by_refill = self.candidates_by_refill()
            found = {i: self._days_after(i, by_refill.get(i, ())) for i, r in enumerate(self.refills)
                     if r.deferrable}
            cache = self._next_days = (self.candidates, len(self.candidates), found)
        return cache[2].get(j, ())

    def _days_after(self, j: int, nurse_days: Any) -> tuple[date, ...]:
        r, end = self.refills[j], self.horizon.end
        if r.window.is_empty_window:
            after = [r.window.end] if r.window.end > end else []
        else:
            after = [end + timedelta(days=i) for i in range(1, (r.window.end - end).days + 1)]
        nurses = {self.nurse_days[k].nurse.nurse_id: self.nurse_days[k].nurse for k in nurse_days}
        if not after or not nurses:
            return ()
        holidays = HolidayCalendar.of(self.roster.holidays, after[0], after[-1])
        return tuple(d for d in after if d not in holidays and not self.roster.is_away(r.patient_id, d)
                     and any(self.roster.available(n, d) for n in nurses.values()))

    def town_at(self, loc: int) -> Town | None:
        """The lodging town at location ``loc``, or ``None`` (a nurse's or a patient's home)."""
        i = loc - self.town_base
        return self.towns[i] if self.towns and 0 <= i < len(self.towns) else None

    def travel(self, a: int, b: int) -> tuple[float, float]:
        """``(minutes, km)`` from location ``a`` to location ``b`` (nan = unreachable)."""
        if self.table is not None:
            return self.table.travel(a, b)
        return float(self.minutes[a, b]), float(self.km[a, b])


def calendar_of(roster: Roster, horizon: Horizon) -> HolidayCalendar:
    """The company calendar of a run: the roster's ``holidays.csv`` list, else the default."""
    return HolidayCalendar.of(roster.holidays, horizon.start, horizon.end)


def _absence_holding(roster: Roster, patient_id: str, days: list[date]) -> tuple[date, date] | None:
    """The stretch away (first, last day) that holds every one of ``days``, if the patient is away on all:
    the absence on the first of them with every absence that overlaps or adjoins it, so that two
    overlapping rows of ``patient_away.csv`` read as the one trip they are."""
    if not days or not all(roster.is_away(patient_id, d) for d in days):
        return None
    stretches: list[tuple[date, date]] = []  # the absences merged where they overlap or adjoin
    for a, b in sorted((a.start_date, a.end_date) for a in roster.absences(patient_id)):
        if stretches and a <= stretches[-1][1] + timedelta(days=1):
            stretches[-1] = (stretches[-1][0], max(stretches[-1][1], b))
        else:
            stretches.append((a, b))
    return next(((a, b) for a, b in stretches if a <= days[0] <= b), (days[0], days[-1]))


def refill_in(roster: Roster, horizon: Horizon, patient: Patient, *, rules: WindowRules,
              fill_no: int = 1) -> Refill | RefillWindow:
    """The refill of ``patient`` due in ``horizon``, or its window when that opens after the horizon.

    Its days are the window's dates in the horizon on which the patient is home (every
    day of the horizon for an overdue refill, the last safe day for a pump that runs dry
    before the window opens). When an absence removes them all, ``absence`` names it,
    unless the window runs past the horizon onto a day the patient is home (the next
    plan can make it).
    """
    w = refill_window(patient, rules=rules)
    if w.opens_after(horizon):
        return w
    overdue = w.closed_before(horizon)
    if overdue:  # an alarm: the most urgent of all, any day of the horizon
        raw = horizon.dates()
    elif w.is_empty_window:  # the pump runs dry before the window opens: its last safe day
        raw = [w.end] if w.end in horizon else []
    else:
        raw = w.days_in(horizon)
    pid = patient.patient_id
    days = tuple(d for d in raw if not roster.is_away(pid, d))
    deferrable = not overdue and w.end > horizon.end
    absence = None
    if raw and not days:
        beyond = [w.end - timedelta(days=i) for i in range((w.end - horizon.end).days)] if deferrable else []
        if not any(not roster.is_away(pid, d) for d in beyond):
            absence = _absence_holding(roster, pid, sorted(raw))
    return Refill(patient, w, overdue, days, deferrable=deferrable, fill_no=fill_no, absence=absence)


def due_refills(roster: Roster, horizon: Horizon, *, rules: WindowRules) -> tuple[list[Refill], list[RefillWindow]]:
    """The refills due in ``horizon`` (overdue ones included) and the windows opening after it."""
    refills: list[Refill] = []
    later: list[RefillWindow] = []
    for p in roster.active_patients():
        r = refill_in(roster, horizon, p, rules=rules)
        if isinstance(r, Refill):
            refills.append(r)
        else:
            later.append(r)
    return refills, later


def nurse_days_of(roster: Roster, horizon: Horizon) -> list[NurseDay]:
    """One vehicle per nurse and working day of the horizon (no nurse-day on a company holiday)."""
    holidays = calendar_of(roster, horizon)
    return [NurseDay(n, d, horizon.index(d))
            for n in roster.nurses for d in horizon.dates() if d not in holidays and roster.available(n, d)]


def build_problem(
    roster: Roster,
    horizon: Horizon,
    *,
    provider,
    rules: WindowRules | None = None,
) -> PlanningProblem:
    """Windows, nurse-days, candidates and reasons for ``roster`` over ``horizon``.

    Parameters
    ----------
    provider
        A travel provider (``geodata.travel``): ``matrix(origins, destinations)``.
    rules
        Window rules; defaults per SPEC §5.
    """
    rules = rules or WindowRules()
    refills, later = due_refills(roster, horizon, rules=rules)
    nurse_days = nurse_days_of(roster, horizon)
    nurse_location = {n.nurse_id: i for i, n in enumerate(roster.nurses)}
    patient_location = {r.patient_id: len(roster.nurses) + j for j, r in enumerate(refills)}
    points = [(n.lat, n.lon) for n in roster.nurses] + [(r.patient.lat, r.patient.lon) for r in refills]
    # lodging towns where travel is computed a tile at a time when read (a road graph's dense matrix
    # would grow with them, and covers a region whose patient homes serve as waypoints)
    towns = lodging_towns() if callable(getattr(provider, "pairwise", None)) else ()
    town_base = len(points)
    table = TravelTable(provider, points + [(t.lat, t.lon) for t in towns])
    elig = assess(roster, horizon, refills, nurse_days, provider=provider)
    return PlanningProblem(
        roster=roster, horizon=horizon, rules=rules, refills=refills, nurse_days=nurse_days,
        candidates=[Candidate(j, k) for j, k in zip(elig.refill.tolist(), elig.nurse_day.tolist())],
        unplannable=elig.unplannable, minutes=table.minutes, km=table.km,
        nurse_location=nurse_location, patient_location=patient_location, later=later,
        provider_name=getattr(provider, "name", type(provider).__name__), table=table, provider=provider,
        towns=towns, town_base=town_base,
    )
