"""Times and cost of one nurse-day route: the domain's thin adapter to the one schedule.

It turns a nurse, her patients in order and the travel provider's legs into the
plain integers of :func:`optimizer.routing.timing.time_route` (whole minutes
since midnight) and :func:`optimizer.routing.timing.route_cost` (objective units,
:mod:`optimizer.rules.objective`), and wraps the result in domain terms for the greedy,
the planner and plan building. The routing model times and prices the same
routes with the same two functions, so a solver's route is never re-timed
differently. ``None`` means the order is infeasible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from optimizer.rules import objective
from optimizer.domain import Nurse, Patient, minutes_of
from optimizer.planning.problem import PlanningProblem
from optimizer.planning.workday import blocked_minutes, break_terms
from optimizer.routing.timing import UNREACHABLE, route_cost, time_route

__all__ = ["Leg", "RouteSchedule", "schedule_route", "schedule_order", "leg_minutes"]

leg_minutes = objective.leg_minutes

Travel = Callable[[int, int], tuple[float, float]]


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
    raw = [travel(a, b) for a, b in zip(stops, stops[1:])]
    minutes = [objective.leg_minutes(m) for m, _ in raw]
    metres = [objective.leg_metres(k) for _, k in raw]
    shift_end = minutes_of(nurse.shift_end)
    latest = shift_end + nurse.max_overtime_minutes
    if not patients and first != last:  # a trip's drive out or home alone: a rest stop halfway holds the break
        if minutes[0] >= UNREACHABLE:
            return None
        timed = ([minutes[0] // 2, minutes[0] - minutes[0] // 2], [0], [latest], [0])
    else:
        timed = (minutes, [minutes_of(p.earliest_arrival) for p in patients],
                 [minutes_of(p.latest_arrival) for p in patients], [p.visit_minutes for p in patients])
    t = time_route(*timed, earliest_departure=minutes_of(nurse.shift_start), latest_return=latest,
                   soft_end=shift_end, blocked=blocked, **break_terms(nurse).shifted(0))
    if not t.feasible:
        return None
    rates = objective.nurse_rates(nurse)
    parts = route_cost(stops=len(patients) or int(first != last), duration=t.duration, overtime=t.overtime,
                       arc_costs=[objective.arc_cost(rates, d) for d in metres], fixed_cost=rates.fixed,
                       cost_per_time=rates.per_minute, overtime_cost=rates.overtime_per_minute)
    legs = tuple(Leg(p, minutes[i], float(raw[i][1]), t.arrivals[i], t.starts[i], t.starts[i] + p.visit_minutes)
                 for i, p in enumerate(patients))
    return RouteSchedule(nurse, legs, t.departure, t.return_time, minutes[-1], float(raw[-1][1]), t.overtime,
                         parts["time"] + parts["overtime"] + parts["distance"] + lodging_units, parts["fixed"],
                         t.break_start, t.break_end, None if first == home else first,
                         None if last == home else last, lodging_units)


def schedule_order(problem: PlanningProblem, nurse_day: int, order: Sequence[int], *,
                   start: int | None = None, end: int | None = None,
                   lodging_units: int = 0) -> RouteSchedule | None:
    """:func:`schedule_route` of refills ``order`` (indices) on nurse-day ``nurse_day`` of ``problem``
    (``start``/``end``/``lodging_units``: a day of an overnight trip, see :func:`schedule_route`)."""
    nd = problem.nurse_days[nurse_day]
    refills = [problem.refills[j] for j in order]
    return schedule_route(
        nd.nurse, [objective.visit_patient(problem, j) for j in order], problem.travel,
        home=problem.nurse_location[nd.nurse.nurse_id],
        locations=[problem.patient_location[r.patient_id] for r in refills],
        blocked=blocked_minutes(problem.roster, nd.nurse, nd.day), start=start, end=end,
        lodging_units=lodging_units)
