"""The PyVRP engine: shared eligibility profiles, compressed tiers, the portfolio (issue 14 items 1, 3)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyvrp")

from optimizer.routing import Model  # noqa: E402
from optimizer.routing._pyvrp_data import PyvrpData, compress, shared_profiles  # noqa: E402

DAY = 1440
MISS = 60_000_000_000  # the planner's missed refill: $10M in 1/60 cents


def test_compress_keeps_small_values_and_order_and_shrinks_big_ones():
    x = np.array([0, 5, 100, 150, 10_000, 6 * 10**10, 12 * 10**10])
    y = compress(x, 100.0)
    assert list(y[:3]) == [0, 5, 100]  # up to the scale: unchanged
    assert np.all(np.diff(y) > 0)  # monotone: tiers keep their order
    assert np.all(np.diff(compress(np.arange(90, 200), 100.0)) >= 0)  # near the scale ties may appear, never inversions
    assert y[-2] == pytest.approx(100 * (6e8) ** 0.5, rel=1e-6)
    assert y[-1] < 10**8  # a $10M prize becomes a few hundred route costs
    assert list(compress(x, 100.0, power=1.0)) == list(x)  # power 1: no compression


def test_profiles_merge_vehicles_that_agree_where_they_can_serve_in_time():
    # 4 visits × 3 vehicles. v0 and v1 are one nurse on two days: each may make only its
    # own day's copy (0 resp. 1), and the other day's copy is out of time for it.
    # v2 is another nurse on day 0: eligible for visit 2 only, and visit 0 is in time for it.
    allowed = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 1], [0, 0, 0]], bool)
    care = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 1], [1, 1, 1]], bool)
    prof, allow = shared_profiles(allowed, care, [1.0, 1.0, 1.0])
    assert prof[0] == prof[1] != prof[2]
    for v in range(3):  # every vehicle: allowed where it is in time and eligible, forbidden where not
        p = allow[prof[v]]
        assert np.all(p[care[:, v] & allowed[:, v]])
        assert not np.any(p[care[:, v] & ~allowed[:, v]])


def test_profiles_differ_by_distance_rate():
    allowed = np.ones((2, 2), bool)
    prof, _ = shared_profiles(allowed, allowed, [1.0, 2.0])
    assert prof[0] != prof[1]


def _nurse_days(*, days: int = 3, patients: int = 10, seed: int = 0) -> Model:
    """Two nurses × ``days`` days shaped like the planner's model: a vehicle per nurse-day on one
    clock, a visit copy per day with a tier cost, each refill a group worth a missed-refill prize."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[[0, 0], [60, 0]], rng.uniform(-30, 90, (patients, 2))])
    minutes = np.ceil(np.abs(xy[:, None, :] - xy[None, :, :]).sum(-1)).astype(np.int64)
    m = Model()
    for x, y in xy:
        m.add_location(float(x), float(y))
    m.set_matrices(minutes, minutes * 1000)
    veh = [[m.add_vehicle(start=n, end=n, tw_early=d * DAY + 480, tw_late=d * DAY + 1020, max_visits=5,
                          cost_per_time=5000, cost_per_distance_unit=0.75, fixed_cost=6000)
            for d in range(days)] for n in range(2)]
    for p in range(patients):
        nurses = [0, 1] if p % 3 else [p % 2]
        copies = [m.add_visit(location=2 + p, tw_early=d * DAY + 480, tw_late=d * DAY + 960, service=60,
                              allowed_vehicles=[veh[n][d] for n in nurses], required=False,
                              service_cost=(d + p) % days * 3_000_000 * 40)  # $500 a day away, ×40
                  for d in range(days)]
        m.add_group(copies, required=False, penalty=MISS)
    return m


def test_tiered_model_shares_profiles_and_improves_a_poor_warm_start():
    m = _nurse_days()
    built = PyvrpData(m, max_matrix_bytes=1e9)
    assert built.data is not None
    assert built.data.num_profiles == 2  # one per nurse (not per nurse-day)
    assert built.max_prize < MISS / 100  # compressed
    # A poor start: every refill on its costliest feasible copy, one visit per route.
    a = m.arrays()
    routes, used = [], set()
    for g in m.groups:
        options = [(int(a.service_cost[c]), c, v) for c in g.visits for v in np.flatnonzero(a.fits[c])
                   if int(v) not in used]
        if options:
            _, c, v = max(options)
            used.add(int(v))
            routes.append((int(v), [int(c)]))
    start = m.build_solution(routes, backend="start")
    assert start.ok
    sol = m.solve("pyvrp", max_iterations=300, watchdog=None, fallback=None, initial=start)
    assert sol.ok, sol.message
    assert "penalty_caps" not in sol.message  # PyVRP's penalties never reached their cap
    assert len(sol.unserved) <= len(start.unserved)
    assert sol.objective < start.objective - 10_000_000  # tiers and routes both improved, not returned as given
    assert "profiles=2" in sol.message


def test_portfolio_is_deterministic_and_keeps_the_best_seed():
    m = _nurse_days(days=2, patients=12, seed=3)
    one = m.solve("pyvrp", max_iterations=150, seed=5, watchdog=None, fallback=None,
                  options={"pyvrp": {"workers": 1}})
    two = m.solve("pyvrp", max_iterations=150, seed=5, watchdog=None, fallback=None,
                  options={"pyvrp": {"workers": 2}})
    again = m.solve("pyvrp", max_iterations=150, seed=5, watchdog=None, fallback=None,
                    options={"pyvrp": {"workers": 2}})
    assert two.ok and "run_costs=" in two.message
    assert [(r.vehicle, r.visits) for r in two.routes] == [(r.vehicle, r.visits) for r in again.routes]
    assert two.objective <= one.objective  # seed 5 is one of the two runs


def test_portfolio_under_the_watchdog_returns_within_its_limit():
    m = _nurse_days(days=2, patients=8, seed=1)
    sol = m.solve("pyvrp", time_limit=3.0, fallback=None, options={"pyvrp": {"workers": 2}})
    assert sol.ok and sol.backend == "pyvrp", sol.message
    assert "run_costs=" in sol.message  # both runs answered


def test_unknown_penalty_init_is_refused():
    m = _nurse_days(days=1, patients=2)
    sol = m.solve("pyvrp", max_iterations=10, watchdog=None, fallback=None,
                  options={"pyvrp": {"penalty_init": "guess"}})
    assert not sol.ok or sol.backend != "pyvrp" or "penalty_init" in sol.message


def test_worker_start_up_is_counted_only_in_the_watchdog_worker():
    from optimizer.routing.pyvrp_backend import _startup_s

    assert _startup_s(60.0) == 0.0  # in-process: this process's age is not the solve's
    assert _startup_s(None) == 0.0


def test_penalty_updates_reach_pyvrps_penalty_manager():
    from optimizer.routing._pyvrp_search import SearchSpec, _penalty_manager

    built = PyvrpData(_nurse_days(days=1, patients=3), max_matrix_bytes=1e9)
    spec = SearchSpec(deadline=None, max_iterations=1, seed=0, num_neighbours=5, history_length=10,
                      num_iters_no_improvement=10, max_perturbations=3, penalty_init="usable",
                      penalty_updates=7, incumbent_every=1.0)
    assert _penalty_manager(built, spec)._params.solutions_between_updates == 7
    assert _penalty_manager(built, spec)._params.max_penalty >= 4 * built.max_prize


def test_a_standalone_solve_runs_a_portfolio_on_the_machines_cores():
    from optimizer import settings

    m = _nurse_days(days=2, patients=8, seed=2)
    sol = m.solve("pyvrp", max_iterations=60, seed=1, watchdog=None, fallback=None)
    assert sol.ok, sol.message
    runs = [x for x in sol.message.split() if x.startswith("run_costs=")]
    expected = settings.SOLVER_WORKERS
    assert (len(runs[0].split("=")[1].split("/")) if runs else 1) == expected
