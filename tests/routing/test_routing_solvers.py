"""Each rule binds in a real solve, the same tiny instances through both backends.

Every instance is built so that ignoring the rule would give a different (cheaper)
answer; each test asserts the answer that only the rule explains.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.routing import UNREACHABLE, Solution
from optimizer.routing.solution import Route
from tests.routing.conftest import line_model, run


def test_time_windows_force_the_order(backend):
    # depot 0, visits at 10, 20, 30: unconstrained, any monotone tour costs 60.
    # Windows leave one feasible order, c → a → b, which costs 80.
    m = line_model([0, 10, 20, 30])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    a = m.add_visit(location=1, tw_early=55, tw_late=60, service=10)
    b = m.add_visit(location=2, tw_early=70, tw_late=1000, service=10)
    c = m.add_visit(location=3, tw_early=0, tw_late=35, service=10)
    sol = run(m, backend)
    (route,) = sol.routes
    assert route.visits == (c, a, b)
    assert sol.objective == 80
    assert all(m.visits[v].tw_early <= s <= m.visits[v].tw_late for v, s in zip(route.visits, route.starts))


def test_allowed_vehicles_bind(backend):
    m = line_model([0, 100, 5])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    m.add_vehicle(start=1, end=1, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    near0 = m.add_visit(location=2, tw_early=0, tw_late=1000, allowed_vehicles=[1])
    sol = run(m, backend)
    assert [(r.vehicle, r.visits) for r in sol.routes] == [(1, (near0,))]
    assert sol.breakdown["distance"] == 190


def test_max_visits_binds(backend):
    m = line_model([0, 1, 2, 3])
    for _ in range(2):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, max_visits=2, fixed_cost=100,
                      cost_per_distance_unit=1)
    for loc in (1, 2, 3):
        m.add_visit(location=loc, tw_early=0, tw_late=1000)
    sol = run(m, backend)
    assert len(sol.routes) == 2 and not sol.unserved  # one vehicle would be 100 cheaper
    assert max(len(r.visits) for r in sol.routes) == 2


def test_max_duration_binds(backend):
    m = line_model([0, 10, -10])
    for _ in range(2):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, max_duration=30, fixed_cost=100,
                      cost_per_distance_unit=1)
    m.add_visit(location=1, tw_early=0, tw_late=1000)
    m.add_visit(location=2, tw_early=0, tw_late=1000)
    sol = run(m, backend)
    assert len(sol.routes) == 2 and all(r.duration == 20 for r in sol.routes)  # together: 40 > 30


def test_max_duration_counts_waiting(backend):
    # Visits at 10 and 20 with windows 100 apart: the route must wait, which breaks 60.
    m = line_model([0, 10, 20])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, max_duration=60, cost_per_distance_unit=1)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, max_duration=60, cost_per_distance_unit=1,
                  fixed_cost=500)
    m.add_visit(location=1, tw_early=0, tw_late=10)
    m.add_visit(location=2, tw_early=100, tw_late=110)
    sol = run(m, backend)
    assert len(sol.routes) == 2 and all(r.duration <= 60 for r in sol.routes)


def test_vehicle_time_window_binds(backend):
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=15, cost_per_distance_unit=1)  # back by 15: no
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1, fixed_cost=50)
    m.add_visit(location=1, tw_early=0, tw_late=1000)
    sol = run(m, backend)
    assert [r.vehicle for r in sol.routes] == [1]


def test_vehicle_earliest_departure_binds(backend):
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=100, tw_late=1000)
    m.add_visit(location=1, tw_early=0, tw_late=105, required=False, penalty=5)
    sol = run(m, backend)
    assert sol.unserved == (0,) and not sol.routes  # earliest start 110 > 105


@pytest.mark.parametrize("cheap", [0, 1])
def test_required_group_serves_exactly_the_cheaper_copy(backend, cheap):
    m = line_model([0, 50, 5])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    far = m.add_visit(location=1, tw_early=0, tw_late=1000)
    near = m.add_visit(location=2, tw_early=0, tw_late=1000)
    copies = [near, far] if cheap == 0 else [far, near]  # order in the group must not matter
    m.add_group(copies, required=True)
    sol = run(m, backend)
    assert sol.served == (near,) and sol.unserved == ()


@pytest.mark.parametrize("penalty, served", [(150, False), (250, True)])
def test_optional_visit_served_only_when_its_penalty_exceeds_the_detour(backend, penalty, served):
    m = line_model([0, 100])  # round trip 200
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    c = m.add_visit(location=1, tw_early=0, tw_late=1000, required=False, penalty=penalty)
    sol = run(m, backend)
    assert (sol.served == (c,)) is served
    assert sol.objective == (200 if served else penalty)


@pytest.mark.parametrize("penalty, served", [(150, False), (250, True)])
def test_optional_group_penalty(backend, penalty, served):
    m = line_model([0, 100, 100])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    a = m.add_visit(location=1, tw_early=0, tw_late=1000)
    b = m.add_visit(location=2, tw_early=0, tw_late=1000, service_cost=10)
    m.add_group([a, b], required=False, penalty=penalty)
    sol = run(m, backend)
    assert sol.served == ((a,) if served else ())
    assert sol.unserved == (() if served else (a, b))
    assert sol.objective == (200 if served else penalty)


@pytest.mark.parametrize("costly", [0, 1])
def test_service_cost_steers_the_choice_between_copies(backend, costly):
    # Two copies at the same place and time (e.g. preferred / other nurse): only service_cost differs.
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    copies = [m.add_visit(location=1, tw_early=0, tw_late=1000, service_cost=500 if k == costly else 0)
              for k in range(2)]
    m.add_group(copies, required=True)
    sol = run(m, backend)
    assert sol.served == (copies[1 - costly],)
    assert sol.breakdown["service"] == 0


def test_service_cost_can_outweigh_distance(backend):
    # A far copy without the tier cost beats a near copy with it (e.g. not the last reserve day).
    m = line_model([0, 10, 40])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    near = m.add_visit(location=1, tw_early=0, tw_late=1000, service_cost=100)  # 20 + 100
    far = m.add_visit(location=2, tw_early=0, tw_late=1000)  # 80
    m.add_group([near, far], required=True)
    sol = run(m, backend)
    assert sol.served == (far,) and sol.objective == 80


def test_overtime_after_soft_end_is_charged(backend):
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, soft_end=15, overtime_cost=7)
    m.add_visit(location=1, tw_early=0, tw_late=1000, service=10)
    sol = run(m, backend)
    (r,) = sol.routes
    assert r.return_time == 30 and sol.breakdown["overtime"] == 7 * 15 == sol.objective


@pytest.mark.parametrize("ot_vehicle", [0, 1])
def test_overtime_is_avoided_when_another_vehicle_can_do_it(backend, ot_vehicle):
    m = line_model([0, 10])
    for v in range(2):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1,
                      soft_end=15 if v == ot_vehicle else None, overtime_cost=50 if v == ot_vehicle else 0)
    m.add_visit(location=1, tw_early=0, tw_late=1000, service=10)
    sol = run(m, backend)
    assert [r.vehicle for r in sol.routes] == [1 - ot_vehicle] and sol.breakdown["overtime"] == 0


def test_cost_per_time_makes_the_schedule_leave_late(backend):
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_time=3)
    m.add_visit(location=1, tw_early=500, tw_late=600, service=10)
    sol = run(m, backend)
    (r,) = sol.routes
    assert (r.departure, r.starts, r.return_time) == (490, (500,), 520)
    assert sol.objective == 3 * 30


def test_unreachable_arcs_are_never_used(backend):
    # a→b is the cheapest link by distance but cannot be driven; b→a can.
    m = line_model([0, 10, 20])
    dur = np.array(m.duration)
    dist = np.array(m.distance)
    dur[1, 2] = UNREACHABLE
    dist[1, 2] = 0
    dist[2, 1] = 50
    m.set_matrices(dur, dist)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    a = m.add_visit(location=1, tw_early=0, tw_late=1000)
    b = m.add_visit(location=2, tw_early=0, tw_late=1000)
    sol = run(m, backend)
    for r in sol.routes:
        assert (a, b) not in zip(r.visits, r.visits[1:])
    assert sol.objective == 60  # two routes 20 + 40 (b→a would be 10 + 50 + 20 = 80)


def test_capacity_binds(backend):
    m = line_model([0, 1, 2])
    for _ in range(2):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, capacity=5, fixed_cost=100)
    m.add_visit(location=1, tw_early=0, tw_late=1000, demand=3)
    m.add_visit(location=2, tw_early=0, tw_late=1000, demand=3)
    sol = run(m, backend)
    assert len(sol.routes) == 2


def test_impossible_required_visit_is_reported_not_hidden(backend):
    m = line_model([0, 10, 500])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100)
    ok = m.add_visit(location=1, tw_early=0, tw_late=100)
    far = m.add_visit(location=2, tw_early=0, tw_late=100)
    sol = run(m, backend, expect_ok=False)
    assert sol.status == "infeasible" and sol.unserved == (far,) and sol.served == (ok,)
    assert "required visit 1 not served" in sol.message


@pytest.mark.parametrize("far", [30, UNREACHABLE])
def test_a_vehicle_too_short_for_its_own_start_and_end_stays_unused(backend, far):
    # Vehicle 0 ends where it cannot get to within its day (or at all); unused, it is legal.
    m = line_model([0, 10, 20])
    dur = np.array(m.duration)
    dur[0, 2] = far
    m.set_matrices(dur)
    m.add_vehicle(start=0, end=2, tw_early=0, tw_late=5)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100, cost_per_distance_unit=1)
    a = m.add_visit(location=1, tw_early=0, tw_late=100)
    sol = run(m, backend)
    assert [(r.vehicle, r.visits) for r in sol.routes] == [(1, (a,))]


@pytest.mark.parametrize("kind", ["first", "break"])
def test_a_model_no_solution_serves_whole_gets_unserved_visits_not_broken_rules(backend, kind):
    # "first": both flagged visits lead, so the third cannot make its window after them.
    # "break": visit b's only vehicle can never take its break. PyVRP returned its penalised
    # best as it was: a visit outside its window, or (at a 1 s limit, cut by the break fitting) nothing served.
    m = line_model([0, 10, 20])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100)
    if kind == "first":
        m.add_visit(location=1, tw_early=50, tw_late=60, first=True)
        m.add_visit(location=2, tw_early=0, tw_late=20, first=True)
        m.add_visit(location=2, tw_early=0, tw_late=30)
    else:
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100, break_duration=1000, break_after=5)
        m.add_visit(location=1, tw_early=0, tw_late=100)
        m.add_visit(location=2, tw_early=0, tw_late=100, allowed_vehicles=[1])
    sol = run(m, backend, expect_ok=False)
    assert sol.status == "infeasible" and len(sol.unserved) == 1
    assert all(issue.endswith("not served") for issue in m.check(sol)), m.check(sol)


@pytest.mark.slow
def test_deterministic_mode_repeats_exactly(backend):
    rng = np.random.default_rng(7)
    xs, ys = rng.integers(0, 100, 25), rng.integers(0, 100, 25)
    m = line_model(list(xs), list(ys))
    for v in range(4):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=2000, max_visits=8, cost_per_distance_unit=1,
                      cost_per_time=1)
    for loc in range(1, 25):
        lo = int(rng.integers(0, 600))
        m.add_visit(location=loc, tw_early=lo, tw_late=lo + 300, service=10,
                    allowed_vehicles=None if loc % 3 else [loc % 4, (loc + 1) % 4])
    work = {"ortools": 20_000, "pyvrp": 1_000}[backend]  # enough to move well past the first solution
    first = run(m, backend, max_iterations=work, seed=3)
    second = run(m, backend, max_iterations=work, seed=3)
    assert first == second  # routes, times, objective, status (runtime and message excluded)
    assert first.routes == second.routes


def test_initial_solution_is_used(backend):
    m = line_model([0, 10, 20, 30])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    for loc in (1, 2, 3):
        m.add_visit(location=loc, tw_early=0, tw_late=1000)
    start = m.build_solution([(0, [2, 0, 1])])
    sol = run(m, backend, initial=start, max_iterations=50)
    assert sol.objective <= start.objective and sol.objective == 60


@pytest.mark.parametrize("routes", [[(5, [0])], [(-1, [0])], [(0, [0, 7])], [(0, [2, -1])]])
def test_an_initial_solution_naming_unknown_vehicles_or_visits_is_skipped(backend, routes):
    m = line_model([0, 10, 20, 30])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    for loc in (1, 2, 3):
        m.add_visit(location=loc, tw_early=0, tw_late=1000)
    stale = Solution(tuple(Route(v, tuple(vs), (0,) * len(vs), 0, 0, 0, 0) for v, vs in routes), (), 0, {},
                     "feasible")
    sol = run(m, backend, initial=stale, max_iterations=50)
    assert sol.objective == 60 and "not used as an incumbent" in sol.message
