"""The validator's ``overdue_not_first``: an overdue refill is the first stop of its route,
recomputed from the patient rows (window closed before the horizon), never from the plan."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from optimizer.domain import Horizon
from optimizer.io.plan_writer import write_plan
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from optimizer.validate import check_plan
from tests.planning.test_overdue_first import MON, PROVIDER, roster


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A valid plan of the tiny instance: LATE (overdue) first, then NEAR, on one route."""
    ros = roster()
    plan = plan_problem(build_problem(ros, Horizon(MON, 1), provider=PROVIDER),
                        SolverOptions(backend="greedy", workers=1))
    out = tmp_path_factory.mktemp("overdue") / "plan"
    write_plan(plan, out)
    return ros, out


def _rules(ros, plan_dir):
    return {v.rule for v in check_plan(ros, plan_dir, provider=PROVIDER)}


def test_overdue_first_plan_is_valid(planned):
    ros, plan_dir = planned
    visits = pd.read_csv(plan_dir / "visits.csv", dtype=str).sort_values("seq")
    assert visits.patient_id.tolist() == ["LATE", "NEAR"] and visits.alarm.iloc[0]
    assert check_plan(ros, plan_dir, provider=PROVIDER) == []


def test_overdue_refill_second_is_reported(planned, tmp_path):
    ros, src = planned
    dst = tmp_path / "plan"
    shutil.copytree(src, dst)
    visits = pd.read_csv(dst / "visits.csv", dtype=str, keep_default_na=False)
    visits["seq"] = visits["seq"].map({"1": "2", "2": "1"})  # NEAR first, LATE second
    visits.to_csv(dst / "visits.csv", index=False)
    violations = [v for v in check_plan(ros, dst, provider=PROVIDER) if v.rule == "overdue_not_first"]
    assert [(v.patient_id, v.date) for v in violations] == [("LATE", MON.isoformat())]
    assert "stop 2, after stop 1" in violations[0].message
