"""PyVRP backend, written against PyVRP 0.13.4 (pinned; 0.14.1 hung on SDVRPTW here).

Mapping of the generic model:

* depots: the distinct vehicle start/end locations; clients: the servable
  visits (visits no vehicle fits alone are left out and reported unserved);
* eligibility: 0.13.4 has no per-client vehicle list, so, as PyVRP's own VRPLIB
  reader does for site-dependent instances, each distinct (allowed-client set,
  distance rate) gets a *profile* whose distance matrix forbids the other
  clients with ``MAX_VALUE``; vehicles with identical attributes share a
  vehicle type. Forbidden arcs are only priced, not impossible: any solution
  that still uses one is caught by :meth:`Model.check`;
* the profile "distance" matrix is the arc *cost*: rounded distance cost plus
  the ``service_cost`` of the from-client (``unit_distance_cost = 1``);
* optional visits: ``required=False`` with ``prize = penalty``; groups:
  mutually exclusive ``ClientGroup`` (members optional, group ``required`` as
  given; an optional group's members each get ``prize = penalty``, which is
  the group penalty up to a constant);
* breaks and blocked intervals: PyVRP has none; each vehicle works within
  :meth:`ModelArrays.solver_windows` (its longest free stretch, and
  ``break_duration`` less when its day can outlast ``break_after``), and the
  runner fits what still breaks them (:func:`~optimizer.routing.check.fit_routes`);
* ``max_visits`` and ``capacity``: load dimensions; ``max_duration``:
  ``shift_duration`` (+ ``max_overtime``); ``cost_per_time``:
  ``unit_duration_cost``;
* overtime: PyVRP 0.13.4 charges overtime on route *duration* beyond
  ``shift_duration``, not on the return time beyond a clock time. It is mapped
  with ``shift_duration = soft_end - tw_early``, exact when the route departs at
  ``tw_early`` and an under-estimate when it departs later; the objective
  reported is always the model's own (:meth:`Model.evaluate`).

Search: PyVRP's iterated local search, run by a loop that mirrors
``IteratedLocalSearch.run`` of 0.13.4 so that new best solutions can be sent to
the watchdog as incumbents, in one or more independent runs (``restarts``) that
share the time limit. ``max_iterations`` gives a deterministic run (equal
seeds, equal routes); otherwise the time limit applies.

Penalties: PyVRP's ``PenaltyManager.init_from`` averages whole matrices,
forbidden arcs (``MAX_VALUE``) included, so every penalty starts at its cap, and
its cap (1e5) is far below prizes in the billions, where the search prefers time
warp to dropping a visit and returns its warm start. Here the averages use
usable arcs only, the cap is raised to 4 × the largest prize, and unreachable
arcs get a duration just past the horizon instead of ``MAX_VALUE`` (so penalty ×
time warp cannot overflow).

Options (``options={"pyvrp": {...}}``): ``num_neighbours`` (50),
``max_matrix_bytes`` (4e9: refuse models whose profile matrices would need
more memory; the watchdog then falls back), ``incumbent_every`` (2.0 s),
``num_iters_no_improvement`` (10000: restart from the best after this many
iterations without improvement; PyVRP's 150000 never triggers within a minute),
``history_length`` (300), ``restarts`` (``"auto"``, see :data:`SECONDS_PER_RESTART`).
"""

from __future__ import annotations

import importlib.metadata
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from pyvrp import (
    Client,
    ClientGroup,
    CostEvaluator,
    Depot,
    IteratedLocalSearchParams,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    VehicleType,
)
from pyvrp import Route as PRoute
from pyvrp import Solution as PSolution
from pyvrp.constants import MAX_VALUE
from pyvrp.RingBuffer import RingBuffer
from pyvrp.search import (
    NODE_OPERATORS,
    ROUTE_OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    compute_neighbours,
)
from pyvrp.stop import MaxIterations

from .backends import BackendError, BackendResult, Reporter, SolveRequest
from .model import UNREACHABLE

if TYPE_CHECKING:
    from .model import Model

TESTED_VERSION = "0.13.4"

DEFAULTS: dict[str, Any] = {
    "num_neighbours": 50,
    "max_matrix_bytes": 4e9,
    "incumbent_every": 2.0,
    "num_iters_no_improvement": 10_000,
    "history_length": 300,
    "restarts": "auto",
}

SECONDS_PER_RESTART = 20.0
"""``restarts="auto"``: one independent run (own seed) per this many seconds of time
limit, at most :data:`MAX_AUTO_RESTARTS`; one run in deterministic mode. On SDVRPTW
PR03/05/06/10 at 60 s (2 cores), one run averaged 1.38 % above the best-known
solutions, 3 × 20 s 0.90 %, 6 × 10 s 0.88 %: the search stalls in a local optimum
within ~30 s and a fresh start beats more time."""

MAX_AUTO_RESTARTS = 6

_BIG = np.iinfo(np.int64).max


def solve(model: "Model", request: SolveRequest, report: Reporter) -> BackendResult:
    """Build PyVRP ``ProblemData`` for ``model`` and run its iterated local search."""
    t0 = time.perf_counter()
    opts = {**DEFAULTS, **request.options}
    unknown = set(opts) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown pyvrp options {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    version = importlib.metadata.version("pyvrp")
    note = "" if version == TESTED_VERSION else f"PyVRP {version} is not the tested {TESTED_VERSION}"
    built = _Built(model, max_matrix_bytes=float(opts["max_matrix_bytes"]))
    if built.data is None:
        return BackendResult([], "feasible", message="nothing servable", stats={"build_s": _r(t0)})
    data = built.data
    build_s = time.perf_counter() - t0
    report.progress(f"data built in {build_s:.1f} s: {data.num_clients} clients, {data.num_vehicle_types} "
                    f"vehicle types, {data.num_profiles} profiles")

    runs = opts["restarts"]
    if runs == "auto":
        runs = 1 if request.max_iterations is not None or request.time_limit is None else int(
            min(MAX_AUTO_RESTARTS, max(1, round(request.time_limit / SECONDS_PER_RESTART))))
    runs = max(1, int(runs))
    t_search = time.perf_counter()
    deadline = None if request.time_limit is None else t0 + request.time_limit
    neighbours = compute_neighbours(data, NeighbourhoodParams(num_neighbours=int(opts["num_neighbours"])))
    params = IteratedLocalSearchParams(num_iters_no_improvement=int(opts["num_iters_no_improvement"]),
                                       history_length=int(opts["history_length"]))
    zero = CostEvaluator([0] * data.num_load_dimensions, 0, 0)
    best: PSolution | None = None
    best_cost = float("inf")
    total_iters = 0
    run_costs = []
    for r in range(runs):
        # Each run gets an equal share of what is left (time or iterations), its own seed.
        if request.max_iterations is not None:
            share = int(request.max_iterations) // runs + (1 if r < int(request.max_iterations) % runs else 0)
            stop: Any = MaxIterations(share)
        elif deadline is not None:
            run_end = time.perf_counter() + (deadline - time.perf_counter()) / (runs - r)
            stop = lambda _cost, _end=run_end: time.perf_counter() >= _end  # noqa: E731
        else:
            stop = lambda _cost: False  # noqa: E731
        rng = RandomNumberGenerator(seed=(int(request.seed) + r) % (2**32))
        ls = LocalSearch(data, rng, neighbours, PerturbationManager(PerturbationParams()))
        for op in NODE_OPERATORS:
            if op.supports(data):
                ls.add_node_operator(op(data))
        for op in ROUTE_OPERATORS:
            if op.supports(data):
                ls.add_route_operator(op(data))
        pm = PenaltyManager(built.initial_penalties, built.penalty_params)
        init = built.initial_solution(request.initial) if request.initial and r == 0 else None
        if init is None:
            init = ls(PSolution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
        sol, iters = _ils(data, pm, rng, ls, init, params, stop, built, report, float(opts["incumbent_every"]))
        total_iters += iters
        cost = zero.cost(sol) if sol.is_feasible() else float("inf")
        run_costs.append(cost)
        if best is None or cost < best_cost:
            best, best_cost = sol, cost
            if runs > 1 and sol.is_feasible():
                report.incumbent(built.routes_of(sol), int(cost))
    assert best is not None
    stats = {"build_s": round(build_s, 2), "search_s": round(time.perf_counter() - t_search, 2),
             "iterations": total_iters, "vehicle_types": data.num_vehicle_types, "profiles": data.num_profiles}
    if runs > 1:
        stats["run_costs"] = "/".join("inf" if c == float("inf") else str(int(c)) for c in run_costs)
    routes = built.routes_of(best)
    if not best.is_feasible():
        note = (note + "; " if note else "") + "PyVRP found no feasible solution (penalised best returned)"
    return BackendResult(routes, "feasible", message=note, stats=stats)


def _ils(data: ProblemData, pm: PenaltyManager, rng: RandomNumberGenerator, search: LocalSearch,
         init: PSolution, params: IteratedLocalSearchParams, stop: Any, built: "_Built",
         report: Reporter, every: float) -> tuple[PSolution, int]:
    """``IteratedLocalSearch.run`` of PyVRP 0.13.4, minus statistics, plus incumbents."""
    history: RingBuffer[PSolution] = RingBuffer(params.history_length)
    iters = iters_no_improvement = 0
    best = curr = init
    sent_at, pending = time.perf_counter(), False
    cost_eval = pm.cost_evaluator()
    while not stop(cost_eval.cost(best)):
        iters += 1
        if iters_no_improvement == params.num_iters_no_improvement:
            history.clear()
            curr = best
            iters_no_improvement = 0
        cost_eval = pm.cost_evaluator()
        cand = search(curr, cost_eval, exhaustive=False)
        pm.register(cand)
        iters_no_improvement += 1
        if cost_eval.cost(cand) < cost_eval.cost(best):
            best = cand
            iters_no_improvement = 0
            pending = True
            if params.exhaustive_on_best:
                cand = search(cand, cost_eval, exhaustive=True)
                if cand.is_feasible():
                    best = cand
        cand_cost = cost_eval.penalised_cost(cand)
        curr_cost = cost_eval.penalised_cost(curr)
        late_cost = cost_eval.penalised_cost(init)
        if (late := history.peek()) is not None:
            late_cost = cost_eval.penalised_cost(late)
        if cand_cost < late_cost or cand_cost < curr_cost:
            curr = cand
            curr_cost = cand_cost
        if curr_cost < late_cost or late is None:
            history.append(curr)
        else:
            history.skip()
        now = time.perf_counter()
        if pending and now - sent_at >= every and best.is_feasible():
            report.incumbent(built.routes_of(best), int(cost_eval.cost(best)))
            report.progress(f"{iters} iterations, best cost {cost_eval.cost(best)}")
            sent_at, pending = now, False
    return best, iters


class _Built:
    """PyVRP ``ProblemData`` of a :class:`Model`, with index maps both ways."""

    def __init__(self, model: "Model", *, max_matrix_bytes: float):
        self.model = model
        self.data: ProblemData | None = None
        a = model.arrays()
        vis = np.flatnonzero(a.servable())
        m = model.num_vehicles
        if len(vis) == 0 or m == 0:
            return
        depot_locs = np.unique(np.concatenate([a.v_start, a.v_end]))
        d = len(depot_locs)
        depot_of = {int(loc): k for k, loc in enumerate(depot_locs)}
        self.num_depots = d
        self.client_visit = vis  # PyVRP location d + k is visit vis[k]
        self.visit_client = {int(c): d + k for k, c in enumerate(vis)}
        locs = np.concatenate([depot_locs, a.loc[vis]])
        fits = a.fits[vis]  # client × vehicle
        veh_profile, dist_mats, duration, unreachable = self._matrices(a, vis, locs, fits, max_matrix_bytes)
        dur_mats = [duration] * len(dist_mats)
        # Load dimensions: demand (if any vehicle has a capacity), visit count (if any max_visits).
        vehicles = model.vehicles
        use_demand = bool(a.demand[vis].any()) and any(veh.capacity is not None for veh in vehicles)
        use_count = any(veh.max_visits is not None for veh in vehicles)
        vtypes = self._vehicle_types(a, depot_of, veh_profile, use_demand, use_count)
        groups, clients = self._clients(a, vis, use_demand, use_count)
        depots = [Depot(x=model.locations[int(loc)].x, y=model.locations[int(loc)].y) for loc in depot_locs]
        self.data = ProblemData(clients=clients, depots=depots, vehicle_types=vtypes,
                                distance_matrices=dist_mats, duration_matrices=dur_mats, groups=groups)
        self._penalties(dist_mats, duration, unreachable, clients)

    def _matrices(self, a: Any, vis: np.ndarray, locs: np.ndarray, fits: np.ndarray,
                  max_matrix_bytes: float) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
        """Profiles, one per distinct (allowed clients, distance rate), and their cost matrices.

        Returns
        -------
        (veh_profile, dist_mats, duration, unreachable)
            Profile of each vehicle, one distance (cost) matrix per profile, the shared
            duration matrix and its unreachable arcs.

        Raises
        ------
        BackendError
            The matrices would need more than ``max_matrix_bytes``.
        """
        d = self.num_depots
        n_loc = len(locs)
        ix = np.ix_(locs, locs)
        profile_of: dict[tuple[bytes, float], int] = {}
        veh_profile = np.empty(self.model.num_vehicles, dtype=np.int64)
        for v, veh in enumerate(self.model.vehicles):
            key = (np.packbits(fits[:, v]).tobytes(), veh.cost_per_distance_unit)
            veh_profile[v] = profile_of.setdefault(key, len(profile_of))
        need = len(profile_of) * n_loc * n_loc * 8 * 2
        if need > max_matrix_bytes:
            raise BackendError(f"PyVRP would need {need / 1e9:.1f} GB for {len(profile_of)} profiles of "
                               f"{n_loc} locations (limit {max_matrix_bytes / 1e9:.1f} GB)")
        duration = a.duration[ix].astype(np.int64)
        unreachable = duration >= UNREACHABLE
        # Longer than any window can absorb (so any use is time warp), yet small enough that
        # penalty × time warp stays far from int64 overflow (MAX_VALUE would not).
        horizon = int(max(a.v_tw_late.max(initial=0), a.tw_late[vis].max(initial=0)))
        duration[unreachable] = horizon + 1
        np.fill_diagonal(duration, 0)
        scost = np.concatenate([np.zeros(d, np.int64), a.service_cost[vis]])
        dist_mats = []
        for (bits, rate), _p in sorted(profile_of.items(), key=lambda kv: kv[1]):
            allowed = np.ones(n_loc, dtype=bool)
            allowed[d:] = np.unpackbits(np.frombuffer(bits, dtype=np.uint8), count=len(vis)).astype(bool)
            cost = self.model.arc_costs(rate)[ix] + scost[:, None]
            cost = np.minimum(cost, MAX_VALUE)
            cost[unreachable] = MAX_VALUE
            cost[:, ~allowed] = MAX_VALUE
            cost[~allowed, :] = MAX_VALUE
            np.fill_diagonal(cost, 0)
            dist_mats.append(cost)
        return veh_profile, dist_mats, duration, unreachable

    def _vehicle_types(self, a: Any, depot_of: dict[int, int], veh_profile: np.ndarray, use_demand: bool,
                       use_count: bool) -> list[VehicleType]:
        """Vehicle types: vehicles with identical attributes (sets :attr:`type_vehicles`)."""
        early, late = a.solver_windows()  # breaks and blocked time: a conservative reservation
        type_of: dict[tuple[Any, ...], int] = {}
        self.type_vehicles: list[list[int]] = []
        specs: list[dict[str, Any]] = []
        for v, veh in enumerate(self.model.vehicles):
            cap = []
            if use_demand:
                cap.append(_BIG if veh.capacity is None else veh.capacity)
            if use_count:
                cap.append(_BIG if veh.max_visits is None else veh.max_visits)
            if veh.soft_end is not None and veh.overtime_cost:
                shift = max(0, veh.soft_end - int(early[v]))
                if veh.max_duration is not None:
                    shift = min(shift, veh.max_duration)
                max_ot = _BIG if veh.max_duration is None else veh.max_duration - shift
                ot_cost = veh.overtime_cost
            else:
                shift = _BIG if veh.max_duration is None else veh.max_duration
                max_ot, ot_cost = 0, 0
            spec = dict(capacity=cap, start_depot=depot_of[veh.start], end_depot=depot_of[veh.end],
                        fixed_cost=veh.fixed_cost, tw_early=int(early[v]), tw_late=int(late[v]),
                        shift_duration=shift, unit_distance_cost=1, unit_duration_cost=veh.cost_per_time,
                        profile=int(veh_profile[v]), max_overtime=max_ot, unit_overtime_cost=ot_cost)
            key = tuple((k, tuple(x) if isinstance(x, list) else x) for k, x in spec.items())
            t = type_of.get(key)
            if t is None:
                t = type_of[key] = len(specs)
                specs.append(spec)
                self.type_vehicles.append([])
            self.type_vehicles[t].append(v)
        return [VehicleType(num_available=len(self.type_vehicles[t]), name=str(t), **spec)
                for t, spec in enumerate(specs)]

    def _clients(self, a: Any, vis: np.ndarray, use_demand: bool,
                 use_count: bool) -> tuple[list[ClientGroup], list[Client]]:
        """Client groups, and one client per servable visit with its prize, group and load."""
        model = self.model
        d = self.num_depots
        groups: list[ClientGroup] = []
        client_group: dict[int, int] = {}
        client_prize: dict[int, int] = {}
        client_required: dict[int, bool] = {}
        for item in model.items():
            members = [self.visit_client[c] for c in item.visits if c in self.visit_client]
            if not members:
                continue
            prize = 0 if item.required else item.penalty
            if len(members) == 1:
                client_required[members[0]] = item.required
                client_prize[members[0]] = prize
                continue
            gid = len(groups)
            groups.append(ClientGroup(members, required=item.required))
            for loc in members:
                client_group[loc] = gid
                client_required[loc] = False
                client_prize[loc] = prize
        clients = []
        for k, c in enumerate(vis):
            loc = d + k
            visit = model.visits[int(c)]
            place = model.locations[visit.location]
            load = _load(a, int(c), use_demand, use_count)
            clients.append(Client(
                x=place.x, y=place.y, delivery=load, pickup=[0] * len(load),
                service_duration=visit.service, tw_early=visit.tw_early, tw_late=visit.tw_late,
                prize=min(client_prize.get(loc, 0), MAX_VALUE), required=client_required.get(loc, True),
                group=client_group.get(loc)))
        return groups, clients

    def _penalties(self, dist_mats: list[np.ndarray], duration: np.ndarray, unreachable: np.ndarray,
                   clients: list[Client]) -> None:
        """Initial penalties and their cap (:attr:`initial_penalties`, :attr:`penalty_params`).

        PyVRP's PenaltyManager.init_from averages whole matrices, forbidden (MAX_VALUE)
        arcs included, which starts every penalty at its cap; and its cap (1e5) is far
        below prizes in the billions, so the search would rather time-warp than drop a
        visit and never gets back to feasibility. Average the usable arcs only, and let
        penalties grow past the largest prize.
        """
        n_loc = duration.shape[0]
        best_cost = np.full((n_loc, n_loc), np.inf)
        for mat in dist_mats:
            ok = mat < MAX_VALUE
            best_cost = np.where(ok, np.minimum(best_cost, mat), best_cost)
        usable = np.isfinite(best_cost) & ~unreachable
        np.fill_diagonal(usable, False)
        avg_cost = float(best_cost[usable].mean()) if usable.any() else 1.0
        min_rate = min((veh.cost_per_time for veh in self.model.vehicles), default=0)
        avg_cost += min_rate * float(duration[usable].mean()) if usable.any() else 0.0
        avg_duration = float(duration[usable].mean()) if usable.any() else 1.0
        loads = np.array([c.delivery for c in clients], dtype=np.float64) if clients else np.zeros((0, 0))
        avg_load = loads.mean(axis=0) if loads.size else np.zeros(0)
        init_load = [avg_cost / max(x, 1.0) for x in np.atleast_1d(avg_load)] if loads.size else []
        init_tw = avg_cost / max(avg_duration, 1.0)
        max_prize = max((c.prize for c in clients), default=0)
        self.penalty_params = PenaltyParams(max_penalty=max(PenaltyParams().max_penalty, 4.0 * max_prize))
        self.initial_penalties = (init_load, init_tw, 1.0)

    def routes_of(self, sol: PSolution) -> list[tuple[int, list[int]]]:
        """Visit orders per concrete vehicle (vehicles of one type are interchangeable)."""
        pools = [list(vs) for vs in self.type_vehicles]
        out = []
        for route in sol.routes():
            visits = [int(self.client_visit[loc - self.num_depots]) for loc in route.visits()]
            if visits:
                out.append((pools[route.vehicle_type()].pop(0), visits))
        return out

    def initial_solution(self, initial: Any) -> PSolution | None:
        """A PyVRP solution from visit orders per vehicle; ``None`` if nothing usable."""
        assert self.data is not None
        type_of_vehicle = {v: t for t, vs in enumerate(self.type_vehicles) for v in vs}
        routes = []
        for v, visits in initial:
            t = type_of_vehicle.get(int(v))
            locs = [self.visit_client[int(c)] for c in visits if int(c) in self.visit_client]
            if t is not None and locs:
                routes.append(PRoute(self.data, locs, t))
        if not routes:
            return None
        try:
            return PSolution(self.data, routes)
        except (ValueError, RuntimeError, IndexError):
            return None


def _load(a: Any, c: int, use_demand: bool, use_count: bool) -> list[int]:
    """Visit ``c``'s load: its demand (if the demand dimension is used), then 1 (if visits are counted)."""
    out = []
    if use_demand:
        out.append(int(a.demand[c]))
    if use_count:
        out.append(1)
    return out


def _r(t0: float) -> float:
    return round(time.perf_counter() - t0, 2)
