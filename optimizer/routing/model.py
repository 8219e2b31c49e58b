"""The generic routing model: locations, vehicles, visits and groups of alternatives.

It knows nothing of pumps or nurses. A :class:`Model` is built with ``add_*``
calls, in the style of PyVRP's ``Model``, and solved by a named backend
(:mod:`optimizer.routing.runner`). The model also owns the rules: it schedules a
route (:meth:`Model.schedule`), evaluates a solution's objective
(:meth:`Model.evaluate`) and checks it (:meth:`Model.check`) without asking any
backend, so that backends can be compared and trusted only as far as checked.

Timing (all integers; the domain uses minutes): the one route schedule and
route cost of :mod:`optimizer.routing.timing`, shared with the domain: windows,
waiting, blocked intervals and breaks, least duration.

Order: the visits flagged ``first`` (:meth:`Model.add_visit`) lead their route;
:meth:`Model.check` reports a route where another visit precedes one of them
(and :meth:`Model.build_solution` then calls the solution infeasible), while
:meth:`Model.schedule` times any order it is given.

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

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np

from .arrays import ModelArrays, as_int_matrix, required_penalty_of
from .check import check_solution, cost_breakdown, require_known, unserved_of
from .entities import (MAX_VALUE, Group, Item, Location, Schedule, Vehicle, Visit, check_int, check_visit,
                       make_vehicle)
from .runner import solve as run_solve
from .solution import RawRoutes, Route, Solution
from .timing import UNREACHABLE, route_cost, time_route

__all__ = ["Model", "ModelArrays", "Location", "Vehicle", "Visit", "Group", "Schedule", "Item", "UNREACHABLE"]


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
        with _labelled("location", len(self._locations), name):
            if not (np.isfinite(x) and np.isfinite(y)):
                raise ValueError(f"coordinates must be finite, got ({x}, {y})")
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
            Square, non-negative integer distances (at most 2**53, taken as they
            are), used for route distances and distance costs. ``None`` means "the
            same as ``duration``" (as in VRPLIB instances, where travel time equals distance).
        """
        dur = as_int_matrix(duration, "duration")
        dist = dur if distance is None else as_int_matrix(distance, "distance", cap=False)
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
        blocked: Sequence[tuple[int, int]] = (),
        break_duration: int = 0,
        break_after: int | None = None,
        break_preferred: tuple[int, int] | None = None,
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
        blocked
            Intervals ``[a, b)`` with no drive, service or break (waiting across is allowed).
        break_duration, break_after, break_preferred
            A route longer than ``break_after`` takes one break of ``break_duration``
            between visits, placed nearest ``break_preferred`` among equally short
            schedules (:func:`~optimizer.routing.timing.time_route`).
        """
        with _labelled("vehicle", len(self._vehicles), name):
            self._check_location(start)
            self._check_location(end)
            vehicle = make_vehicle(
                start=start, end=end, tw_early=tw_early, tw_late=tw_late, soft_end=soft_end,
                overtime_cost=overtime_cost, max_duration=max_duration, max_visits=max_visits, capacity=capacity,
                fixed_cost=fixed_cost, cost_per_time=cost_per_time, cost_per_distance_unit=cost_per_distance_unit,
                name=name, blocked=blocked, break_duration=break_duration, break_after=break_after,
                break_preferred=break_preferred)
        self._vehicles.append(vehicle)
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
        first: bool = False,
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
        first
            On its route, no visit without the flag may precede it: the visits
            flagged ``first`` lead their route (in the domain: an overdue refill,
            the most urgent of all, is the nurse's first stop).
        """
        with _labelled("visit", len(self._visits), name):
            check_visit(tw_early=tw_early, tw_late=tw_late, service=service, penalty=penalty,
                        service_cost=service_cost, demand=demand)
            self._check_location(location)
            allowed = None
            if allowed_vehicles is not None:
                allowed = tuple(sorted({int(v) for v in allowed_vehicles}))
                if allowed and (allowed[0] < 0 or allowed[-1] >= len(self._vehicles)):
                    raise IndexError(f"allowed_vehicles {allowed} refer to unknown vehicles "
                                     f"(there are {len(self._vehicles)}); add vehicles first")
        self._visits.append(
            Visit(int(location), int(tw_early), int(tw_late), int(service), allowed, bool(required),
                  int(penalty), int(service_cost), int(demand), name, bool(first))
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
        check_int(penalty=penalty)
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
        """Raise ``ValueError`` if the model is incomplete or inconsistent.

        Checks that the matrices are set and match the locations, and that no vehicle's
        distance cost of a usable arc exceeds :data:`~optimizer.routing.entities.MAX_VALUE`
        (above it, integer costs would wrap around in the backends and in :meth:`evaluate`).
        """
        self._require_matrices()
        n = len(self._locations)
        assert self._duration is not None and self._distance is not None
        if self._duration.shape != (n, n):
            raise ValueError(f"matrices are {self._duration.shape}, expected ({n}, {n}) for {n} locations")
        longest = int(self._distance[self._duration < UNREACHABLE].max(initial=0))
        for v, veh in enumerate(self._vehicles):
            if veh.cost_per_distance_unit * longest > MAX_VALUE:
                raise ValueError(f"vehicle {v}: cost_per_distance_unit {veh.cost_per_distance_unit} times the "
                                 f"longest usable distance {longest} is above 2**53")

    @property
    def required_penalty(self) -> int:
        """Cost of leaving one required visit or group unserved.

        Larger than any total the rest of the objective can reach, so a solver
        never trades a required visit for cost; capped so that sums stay far
        below the int64 range.
        """
        if "required_penalty" not in self._cache:
            self._cache["required_penalty"] = required_penalty_of(self)
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
            else:  # capped: only unusable arcs can reach the cap in a valid model (validate)
                cost = np.minimum(rate * self._distance.astype(np.float64), MAX_VALUE)
                self._cache[key] = np.rint(cost).astype(np.int64)
        return self._cache[key]

    def arc_cost(self, vehicle: int, i: int, j: int) -> int:
        """Distance cost of one arc (between locations ``i`` and ``j``) for ``vehicle``."""
        rate = self._vehicles[vehicle].cost_per_distance_unit
        if rate == 0:
            return 0
        assert self._distance is not None
        return int(np.rint(rate * float(self._distance[i, j])))

    # ------------------------------------------------------------ schedule

    def schedule(self, vehicle: int, visits: Sequence[int], *, relaxed: bool = False) -> Schedule:
        """Time a visit order on a vehicle with :func:`~optimizer.routing.timing.time_route`.

        The return is the earliest the order allows; the departure is the
        latest that still makes that return, hence the least duration. The
        vehicle's blocked intervals and break apply unless ``relaxed``.
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
                       max_duration=veh.max_duration, labels=list(visits),
                       blocked=() if relaxed else veh.blocked,
                       break_duration=0 if relaxed else veh.break_duration, break_after=veh.break_after,
                       break_preferred=veh.break_preferred)
        return Schedule(t.feasible, t.departure, t.starts, t.return_time, t.duration, distance, t.violations,
                        t.break_start, t.break_end)

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

        Raises
        ------
        ValueError
            A route names a vehicle or a visit the model does not have (a negative index
            included), which cannot be timed.
        """
        built: list[Route] = []
        for vehicle, visits in sorted((int(v), tuple(int(c) for c in vs)) for v, vs in routes if vs):
            require_known(self, vehicle, visits)
            s = self.schedule(vehicle, visits)
            built.append(Route(vehicle, visits, s.starts, s.departure, s.return_time, s.duration, s.distance,
                               s.break_start))
        served = {c for r in built for c in r.visits}
        unserved = tuple(unserved_of(self, served))
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

    def cost_breakdown(self, solution: Solution) -> dict[str, int]:
        """Objective parts of ``solution``, computed from the model and the solution's times."""
        return cost_breakdown(self, solution)

    def evaluate(self, solution: Solution) -> int:
        """The objective of ``solution``, recomputed from the model (see module docs)."""
        return sum(self.cost_breakdown(solution).values())

    def check(self, solution: Solution) -> list[str]:
        """Every violated rule of the model in ``solution``; empty when it is feasible
        (:func:`optimizer.routing.check.check_solution`)."""
        return check_solution(self, solution)

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
        return run_solve(self, backend, time_limit=time_limit, max_iterations=max_iterations, seed=seed,
                         watchdog=watchdog, initial=initial, progress=progress, fallback=fallback,
                         options=options)

    # -------------------------------------------------------------- helpers

    def _check_location(self, loc: int) -> None:
        if not 0 <= int(loc) < len(self._locations):
            raise IndexError(f"unknown location {loc} (there are {len(self._locations)})")

    def _require_matrices(self) -> None:
        if self._duration is None:
            raise ValueError("set_matrices() has not been called")


@contextmanager
def _labelled(kind: str, index: int, name: str) -> Iterator[None]:
    """Prefix the message of a ``ValueError``, ``TypeError`` or ``IndexError`` raised inside with
    the entity being added (``"visit 3 ('Smith')"``), so that a bad field is found in a large model."""
    try:
        yield
    except (ValueError, TypeError, IndexError) as exc:
        label = f"{kind} {index}" + (f" ({name!r})" if name else "")
        raise type(exc)(f"{label}: {exc}") from None
