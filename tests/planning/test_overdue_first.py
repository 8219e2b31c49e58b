"""An overdue refill is the first stop of its route (SPEC §5; issue 12 item 4).

The tiny instance: one nurse on one day, shift 08:00-14:30 (overtime allowed). ``LATE``
is overdue and can be seen from 13:00; ``NEAR`` must be seen that day (its window ends
on it), any time. Seeing ``NEAR`` first finishes before the shift ends; seeing ``LATE``
first runs into overtime. The cheapest order is ``NEAR`` first; the rule wants ``LATE``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Infusate, Roster
from optimizer.io.plan_writer import write_plan
from optimizer.planning.greedy import _best_insertion
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from optimizer.planning.schedule import schedule_order
from optimizer.rules.objective import build_model
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()


def _patient(pid: str, due: dt.date, lat: float, lon: float, **kw):
    return make_patient(patient_id=pid, lat=lat, lon=lon, state="OH", flow_ml_per_day=1.5,
                        last_fill_date=due - dt.timedelta(days=14),
                        last_fill_infusate=Infusate.HEPARINIZED_SALINE,
                        next_infusate=Infusate.HEPARINIZED_SALINE, visit_minutes=60, **kw)


def roster() -> Roster:
    late = _patient("LATE", MON - dt.timedelta(days=6), 39.96, -83.00, earliest_arrival=dt.time(13, 0))
    late = replace(late, flow_ml_per_day=1.0)
    near = _patient("NEAR", MON - dt.timedelta(days=1), 40.02, -83.05)  # window Thu..Mon
    nurse = make_nurse(shift_start=dt.time(8, 0), shift_end=dt.time(14, 30), max_overtime_minutes=180)
    return Roster((late, near), (nurse,), frozenset())


@pytest.fixture(scope="module")
def problem():
    return build_problem(roster(), Horizon(MON, 1), provider=PROVIDER)


def _ids(problem):
    return {r.patient_id: j for j, r in enumerate(problem.refills)}


def test_the_rule_binds_on_this_instance(problem):
    j = _ids(problem)
    assert problem.refills[j["LATE"]].overdue and not problem.refills[j["NEAR"]].overdue
    near_first = schedule_order(problem, 0, [j["NEAR"], j["LATE"]])
    late_first = schedule_order(problem, 0, [j["LATE"], j["NEAR"]])
    assert near_first is not None and late_first is not None
    assert near_first.overtime_minutes == 0 < late_first.overtime_minutes
    assert near_first.objective_units < late_first.objective_units


def test_build_model_flags_overdue_copies_first(problem):
    j = _ids(problem)
    built = build_model(problem, [j["LATE"], j["NEAR"]])
    flags = {built.visit_refill[c]: v.first for c, v in enumerate(built.model.visits)}
    assert flags == {j["LATE"]: True, j["NEAR"]: False}


def test_greedy_insertion_puts_overdue_in_front_and_others_behind(problem):
    j = _ids(problem)
    fit = _best_insertion(problem, 0, [j["NEAR"]], j["LATE"])
    assert fit is not None and fit[0] == [j["LATE"], j["NEAR"]]
    fit = _best_insertion(problem, 0, [j["LATE"]], j["NEAR"])
    assert fit is not None and fit[0] == [j["LATE"], j["NEAR"]]


@pytest.mark.parametrize("backend", ["greedy", "ortools", "pyvrp"])
def test_overdue_refill_is_the_first_stop(backend, tmp_path):
    ros = roster()
    problem = build_problem(ros, Horizon(MON, 1), provider=PROVIDER)
    opts = SolverOptions(backend=backend, time_limit=1, workers=1, greedy_part_max=0)
    plan = plan_problem(problem, opts)
    order = [v.patient_id for v in sorted(plan.visits, key=lambda v: v.seq)]
    assert order == ["LATE", "NEAR"], plan.solver
    write_plan(plan, tmp_path / "plan")
    violations = check_plan(ros, tmp_path / "plan", provider=PROVIDER)
    assert violations == [], [str(v) for v in violations]
