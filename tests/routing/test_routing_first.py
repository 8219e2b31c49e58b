"""The ``first`` flag of a visit: on its route, no unflagged visit precedes it.

The tiny instance: a depot at 0, a flagged visit ``a`` at 10 (any time) and an
unflagged visit ``b`` at -10 that must start by 15. One vehicle could serve
both only as ``b`` then ``a`` (``a`` first makes ``b`` start at 30): the
cheapest plan without the flag (one fixed cost). With the flag, ``a`` and ``b``
need a vehicle each.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.routing import BACKENDS, Model
from optimizer.routing.backends import BackendResult, NullReporter, SolveRequest
from optimizer.routing.check import order_first
from optimizer.routing.construct import cheapest_insertion, reinsert
from optimizer.routing.ortools_backend import solve as ortools_solve
from tests.routing.conftest import line_model, run

FIXED = 100


def two_vehicles(*, first: bool) -> tuple[Model, int, int]:
    """The instance of the module docstring; returns (model, a, b)."""
    m = line_model([0, 10, -10])
    for _ in range(2):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, fixed_cost=FIXED, cost_per_time=1)
    a = m.add_visit(location=1, tw_early=0, tw_late=1000, first=first)
    b = m.add_visit(location=2, tw_early=0, tw_late=15)
    return m, a, b


def test_flag_is_kept_on_the_visit_and_in_the_arrays():
    m, a, b = two_vehicles(first=True)
    assert m.visits[a].first and not m.visits[b].first
    assert m.arrays().first.tolist() == [True, False]


def test_check_reports_a_flagged_visit_after_an_unflagged_one():
    m, a, b = two_vehicles(first=True)
    sol = m.build_solution([(0, [b, a])])
    assert sol.status == "infeasible"
    assert any("visit 0 is flagged first but follows visit 1" in i for i in m.check(sol))
    # the same order without the flag is feasible, and so are the flagged visit alone or first
    free, _, _ = two_vehicles(first=False)
    assert free.check(free.build_solution([(0, [b, a])])) == []
    assert m.check(m.build_solution([(0, [a]), (1, [b])])) == []


def test_several_flagged_visits_lead_in_any_order_among_themselves():
    m = line_model([0, 10, 20, 30])
    v = m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000)
    a = m.add_visit(location=1, tw_early=0, tw_late=1000, first=True)
    b = m.add_visit(location=2, tw_early=0, tw_late=1000, first=True)
    c = m.add_visit(location=3, tw_early=0, tw_late=1000)
    assert m.check(m.build_solution([(v, [b, a, c])])) == []
    issues = m.check(m.build_solution([(v, [a, c, b])]))
    assert issues == ["vehicle 0: visit 1 is flagged first but follows visit 2"]


def test_arc_from_unflagged_to_flagged_is_never_possible():
    m, a, b = two_vehicles(first=True)
    rows = cols = np.array([a, b])
    ok = m.arrays().arc_possible(rows, cols)
    assert not ok[1, 0]  # b -> a
    free, _, _ = two_vehicles(first=False)
    assert free.arrays().arc_possible(rows, cols)[1, 0]


def test_backends_put_the_flagged_visit_first(backend):
    free, a, b = two_vehicles(first=False)
    cheap = run(free, backend)
    assert [r.visits for r in cheap.routes] == [(b, a)]  # what the flag must forbid
    m, a, b = two_vehicles(first=True)
    sol = run(m, backend)  # pyvrp has no such constraint: the runner puts its routes in order
    assert sorted(r.visits for r in sol.routes) == [(a,), (b,)]
    assert sol.objective > cheap.objective


@pytest.mark.parametrize("prune", [True, False])
def test_ortools_backend_itself_honours_the_flag(prune):
    """The backend's own routes (before the runner's reordering): the arc b -> a is not in its model."""
    m, a, b = two_vehicles(first=True)
    request = SolveRequest(time_limit=None, max_iterations=5000, options={"prune_arcs": prune})
    res = ortools_solve(m, request, NullReporter())
    assert sorted(tuple(vs) for _, vs in res.routes) == [(a,), (b,)]
    free, _, _ = two_vehicles(first=False)
    assert [tuple(vs) for _, vs in ortools_solve(free, request, NullReporter()).routes] == [(b, a)]


def test_runner_moves_flagged_visits_to_the_front_and_cuts_what_breaks():
    m = line_model([0, 10, 20, 30])
    v = m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000)
    a = m.add_visit(location=1, tw_early=0, tw_late=1000)
    b = m.add_visit(location=2, tw_early=0, tw_late=1000, first=True)
    c = m.add_visit(location=3, tw_early=0, tw_late=1000)
    assert order_first(m, [(v, [a, b, c])]) == [(v, [b, a, c])]
    assert order_first(m, [(v, [b, a, c])]) == [(v, [b, a, c])]  # in order: as it is
    assert order_first(m, [(7, [a, b]), (v, [a, 99, b])]) == [(7, [a, b]), (v, [a, 99, b])]  # the check's
    # a must start by 10: with b in front it cannot, so the visit that costs least to leave out goes
    m2, a2, b2 = two_vehicles(first=True)
    m2.add_group([b2], required=False, penalty=5)
    assert order_first(m2, [(0, [b2, a2])]) == [(0, [a2])]


@pytest.mark.parametrize("flagged", [False, True])
def test_construction_inserts_a_flagged_visit_only_in_front(flagged):
    m, a, b = two_vehicles(first=flagged)
    routes = cheapest_insertion(m)  # b first (its window closes first), then a where it costs least
    assert sorted(vs for _, vs in routes) == ([[a], [b]] if flagged else [[b, a]])
    assert m.build_solution(routes).ok


def test_reinsert_places_a_cut_visit_on_another_route():
    m, a, b = two_vehicles(first=True)
    assert reinsert(m, [(0, [a])], [b]) == [(0, [a]), (1, [b])]
    assert reinsert(m, [(0, [a]), (1, [b])], [b]) == [(0, [a]), (1, [b])]  # served: left alone


def blind(model, request, report):
    """A backend that ignores the flag: every visit on vehicle 0, unflagged ones first."""
    order = sorted(range(model.num_visits), key=lambda c: model.visits[c].first)
    return BackendResult([(0, order)], "feasible")


def test_runner_puts_any_backends_routes_in_order(monkeypatch):
    monkeypatch.setitem(BACKENDS, "blind", f"{__name__}:blind")
    m, a, b = two_vehicles(first=True)
    sol = m.solve("blind", watchdog=None, fallback=None)
    assert sol.ok and sol.backend == "blind", sol.message
    assert sorted(r.visits for r in sol.routes) == [(a,), (b,)]  # a in front broke b: b moved on
    m = line_model([0, 10, 20, 30])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000)
    vs = [m.add_visit(location=loc, tw_early=0, tw_late=1000, first=loc == 3) for loc in (1, 2, 3)]
    sol = m.solve("blind", watchdog=None, fallback=None)
    assert sol.ok and [r.visits for r in sol.routes] == [(vs[2], vs[0], vs[1])]
