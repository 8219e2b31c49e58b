"""A :class:`~optimizer.routing.Model` as PyVRP 0.13.4 ``ProblemData``, with index maps both ways.

Used by :mod:`optimizer.routing.pyvrp_backend` (its docstring has the mapping).
Two measures make the planner's models fit PyVRP:

* **Shared profiles.** PyVRP 0.13.4 has no per-client vehicle list: a vehicle's
  eligibility is a *profile*, a full distance matrix with forbidden arcs at
  ``MAX_VALUE``. One profile per distinct allowed set made a 700-refill part of
  the planner (a vehicle per nurse-day, a visit copy per day) need 86 GB. A
  profile only has to forbid what its vehicles could otherwise do: a visit none
  of them can reach within its window (another day's copy) is free to be
  "allowed". Vehicles whose allowed sets agree wherever both can make the visit in
  time share a profile (greedy, :func:`shared_profiles`): a nurse's days
  collapse into one profile, and nurses with the same eligibility into one.
* **Compressed tiers.** The planner's prizes (a missed refill is $10M, 6·10¹⁰
  objective units) are far above route costs (a nurse-day is ~2·10⁶), so PyVRP's
  penalty manager would need penalties in the billions before an infeasible
  route stops paying. Prizes and visit costs above a route-cost scale ``R`` are
  mapped to ``R·(x/R)^½`` (:func:`compress`): order kept, a missed refill still
  worth hundreds of detours. PyVRP searches that objective; the runner re-scores
  the routes with the model's own (:meth:`Model.evaluate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pyvrp import Client, ClientGroup, Depot, PenaltyParams, ProblemData, VehicleType
from pyvrp import Route as PRoute
from pyvrp import Solution as PSolution
from pyvrp.constants import MAX_VALUE

from .backends import BackendError
from .model import UNREACHABLE

if TYPE_CHECKING:
    from .model import Model

__all__ = ["PyvrpData", "shared_profiles", "compress", "COMPRESS_POWER"]

COMPRESS_POWER: float = 0.5
"""Exponent of :func:`compress` for values above the route-cost scale."""

_BIG = np.iinfo(np.int64).max


def compress(values: np.ndarray, scale: float, *, power: float = COMPRESS_POWER) -> np.ndarray:
    """``x`` up to ``scale``, ``scale·(x/scale)^power`` above it (monotone, integer).

    Parameters
    ----------
    values
        Non-negative integer costs or prizes.
    scale
        Where compression starts (a route's cost, say).
    power
        Exponent above ``scale``; 1 leaves values unchanged.

    Returns
    -------
    numpy.ndarray
        int64 values, order preserved (ties stay ties).
    """
    x = np.asarray(values, dtype=np.float64)
    s = max(float(scale), 1.0)
    out = np.where(x > s, s * np.power(np.maximum(x, s) / s, power), x)
    return np.rint(out).astype(np.int64)


def shared_profiles(allowed: np.ndarray, care: np.ndarray, rates: list[float]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Group vehicles into profiles whose allowed visits agree wherever they matter.

    Parameters
    ----------
    allowed
        Visit × vehicle: the vehicle may make the visit.
    care
        Visit × vehicle: the vehicle could make the visit in time (elsewhere the
        profile's choice does not matter: any use is time warp).
    rates
        Distance rate per vehicle; vehicles of one profile share it.

    Returns
    -------
    (profile_of_vehicle, allowed_per_profile)
        Each vehicle's profile, and each profile's allowed visits (the union of its
        vehicles' allowed-and-in-time visits; everything else is forbidden).
    """
    n, m = allowed.shape
    prof = np.empty(m, dtype=np.int64)
    p_care: list[np.ndarray] = []
    p_val: list[np.ndarray] = []
    p_rate: list[float] = []
    by_key: dict[tuple[bytes, bytes, float], int] = {}
    for v in range(m):
        c, val = care[:, v], allowed[:, v] & care[:, v]
        key = (np.packbits(c).tobytes(), np.packbits(val).tobytes(), rates[v])
        hit = by_key.get(key)
        if hit is None:
            for p in range(len(p_care)):
                if p_rate[p] == rates[v] and not (p_care[p] & c & (p_val[p] != val)).any():
                    hit = p
                    p_care[p] |= c
                    p_val[p] |= val
                    break
        if hit is None:
            hit = len(p_care)
            p_care.append(c.copy())
            p_val.append(val.copy())
            p_rate.append(rates[v])
        by_key[key] = hit
        prof[v] = hit
    return prof, p_val


class PyvrpData:
    """PyVRP ``ProblemData`` of a :class:`Model` (``data`` is ``None`` when nothing is servable).

    Parameters
    ----------
    model
        The routing model.
    max_matrix_bytes
        Refuse (:class:`BackendError`) when the profile matrices would need more.
    compress_power
        Exponent of :func:`compress` for prizes and visit costs (1: none).
    """

    def __init__(self, model: "Model", *, max_matrix_bytes: float, compress_power: float = COMPRESS_POWER):
        self.model = model
        self.data: ProblemData | None = None
        a = model.arrays()
        vis = np.flatnonzero(a.servable())
        if len(vis) == 0 or model.num_vehicles == 0:
            return
        depot_locs = np.unique(np.concatenate([a.v_start, a.v_end]))
        d = len(depot_locs)
        depot_of = {int(loc): k for k, loc in enumerate(depot_locs)}
        self.num_depots = d
        self.client_visit = vis  # PyVRP location d + k is visit vis[k]
        self.visit_client = {int(c): d + k for k, c in enumerate(vis)}
        locs = np.concatenate([depot_locs, a.loc[vis]])
        self.scale = self._route_scale(a)
        self.power = float(compress_power)
        veh_profile, dist_mats, duration, unreachable = self._matrices(a, vis, locs, max_matrix_bytes)
        dur_mats = [duration] * len(dist_mats)
        vehicles = model.vehicles
        use_demand = bool(a.demand[vis].any()) and any(veh.capacity is not None for veh in vehicles)
        use_count = any(veh.max_visits is not None for veh in vehicles)
        vtypes = self._vehicle_types(a, depot_of, veh_profile, use_demand, use_count)
        groups, clients = self._clients(a, vis, use_demand, use_count)
        depots = [Depot(x=model.locations[int(loc)].x, y=model.locations[int(loc)].y) for loc in depot_locs]
        self.data = ProblemData(clients=clients, depots=depots, vehicle_types=vtypes,
                                distance_matrices=dist_mats, duration_matrices=dur_mats, groups=groups)
        self._penalties(dist_mats, duration, unreachable, clients)

    def _route_scale(self, a: Any) -> float:
        """The most one vehicle's day can cost (time, fixed cost, two longest usable arcs)."""
        span = (a.v_tw_late - a.v_tw_early).astype(np.float64)
        worst = 0.0
        for v, veh in enumerate(self.model.vehicles):
            worst = max(worst, veh.fixed_cost + veh.cost_per_time * float(span[v]))
        usable = a.duration < UNREACHABLE
        for rate in {veh.cost_per_distance_unit for veh in self.model.vehicles}:
            costs = self.model.arc_costs(rate)
            worst = max(worst, 2.0 * float(np.where(usable, costs, 0).max(initial=0)))
        return max(worst, 1.0)

    def _matrices(self, a: Any, vis: np.ndarray, locs: np.ndarray,
                  max_matrix_bytes: float) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
        """Shared profiles (:func:`shared_profiles`) and their cost matrices.

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
        rates = [veh.cost_per_distance_unit for veh in self.model.vehicles]
        veh_profile, allowed = shared_profiles(a.allowed[vis], self._in_time(a)[vis], rates)
        # PyVRP keeps a distance and a duration matrix per profile; we hold one of each while building.
        need = (2 * len(allowed) + 2) * n_loc * n_loc * 8
        self.matrix_bytes = need
        if need > max_matrix_bytes:
            raise BackendError(f"PyVRP would need {need / 1e9:.1f} GB for {len(allowed)} profiles of "
                               f"{n_loc} locations (limit {max_matrix_bytes / 1e9:.1f} GB)")
        ix = np.ix_(locs, locs)
        duration = a.duration[ix].astype(np.int64)
        unreachable = duration >= UNREACHABLE
        # Longer than any window can absorb (so any use is time warp), yet small enough that
        # penalty × time warp stays far from int64 overflow (MAX_VALUE would not).
        horizon = int(max(a.v_tw_late.max(initial=0), a.tw_late[vis].max(initial=0)))
        duration[unreachable] = horizon + 1
        np.fill_diagonal(duration, 0)
        scost = np.concatenate([np.zeros(d, np.int64), compress(a.service_cost[vis], self.scale, power=self.power)])
        lead = getattr(a, "first", None)  # visits that lead their route, where the model has them
        first = np.zeros(n_loc, bool)
        if lead is not None:
            first[d:] = np.asarray(lead, bool)[vis]
        dist_mats = []
        profile_rate = {int(p): rates[v] for v, p in enumerate(veh_profile)}
        base_of: dict[float, np.ndarray] = {}
        client = np.arange(n_loc) >= d
        for p, ok in enumerate(allowed):
            rate = profile_rate[p]
            if rate not in base_of:
                base = np.minimum(self.model.arc_costs(rate)[ix] + scost[:, None], MAX_VALUE)
                base[unreachable] = MAX_VALUE
                if first.any():  # no arc from a client into a visit that leads its route
                    base[np.ix_(~first & client, first)] = MAX_VALUE
                base_of[rate] = base
            keep = np.ones(n_loc, dtype=bool)
            keep[d:] = ok
            cost = base_of[rate].copy()
            cost[:, ~keep] = MAX_VALUE
            cost[~keep, :] = MAX_VALUE
            np.fill_diagonal(cost, 0)
            dist_mats.append(cost)
        return veh_profile, dist_mats, duration, unreachable

    @staticmethod
    def _in_time(a: Any) -> np.ndarray:
        """Visit × vehicle: a route with the visit alone keeps the vehicle's window (eligibility aside)."""
        out = a.duration[a.v_start[None, :], a.loc[:, None]]
        back = a.duration[a.loc[:, None], a.v_end[None, :]]
        start = np.maximum(a.v_tw_early[None, :] + out, a.tw_early[:, None])
        return ((out < UNREACHABLE) & (back < UNREACHABLE) & (start <= a.tw_late[:, None])
                & (start + a.service[:, None] + back <= a.v_tw_late[None, :]))

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
        """Client groups, and one client per servable visit with its (compressed) prize, group and load."""
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
            prize = 0 if item.required else int(compress(np.array([item.penalty]), self.scale, power=self.power)[0])
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

        PyVRP's ``PenaltyManager.init_from`` averages whole matrices, forbidden
        (``MAX_VALUE``) arcs included, which starts every penalty at its cap. Here:
        the average over usable arcs, and a cap above the largest (compressed) prize,
        so that a penalty can always outweigh what an infeasible visit earns.
        """
        best_cost = np.minimum.reduce(dist_mats) if len(dist_mats) > 1 else dist_mats[0]
        usable = (best_cost < MAX_VALUE) & ~unreachable
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
        self.max_prize = max_prize
        self.penalty_params = PenaltyParams(max_penalty=max(PenaltyParams().max_penalty, 4.0 * max_prize))
        self.initial_penalties = (init_load, init_tw, 1.0)

    def routes_of(self, sol: PSolution) -> list[tuple[int, list[int]]]:
        """Visit orders per concrete vehicle (vehicles of one type are interchangeable)."""
        return self.routes_of_raw([(r.vehicle_type(), [int(x) for x in r.visits()]) for r in sol.routes()])

    def routes_of_raw(self, routes: list[tuple[int, list[int]]]) -> list[tuple[int, list[int]]]:
        """:meth:`routes_of` from ``(vehicle type, PyVRP client locations)`` pairs."""
        pools = [list(vs) for vs in self.type_vehicles]
        out = []
        for vtype, locs in routes:
            visits = [int(self.client_visit[loc - self.num_depots]) for loc in locs]
            if visits:
                out.append((pools[vtype].pop(0), visits))
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
