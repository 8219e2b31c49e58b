"""The validator on a trip of several nights with a night at a waypoint (issue 13 item 1; SPEC §5, §6).

The real planner makes the plan (one nurse in Columbus, OH; PFAR in Lawrence, KS, 709 min away,
farther than a working day; PMID in Columbia, MO on the way): Monday drives out to a night at
PMID's home (a waypoint: she is not visited that day nor the next), Tuesday makes PFAR and comes
back to a night there, Wednesday makes PMID and drives home. The folder is checked clean, then
corrupted one rule at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Roster
from optimizer.io.plan_writer import write_plan
from optimizer.planning.fills import with_later_fills
from optimizer.planning.planner import SolverOptions
from optimizer.planning.problem import build_problem
from optimizer.planning.solve import solve
from optimizer.planning.trips import with_overnight_trips
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()
FAR, MID = (38.97, -95.24), (38.95, -92.33)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Roster, Path]:
    wed = MON + dt.timedelta(days=2)
    pts = tuple(make_patient(patient_id=pid, lat=at[0], lon=at[1], state=st, last_fill_date=wed - dt.timedelta(days=14))
                for pid, at, st in (("PFAR", FAR, "KS"), ("PMID", MID, "MO")))
    roster = Roster(pts, (make_nurse(),))
    problem = build_problem(roster, Horizon(MON, 5), provider=PROVIDER)
    plan, problem = with_later_fills(problem, solve(problem, SolverOptions(backend="greedy", max_iterations=1)))
    plan, _ = with_overnight_trips(problem, plan, enabled=True)
    assert [d.date.weekday() for d in sorted(plan.nurse_days, key=lambda d: d.date) if d.ends_away] == [0, 1]
    out = tmp_path_factory.mktemp("trip") / "plan"
    write_plan(plan, out)
    return roster, out


def _rules(roster: Roster, plan: Path, tmp_path: Path, change) -> set[str]:
    """The rules broken once ``change(mon, tue, wed)`` edits a copy of the folder's nurse_days rows."""
    copy = tmp_path / "plan"
    shutil.copytree(plan, copy)
    with (copy / "nurse_days.csv").open(newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["date"])
    change(*rows)
    with (copy / "nurse_days.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return {v.rule for v in check_plan(roster, copy, provider=PROVIDER)}


def test_the_plan_of_two_nights_is_valid(folder):
    roster, plan = folder
    assert check_plan(roster, plan, provider=PROVIDER) == []


def test_the_middle_day_starting_elsewhere_is_found(folder, tmp_path):
    def change(mon, tue, wed):
        tue["start_lat"] = f"{float(tue['start_lat']) + 0.3:.6f}"
    assert "trip_continuity" in _rules(*folder, tmp_path, change)


def test_the_second_night_not_counted_is_found(folder, tmp_path):
    def change(mon, tue, wed):
        tue["lodging_cost"] = "0.00"
    assert {"trip", "cost"} <= _rules(*folder, tmp_path, change)


def test_a_waypoint_past_the_trip_is_found(folder, tmp_path):
    """Monday's night moved to Denver, past every patient of the trip: no waypoint (and the legs break)."""
    def change(mon, tue, wed):
        mon["end_lat"], mon["end_lon"] = tue["start_lat"], tue["start_lon"] = "39.739200", "-104.990300"
    rules = _rules(*folder, tmp_path, change)
    assert "trip" in rules and "trip_continuity" not in rules


def test_a_waypoint_on_the_way_is_accepted_by_the_lodging_rule(folder, tmp_path):
    """Monday's night moved a little along the way: still a waypoint (only the legs' times break)."""
    def change(mon, tue, wed):
        mon["end_lon"] = tue["start_lon"] = f"{float(mon['end_lon']) + 0.2:.6f}"
    rules = _rules(*folder, tmp_path, change)
    assert "trip" not in rules and "sequence_times" in rules


def test_a_trip_without_visits_is_found(folder, tmp_path):
    """The waypoint's rule needs a patient on the trip: with the visits gone, Monday's night is no one's."""
    roster, plan = folder
    copy = tmp_path / "novisits"
    shutil.copytree(plan, copy)
    with (copy / "visits.csv").open(newline="") as fh:
        header = next(csv.reader(fh))
    with (copy / "visits.csv").open("w", newline="") as fh:
        csv.writer(fh).writerow(header)
    assert "trip" in {v.rule for v in check_plan(roster, copy, provider=PROVIDER)}


def test_a_day_of_the_trip_off_work_is_found(folder):
    """The nurse does not work Mondays: the drive-only first day of the trip is found."""
    roster, plan = folder
    off_monday = Roster(roster.patients, (replace(roster.nurses[0], workdays=frozenset({1, 2, 3, 4})),))
    violations = check_plan(off_monday, plan, provider=PROVIDER)
    assert any(v.rule == "workday" and v.date == MON.isoformat() for v in violations)
