"""The SDVRPTW benchmark instances: the reader, the best-known solutions, a real solve."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.routing.vrplib_io import read_instance, read_solution

SDVRPTW = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "sdvrptw"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (SDVRPTW / "PR01.vrp").exists(), reason="shared SDVRPTW instances absent")]


def test_reader_maps_sections_onto_the_model():
    inst = read_instance(SDVRPTW / "PR01.vrp")
    m = inst.model
    assert (inst.num_clients, inst.num_vehicles) == (48, 8) and m.num_visits == 48
    # Node 2 (visit 0): service 20, window [257, 374]; ×1000 as PyVRP's round_func="exact".
    v0 = m.visits[0]
    assert (v0.service, v0.tw_early, v0.tw_late) == (20_000, 257_000, 374_000)
    assert m.vehicles[0].max_duration == 500_000 and m.vehicles[7].capacity == 250
    # Site dependency: node 14 (visit 12) is absent from vehicles 1–4's lists.
    assert m.visits[12].allowed_vehicles == (4, 5, 6, 7)
    assert m.distance[0, 1] == round(1000 * ((23.627 - 71.106) ** 2 + (3.963 - 31.165) ** 2) ** 0.5)


@pytest.mark.parametrize("name", ["PR01", "PR07"])
def test_best_known_solution_evaluates_to_its_stated_cost_and_passes_check(name):
    inst = read_instance(SDVRPTW / f"{name}.vrp")
    sol, stated = read_solution(SDVRPTW / f"{name}.sol", inst.model)
    assert inst.model.check(sol) == []
    assert inst.model.evaluate(sol) == sol.objective == stated
    if name == "PR01":
        assert stated == 1655420


def test_check_catches_a_site_dependency_break_in_a_best_known_solution():
    inst = read_instance(SDVRPTW / "PR01.vrp")
    sol, _ = read_solution(SDVRPTW / "PR01.sol", inst.model)
    routes = sol.raw_routes()
    v_a, visits_a = routes[0]
    v_b, visits_b = routes[1]
    swapped = inst.model.build_solution([(v_b, visits_a), (v_a, visits_b)] + routes[2:])
    assert any("not allowed" in i for i in inst.model.check(swapped))


def test_pr01_within_five_percent_in_ten_seconds(backend):
    inst = read_instance(SDVRPTW / "PR01.vrp")
    _, bks = read_solution(SDVRPTW / "PR01.sol", inst.model)
    sol = inst.model.solve(backend, time_limit=10, fallback=None)
    assert sol.backend == backend and sol.ok and not sol.unserved, sol.message
    assert inst.model.check(sol) == []
    assert sol.objective <= 1.05 * bks, (sol.objective, bks)
