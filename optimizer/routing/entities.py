"""The records of the generic routing model: locations, vehicles, visits, groups, schedules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Location", "Vehicle", "Visit", "Group", "Schedule", "Item", "MAX_VALUE", "check_int", "check_visit",
           "make_vehicle"]

MAX_VALUE: int = 2**53
"""The largest time, cost, penalty, demand or limit a model accepts: exact in float64 (PyVRP's
penalties, the compression of prizes) and far enough below the int64 range that a backend's sums
of them cannot wrap around."""


@dataclass(frozen=True, slots=True)
class Location:
    """A point vehicles start, end or serve at; ``x``/``y`` are for display and neighbourhoods."""

    x: float
    y: float
    name: str = ""


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle (in the domain: one nurse on one day). See :meth:`Model.add_vehicle`."""

    start: int
    end: int
    tw_early: int
    tw_late: int
    soft_end: int | None = None
    overtime_cost: int = 0
    max_duration: int | None = None
    max_visits: int | None = None
    capacity: int | None = None
    fixed_cost: int = 0
    cost_per_time: int = 0
    cost_per_distance_unit: float = 0.0
    name: str = ""
    blocked: tuple[tuple[int, int], ...] = ()
    break_duration: int = 0
    break_after: int | None = None
    break_preferred: tuple[int, int] | None = None

    @property
    def has_breaks_or_blocks(self) -> bool:
        """Whether a break may be due or some time is blocked (what some backends cannot model)."""
        return bool(self.blocked) or (self.break_after is not None and self.break_duration > 0
                                      and self.tw_late - self.tw_early > self.break_after)


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit (in the domain: one copy of a refill on one day). See :meth:`Model.add_visit`."""

    location: int
    tw_early: int
    tw_late: int
    service: int = 0
    allowed_vehicles: tuple[int, ...] | None = None
    required: bool = True
    penalty: int = 0
    service_cost: int = 0
    demand: int = 0
    name: str = ""
    first: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """Alternative visits of which at most one is served. See :meth:`Model.add_group`."""

    visits: tuple[int, ...]
    required: bool = True
    penalty: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class Schedule:
    """The least-duration timing of one visit order on one vehicle.

    ``feasible`` is False when some window, the return time or the maximum
    duration cannot be met; the times are then those of the earliest schedule
    (departure at the vehicle's ``tw_early``), and ``violations`` say what fails.
    """

    feasible: bool
    departure: int
    starts: tuple[int, ...]
    return_time: int
    duration: int
    distance: int
    violations: tuple[str, ...] = ()
    break_start: int | None = None
    break_end: int | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One thing the solver decides to serve or not: a lone visit or a group.

    ``visits`` are the alternatives (one member for a lone visit); serving any
    one of them serves the item. ``penalty`` applies when none is served and
    the item is optional.
    """

    visits: tuple[int, ...]
    required: bool
    penalty: int
    group: int | None


def check_int(**values: Any) -> None:
    """Raise ``TypeError`` unless every value is an int, ``ValueError`` if one is above :data:`MAX_VALUE`."""
    for label, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{label} must be an int, got {type(value).__name__} {value!r}")
        if value > MAX_VALUE:
            raise ValueError(f"{label} must be at most 2**53, got {value}")


def make_vehicle(*, start: int, end: int, tw_early: int, tw_late: int, soft_end: int | None,
                 overtime_cost: int, max_duration: int | None, max_visits: int | None,
                 capacity: int | None, fixed_cost: int, cost_per_time: int, cost_per_distance_unit: float,
                 name: str, blocked: Sequence[tuple[int, int]], break_duration: int,
                 break_after: int | None, break_preferred: tuple[int, int] | None) -> Vehicle:
    """A checked :class:`Vehicle` (see :meth:`Model.add_vehicle`); raises on a bad value."""
    check_int(tw_early=tw_early, tw_late=tw_late, overtime_cost=overtime_cost,
              fixed_cost=fixed_cost, cost_per_time=cost_per_time, break_duration=break_duration)
    spans = tuple((int(a), int(b)) for a, b in blocked)
    check_int(**{f"blocked[{i}]": x for i, ab in enumerate(spans) for x in ab})
    if break_duration < 0 or any(b <= a for a, b in spans):
        raise ValueError(f"break_duration must be >= 0 and blocked intervals non-empty: "
                         f"{break_duration}, {spans}")
    if tw_early < 0 or tw_late < tw_early:
        raise ValueError(f"vehicle time window [{tw_early}, {tw_late}] is empty or negative")
    for label, value in (("overtime_cost", overtime_cost), ("fixed_cost", fixed_cost),
                         ("cost_per_time", cost_per_time)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
    for label, opt in (("soft_end", soft_end), ("max_duration", max_duration),
                       ("max_visits", max_visits), ("capacity", capacity), ("break_after", break_after)):
        if opt is not None:
            check_int(**{label: opt})
            if opt < 0:
                raise ValueError(f"{label} must be >= 0, got {opt}")
    if not 0 <= cost_per_distance_unit <= MAX_VALUE:  # NaN fails too
        raise ValueError(f"cost_per_distance_unit must be in [0, 2**53], got {cost_per_distance_unit}")
    return Vehicle(int(start), int(end), int(tw_early), int(tw_late),
                   None if soft_end is None else int(soft_end), int(overtime_cost),
                   None if max_duration is None else int(max_duration),
                   None if max_visits is None else int(max_visits),
                   None if capacity is None else int(capacity),
                   int(fixed_cost), int(cost_per_time), float(cost_per_distance_unit), name, spans,
                   int(break_duration), None if break_after is None else int(break_after),
                   None if break_preferred is None else (int(break_preferred[0]), int(break_preferred[1])))


def check_visit(*, tw_early: int, tw_late: int, service: int, penalty: int, service_cost: int,
                demand: int) -> None:
    """Raise on a bad value of a visit (see :meth:`Model.add_visit`)."""
    check_int(tw_early=tw_early, tw_late=tw_late, service=service, penalty=penalty,
               service_cost=service_cost, demand=demand)
    if tw_early < 0 or tw_late < tw_early:
        raise ValueError(f"visit time window [{tw_early}, {tw_late}] is empty or negative")
    for label, value in (("service", service), ("penalty", penalty),
                         ("service_cost", service_cost), ("demand", demand)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
