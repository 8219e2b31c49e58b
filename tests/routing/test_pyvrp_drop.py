"""Grouped optional clients that break a route are dropped (PyVRP's local search never drops them)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("pyvrp")

from pyvrp import Client, ClientGroup, CostEvaluator, Depot, ProblemData, RandomNumberGenerator  # noqa: E402
from pyvrp import Solution as PSolution  # noqa: E402
from pyvrp import VehicleType  # noqa: E402
from pyvrp.exceptions import PenaltyBoundWarning  # noqa: E402
from pyvrp.search import NODE_OPERATORS, LocalSearch, PerturbationManager, PerturbationParams  # noqa: E402
from pyvrp.search import compute_neighbours  # noqa: E402

from optimizer.routing import Model  # noqa: E402
from optimizer.routing._pyvrp_drop import Dropper  # noqa: E402

DAY = 1440


def _line(*, grouped: bool = True, required: bool = False, prizes: tuple[int, int] = (1000, 1000)) -> ProblemData:
    """A depot and two clients on a line; the vehicle's day holds one 60-minute visit, not two."""
    group = (lambda g: g) if grouped else (lambda g: None)
    clients = [Client(x=x, y=0, service_duration=60, tw_early=0, tw_late=100, prize=p, required=False,
                      group=group(i)) for i, (x, p) in enumerate(zip((1, 2), prizes))]
    groups = [ClientGroup([1], required=required), ClientGroup([2], required=required)] if grouped else []
    dist = np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]])
    return ProblemData(clients=clients, depots=[Depot(x=0, y=0)],
                       vehicle_types=[VehicleType(1, capacity=[], tw_early=0, tw_late=100)],
                       distance_matrices=[dist], duration_matrices=[dist], groups=groups)


def _search(data: ProblemData) -> LocalSearch:
    ls = LocalSearch(data, RandomNumberGenerator(seed=1), compute_neighbours(data),
                     PerturbationManager(PerturbationParams(1, 1)))
    for op in NODE_OPERATORS:
        if op.supports(data):
            ls.add_node_operator(op(data))
    return ls


def test_pyvrp_local_search_keeps_a_grouped_client_that_breaks_its_route():
    # Why the dropper exists: the same two clients, plain, lose one to the local search;
    # in groups of one, both stay and the route keeps its time warp whatever the penalty.
    heavy = CostEvaluator([], 10**6, 10**6)
    plain, grouped = _line(grouped=False), _line()
    assert _search(plain)(PSolution(plain, [[1, 2]]), heavy, exhaustive=True).time_warp() == 0
    assert _search(grouped)(PSolution(grouped, [[1, 2]]), heavy, exhaustive=True).time_warp() > 0


def test_dropper_removes_the_client_whose_removal_pays_most():
    data = _line(prizes=(1000, 10))
    sol = PSolution(data, [[1, 2]])
    assert sol.time_warp() > 0
    out = Dropper(data)(sol, CostEvaluator([], 10**6, 10**6))
    assert out.is_feasible()
    assert [list(r.visits()) for r in out.routes()] == [[1]]  # the cheap prize goes, the dear one stays


def test_dropper_keeps_a_route_when_the_penalty_is_worth_less_than_the_prize():
    data = _line(prizes=(10**9, 10**9))
    sol = PSolution(data, [[1, 2]])
    assert Dropper(data)(sol, CostEvaluator([], 1, 1)) is sol  # 24 minutes of warp at 1 beat a prize of 10⁹


def test_dropper_never_removes_from_required_groups_nor_touches_feasible_solutions():
    data = _line(required=True)
    assert not Dropper(data)  # nothing droppable: a required group must keep its member
    sol = PSolution(data, [[1, 2]])
    assert Dropper(data)(sol, CostEvaluator([], 10**6, 10**6)) is sol
    ok = _line()
    one = PSolution(ok, [[1]])
    assert Dropper(ok)(one, CostEvaluator([], 10**6, 10**6)) is one


def _crowded(*, days: int = 2, patients: int = 9, seed: int = 0) -> Model:
    """One nurse whose short days hold about half the refills: the copies the search inserts
    into a full day can only leave it by being dropped."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[[0, 0]], rng.uniform(-20, 20, (patients, 2))])
    minutes = np.ceil(np.abs(xy[:, None, :] - xy[None, :, :]).sum(-1)).astype(np.int64)
    m = Model()
    for x, y in xy:
        m.add_location(float(x), float(y))
    m.set_matrices(minutes, minutes * 1000)
    veh = [m.add_vehicle(start=0, end=0, tw_early=d * DAY + 480, tw_late=d * DAY + 780, cost_per_time=5000,
                         cost_per_distance_unit=0.75) for d in range(days)]
    for p in range(patients):
        copies = [m.add_visit(location=1 + p, tw_early=d * DAY + 480, tw_late=d * DAY + 720, service=60,
                              allowed_vehicles=[veh[d]], required=False, service_cost=d * 120_000_000)
                  for d in range(days)]
        m.add_group(copies, required=False, penalty=60_000_000_000)
    return m


def test_crowded_planner_model_keeps_penalties_below_their_cap(monkeypatch):
    m = _crowded()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PenaltyBoundWarning)  # counted in the stats, never shown
        sol = m.solve("pyvrp", max_iterations=1500, watchdog=None, fallback=None)
    assert sol.ok and sol.backend == "pyvrp", sol.message
    assert len(sol.unserved) >= 1  # the days cannot hold every refill
    assert "penalty_caps" not in sol.message
    # without the dropper the same search drives the time-warp penalty to its cap
    monkeypatch.setattr(Dropper, "__call__", lambda self, s, ce: s)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PenaltyBoundWarning)
        capped = m.solve("pyvrp", max_iterations=1500, watchdog=None, fallback=None)
    assert capped.ok, capped.message
    assert "penalty_caps=" in capped.message
