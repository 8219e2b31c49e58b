"""A patient's arrival window is her wall clock, a plan's times the nurse's (SPEC §5 routes).

A nurse in Boise (Mountain) and a patient in Baker City, Oregon (Pacific) who may be visited
from 10:00 to 10:30 her time: the visit starts 11:00–11:30 on the nurse's clock. Before, the
window was read on the nurse's clock as written, and the visit started at 10:17 Mountain, 09:17
at the patient's door; the validator read it the same way and passed it.
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Infusate, Roster
from optimizer.io.plan_writer import write_plan
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 12, 7)
PROVIDER = HaversineProvider()
BOISE = make_nurse(nurse_id="N1", lat=43.615, lon=-116.202, home_state="ID", multistate_license=True,
                   state_licenses=frozenset({"OR"}))


def _patient(pid: str, lat: float, lon: float, state: str, early: dt.time, late: dt.time):
    return make_patient(patient_id=pid, lat=lat, lon=lon, state=state, last_fill_date=MON - dt.timedelta(days=11),
                        last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.HEPARINIZED_SALINE,
                        visit_minutes=60, earliest_arrival=early, latest_arrival=late)


BAKER_CITY = _patient("P1", 44.7749, -117.8344, "OR", dt.time(10, 0), dt.time(10, 30))  # Pacific
ONTARIO = _patient("P2", 44.0266, -116.9629, "OR", dt.time(8, 0), dt.time(17, 0))  # Oregon on Mountain time


def _plan(roster: Roster, backend: str, folder):
    problem = build_problem(roster, Horizon(MON, 5), provider=PROVIDER)
    plan = plan_problem(problem, SolverOptions(backend=backend, time_limit=1, workers=1, greedy_part_max=0))
    write_plan(plan, folder)
    return plan


@pytest.mark.parametrize("backend", ["greedy", "ortools", "pyvrp"])
def test_the_arrival_window_is_read_on_the_nurse_s_clock(tmp_path, backend):
    roster = Roster((BAKER_CITY, ONTARIO), (BOISE,))
    plan = _plan(roster, backend, tmp_path / "plan")
    starts = {v.patient_id: v.start.time() for v in plan.visits}
    assert set(starts) == {"P1", "P2"}
    assert dt.time(11, 0) <= starts["P1"] <= dt.time(11, 30)  # 10:00-10:30 Pacific
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []


def test_the_validator_reads_a_start_on_the_patient_s_clock(tmp_path):
    roster = Roster((BAKER_CITY,), (BOISE,))
    _plan(roster, "greedy", tmp_path / "plan")
    path = tmp_path / "plan" / "visits.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    # moved to 10:10 on the nurse's clock: inside 10:00-10:30 as written, 09:10 at the patient's door
    start = dt.datetime.fromisoformat(rows[0]["start"])
    delta = dt.datetime.combine(start.date(), dt.time(10, 10)) - start
    for col in ("arrival", "start", "end"):
        rows[0][col] = (dt.datetime.fromisoformat(rows[0][col]) + delta).isoformat(timespec="seconds")
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    rules = {v.rule for v in check_plan(roster, tmp_path / "plan", provider=PROVIDER)}
    assert "arrival_window" in rules
