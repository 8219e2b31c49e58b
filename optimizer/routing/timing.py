"""The one route schedule and the one route cost, on plain integers.

Everything that times or prices a route calls these two functions: the routing
model (:meth:`~optimizer.routing.model.Model.schedule`, its evaluation, its
check and the cheapest-insertion construction) and, through the thin domain
adapter :mod:`optimizer.planning.schedule`, the greedy, the planner and plan building.
They know nothing of nurses or pumps: travel times, time windows, service
durations and money are integers in the caller's units.

Timing semantics
----------------
A route departs at ``departure >= earliest_departure``; it arrives at stop ``k``
at ``previous end + travel[k]``; service starts at ``max(arrival, tw_early[k])``
and must start no later than ``tw_late[k]``; it ends ``service[k]`` later; the
route is back at ``last end + travel[-1] <= latest_return``. The schedule
returned is the least-duration one: the earliest return the order allows, and
the latest departure that still makes it (so no waiting is paid before the
first stop). Waiting at a stop is ``start - arrival``.

Breaks (issue 11) slot in as one more step of the forward pass
(:func:`_forward`): a break is taken at the first stop boundary where the work
so far passes a threshold, and the backward pass treats it as service time; the
:class:`Timing` record then gains its start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["UNREACHABLE", "Timing", "time_route", "route_cost", "COST_PARTS"]

UNREACHABLE: int = 10**9
"""A travel time at or above this value marks an arc that may never be used."""

COST_PARTS: tuple[str, ...] = ("fixed", "time", "overtime", "distance", "service")
"""The parts of a route's cost, in the order :func:`route_cost` returns them."""


@dataclass(frozen=True, slots=True)
class Timing:
    """The schedule of one visit order.

    Attributes
    ----------
    feasible
        False when a window, the latest return, the maximum duration or an
        unreachable arc is broken; the times are then those of the earliest
        schedule (departure at ``earliest_departure``) and ``violations`` say why.
    departure, return_time
        When the route leaves its start and is back at its end.
    arrivals, starts
        Per stop: arrival, and start of service (``start - arrival`` is waiting).
    overtime
        ``max(0, return_time - soft_end)``; 0 without a ``soft_end``.
    """

    feasible: bool
    departure: int
    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    return_time: int
    overtime: int = 0
    violations: tuple[str, ...] = ()

    @property
    def duration(self) -> int:
        """``return_time - departure`` (waiting included)."""
        return self.return_time - self.departure

    @property
    def waits(self) -> tuple[int, ...]:
        """Waiting at each stop before its service starts."""
        return tuple(s - a for s, a in zip(self.starts, self.arrivals))


def _forward(depart: int, travel: Sequence[int], tw_early: Sequence[int],
             service: Sequence[int]) -> tuple[list[int], list[int], int]:
    """Arrivals, earliest starts and return of a departure at ``depart``."""
    t = depart
    arrivals: list[int] = []
    starts: list[int] = []
    for k in range(len(tw_early)):
        arrive = t + travel[k]
        t = arrive if arrive > tw_early[k] else tw_early[k]
        arrivals.append(arrive)
        starts.append(t)
        t += service[k]
    return arrivals, starts, t + travel[-1]


def time_route(
    travel: Sequence[int],
    tw_early: Sequence[int],
    tw_late: Sequence[int],
    service: Sequence[int],
    *,
    earliest_departure: int,
    latest_return: int,
    soft_end: int | None = None,
    max_duration: int | None = None,
    labels: Sequence[object] | None = None,
) -> Timing:
    """Time a visit order, leaving as late as the least duration allows.

    Parameters
    ----------
    travel
        ``len(tw_early) + 1`` leg times: start → first stop, ..., last stop → end.
        A leg ``>= UNREACHABLE`` makes the route infeasible.
    tw_early, tw_late, service
        Per stop: window for the start of service, and service duration.
    earliest_departure, latest_return
        Hard bounds of the route (shift start; shift end plus overtime).
    soft_end
        Return time after which overtime counts (``Timing.overtime``).
    max_duration
        Hard limit on ``return - departure``.
    labels
        Names of the stops for the violation messages (default: positions).

    Returns
    -------
    Timing
        The least-duration schedule, or the earliest one with violations.
    """
    n = len(tw_early)
    names = labels if labels is not None else range(n)
    violations: list[str] = []
    if any(t >= UNREACHABLE for t in travel):
        violations.append("uses an unreachable arc")
    arrivals, starts, ret = _forward(earliest_departure, travel, tw_early, service)
    for k in range(n):
        if starts[k] > tw_late[k]:
            violations.append(f"visit {names[k]} starts at {starts[k]} > tw_late {tw_late[k]}")
    if ret > latest_return:
        violations.append(f"returns at {ret} > vehicle tw_late {latest_return}")
    if violations:
        return Timing(False, earliest_departure, tuple(arrivals), tuple(starts), ret,
                      _overtime(ret, soft_end), tuple(violations))
    departure = earliest_departure
    if n:
        # Backward from that return: the latest start of each stop that still makes it.
        latest = ret - travel[-1]
        for k in range(n - 1, -1, -1):
            latest = min(tw_late[k], latest - service[k]) - travel[k]
        departure = latest
        arrivals, starts, ret2 = _forward(departure, travel, tw_early, service)
        assert ret2 == ret, (ret2, ret)
    if max_duration is not None and ret - departure > max_duration:
        violations.append(f"duration {ret - departure} > max_duration {max_duration}")
    return Timing(not violations, departure, tuple(arrivals), tuple(starts), ret,
                  _overtime(ret, soft_end), tuple(violations))


def _overtime(return_time: int, soft_end: int | None) -> int:
    return 0 if soft_end is None else max(0, return_time - soft_end)


def route_cost(
    *,
    stops: int,
    duration: int,
    overtime: int,
    arc_costs: Sequence[int],
    service_costs: Sequence[int] = (),
    fixed_cost: int = 0,
    cost_per_time: int = 0,
    overtime_cost: int = 0,
) -> dict[str, int]:
    """The cost of one route, by part (see :data:`COST_PARTS`).

    ``fixed_cost`` once, ``cost_per_time`` per unit of ``duration`` (waiting
    included), ``overtime_cost`` per unit of ``overtime``, the sum of the
    integer ``arc_costs`` of its legs and the ``service_costs`` of its stops.
    A route with no stop (``stops == 0``) is not used and costs nothing.
    Take ``duration`` and ``overtime`` from :func:`time_route`.
    """
    if stops == 0:
        return dict.fromkeys(COST_PARTS, 0)
    return {
        "fixed": int(fixed_cost),
        "time": int(cost_per_time) * int(duration),
        "overtime": int(overtime_cost) * int(overtime),
        "distance": int(sum(arc_costs)),
        "service": int(sum(service_costs)),
    }
