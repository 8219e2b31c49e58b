"""Times along one nurse-day route, from its order alone (SPEC §5 routes).

Given a nurse-day and the ordered refills, compute when the nurse leaves, arrives,
starts and ends each visit and returns, leaving home as late as possible so no
time is paid for waiting. Travel legs are the provider's minutes rounded up to
whole minutes. ``None`` means the order is infeasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer import settings
from optimizer.domain import Nurse, Patient, minutes_of

__all__ = ["Leg", "RouteSchedule", "schedule_route", "leg_minutes", "nurse_day_cost"]


def leg_minutes(minutes: float) -> int:
    """A travel leg in whole minutes (rounded up; a tiny epsilon absorbs float noise)."""
    return int(math.ceil(minutes - 1e-6))


@dataclass(frozen=True, slots=True)
class Leg:
    """One visit of a route: times are minutes since midnight of the route's day."""

    patient: Patient
    travel_minutes: int
    travel_km: float
    arrival: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class RouteSchedule:
    nurse: Nurse
    legs: tuple[Leg, ...]
    depart: int
    return_: int
    return_minutes: int
    return_km: float

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
    def overtime_minutes(self) -> int:
        return max(0, self.return_ - minutes_of(self.nurse.shift_end))

    @property
    def cost(self) -> float:
        return nurse_day_cost(self.nurse, self.work_minutes, self.overtime_minutes, self.drive_km)


def nurse_day_cost(nurse: Nurse, work_minutes: float, overtime_minutes: float, drive_km: float) -> float:
    """Dollars: hourly cost from departure to return, overtime at 1.5×, mileage at the IRS rate."""
    regular = max(0.0, work_minutes - overtime_minutes)
    labour = nurse.hourly_cost / 60.0 * (regular + settings.OVERTIME_MULTIPLIER * overtime_minutes)
    mileage = drive_km / settings.KM_PER_MILE * settings.IRS_MILEAGE_RATE_PER_MILE
    return labour + mileage


def schedule_route(
    nurse: Nurse,
    patients: list[Patient],
    travel,
    *,
    home: int,
    locations: list[int],
) -> RouteSchedule | None:
    """Schedule ``patients`` in order for ``nurse``; ``None`` if any rule breaks.

    Parameters
    ----------
    travel
        ``travel(a, b) -> (minutes, km)`` between location indices (nan = unreachable).
    home, locations
        Location index of the nurse's home and of each patient.
    """
    if len(patients) > nurse.max_visits_per_day:
        return None
    limit = minutes_of(nurse.shift_end) + nurse.max_overtime_minutes
    legs_t: list[tuple[int, float]] = []
    prev = home
    for loc in locations:
        m, k = travel(prev, loc)
        if math.isnan(m):
            return None
        legs_t.append((leg_minutes(m), k))
        prev = loc
    m, k = travel(prev, home)
    if math.isnan(m):
        return None
    back = (leg_minutes(m), k)

    def forward(first_start: int | None) -> tuple[list[int], list[int], int] | None:
        t = minutes_of(nurse.shift_start)
        starts, arrivals = [], []
        for i, (p, (tm, _)) in enumerate(zip(patients, legs_t)):
            arrive = t + tm
            start = max(arrive, minutes_of(p.earliest_arrival))
            if i == 0 and first_start is not None:
                start = max(start, first_start)
            if start > minutes_of(p.latest_arrival):
                return None
            arrivals.append(arrive if i else start)
            starts.append(start)
            t = start + p.visit_minutes
        ret = t + back[0]
        if ret > limit:
            return None
        return starts, arrivals, ret

    first = forward(None)
    if first is None:
        return None
    starts, arrivals, ret = first
    if patients:
        # push the whole route later by the waiting it can absorb (forward time slack)
        waits, slack, acc = 0, math.inf, 0
        for i in range(1, len(patients)):
            w = starts[i] - (starts[i - 1] + patients[i - 1].visit_minutes + legs_t[i][0])
            acc += w
            slack = min(slack, acc + minutes_of(patients[i].latest_arrival) - starts[i])
        waits = acc
        slack = min(slack, minutes_of(patients[0].latest_arrival) - starts[0], acc + limit - ret)
        delta = int(min(waits, slack))
        if delta > 0:
            again = forward(starts[0] + delta)
            if again is not None:
                starts, arrivals, ret = again
        depart = starts[0] - legs_t[0][0]
        arrivals[0] = depart + legs_t[0][0]
    else:
        depart = ret = minutes_of(nurse.shift_start)
    legs = tuple(
        Leg(p, tm, km, arrivals[i], starts[i], starts[i] + p.visit_minutes)
        for i, (p, (tm, km)) in enumerate(zip(patients, legs_t))
    )
    return RouteSchedule(nurse, legs, depart, ret, back[0], back[1])
