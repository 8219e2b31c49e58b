"""The solver-independent construction (sequential cheapest insertion)."""

from __future__ import annotations

import numpy as np

from optimizer.routing.construct import cheapest_insertion
from tests.routing.conftest import line_model, run


def _model():
    rng = np.random.default_rng(3)
    xs, ys = rng.integers(0, 100, 30), rng.integers(0, 100, 30)
    m = line_model(list(xs), list(ys))
    for v in range(5):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=900, max_visits=5, max_duration=600,
                      cost_per_distance_unit=1, cost_per_time=1, fixed_cost=50)
    for loc in range(1, 30, 2):  # a group of two copies per "patient", windows on two "days"
        copies = []
        for day in range(2):
            lo = 100 + 300 * day + int(rng.integers(0, 100))
            copies.append(m.add_visit(location=loc, tw_early=lo, tw_late=lo + 120, service=20,
                                      allowed_vehicles=[loc % 5, (loc + day) % 5],
                                      service_cost=0 if day == 0 else 40))
        m.add_group(copies, required=False, penalty=2000)
    m.add_visit(location=2, tw_early=0, tw_late=900, required=False, penalty=1)  # never worth it
    return m


def test_construction_honours_every_rule_and_declines_cheap_optionals():
    m = _model()
    sol = m.build_solution(cheapest_insertion(m))
    assert m.check(sol) == []  # windows, eligibility, max visits/duration, groups
    assert m.num_visits - 1 in sol.unserved  # penalty 1 < any detour
    assert len(sol.served) >= 10


def test_time_budget_stops_early_but_stays_valid():
    m = _model()
    sol = m.build_solution(cheapest_insertion(m, time_budget=0.0))
    assert m.check(sol) == [] and sol.served == ()


def test_ortools_from_the_construction_is_valid_and_no_worse():
    m = _model()
    greedy = m.build_solution(cheapest_insertion(m))
    sol = run(m, "ortools", max_iterations=3000, options={"ortools": {"construct": True}})
    assert sol.objective <= greedy.objective
