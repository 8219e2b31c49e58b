"""The model's own rules, without any solver: timing, objective, check, input validation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from optimizer.routing import UNREACHABLE, Model, Route
from tests.routing.conftest import line_model


def test_schedule_leaves_as_late_as_possible_and_counts_waiting():
    # depot 0 — a at 10 (window [50, 60]) — b at 20 (window [0, 100]); service 5 each.
    m = line_model([0, 10, 20])
    v = m.add_vehicle(start=0, end=0, tw_early=0, tw_late=200)
    a = m.add_visit(location=1, tw_early=50, tw_late=60, service=5)
    b = m.add_visit(location=2, tw_early=0, tw_late=100, service=5)
    s = m.schedule(v, [a, b])
    assert s.feasible
    assert s.departure == 40  # latest departure that still starts a at 50
    assert s.starts == (50, 65)
    assert s.return_time == 90 and s.duration == 50 and s.distance == 40
    # b first, then a: b ends at 25 at the earliest, a cannot start before 50 → waiting counts.
    s2 = m.schedule(v, [b, a])
    assert s2.feasible
    assert s2.starts == (35, 50)  # b as late as a's opening allows, then a at 50 with no wait
    assert s2.departure == 15 and s2.return_time == 65 and s2.duration == 50


def test_schedule_reports_violations():
    m = line_model([0, 10, 20])
    v = m.add_vehicle(start=0, end=0, tw_early=0, tw_late=35)
    w = m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, max_duration=30)
    a = m.add_visit(location=1, tw_early=0, tw_late=5, service=0)
    b = m.add_visit(location=2, tw_early=0, tw_late=100, service=0)
    s = m.schedule(v, [a])
    assert not s.feasible and "starts at 10 > tw_late 5" in s.violations[0]
    s = m.schedule(v, [b])
    assert not s.feasible and "returns at 40 > vehicle tw_late 35" in s.violations[0]
    s = m.schedule(w, [b])
    assert not s.feasible and "duration 40 > max_duration 30" in s.violations[0]
    assert m.schedule(w, [a, b]).violations and not m.schedule(w, []).violations


def test_evaluate_sums_every_cost_part():
    m = line_model([0, 10, 20, 30])
    v = m.add_vehicle(start=0, end=0, tw_early=0, tw_late=500, soft_end=50, overtime_cost=7,
                      fixed_cost=100, cost_per_time=2, cost_per_distance_unit=0.25)
    a = m.add_visit(location=1, tw_early=0, tw_late=500, service=10, service_cost=11)
    b = m.add_visit(location=2, tw_early=0, tw_late=500, service=10, required=False, penalty=1000)
    c = m.add_visit(location=3, tw_early=0, tw_late=500, required=False, penalty=33)
    sol = m.build_solution([(v, [a, b])])
    r = sol.routes[0]
    assert (r.departure, r.return_time, r.duration, r.distance) == (0, 60, 60, 40)
    # distance: arcs 10, 10, 20 at 0.25 → 2.5, 2.5, 5.0 → rounded half to even: 2 + 2 + 5
    assert sol.breakdown == {"fixed": 100, "time": 120, "overtime": 70, "distance": 9, "service": 11,
                             "penalty": 33, "required_penalty": 0}
    assert sol.objective == m.evaluate(sol) == 343
    assert sol.unserved == (c,)


def test_distance_cost_is_rounded_per_arc_half_to_even():
    m = line_model([0, 1, 3])
    v = m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100, cost_per_distance_unit=0.5)
    a = m.add_visit(location=1, tw_early=0, tw_late=100)
    b = m.add_visit(location=2, tw_early=0, tw_late=100)
    # arcs 1, 2, 3 → 0.5, 1.0, 1.5 → rint 0, 1, 2
    assert m.build_solution([(v, [a, b])]).breakdown["distance"] == 3


def test_unserved_required_costs_the_required_penalty_and_fails_check():
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100)
    a = m.add_visit(location=1, tw_early=0, tw_late=100)
    sol = m.build_solution([])
    assert sol.status == "infeasible" and sol.unserved == (a,)
    assert sol.objective == m.required_penalty >= 10**6
    assert any("required visit 0 not served" in i for i in m.check(sol))


def _two_vehicle_model() -> tuple[Model, list[int]]:
    m = line_model([0, 10, 20])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100, max_visits=1, capacity=5)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100)
    a = m.add_visit(location=1, tw_early=0, tw_late=100, allowed_vehicles=[0], demand=3)
    b = m.add_visit(location=2, tw_early=0, tw_late=15, demand=3)
    c = m.add_visit(location=2, tw_early=0, tw_late=100)
    m.add_group([b, c], required=True)
    return m, [a, b, c]


def test_check_accepts_a_feasible_solution():
    m, (a, b, c) = _two_vehicle_model()
    sol = m.build_solution([(0, [a]), (1, [c])])
    assert sol.ok and m.check(sol) == []


@pytest.mark.parametrize("routes, expected", [
    ([(1, [0]), (0, [2])], "not allowed"),  # visit 0 only on vehicle 0
    ([(0, [0, 2])], "max_visits"),
    ([(0, [0]), (1, [1, 2])], "alternatives served"),
    ([(0, [0]), (1, [2, 1])], "outside"),  # b's window closes at 15
    ([(0, [0])], "required group 0 not served"),
])
def test_check_finds_each_violation(routes, expected):
    m, _ = _two_vehicle_model()
    issues = m.check(m.build_solution(routes))
    assert any(expected in i for i in issues), issues


def test_check_recomputes_times_rather_than_trusting_them():
    m, (a, b, c) = _two_vehicle_model()
    sol = m.build_solution([(0, [a]), (1, [c])])
    r = sol.routes[1]
    forged = replace(sol, routes=(sol.routes[0], replace(r, starts=(5,))))  # before it can arrive (20)
    assert any("before arrival" in i for i in m.check(forged))
    late = replace(sol, routes=(sol.routes[0], replace(r, return_time=101, duration=101 - r.departure)))
    assert any("tw_late" in i for i in m.check(late))
    lying = replace(sol, unserved=(b,))
    assert any("unserved" in i for i in m.check(lying))


def test_capacity_and_unreachable_are_checked():
    m = line_model([0, 10, 20])
    dur = np.array(m.duration)
    dur[1, 2] = UNREACHABLE
    m.set_matrices(dur)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, capacity=4)
    a = m.add_visit(location=1, tw_early=0, tw_late=1000, demand=3)
    b = m.add_visit(location=2, tw_early=0, tw_late=1000, demand=2)
    issues = m.check(m.build_solution([(0, [a, b])]))
    assert any("unreachable" in i for i in issues)
    assert any("capacity" in i for i in issues)
    alone = m.check(m.build_solution([(0, [b])]))
    assert alone == ["required visit 0 not served"]


def test_route_fields_roundtrip_through_dict():
    m, (a, b, c) = _two_vehicle_model()
    sol = m.build_solution([(0, [a]), (1, [c])])
    from optimizer.routing import Solution

    again = Solution.from_dict(sol.to_dict())
    assert again == sol and isinstance(again.routes[0], Route)


@pytest.mark.parametrize("bad", [
    lambda m: m.set_matrices(np.zeros((2, 3))),
    lambda m: m.set_matrices(np.array([[0, -1], [1, 0]])),
    lambda m: m.set_matrices(np.array([[0, 1.5], [1, 0]])),
    lambda m: m.add_vehicle(start=0, end=5, tw_early=0, tw_late=10),
    lambda m: m.add_vehicle(start=0, end=0, tw_early=10, tw_late=5),
    lambda m: m.add_vehicle(start=0, end=0, tw_early=0, tw_late=5, fixed_cost=1.5),
    lambda m: m.add_visit(location=1, tw_early=0, tw_late=10, allowed_vehicles=[3]),
    lambda m: m.add_visit(location=1, tw_early=0, tw_late=10, penalty=-1),
    lambda m: m.add_group([]),
    lambda m: m.add_group([0, 0]),
])
def test_bad_input_is_refused(bad):
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100)
    m.add_visit(location=1, tw_early=0, tw_late=100)
    with pytest.raises((ValueError, IndexError, TypeError)):
        bad(m)


@pytest.mark.parametrize(("bad", "message"), [
    (lambda m: m.add_location(float("nan"), 0), "location 2: coordinates must be finite"),
    (lambda m: m.add_vehicle(start=0, end=0, tw_early=0, tw_late=2**64, name="Ann"),
     r"vehicle 1 \('Ann'\): tw_late must be at most 2\*\*53"),
    (lambda m: m.add_vehicle(start=0, end=0, tw_early=0, tw_late=10, cost_per_distance_unit=1e300),
     "vehicle 1: cost_per_distance_unit must be in"),
    (lambda m: m.add_visit(location=1, tw_early=0, tw_late=10, penalty=2**63 - 1, required=False),
     "visit 1: penalty must be at most"),
    (lambda m: m.add_visit(location=1, tw_early=5, tw_late=4), "visit 1: visit time window"),
])
def test_values_that_would_overflow_or_make_no_sense_are_refused_naming_the_entity(bad, message):
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100)
    m.add_visit(location=1, tw_early=0, tw_late=100)
    with pytest.raises(ValueError, match=message):
        bad(m)


def test_a_distance_cost_beyond_the_integer_range_is_refused_not_wrapped():
    # 1e12 per unit over 10**8 units: 10**20 wrapped to a negative int64 objective before.
    m = line_model([0, 10])
    dist = np.array([[0, 10**8], [10**8, 0]])
    m.set_matrices(np.array(m.duration), dist)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100, cost_per_distance_unit=1e12)
    m.add_visit(location=1, tw_early=0, tw_late=100)
    with pytest.raises(ValueError, match="vehicle 0: cost_per_distance_unit .* longest usable distance"):
        m.solve("ortools", time_limit=1, watchdog=None)


@pytest.mark.parametrize("routes", [[(2, [0])], [(-1, [0])], [(0, [1])], [(0, [-1])]])
def test_building_a_solution_with_unknown_indices_is_refused(routes):
    # A negative index used to wrap around to the last vehicle or visit, a large one raised IndexError.
    m = line_model([0, 10])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100)
    m.add_visit(location=1, tw_early=0, tw_late=100)
    with pytest.raises(ValueError, match="unknown"):
        m.build_solution(routes)
    good = m.build_solution([(0, [0])])
    (r,) = good.routes
    stale = replace(good, routes=(replace(r, vehicle=routes[0][0], visits=tuple(routes[0][1])),))
    with pytest.raises(ValueError, match="unknown"):
        m.evaluate(stale)


def test_long_distances_are_priced_as_given_not_capped():
    # Distances were capped at UNREACHABLE (10**9) like durations: 3e9 each way was costed 2e9.
    m = line_model([0, 10])
    m.set_matrices(np.array(m.duration), np.array([[0, 3 * 10**9], [3 * 10**9, 0]]))
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=100, cost_per_distance_unit=1)
    m.add_visit(location=1, tw_early=0, tw_late=100)
    sol = m.build_solution([(0, [0])])
    assert sol.routes[0].distance == sol.objective == 6 * 10**9
    with pytest.raises(ValueError, match="distance has values above 2"):
        m.set_matrices(np.array(m.duration), np.array([[0, 2**60], [2**60, 0]], dtype=np.uint64))


def test_a_visit_belongs_to_one_group_only():
    m = line_model([0, 10])
    a = m.add_visit(location=1, tw_early=0, tw_late=100)
    b = m.add_visit(location=1, tw_early=0, tw_late=100)
    m.add_group([a, b])
    with pytest.raises(ValueError, match="already in group"):
        m.add_group([b])


def test_fits_prunes_what_no_single_visit_route_can_do():
    m = line_model([0, 10, 50])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=60)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=200, max_duration=50)
    near = m.add_visit(location=1, tw_early=0, tw_late=100)
    far = m.add_visit(location=2, tw_early=0, tw_late=100)
    late = m.add_visit(location=1, tw_early=0, tw_late=5)  # cannot start before 10
    fits = m.arrays().fits
    assert fits[near].tolist() == [True, True]
    assert fits[far].tolist() == [False, False]  # back at 100 > 60; duration 100 > 50
    assert fits[late].tolist() == [False, False]
