"""Times and cost of one nurse-day route: the domain's thin adapter to the one schedule.

It turns a nurse, her patients in order and the travel provider's legs into the
plain integers of :func:`optimizer.routing.timing.time_route` (whole minutes
since midnight) and :func:`optimizer.routing.timing.route_cost` (objective units,
:mod:`optimizer.rules.objective`), and wraps the result in domain terms for the greedy,
the planner and plan building. The routing model times and prices the same
routes with the same two functions, so a solver's route is never re-timed
differently. ``None`` means the order is infeasible.

:func:`schedule_order` is called hundreds of thousands of times in a national plan (every
insertion the greedy, the trips and the later fills try), mostly on the same nurse-days,
patients and legs: it reads each nurse-day's terms (shift, blocked time, break, rates), each
refill's stop and each leg's whole minutes and metres once per problem, and keeps its recent
answers (:class:`ScheduleCache`); the arithmetic is :func:`schedule_route`'s, shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from optimizer import settings
from optimizer.rules import objective
from optimizer.domain import Nurse, Patient, minutes_of
from optimizer.planning.problem import PlanningProblem
from optimizer.planning.workday import blocked_minutes, break_terms
from optimizer.rules.clock import nurse_zone_of, patient_zone_of, zone_shift
from optimizer.routing.timing import UNREACHABLE, route_cost, time_route

__all__ = ["Leg", "RouteSchedule", "schedule_route", "schedule_order", "leg_minutes", "ScheduleCache"]

leg_minutes = objective.leg_minutes

Travel = Callable[[int, int], tuple[float, float]]
LegTerms = tuple[int, int, float]
"""A leg: whole minutes (:func:`~optimizer.rules.objective.leg_minutes`), whole metres, and km as read."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One visit of a route: times are minutes since midnight of the route's day."""

    patient: Patient
    travel_minutes: int
    travel_km: float
    arrival: int
    start: int
    end: int

    @property
    def wait_minutes(self) -> int:
        """Waiting between arrival and the start of the visit."""
        return self.start - self.arrival


@dataclass(frozen=True, slots=True)
class RouteSchedule:
    """A feasible nurse-day route with its times and its cost (objective units)."""

    nurse: Nurse
    legs: tuple[Leg, ...]
    depart: int
    return_: int
    return_minutes: int
    return_km: float
    overtime_minutes: int
    cost_units: int  # labour, overtime and mileage: the nurse-day's cost (SPEC §5)
    fixed_units: int  # the objective's tie-break per nurse-day used
    break_start: int | None = None  # the break of a day of more than 6 hours of work (minutes)
    break_end: int | None = None
    # an overnight trip (SPEC §5 routes, §6): where the day starts / ends when not at home
    # (location indices of the problem; None = home) and the night's lodging in ``cost_units``
    start: int | None = None
    end: int | None = None
    lodging_units: int = 0

    @property
    def away(self) -> bool:
        """Whether the day starts or ends away from home (a day of an overnight trip)."""
        return self.start is not None or self.end is not None

    @property
    def drive_minutes(self) -> int:
        return sum(leg.travel_minutes for leg in self.legs) + self.return_minutes

    @property
    def drive_km(self) -> float:
        return sum(leg.travel_km for leg in self.legs) + self.return_km

    @property
    def work_minutes(self) -> int:
        return self.return_ - self.depart

    @property
    def cost(self) -> float:
        """Dollars: hourly cost from departure to return, overtime at 1.5×, mileage at the IRS rate,
        lodging on the night an overnight trip spends away."""
        return self.cost_units / objective.UNITS_PER_DOLLAR

    @property
    def objective_units(self) -> int:
        """What the route adds to the objective before its visits' tier costs."""
        return self.cost_units + self.fixed_units


@dataclass(frozen=True, slots=True)
class DayTerms:
    """What times and prices one nurse's day: shift (minutes since midnight), blocked time, break, rates."""

    nurse: Nurse
    shift_start: int
    shift_end: int
    latest: int  # shift end plus the allowed overtime
    blocked: tuple[tuple[int, int], ...]
    brk: dict[str, Any]  # the break's keyword arguments of time_route
    rates: objective.NurseRates
    zone: str = ""  # the nurse's time zone: her clock (optimizer.rules.clock)
    day: date | None = None  # the calendar day (None: arrival windows read on the nurse's clock as they are)

    @staticmethod
    def of(nurse: Nurse, blocked: Sequence[tuple[int, int]], day: date | None = None) -> DayTerms:
        """The terms of ``nurse``'s day with part-day time off ``blocked`` (settings read now); with
        ``day``, patients' arrival windows are read on her clock that day (:mod:`optimizer.rules.clock`)."""
        shift_end = minutes_of(nurse.shift_end)
        return DayTerms(nurse, minutes_of(nurse.shift_start), shift_end, shift_end + nurse.max_overtime_minutes,
                        tuple(blocked), break_terms(nurse).shifted(0), objective.nurse_rates(nurse),
                        nurse_zone_of(nurse) if day is not None else "", day)

    def on_clock(self, stop: Stop, zone: str) -> Stop:
        """``stop`` (arrival window on the clock of ``zone``, the patient's) read on the nurse's clock."""
        if self.day is None or zone == self.zone:
            return stop
        s = zone_shift(zone, self.zone, self.day)
        return stop if s == 0 else (stop[0], stop[1] + s, stop[2] + s, stop[3])


Stop = tuple[Patient, int, int, int]
"""A visit as timed: the patient, earliest and latest arrival (minutes; the patient's clock until
:meth:`DayTerms.on_clock` reads them on the nurse's), visit minutes."""


def _stop(p: Patient) -> Stop:
    return p, minutes_of(p.earliest_arrival), minutes_of(p.latest_arrival), p.visit_minutes


def _leg(raw: tuple[float, float]) -> LegTerms:
    return objective.leg_minutes(raw[0]), objective.leg_metres(raw[1]), float(raw[1])


def schedule_route(
    nurse: Nurse,
    patients: Sequence[Patient],
    travel: Travel,
    *,
    home: int,
    locations: Sequence[int],
    blocked: Sequence[tuple[int, int]] = (),
    start: int | None = None,
    end: int | None = None,
    lodging_units: int = 0,
) -> RouteSchedule | None:
    """Schedule ``patients`` in order for ``nurse``; ``None`` if any rule breaks.

    The nurse's break (:func:`optimizer.planning.workday.break_terms`) is taken
    when the day is long enough to need it; a day with no room for it is infeasible.

    Parameters
    ----------
    travel
        ``travel(a, b) -> (minutes, km)`` between location indices (nan = unreachable).
    home, locations
        Location index of the nurse's home and of each patient.
    blocked
        Part-day time off, minutes since midnight (:func:`~optimizer.planning.workday.blocked_minutes`).
    start, end
        Where the day starts and ends when not at home (an overnight trip's lodging, SPEC §5
        routes); a day of such a trip is used (and priced) even with no visit, for its drive,
        timed with a rest stop halfway where a day of more than 6 hours takes its break.
    lodging_units
        The night's lodging (objective units) when the day ends away from home.
    """
    if len(patients) > nurse.max_visits_per_day:
        return None
    first = home if start is None else start
    last = home if end is None else end
    stops = [first, *locations, last]
    legs = [_leg(travel(a, b)) for a, b in zip(stops, stops[1:])]
    return _timed(DayTerms.of(nurse, blocked), [_stop(p) for p in patients], legs, first, last, home,
                  lodging_units)


def _timed(day: DayTerms, stops: Sequence[Stop], legs: Sequence[LegTerms], first: int, last: int, home: int,
           lodging_units: int) -> RouteSchedule | None:
    """The schedule of ``stops`` in order over ``legs`` (:func:`schedule_route` once its inputs are read)."""
    minutes = [leg[0] for leg in legs]
    latest = day.latest
    if not stops and first != last:  # a trip's drive out or home alone: a rest stop halfway holds the break
        if minutes[0] >= UNREACHABLE:
            return None
        timed = ([minutes[0] // 2, minutes[0] - minutes[0] // 2], [0], [latest], [0])
    else:
        timed = (minutes, [s[1] for s in stops], [s[2] for s in stops], [s[3] for s in stops])
    t = time_route(*timed, earliest_departure=day.shift_start, latest_return=latest,
                   soft_end=day.shift_end, blocked=day.blocked, **day.brk)
    if not t.feasible:
        return None
    rates = day.rates
    parts = route_cost(stops=len(stops) or int(first != last), duration=t.duration, overtime=t.overtime,
                       arc_costs=[objective.arc_cost(rates, leg[1]) for leg in legs], fixed_cost=rates.fixed,
                       cost_per_time=rates.per_minute, overtime_cost=rates.overtime_per_minute)
    arrivals, starts = t.arrivals, t.starts
    out = tuple(Leg(s[0], minutes[i], legs[i][2], arrivals[i], starts[i], starts[i] + s[3])
                for i, s in enumerate(stops))
    return RouteSchedule(day.nurse, out, t.departure, t.return_time, minutes[-1], legs[-1][2], t.overtime,
                         parts["time"] + parts["overtime"] + parts["distance"] + lodging_units, parts["fixed"],
                         t.break_start, t.break_end, None if first == home else first,
                         None if last == home else last, lodging_units)


def _settings_key() -> tuple[Any, ...]:
    """The settings :class:`DayTerms` reads (a test may change them between two calls)."""
    return (settings.OVERTIME_MULTIPLIER, settings.IRS_MILEAGE_RATE_PER_MILE, settings.KM_PER_MILE,
            settings.COST_NURSE_DAY_BALANCE, settings.BREAK_PREFERRED, settings.BREAK_AFTER_WORK_MINUTES,
            objective.UNITS_PER_DOLLAR, objective.UNITS_PER_CENT)


def _inputs(problem: PlanningProblem) -> tuple[Any, ...]:
    """What a schedule of ``problem`` reads besides the settings (compared by identity)."""
    return (problem.refills, problem.nurse_days, problem.pins, problem.roster, problem.table, problem.minutes,
            problem.km, problem.patient_location, problem.nurse_location)


class ScheduleCache:
    """A problem's nurse-day terms, stops and legs, each read once, and its recent schedules.

    Valid while the problem's inputs are the same objects and the settings the same values
    (:func:`schedule_order` checks both at each call and starts a new cache otherwise); a
    problem copied with :func:`dataclasses.replace` shares it until one of them differs. The
    schedules kept are dropped all at once past :attr:`MAX_KEPT` (a bound on memory).
    """

    # about 0.7 kB a schedule and 0.25 kB a leg: at most ~35 + 75 MB, copied into forked part workers as touched
    MAX_KEPT: int = 50_000
    MAX_LEGS: int = 300_000

    __slots__ = ("inputs", "settings", "days", "stops", "legs", "kept", "_problem")

    def __init__(self, problem: PlanningProblem, key: tuple[Any, ...]) -> None:
        self.inputs, self.settings = _inputs(problem), key
        self.days: dict[int, DayTerms] = {}
        self.stops: dict[int, tuple[Stop, int, str]] = {}
        self.legs: dict[tuple[int, int], LegTerms] = {}
        self.kept: dict[tuple[Any, ...], RouteSchedule | None] = {}
        self._problem = problem

    def fits(self, problem: PlanningProblem, key: tuple[Any, ...]) -> bool:
        """Whether this cache answers for ``problem`` under settings ``key``."""
        i = self.inputs  # unrolled _inputs: this runs at every schedule_order call
        return (problem.refills is i[0] and problem.nurse_days is i[1] and problem.pins is i[2]
                and problem.roster is i[3] and problem.table is i[4] and problem.minutes is i[5]
                and problem.km is i[6] and problem.patient_location is i[7] and problem.nurse_location is i[8]
                and self.settings == key)

    def day(self, k: int) -> DayTerms:
        """The terms of nurse-day ``k``."""
        got = self.days.get(k)
        if got is None:
            problem = self._problem
            nd = problem.nurse_days[k]
            got = self.days[k] = DayTerms.of(nd.nurse, blocked_minutes(problem.roster, nd.nurse, nd.day), nd.day)
        return got

    def stop(self, j: int) -> tuple[Stop, int, str]:
        """Refill ``j``'s stop (on the patient's clock), location and time zone."""
        got = self.stops.get(j)
        if got is None:
            problem = self._problem
            p = objective.visit_patient(problem, j)
            got = self.stops[j] = (_stop(p), problem.patient_location[problem.refills[j].patient_id],
                                   patient_zone_of(p))
        return got

    def leg(self, a: int, b: int) -> LegTerms:
        """The leg from location ``a`` to ``b``."""
        got = self.legs.get((a, b))
        if got is None:
            if len(self.legs) >= self.MAX_LEGS:
                self.legs.clear()
            got = self.legs[(a, b)] = _leg(self._problem.travel(a, b))
        return got

    def schedule(self, k: int, order: tuple[int, ...], start: int | None, end: int | None,
                 lodging_units: int) -> RouteSchedule | None:
        """:func:`schedule_order` computed (not kept)."""
        day = self.day(k)
        if len(order) > day.nurse.max_visits_per_day:
            return None
        problem = self._problem
        home = problem.nurse_location[day.nurse.nurse_id]
        first = home if start is None else start
        last = home if end is None else end
        stops = [self.stop(j) for j in order]
        locs = [first, *(loc for _, loc, _ in stops), last]
        leg = self.leg
        legs = [leg(a, b) for a, b in zip(locs, locs[1:])]
        return _timed(day, [day.on_clock(s, zone) for s, _, zone in stops], legs, first, last, home, lodging_units)


_ABSENT = object()


def cache_of(problem: PlanningProblem) -> ScheduleCache:
    """``problem``'s :class:`ScheduleCache` (a new one when its inputs or the settings changed)."""
    key = _settings_key()
    cache = problem._schedules
    if cache is None or not cache.fits(problem, key):
        cache = problem._schedules = ScheduleCache(problem, key)
    return cache


def schedule_order(problem: PlanningProblem, nurse_day: int, order: Sequence[int], *,
                   start: int | None = None, end: int | None = None,
                   lodging_units: int = 0) -> RouteSchedule | None:
    """:func:`schedule_route` of refills ``order`` (indices) on nurse-day ``nurse_day`` of ``problem``
    (``start``/``end``/``lodging_units``: a day of an overnight trip, see :func:`schedule_route`).

    The same result as :func:`schedule_route` on the problem's nurse, patients
    (:func:`~optimizer.rules.objective.visit_patient`), travel and blocked time, read through
    the problem's :class:`ScheduleCache`; equal calls return the same (immutable) schedule.
    """
    cache = cache_of(problem)
    key = (nurse_day, tuple(order), start, end, lodging_units)
    kept = cache.kept
    got = kept.get(key, _ABSENT)
    if got is not _ABSENT:
        return got  # type: ignore[return-value]
    if len(kept) >= cache.MAX_KEPT:
        kept.clear()
    got = kept[key] = cache.schedule(nurse_day, key[1], start, end, lodging_units)
    return got
