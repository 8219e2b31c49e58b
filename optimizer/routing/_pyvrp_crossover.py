"""Route-exchange recombination for PyVRP's iterated local search (issue 14 item 1).

PyVRP 0.13.4 searches with one trajectory and has no crossover. :class:`Recombiner`
adds a small elite pool of good, mutually different feasible solutions seen along
the trajectory and, every ``every`` iterations, crosses the current solution with a
pool member: :func:`route_exchange` (in the spirit of SREX, selective route
exchange) replaces the base's routes that serve a spatial cluster of the donor's
routes by those donor routes; clients that end up unrouted are put back by PyVRP's
local search, which inserts every missing required client (cheapest insertion in
its neighbourhood) before improving the child: the whole of it (``full``, about 45 ms
on 700 clients, some 20 iterations' worth) or, like an ordinary iteration, from a
random perturbation and the unrouted clients. The search loop then treats the
child as that iteration's candidate.

Off by default: at fixed iteration budgets on the SDVRPTW benchmark it did not beat
the plain search beyond seed noise at equal CPU (bench/RESULTS_sdvrptw.md, 2026-12-02).

Written for this project against the PyVRP 0.13.4 API; no PyVRP crossover code is used.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from pyvrp import CostEvaluator, ProblemData
from pyvrp import Route as PRoute
from pyvrp import Solution as PSolution
from pyvrp.search import LocalSearch

__all__ = ["Recombiner", "route_exchange", "broken_pairs"]

RawRoutes = list[tuple[int, list[int]]]
"""Routes as ``(vehicle type, client locations)``."""


def _raw(sol: PSolution) -> RawRoutes:
    return [(int(r.vehicle_type()), [int(x) for x in r.visits()]) for r in sol.routes()]


def _centroids(data: ProblemData, routes: RawRoutes) -> np.ndarray:
    """Mean client coordinates of each route, shape ``(len(routes), 2)``."""
    out = np.zeros((len(routes), 2))
    for k, (_, visits) in enumerate(routes):
        if visits:
            xy = [(data.location(c).x, data.location(c).y) for c in visits]
            out[k] = np.mean(xy, axis=0)
    return out


def route_exchange(data: ProblemData, base: PSolution, donor: PSolution, rng: np.random.Generator, *,
                   max_share: float = 0.5, max_moved: int | None = None) -> PSolution:
    """A child of ``base`` that takes a cluster of ``donor``'s routes (unrepaired).

    A random donor route and its nearest donor routes by centroid (``k`` in all, ``k``
    uniform in 1 … ``max_share`` × the donor's route count) move into the child. The
    ``k`` base routes sharing the most clients with them are dropped, the moved
    clients (and members of their mutually exclusive groups) are removed from the
    other base routes, and while a vehicle type would be used more often than it is
    available, its base route sharing the most moved clients is dropped as well.
    Clients of dropped base routes that the donor routes do not serve are left
    unrouted for the local search to re-insert.

    Parameters
    ----------
    data
        The problem data.
    base, donor
        The parents; the child keeps the base's other routes.
    rng
        Random numbers (the donor route cluster and its size).
    max_share
        Largest share of the donor's routes moved at once.
    max_moved
        Most donor routes moved at once (no limit but ``max_share`` if None).

    Returns
    -------
    PSolution
        The child, possibly with missing clients (``is_complete()`` false); every
        client appears at most once.
    """
    b_routes, d_routes = _raw(base), _raw(donor)
    if not b_routes or not d_routes:
        return base
    most = max(1, int(max_share * len(d_routes)))
    if max_moved is not None:
        most = max(1, min(most, int(max_moved)))
    k = int(rng.integers(1, most + 1))
    cent = _centroids(data, d_routes)
    first = int(rng.integers(len(d_routes)))
    order = np.argsort(((cent - cent[first]) ** 2).sum(axis=1), kind="stable")
    moved = [d_routes[int(i)] for i in order[:k]]
    moved_clients = {c for _, visits in moved for c in visits}
    groups = {data.location(c).group for c in moved_clients} - {None}

    overlap = [sum(c in moved_clients for c in visits) for _, visits in b_routes]
    drop_order = sorted(range(len(b_routes)), key=lambda r: (-overlap[r], r))
    dropped = {r for r in drop_order[:k] if overlap[r] > 0}
    avail = [vt.num_available for vt in data.vehicle_types()]
    used = Counter(t for t, _ in moved)
    used.update(t for r, (t, _) in enumerate(b_routes) if r not in dropped)
    for r in drop_order:  # most shared first: the vehicle type limits
        t = b_routes[r][0]
        if r not in dropped and used[t] > avail[t]:
            dropped.add(r)
            used[t] -= 1

    routes = [PRoute(data, visits, t) for t, visits in moved]
    for r, (t, visits) in enumerate(b_routes):
        if r in dropped:
            continue
        kept = [c for c in visits if c not in moved_clients
                and (not groups or data.location(c).group not in groups)]
        if kept:
            routes.append(PRoute(data, kept, t))
    return PSolution(data, routes)


Links = tuple[np.ndarray, np.ndarray]
"""Each location's predecessor and successor in a solution (depot -1, unrouted -2)."""


def _links(sol: PSolution, num_locations: int) -> Links:
    pred = np.full(num_locations, -2, dtype=np.int64)
    succ = np.full(num_locations, -2, dtype=np.int64)
    for route in sol.routes():
        v = np.asarray(route.visits(), dtype=np.int64)
        if v.size == 0:
            continue
        pred[v] = np.concatenate(([-1], v[:-1]))
        succ[v] = np.concatenate((v[1:], [-1]))
    return pred, succ


def _distance(a: Links, b: Links) -> float:
    (pa, sa), (pb, sb) = a, b
    n_routed = max(1, pa.size - int(np.count_nonzero((pa == -2) & (pb == -2))))
    return float(np.count_nonzero(pa != pb) + np.count_nonzero(sa != sb)) / (2 * n_routed)


def broken_pairs(a: PSolution, b: PSolution, num_locations: int) -> float:
    """Share of client neighbour relations (predecessor, successor) that differ between ``a`` and ``b``.

    0 for equal route sets (vehicle types and route order aside), up to 1. Depots count as -1
    and unrouted clients as -2 on both sides.
    """
    return _distance(_links(a, num_locations), _links(b, num_locations))


class Recombiner:
    """Elite pool and crossover for one search run.

    Parameters
    ----------
    data
        The problem data.
    search
        The run's local search (educates the children).
    seed
        Seed of the crossover's random numbers.
    every
        A child every this many iterations (``due``).
    pool_size
        Most solutions kept in the pool.
    min_distance
        Smallest :func:`broken_pairs` distance between pool members; a closer
        newcomer replaces its neighbour only if cheaper.
    offer_every
        The search offers its current solution every this many iterations.
    full
        Educate children by an exhaustive local search; else by the search's usual
        step (a random perturbation, then local search from the perturbed and the
        unrouted clients): cheaper, and the repair stays local.
    max_moved
        Most donor routes a child takes (see :func:`route_exchange`).
    """

    def __init__(self, data: ProblemData, search: LocalSearch, *, seed: int, every: int, pool_size: int = 8,
                 min_distance: float = 0.05, offer_every: int = 50, full: bool = True, max_moved: int | None = None):
        self._data = data
        self._search = search
        self._rng = np.random.default_rng(seed)
        self.every = max(1, int(every))
        self.pool_size = max(2, int(pool_size))
        self.min_distance = float(min_distance)
        self.offer_every = max(1, int(offer_every))
        self.full = bool(full)
        self.max_moved = max_moved
        self.pool: list[tuple[float, PSolution, Links]] = []
        self.children = 0

    def due(self, iteration: int) -> bool:
        """Whether ``iteration`` makes a child (and the pool has a partner)."""
        return iteration % self.every == 0 and len(self.pool) >= 2

    def offer(self, sol: PSolution, cost: float, iteration: int, *, force: bool = False) -> None:
        """Consider ``sol`` (feasible, objective ``cost``) for the pool at the offer interval or when ``force``."""
        if not (force or iteration % self.offer_every == 0) or not sol.is_feasible():
            return
        links = _links(sol, self._data.num_locations)
        dists = [_distance(links, other) for _, _, other in self.pool]
        close = [k for k, d in enumerate(dists) if d < self.min_distance]
        entry = (cost, sol, links)
        if close:
            k = min(close, key=lambda j: dists[j])
            if cost < self.pool[k][0]:
                self.pool[k] = entry
            return
        if len(self.pool) < self.pool_size:
            self.pool.append(entry)
            return
        worst = max(range(len(self.pool)), key=lambda j: self.pool[j][0])
        if cost < self.pool[worst][0]:
            self.pool[worst] = entry

    def child(self, base: PSolution, cost_eval: CostEvaluator) -> PSolution:
        """Cross ``base`` with a random pool member unlike it and educate the child by local search."""
        links = _links(base, self._data.num_locations)
        partners = [s for _, s, other in self.pool if _distance(links, other) >= self.min_distance / 2]
        if not partners:
            partners = [s for _, s, _ in self.pool]
        donor = partners[int(self._rng.integers(len(partners)))]
        raw = route_exchange(self._data, base, donor, self._rng, max_moved=self.max_moved)
        self.children += 1
        return self._search(raw, cost_eval, exhaustive=self.full)

