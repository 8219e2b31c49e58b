"""Route-exchange crossover of the PyVRP search (issue 14 item 1)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyvrp")

from pyvrp import CostEvaluator, RandomNumberGenerator  # noqa: E402
from pyvrp import Route as PRoute  # noqa: E402
from pyvrp import Solution as PSolution  # noqa: E402
from pyvrp.search import NODE_OPERATORS, ROUTE_OPERATORS, LocalSearch, NeighbourhoodParams  # noqa: E402
from pyvrp.search import compute_neighbours  # noqa: E402

from optimizer.routing import Model  # noqa: E402
from optimizer.routing import _pyvrp_crossover as crossover  # noqa: E402
from optimizer.routing._pyvrp_crossover import Recombiner, broken_pairs, route_exchange  # noqa: E402
from optimizer.routing._pyvrp_data import PyvrpData  # noqa: E402
from test_pyvrp_engine import _nurse_days  # noqa: E402


def _grid() -> Model:
    """One depot in the middle of a 4 × 3 grid of visits; three vehicles of four visits each."""
    m = Model()
    xy = [(1.5, 1.0)] + [(float(i), float(j)) for j in range(3) for i in range(4)]
    for x, y in xy:
        m.add_location(x, y)
    pts = np.array(xy)
    gaps = np.rint(10 * np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1)).astype(np.int64)
    m.set_matrices(gaps, 1000 * gaps)
    for _ in range(3):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=10_000, max_visits=4, cost_per_distance_unit=1.0)
    for k in range(1, len(xy)):
        m.add_visit(location=k, tw_early=0, tw_late=10_000, service=1)
    return m


def _local_search(built: PyvrpData, seed: int = 0) -> LocalSearch:
    assert built.data is not None
    data = built.data
    ls = LocalSearch(data, RandomNumberGenerator(seed=seed), compute_neighbours(data, NeighbourhoodParams(5)))
    for op in NODE_OPERATORS:
        if op.supports(data):
            ls.add_node_operator(op(data))
    for rop in ROUTE_OPERATORS:
        if rop.supports(data):
            ls.add_route_operator(rop(data))
    return ls


def _clients(sol: PSolution) -> list[int]:
    return [c for route in sol.routes() for c in route.visits()]


def test_route_exchange_child_serves_every_client_once_after_repair():
    built = PyvrpData(_grid(), max_matrix_bytes=1e8)
    data = built.data
    assert data is not None
    clients = list(range(built.num_depots, data.num_locations))
    rows = PSolution(data, [PRoute(data, clients[k:k + 4], 0) for k in (0, 4, 8)])  # by rows
    cols = PSolution(data, [PRoute(data, [c for c in clients if (c - 1) % 4 in pair], 0)
                            for pair in ((0, 1), (2, 3))])  # two column blocks of six: too many visits
    assert broken_pairs(rows, rows, data.num_locations) == 0.0
    assert broken_pairs(rows, cols, data.num_locations) > 0.3
    ls = _local_search(built)
    ce = CostEvaluator([100], 100, 0)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        for base, donor in ((rows, cols), (cols, rows)):
            child = route_exchange(data, base, donor, rng)
            routed = _clients(child)
            assert len(routed) == len(set(routed))  # nothing twice
            assert set(routed) <= set(clients)
            assert child.num_routes() <= data.num_vehicles
            assert all(n <= data.vehicle_type(t).num_available
                       for t, n in Counter(r.vehicle_type() for r in child.routes()).items())
            for exhaustive in (True, False):  # full education, or perturbation and local search
                repaired = ls(child, ce, exhaustive=exhaustive)
                assert sorted(_clients(repaired)) == clients  # every client exactly once
                assert repaired.is_complete()
            capped = route_exchange(data, base, donor, rng, max_moved=1)
            assert len(_clients(capped)) == len(set(_clients(capped)))


def test_route_exchange_keeps_mutually_exclusive_groups_exclusive():
    m = _nurse_days(days=3, patients=12, seed=4)
    built = PyvrpData(m, max_matrix_bytes=1e9)
    data = built.data
    assert data is not None
    ls = _local_search(built)
    ce = CostEvaluator([1000], 1000, 0)
    parents = [ls(PSolution.make_random(data, RandomNumberGenerator(seed=s)), ce, exhaustive=True) for s in (1, 2, 3)]
    for seed in range(20):
        rng = np.random.default_rng(seed)
        base, donor = parents[seed % 3], parents[(seed + 1) % 3]
        for sol in (route_exchange(data, base, donor, rng), ls(route_exchange(data, base, donor, rng), ce,
                                                               exhaustive=True)):
            routed = _clients(sol)
            assert len(routed) == len(set(routed))
            groups = [data.location(c).group for c in routed if data.location(c).group is not None]
            assert len(groups) == len(set(groups))  # at most one member of each refill's group


def test_pool_keeps_distinct_solutions_and_replaces_close_ones_only_when_cheaper():
    built = PyvrpData(_grid(), max_matrix_bytes=1e8)
    data = built.data
    assert data is not None
    clients = list(range(built.num_depots, data.num_locations))
    rows = PSolution(data, [PRoute(data, clients[k:k + 4], 0) for k in (0, 4, 8)])
    rows_rev = PSolution(data, [PRoute(data, clients[k:k + 4][::-1], 0) for k in (0, 4, 8)])
    rec = Recombiner(data, _local_search(built), seed=0, every=3, pool_size=2, offer_every=1)
    rec.offer(rows, 10.0, 1)
    rec.offer(rows, 12.0, 1)  # the same solution, dearer: ignored
    assert [entry[0] for entry in rec.pool] == [10.0]
    assert not rec.due(3)  # no partner yet
    rec.offer(rows_rev, 11.0, 1)
    assert len(rec.pool) == 2 and rec.due(3) and not rec.due(4)
    child = rec.child(rows, CostEvaluator([100], 100, 0))
    assert sorted(_clients(child)) == clients and rec.children == 1


@pytest.mark.parametrize("extra", [{}, {"crossover_full": False, "crossover_max_routes": 2}])
def test_crossover_option_is_wired_and_deterministic(monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any]):
    calls: list[int] = []
    real = crossover.Recombiner.child

    def counted(self: Recombiner, base: PSolution, cost_eval: CostEvaluator) -> Any:
        calls.append(1)
        return real(self, base, cost_eval)

    monkeypatch.setattr(crossover.Recombiner, "child", counted)
    m = _nurse_days(days=2, patients=12, seed=3)
    opts = {"pyvrp": {"crossover_every": 5, "crossover_pool": 4, **extra}}
    one = m.solve("pyvrp", max_iterations=300, seed=5, watchdog=None, fallback=None, options=opts)
    assert one.ok and calls, one.message
    again = m.solve("pyvrp", max_iterations=300, seed=5, watchdog=None, fallback=None, options=opts)
    assert [(r.vehicle, r.visits) for r in one.routes] == [(r.vehicle, r.visits) for r in again.routes]
    assert not m.check(one)
    calls.clear()
    m.solve("pyvrp", max_iterations=100, seed=5, watchdog=None, fallback=None)
    assert not calls  # off by default
