"""The one route schedule and the one route cost, on plain integers (optimizer.routing.timing)."""

from __future__ import annotations

import random

from optimizer.routing import Model
from optimizer.routing.timing import UNREACHABLE, route_cost, time_route
from tests.routing.conftest import line_model


def test_least_duration_leaves_late_and_reports_waits_and_overtime():
    # start → A (window [50, 60]) → B (window [0, 200]) → end; legs 10, 10, 20; service 5 each
    t = time_route([10, 10, 20], [50, 0], [60, 200], [5, 5], earliest_departure=0, latest_return=200,
                   soft_end=80)
    assert t.feasible and t.violations == ()
    assert t.departure == 40 and t.starts == (50, 65) and t.return_time == 90
    assert t.arrivals == (50, 65) and t.waits == (0, 0)
    assert t.duration == 50 and t.overtime == 10
    # B first: B can start no later than A's opening allows without waiting; A's wait is absorbed
    t = time_route([20, 10, 10], [0, 50], [200, 60], [5, 5], earliest_departure=0, latest_return=200)
    assert t.feasible and t.departure == 15 and t.starts == (35, 50) and t.return_time == 65
    # a wait the departure cannot absorb (A's window closes early, B opens late) is counted
    t = time_route([10, 10, 10], [0, 100], [20, 200], [5, 5], earliest_departure=0, latest_return=300)
    assert t.feasible and t.departure == 10 and t.starts == (20, 100)
    assert t.arrivals == (20, 35) and t.waits == (0, 65) and t.duration == 105


def test_violations_keep_the_earliest_times():
    t = time_route([10, 10], [0], [5], [0], earliest_departure=0, latest_return=100, labels=["P"])
    assert not t.feasible and t.violations == ("visit P starts at 10 > tw_late 5",)
    assert t.departure == 0 and t.starts == (10,)
    t = time_route([10, 30], [0], [100], [0], earliest_departure=0, latest_return=35)
    assert not t.feasible and "returns at 40 > vehicle tw_late 35" in t.violations[0]
    t = time_route([10, UNREACHABLE], [0], [100], [0], earliest_departure=0, latest_return=10**10)
    assert not t.feasible and t.violations[0] == "uses an unreachable arc"
    t = time_route([10, 10], [0], [100], [0], earliest_departure=0, latest_return=100, max_duration=15)
    assert not t.feasible and t.violations == ("duration 20 > max_duration 15",)
    empty = time_route([0], [], [], [], earliest_departure=7, latest_return=7)
    assert empty.feasible and empty.duration == 0


def test_route_cost_parts_and_unused_route():
    t = time_route([10, 10, 20], [50, 0], [60, 200], [5, 5], earliest_departure=0, latest_return=200,
                   soft_end=80)
    parts = route_cost(stops=2, duration=t.duration, overtime=t.overtime, arc_costs=[3, 4, 5],
                       service_costs=[7, 0], fixed_cost=100, cost_per_time=2, overtime_cost=9)
    assert parts == {"fixed": 100, "time": 100, "overtime": 90, "distance": 12, "service": 7}
    assert set(route_cost(stops=0, duration=5, overtime=5, arc_costs=[1], fixed_cost=100).values()) == {0}


def test_model_schedule_and_cost_are_the_timing_functions():
    """Random orders on random line models: Model.schedule/route_cost equal the plain functions."""
    rng = random.Random(3)
    for _ in range(200):
        xs = [0] + [rng.randrange(0, 60) for _ in range(4)]
        m: Model = line_model(xs)
        v = m.add_vehicle(start=0, end=0, tw_early=rng.randrange(0, 20), tw_late=rng.randrange(80, 200),
                          soft_end=rng.randrange(40, 120), overtime_cost=3, fixed_cost=11, cost_per_time=2,
                          cost_per_distance_unit=0.4)
        vis = []
        for loc in range(1, 5):
            e = rng.randrange(0, 100)
            vis.append(m.add_visit(location=loc, tw_early=e, tw_late=e + rng.randrange(0, 60),
                                   service=rng.randrange(0, 15), service_cost=rng.randrange(0, 5)))
        order = rng.sample(vis, rng.randrange(0, 5))
        locs = [0] + [m.visits[c].location for c in order] + [0]
        legs = [abs(xs[a] - xs[b]) for a, b in zip(locs, locs[1:])]
        veh = m.vehicles[v]
        t = time_route(legs, [m.visits[c].tw_early for c in order], [m.visits[c].tw_late for c in order],
                       [m.visits[c].service for c in order], earliest_departure=veh.tw_early,
                       latest_return=veh.tw_late, soft_end=veh.soft_end)
        s = m.schedule(v, order)
        assert (s.feasible, s.departure, s.starts, s.return_time) == (
            t.feasible, t.departure, t.starts, t.return_time)
        if t.feasible:
            got = m.route_cost(v, order, departure=s.departure, return_time=s.return_time)
            want = route_cost(stops=len(order), duration=t.duration, overtime=t.overtime,
                              arc_costs=[round(0.4 * d) for d in legs],
                              service_costs=[m.visits[c].service_cost for c in order],
                              fixed_cost=11, cost_per_time=2, overtime_cost=3)
            assert got == want
