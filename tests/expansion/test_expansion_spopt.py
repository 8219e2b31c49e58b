"""Cross-check: on the uncapacitated, hire-only special case our MIP equals spopt's MCLP."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from spopt.locate import MCLP

import geodata
from geodata.travel import get_provider
from optimizer.domain import Roster
from optimizer.analysis.expansion import (ActionKind, ExpansionCosts, ExpansionSettings, Site, build_expansion,
                                 optimize, solve_matrix)
from tests.expansion.conftest import ON, saline_patient


def _spopt_objective(minutes: np.ndarray, weights: np.ndarray, radius: float, p: int) -> float:
    model = MCLP.from_cost_matrix(minutes, weights, service_radius=radius, p_facilities=p)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(model.problem.objective))


@pytest.mark.parametrize("p", [1, 3, 6])
def test_raw_matrix_equals_spopt_mclp(p: int) -> None:
    rng = np.random.default_rng(42)
    centers = rng.uniform(0, 300, size=(8, 2))
    demand = centers[rng.integers(0, 8, 400)] + rng.normal(0, 25, size=(400, 2))
    sites = rng.uniform(0, 300, size=(60, 2))
    minutes = np.linalg.norm(demand[:, None, :] - sites[None, :, :], axis=2)
    weights = rng.integers(1, 10, 400).astype(float)
    ours = solve_matrix(minutes, weights, cutoff=40.0, budget=p, backend="highs")
    assert ours.status == "optimal" and ours.gap <= 1e-6
    assert ours.objective == pytest.approx(_spopt_objective(minutes, weights, 40.0, p), abs=1e-6)
    assert int(ours.chosen.sum()) <= p
    scip = solve_matrix(minutes, weights, cutoff=40.0, budget=p, backend="scip")
    assert scip.objective == pytest.approx(ours.objective, abs=1e-6)


def test_roster_hire_only_equals_spopt_mclp() -> None:
    """The roster path (demand points, sites, licenses) reduces to MCLP in compact states."""
    rng = np.random.default_rng(7)
    lat = rng.uniform(38.6, 41.4, 120)
    lon = rng.uniform(-85.5, -80.7, 120)
    states = geodata.states_of(lat, lon)
    keep = np.array([s in {"OH", "IN", "KY", "PA", "WV"} for s in states])
    patients = tuple(saline_patient(f"P{i}", float(a), float(b), str(s), prescribed_interval_days=int(d))
                     for i, (a, b, s, d) in enumerate(zip(lat[keep], lon[keep], states[keep],
                                                         rng.choice([14, 28, 42], keep.sum()))))
    slat = rng.uniform(38.8, 41.2, 40)
    slon = rng.uniform(-85.2, -81.0, 40)
    sstates = geodata.states_of(slat, slon)
    sites = [Site(f"S{j}", f"S{j}", str(s), float(a), float(b), "file")
             for j, (a, b, s) in enumerate(zip(slat, slon, sstates)) if s in {"OH", "IN", "KY", "PA", "WV"}]
    settings = ExpansionSettings(actions=frozenset({ActionKind.HIRE}), capacitated=False, cutoff_minutes=75,
                                 costs=ExpansionCosts(hire=1.0, hire_training=0.0, chemo_cert=0.0))  # unit cost: MCLP's p
    provider = get_provider("haversine")
    problem = build_expansion(Roster(patients=patients, nurses=()), provider=provider, settings=settings,
                              sites=sites, on=ON)
    demand = problem.demand
    minutes = np.asarray(provider.matrix([(s.lat, s.lon) for s in sites],
                                         list(zip(demand.lat, demand.lon))).minutes).T
    for p in (2, 5):
        res = optimize(problem, budget=p)
        assert res.solution.status == "optimal"
        expected = _spopt_objective(minutes, demand.weight, 75.0, p)
        assert res.solution.objective == pytest.approx(expected, abs=1e-6)
        # the flow evaluation of the chosen hires agrees with the MIP
        assert res.after.covered_weight == pytest.approx(expected, abs=1e-3)
