"""The generic routing model: locations, vehicles, visits and groups of alternatives.

It knows nothing of pumps or nurses. A :class:`Model` is built with ``add_*``
calls, in the style of PyVRP's ``Model``, and solved by a named backend
(:mod:`optimizer.routing.runner`). The model also owns the rules: it schedules a
route (:meth:`Model.schedule`), evaluates a solution's objective
(:meth:`Model.evaluate`) and checks it (:meth:`Model.check`) without asking any
backend, so that backends can be compared and trusted only as far as checked.

Timing semantics (all integers; the domain uses minutes)
--------------------------------------------------------
A vehicle departs its start at ``departure >= tw_early``; it arrives at a visit
at ``previous end + duration[prev, loc]``; service starts at
``max(arrival, visit.tw_early)`` and must start no later than ``visit.tw_late``;
it ends ``service`` later; the vehicle is back at ``last end + duration[last,
end] <= vehicle.tw_late``. Route duration is ``return - departure`` (waiting
counts). Schedules leave as late as possible: the return is the earliest
possible and the departure the latest that still makes that return, which gives
the least duration a visit order allows. The one implementation of this timing
and of a route's cost is :mod:`optimizer.routing.timing`, shared with the domain.

Objective
---------
Sum over used vehicles of ``fixed_cost + cost_per_time * duration +
overtime_cost * max(0, return - soft_end) + distance cost``, plus the
``service_cost`` of every served visit, plus the ``penalty`` of every unserved
optional visit or group. The distance cost of a route is the sum over its arcs
of ``round(cost_per_distance_unit * distance[i, j])`` (numpy's ``rint``: half to
even), so that every backend and :meth:`Model.evaluate` count the very same
integers. A required visit or group left unserved costs
:attr:`Model.required_penalty`, so that infeasible solutions still compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .solution import RawRoutes, Route, Solution
from .timing import UNREACHABLE, route_cost, time_route

_INT64_MAX = np.iinfo(np.int64).max


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


class Model:
    """A vehicle routing model with time windows, eligibility and alternatives.

    Build it with :meth:`add_location`, :meth:`set_matrices`,
    :meth:`add_vehicle`, :meth:`add_visit` and :meth:`add_group`, then call
    :meth:`solve`. Indices returned by the ``add_*`` methods are positions, in
    the order of addition, and are what solutions refer to.

    Examples
    --------
    >>> m = Model()
    >>> depot, a = m.add_location(0, 0), m.add_location(3, 4)
    >>> m.set_matrices(np.array([[0, 5], [5, 0]]))
    >>> v = m.add_vehicle(start=depot, end=depot, tw_early=0, tw_late=100)
    >>> c = m.add_visit(location=a, tw_early=0, tw_late=50, service=10)
    >>> m.solve("ortools", time_limit=1, watchdog=None).routes[0].visits
    (0,)
    """

    def __init__(self) -> None:
        self._locations: list[Location] = []
        self._vehicles: list[Vehicle] = []
        self._visits: list[Visit] = []
        self._groups: list[Group] = []
        self._visit_group: list[int | None] = []
        self._duration: np.ndarray | None = None
        self._distance: np.ndarray | None = None
        self._cache: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = {}  # derived data is rebuilt where needed (e.g. in a child process)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # ------------------------------------------------------------------ build

    def add_location(self, x: float = 0, y: float = 0, *, name: str = "") -> int:
        """Add a location and return its index (a row/column of the matrices)."""
        self._locations.append(Location(float(x), float(y), name))
        self._cache.clear()
        return len(self._locations) - 1

    def set_matrices(self, duration: np.ndarray, distance: np.ndarray | None = None) -> None:
        """Set the travel matrices over all locations.

        Parameters
        ----------
        duration
            Square, non-negative integer travel times (``duration[i, j]`` from
            location ``i`` to ``j``). A value ``>= UNREACHABLE`` forbids the arc.
        distance
            Square, non-negative integer distances, used for route distances and
            distance costs. ``None`` means "the same as ``duration``" (as in
            VRPLIB instances, where travel time equals distance).
        """
        dur = _as_int_matrix(duration, "duration")
        dist = dur if distance is None else _as_int_matrix(distance, "distance")
        if dist.shape != dur.shape:
            raise ValueError(f"distance shape {dist.shape} differs from duration shape {dur.shape}")
        self._duration = dur
        self._distance = dist
        self._cache.clear()

    def add_vehicle(
        self,
        *,
        start: int,
        end: int,
        tw_early: int,
        tw_late: int,
        soft_end: int | None = None,
        overtime_cost: int = 0,
        max_duration: int | None = None,
        max_visits: int | None = None,
        capacity: int | None = None,
        fixed_cost: int = 0,
        cost_per_time: int = 0,
        cost_per_distance_unit: float = 0.0,
        name: str = "",
    ) -> int:
        """Add a vehicle and return its index.

        Parameters
        ----------
        start, end
            Location indices the route starts and ends at.
        tw_early, tw_late
            Hard bounds: departure ``>= tw_early``, return ``<= tw_late``.
        soft_end
            Return time after which ``overtime_cost`` is charged per time unit.
        overtime_cost
            Cost per time unit of returning after ``soft_end``.
        max_duration
            Hard limit on ``return - departure`` (waiting included).
        max_visits
            Hard limit on the number of visits on the route.
        capacity
            Hard limit on the summed ``demand`` of the visits (``None``: none).
        fixed_cost
            Cost charged when the vehicle is used (serves at least one visit).
        cost_per_time
            Cost per time unit of route duration.
        cost_per_distance_unit
            Cost per distance unit; each arc's cost is rounded to an integer
            (half to even) before summing, the same way in every backend.
        name
            Free label, kept for reports.
        """
        _check_int(tw_early=tw_early, tw_late=tw_late, overtime_cost=overtime_cost,
                   fixed_cost=fixed_cost, cost_per_time=cost_per_time)
        if tw_early < 0 or tw_late < tw_early:
            raise ValueError(f"vehicle time window [{tw_early}, {tw_late}] is empty or negative")
        for label, value in (("overtime_cost", overtime_cost), ("fixed_cost", fixed_cost),
                             ("cost_per_time", cost_per_time)):
            if value < 0:
                raise ValueError(f"{label} must be >= 0, got {value}")
        for label, opt in (("soft_end", soft_end), ("max_duration", max_duration),
                           ("max_visits", max_visits), ("capacity", capacity)):
            if opt is not None:
                _check_int(**{label: opt})
                if opt < 0:
                    raise ValueError(f"{label} must be >= 0, got {opt}")
        if not (cost_per_distance_unit >= 0 and np.isfinite(cost_per_distance_unit)):
            raise ValueError(f"cost_per_distance_unit must be finite and >= 0, got {cost_per_distance_unit}")
        self._check_location(start)
        self._check_location(end)
        self._vehicles.append(
            Vehicle(int(start), int(end), int(tw_early), int(tw_late),
                    None if soft_end is None else int(soft_end), int(overtime_cost),
                    None if max_duration is None else int(max_duration),
                    None if max_visits is None else int(max_visits),
                    None if capacity is None else int(capacity),
                    int(fixed_cost), int(cost_per_time), float(cost_per_distance_unit), name)
        )
        self._cache.clear()
        return len(self._vehicles) - 1

    def add_visit(
        self,
        *,
        location: int,
        tw_early: int,
        tw_late: int,
        service: int = 0,
        allowed_vehicles: Sequence[int] | None = None,
        required: bool = True,
        penalty: int = 0,
        service_cost: int = 0,
        demand: int = 0,
        name: str = "",
    ) -> int:
        """Add a visit and return its index.

        Parameters
        ----------
        location
            Location index where the visit takes place.
        tw_early, tw_late
            Window for the *start* of service; an early arrival waits.
        service
            Service duration.
        allowed_vehicles
            Vehicle indices that may serve the visit; ``None`` means all.
        required
            A required visit must be served; an optional one costs ``penalty``
            when it is not. A visit in a group takes both from the group.
        penalty
            Cost of leaving an optional visit unserved.
        service_cost
            Cost added when the visit *is* served (tiers: e.g. a visit on the
            last reserve day, or by a non-preferred nurse).
        demand
            Load the visit uses of the vehicle's ``capacity``.
        name
            Free label, kept for reports.
        """
        _check_int(tw_early=tw_early, tw_late=tw_late, service=service, penalty=penalty,
                   service_cost=service_cost, demand=demand)
        if tw_early < 0 or tw_late < tw_early:
            raise ValueError(f"visit time window [{tw_early}, {tw_late}] is empty or negative")
        for label, value in (("service", service), ("penalty", penalty),
                             ("service_cost", service_cost), ("demand", demand)):
            if value < 0:
                raise ValueError(f"{label} must be >= 0, got {value}")
        self._check_location(location)
        allowed = None
        if allowed_vehicles is not None:
            allowed = tuple(sorted({int(v) for v in allowed_vehicles}))
            if allowed and (allowed[0] < 0 or allowed[-1] >= len(self._vehicles)):
                raise IndexError(f"allowed_vehicles {allowed} refer to unknown vehicles "
                                 f"(there are {len(self._vehicles)}); add vehicles first")
        self._visits.append(
            Visit(int(location), int(tw_early), int(tw_late), int(service), allowed, bool(required),
                  int(penalty), int(service_cost), int(demand), name)
        )
        self._visit_group.append(None)
        self._cache.clear()
        return len(self._visits) - 1

    def add_group(self, visits: Sequence[int], *, required: bool = True, penalty: int = 0,
                  name: str = "") -> int:
        """Make ``visits`` alternatives of each other and return the group's index.

        At most one member is served. A required group must have exactly one
        served; an optional group costs ``penalty`` when none is. Members take
        their required flag and penalty from the group (their own are ignored);
        their ``service_cost`` still applies to the member served.
        """
        _check_int(penalty=penalty)
        if penalty < 0:
            raise ValueError(f"penalty must be >= 0, got {penalty}")
        members = tuple(int(c) for c in visits)
        if not members:
            raise ValueError("a group needs at least one visit")
        if len(set(members)) != len(members):
            raise ValueError(f"group lists a visit twice: {members}")
        gid = len(self._groups)
        for c in members:
            if not 0 <= c < len(self._visits):
                raise IndexError(f"unknown visit {c}")
            if self._visit_group[c] is not None:
                raise ValueError(f"visit {c} is already in group {self._visit_group[c]}")
        for c in members:
            self._visit_group[c] = gid
        self._groups.append(Group(members, bool(required), int(penalty), name))
        self._cache.clear()
        return gid

    # ------------------------------------------------------------- accessors

    @property
    def locations(self) -> tuple[Location, ...]:
        """All locations, by index."""
        return tuple(self._locations)

    @property
    def vehicles(self) -> tuple[Vehicle, ...]:
        """All vehicles, by index."""
        return tuple(self._vehicles)

    @property
    def visits(self) -> tuple[Visit, ...]:
        """All visits, by index."""
        return tuple(self._visits)

    @property
    def groups(self) -> tuple[Group, ...]:
        """All groups, by index."""
        return tuple(self._groups)

    @property
    def num_locations(self) -> int:
        return len(self._locations)

    @property
    def num_vehicles(self) -> int:
        return len(self._vehicles)

    @property
    def num_visits(self) -> int:
        return len(self._visits)

    def group_of(self, visit: int) -> int | None:
        """The group a visit belongs to, or ``None``."""
        return self._visit_group[visit]

    @property
    def duration(self) -> np.ndarray:
        """The duration matrix (read-only view)."""
        self._require_matrices()
        assert self._duration is not None
        view = self._duration.view()
        view.flags.writeable = False
        return view

    @property
    def distance(self) -> np.ndarray:
        """The distance matrix (read-only view)."""
        self._require_matrices()
        assert self._distance is not None
        view = self._distance.view()
        view.flags.writeable = False
        return view

    def items(self) -> tuple[Item, ...]:
        """The serve-or-not decisions: every lone visit, then every group."""
        if "items" not in self._cache:
            lone = [Item((c,), v.required, v.penalty, None)
                    for c, v in enumerate(self._visits) if self._visit_group[c] is None]
            grouped = [Item(g.visits, g.required, g.penalty, gid) for gid, g in enumerate(self._groups)]
            self._cache["items"] = tuple(lone + grouped)
        return self._cache["items"]

    def is_allowed(self, visit: int, vehicle: int) -> bool:
        """Whether ``vehicle`` is among the visit's allowed vehicles."""
        allowed = self._visits[visit].allowed_vehicles
        return allowed is None or vehicle in allowed

    def validate(self) -> None:
        """Raise ``ValueError`` if the model is incomplete or inconsistent."""
        self._require_matrices()
        n = len(self._locations)
        assert self._duration is not None
        if self._duration.shape != (n, n):
            raise ValueError(f"matrices are {self._duration.shape}, expected ({n}, {n}) for {n} locations")

    @property
    def required_penalty(self) -> int:
        """Cost of leaving one required visit or group unserved.

        Larger than any total the rest of the objective can reach, so a solver
        never trades a required visit for cost; capped so that sums stay far
        below the int64 range.
        """
        if "required_penalty" not in self._cache:
            self._cache["required_penalty"] = self._compute_required_penalty()
        return self._cache["required_penalty"]

    # -------------------------------------------------------------- arrays

    def arrays(self) -> "ModelArrays":
        """Numpy views of the model used by backends and pruning (cached)."""
        if "arrays" not in self._cache:
            self.validate()
            self._cache["arrays"] = ModelArrays.build(self)
        return self._cache["arrays"]

    def arc_costs(self, rate: float) -> np.ndarray:
        """Integer distance cost of every arc between locations at ``rate`` per unit."""
        key = f"arc_costs:{rate!r}"
        if key not in self._cache:
            self._require_matrices()
            assert self._distance is not None
            if rate == 0:
                self._cache[key] = np.zeros_like(self._distance)
            else:
                self._cache[key] = np.rint(rate * self._distance.astype(np.float64)).astype(np.int64)
        return self._cache[key]

    def arc_cost(self, vehicle: int, i: int, j: int) -> int:
        """Distance cost of one arc (between locations ``i`` and ``j``) for ``vehicle``."""
        rate = self._vehicles[vehicle].cost_per_distance_unit
        if rate == 0:
            return 0
        assert self._distance is not None
        return int(np.rint(rate * float(self._distance[i, j])))

    # ------------------------------------------------------------ schedule

    def schedule(self, vehicle: int, visits: Sequence[int]) -> Schedule:
        """Time a visit order on a vehicle with :func:`~optimizer.routing.timing.time_route`.

        The return is the earliest the order allows; the departure is the
        latest that still makes that return, hence the least duration.
        """
        self._require_matrices()
        dur, dist = self._duration, self._distance
        assert dur is not None and dist is not None
        veh = self._vehicles[vehicle]
        vs = [self._visits[c] for c in visits]
        locs = [veh.start] + [v.location for v in vs] + [veh.end]
        travel = [int(dur[a, b]) for a, b in zip(locs, locs[1:])]
        distance = sum(int(dist[a, b]) for a, b in zip(locs, locs[1:]))
        t = time_route(travel, [v.tw_early for v in vs], [v.tw_late for v in vs], [v.service for v in vs],
                       earliest_departure=veh.tw_early, latest_return=veh.tw_late, soft_end=veh.soft_end,
                       max_duration=veh.max_duration, labels=list(visits))
        return Schedule(t.feasible, t.departure, t.starts, t.return_time, t.duration, distance, t.violations)

    def route_cost(self, vehicle: int, visits: Sequence[int], *, departure: int, return_time: int) -> dict[str, int]:
        """Cost parts of one used route given its times, by
        :func:`~optimizer.routing.timing.route_cost` (empty routes cost nothing)."""
        veh = self._vehicles[vehicle]
        locs = [veh.start] + [self._visits[c].location for c in visits] + [veh.end]
        if veh.cost_per_distance_unit == 0 or not visits:
            arcs: list[int] = []
        else:
            costs = self.arc_costs(veh.cost_per_distance_unit)
            arcs = [int(costs[a, b]) for a, b in zip(locs, locs[1:])]
        over = 0 if veh.soft_end is None else max(0, return_time - veh.soft_end)
        return route_cost(stops=len(visits), duration=return_time - departure, overtime=over, arc_costs=arcs,
                          service_costs=[self._visits[c].service_cost for c in visits],
                          fixed_cost=veh.fixed_cost, cost_per_time=veh.cost_per_time,
                          overtime_cost=veh.overtime_cost)

    # ------------------------------------------------ solutions: build/check

    def build_solution(
        self,
        routes: RawRoutes,
        *,
        status: str = "feasible",
        backend: str = "",
        runtime: float = 0.0,
        lower_bound: int | None = None,
        message: str = "",
    ) -> Solution:
        """Turn visit orders per vehicle into a :class:`Solution` with schedules and costs.

        Times come from :meth:`schedule` (never from a backend), so every
        backend's routes are timed the same way. ``status`` is the backend's
        claim; it is downgraded to ``"infeasible"`` when :meth:`check` finds
        problems, and those are added to ``message``.
        """
        built: list[Route] = []
        for vehicle, visits in sorted((int(v), tuple(int(c) for c in vs)) for v, vs in routes if vs):
            s = self.schedule(vehicle, visits)
            built.append(Route(vehicle, visits, s.starts, s.departure, s.return_time, s.duration, s.distance))
        served = {c for r in built for c in r.visits}
        unserved = tuple(self._unserved(served))
        draft = Solution(tuple(built), unserved, 0, {}, status, lower_bound, runtime, backend, message)
        breakdown = self.cost_breakdown(draft)
        issues = self.check(draft)
        if issues and status in ("feasible", "optimal"):
            status = "infeasible"
        if issues:
            shown = "; ".join(issues[:5]) + (f"; ... {len(issues) - 5} more" if len(issues) > 5 else "")
            message = (message + "\n" if message else "") + f"check: {shown}"
        return Solution(tuple(built), unserved, sum(breakdown.values()), breakdown, status, lower_bound,
                        runtime, backend, message)

    def _unserved(self, served: set[int]) -> list[int]:
        out: list[int] = []
        for item in self.items():
            if not any(c in served for c in item.visits):
                out.extend(item.visits)
        return sorted(out)

    def cost_breakdown(self, solution: Solution) -> dict[str, int]:
        """Objective parts of ``solution``, computed from the model and the solution's times."""
        parts = {"fixed": 0, "time": 0, "overtime": 0, "distance": 0, "service": 0,
                 "penalty": 0, "required_penalty": 0}
        for r in solution.routes:
            for k, v in self.route_cost(r.vehicle, r.visits, departure=r.departure,
                                        return_time=r.return_time).items():
                parts[k] += v
        served = {c for r in solution.routes for c in r.visits}
        for item in self.items():
            if not any(c in served for c in item.visits):
                if item.required:
                    parts["required_penalty"] += self.required_penalty
                else:
                    parts["penalty"] += item.penalty
        return parts

    def evaluate(self, solution: Solution) -> int:
        """The objective of ``solution``, recomputed from the model (see module docs)."""
        return sum(self.cost_breakdown(solution).values())

    def check(self, solution: Solution) -> list[str]:
        """Every violated rule of the model in ``solution``; empty when it is feasible.

        Checks, from the model alone: known vehicles and visits, each vehicle
        used at most once, each visit served at most once, allowed vehicles,
        reachable arcs, reported times consistent with travel (arrival, waiting,
        service), visit and vehicle time windows, maximum duration, maximum
        visits, capacity, group cardinality, required visits and groups served,
        and that ``unserved`` lists exactly what is not served.
        """
        self.validate()
        dur = self._duration
        assert dur is not None
        issues: list[str] = []
        seen_vehicles: set[int] = set()
        served: dict[int, int] = {}
        for r in solution.routes:
            v = r.vehicle
            if not 0 <= v < len(self._vehicles):
                issues.append(f"route on unknown vehicle {v}")
                continue
            if v in seen_vehicles:
                issues.append(f"vehicle {v} has more than one route")
            seen_vehicles.add(v)
            veh = self._vehicles[v]
            if len(r.starts) != len(r.visits):
                issues.append(f"vehicle {v}: {len(r.starts)} start times for {len(r.visits)} visits")
                continue
            bad = [c for c in r.visits if not 0 <= c < len(self._visits)]
            if bad:
                issues.append(f"vehicle {v}: unknown visits {bad}")
                continue
            for c in r.visits:
                if c in served:
                    issues.append(f"visit {c} served twice (vehicles {served[c]} and {v})")
                served[c] = v
                if not self.is_allowed(c, v):
                    issues.append(f"visit {c} on vehicle {v}, which is not allowed")
            if r.departure < veh.tw_early:
                issues.append(f"vehicle {v} departs at {r.departure} < tw_early {veh.tw_early}")
            prev_loc, t = veh.start, r.departure
            for c, start in zip(r.visits, r.starts):
                vis = self._visits[c]
                travel = int(dur[prev_loc, vis.location])
                if travel >= UNREACHABLE:
                    issues.append(f"vehicle {v}: unreachable arc {prev_loc}->{vis.location} to visit {c}")
                if start < t + travel:
                    issues.append(f"visit {c} starts at {start} before arrival {t + travel}")
                if start < vis.tw_early or start > vis.tw_late:
                    issues.append(f"visit {c} starts at {start} outside [{vis.tw_early}, {vis.tw_late}]")
                t = start + vis.service
                prev_loc = vis.location
            back = int(dur[prev_loc, veh.end])
            if back >= UNREACHABLE:
                issues.append(f"vehicle {v}: unreachable arc {prev_loc}->{veh.end} back to its end")
            if r.return_time < t + back:
                issues.append(f"vehicle {v} returns at {r.return_time} before it can ({t + back})")
            if r.return_time > veh.tw_late:
                issues.append(f"vehicle {v} returns at {r.return_time} > tw_late {veh.tw_late}")
            if r.duration != r.return_time - r.departure:
                issues.append(f"vehicle {v}: duration {r.duration} != return - departure")
            if veh.max_duration is not None and r.return_time - r.departure > veh.max_duration:
                issues.append(f"vehicle {v}: duration {r.return_time - r.departure} > max_duration {veh.max_duration}")
            if veh.max_visits is not None and len(r.visits) > veh.max_visits:
                issues.append(f"vehicle {v}: {len(r.visits)} visits > max_visits {veh.max_visits}")
            if veh.capacity is not None:
                load = sum(self._visits[c].demand for c in r.visits)
                if load > veh.capacity:
                    issues.append(f"vehicle {v}: load {load} > capacity {veh.capacity}")
        for gid, g in enumerate(self._groups):
            n = sum(c in served for c in g.visits)
            if n > 1:
                issues.append(f"group {gid}: {n} alternatives served, at most one allowed")
        for item in self.items():
            if item.required and not any(c in served for c in item.visits):
                what = f"group {item.group}" if item.group is not None else f"visit {item.visits[0]}"
                issues.append(f"required {what} not served")
        expected = self._unserved(set(served))
        if sorted(solution.unserved) != expected:
            issues.append(f"unserved lists {sorted(solution.unserved)[:10]}..., expected {expected[:10]}...")
        return issues

    # ------------------------------------------------------------------ solve

    def solve(
        self,
        backend: str = "ortools",
        *,
        time_limit: float | None = 10.0,
        max_iterations: int | None = None,
        seed: int = 0,
        watchdog: float | None | Literal["auto"] = "auto",
        initial: Solution | None = None,
        progress: Callable[[str], None] | None = None,
        fallback: str | None | Literal["auto"] = "auto",
        options: dict[str, Any] | None = None,
    ) -> Solution:
        """Solve with a named backend; see :func:`optimizer.routing.solve` for the options."""
        from .runner import solve

        return solve(self, backend, time_limit=time_limit, max_iterations=max_iterations, seed=seed,
                     watchdog=watchdog, initial=initial, progress=progress, fallback=fallback,
                     options=options)

    # -------------------------------------------------------------- helpers

    def _check_location(self, loc: int) -> None:
        if not 0 <= int(loc) < len(self._locations):
            raise IndexError(f"unknown location {loc} (there are {len(self._locations)})")

    def _require_matrices(self) -> None:
        if self._duration is None:
            raise ValueError("set_matrices() has not been called")

    def _compute_required_penalty(self) -> int:
        a = self.arrays()
        big = 1
        for v in self._vehicles:
            span = v.tw_late - v.tw_early
            big += v.fixed_cost + v.cost_per_time * span
            if v.soft_end is not None:
                big += v.overtime_cost * max(0, v.tw_late - v.soft_end)
        # Distance: every visit arc at most once, plus a way out and back per vehicle.
        reach = a.duration < UNREACHABLE
        for rate in {v.cost_per_distance_unit for v in self._vehicles}:
            if rate:
                costs = self.arc_costs(rate)
                worst = int(np.where(reach, costs, 0).max(initial=0))
                big += worst * (len(self._visits) + 2 * len(self._vehicles))
        big += sum(v.service_cost for v in self._visits)
        big += sum(i.penalty for i in self.items() if not i.required)
        cap = (1 << 62) // (len(self.items()) + 2)
        return int(min(max(big, 10**6), cap))


@dataclass(frozen=True, slots=True)
class ModelArrays:
    """Numpy arrays of a model, in visit/vehicle index order, plus pruning facts.

    ``fits`` is the visit × vehicle matrix of pairs that can work at all: the
    vehicle is allowed, and a route with that visit alone meets every window,
    the maximum duration, capacity and reachability. A visit no vehicle fits is
    unservable whatever else happens.
    """

    duration: np.ndarray  # location × location
    distance: np.ndarray
    loc: np.ndarray  # per visit
    tw_early: np.ndarray
    tw_late: np.ndarray
    service: np.ndarray
    service_cost: np.ndarray
    demand: np.ndarray
    group: np.ndarray  # -1 when none
    v_start: np.ndarray  # per vehicle
    v_end: np.ndarray
    v_tw_early: np.ndarray
    v_tw_late: np.ndarray
    v_max_duration: np.ndarray  # int64 max when none
    v_max_visits: np.ndarray
    v_capacity: np.ndarray
    allowed: np.ndarray  # visit × vehicle bool (user eligibility)
    fits: np.ndarray  # visit × vehicle bool (eligibility and single-visit feasibility)

    @staticmethod
    def build(model: Model) -> "ModelArrays":
        dur = model._duration
        dist = model._distance
        assert dur is not None and dist is not None
        visits, vehicles = model._visits, model._vehicles
        n, m = len(visits), len(vehicles)
        big = _INT64_MAX
        loc = np.fromiter((v.location for v in visits), np.int64, n)
        twe = np.fromiter((v.tw_early for v in visits), np.int64, n)
        twl = np.fromiter((v.tw_late for v in visits), np.int64, n)
        svc = np.fromiter((v.service for v in visits), np.int64, n)
        scost = np.fromiter((v.service_cost for v in visits), np.int64, n)
        demand = np.fromiter((v.demand for v in visits), np.int64, n)
        group = np.fromiter((-1 if g is None else g for g in model._visit_group), np.int64, n)
        vs = np.fromiter((v.start for v in vehicles), np.int64, m)
        ve = np.fromiter((v.end for v in vehicles), np.int64, m)
        vte = np.fromiter((v.tw_early for v in vehicles), np.int64, m)
        vtl = np.fromiter((v.tw_late for v in vehicles), np.int64, m)
        vmd = np.fromiter((big if v.max_duration is None else v.max_duration for v in vehicles), np.int64, m)
        vmv = np.fromiter((big if v.max_visits is None else v.max_visits for v in vehicles), np.int64, m)
        vcap = np.fromiter((big if v.capacity is None else v.capacity for v in vehicles), np.int64, m)
        allowed = np.ones((n, m), dtype=bool)
        for c, v in enumerate(visits):
            if v.allowed_vehicles is not None:
                allowed[c, :] = False
                allowed[c, list(v.allowed_vehicles)] = True
        # Single-visit routes, vectorised over visit × vehicle.
        out = dur[vs[None, :], loc[:, None]]  # n × m
        back = dur[loc[:, None], ve[None, :]]
        start = np.maximum(vte[None, :] + out, twe[:, None])
        ret = start + svc[:, None] + back
        fits = (
            allowed
            & (out < UNREACHABLE) & (back < UNREACHABLE)
            & (start <= twl[:, None])
            & (ret <= vtl[None, :])
            & (out + svc[:, None] + back <= vmd[None, :])
            & (vmv[None, :] >= 1)
            & (demand[:, None] <= vcap[None, :])
        )
        return ModelArrays(dur, dist, loc, twe, twl, svc, scost, demand, group, vs, ve, vte, vtl,
                           vmd, vmv, vcap, allowed, fits)

    def servable(self) -> np.ndarray:
        """Visits at least one vehicle fits."""
        return self.fits.any(axis=1)

    def arc_possible(self, rows: np.ndarray, cols: np.ndarray, *, max_work: float = 4e10) -> np.ndarray:
        """Which arcs ``visit rows[i] -> visit cols[j]`` could ever be used.

        Pruned: unreachable arcs, arcs whose time windows cannot chain (the
        earliest end of the first plus travel is past the second's window),
        arcs between alternatives of one group, and, when the work is cheap
        enough (``len(rows) * len(cols) * vehicles <= max_work``), arcs
        between visits no common vehicle fits.
        """
        lr, lc = self.loc[rows], self.loc[cols]
        travel = self.duration[np.ix_(lr, lc)]
        ok = travel < UNREACHABLE
        ok &= (self.tw_early[rows] + self.service[rows])[:, None] + travel <= self.tw_late[cols][None, :]
        gr, gc = self.group[rows], self.group[cols]
        ok &= ~((gr[:, None] == gc[None, :]) & (gr[:, None] >= 0))
        fr, fc = self.fits[rows], self.fits[cols]
        # Vehicles with identical fit columns are merged before the product.
        both = np.concatenate([fr, fc], axis=0)
        _, first = np.unique(both.T, axis=0, return_index=True)
        cols_kept = np.sort(first)
        if len(rows) * len(cols) * len(cols_kept) <= max_work:
            a = fr[:, cols_kept].astype(np.float32)
            b = fc[:, cols_kept].astype(np.float32)
            ok &= (a @ b.T) > 0.5
        return ok


def _as_int_matrix(a: Any, label: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{label} must be a square matrix, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{label} has non-finite values; use UNREACHABLE for forbidden arcs")
        if not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{label} must hold integers (scale and round first)")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{label} must be numeric, got {arr.dtype}")
    arr = np.minimum(arr, UNREACHABLE).astype(np.int64) if arr.dtype.kind == "f" else arr.astype(np.int64)
    if (arr < 0).any():
        raise ValueError(f"{label} has negative values")
    arr = np.minimum(arr, UNREACHABLE)
    arr.flags.writeable = False
    return arr


def _check_int(**values: Any) -> None:
    for label, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{label} must be an int, got {type(value).__name__} {value!r}")
