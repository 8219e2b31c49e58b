"""The planner's parts run in ``SolverOptions.workers`` processes; each part's PyVRP search is then one process.

A standalone PyVRP solve uses the machine's cores as a portfolio (``settings.SOLVER_WORKERS``);
inside the planner that would put two searches on each core.
"""

from __future__ import annotations

import datetime as dt

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Infusate, Roster
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from optimizer.routing.model import Model
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)


def test_each_part_asks_pyvrp_for_one_search_process(monkeypatch):
    asked: list[dict] = []
    real = Model.solve

    def spy(self, backend, **kw):
        asked.append(kw.get("options") or {})
        return real(self, backend, **kw)

    monkeypatch.setattr(Model, "solve", spy)
    patients = tuple(
        make_patient(patient_id=f"P{i}", lat=39.9 + 0.02 * i, lon=-83.0, state="OH", flow_ml_per_day=1.5,
                     last_fill_date=MON - dt.timedelta(days=14), last_fill_infusate=Infusate.HEPARINIZED_SALINE,
                     next_infusate=Infusate.HEPARINIZED_SALINE)
        for i in range(5))
    roster = Roster(patients, (make_nurse(nurse_id="N1", lat=39.95, lon=-83.0),), frozenset())
    problem = build_problem(roster, Horizon(MON, 3), provider=HaversineProvider())
    plan_problem(problem, SolverOptions(backend="pyvrp", time_limit=2, max_iterations=30, workers=2,
                                        greedy_part_max=0))
    assert asked, "the planner solved no part with PyVRP"
    assert all(o.get("pyvrp", {}).get("workers") == 1 for o in asked)
