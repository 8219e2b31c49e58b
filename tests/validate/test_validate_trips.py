"""The validator's overnight-trip checks (issue 13 item 1; SPEC §5 routes and eligibility, §6).

One plan folder with a trip is planned by the real planner (one nurse in Columbus, OH; one
patient about 300 min away in Pennsylvania, made the morning after a night at her home),
checked clean, then corrupted one rule at a time: continuity, the start/end legs against
the travel provider, eligibility from home or the lodging, the lodging's cost, and a day
without visits that is no trip's.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Roster
from optimizer.io.plan_writer import write_plan
from optimizer.planning.planner import SolverOptions
from optimizer.planning.problem import build_problem
from optimizer.planning.solve import solve
from optimizer.planning.trips import with_overnight_trips
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()
FAR = (40.051234, -78.003456)  # 6 decimals: continuity and the lodging need them in the CSV


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Roster, Path]:
    wed = MON + dt.timedelta(days=2)
    roster = Roster((make_patient(patient_id="P1", lat=FAR[0], lon=FAR[1], state="PA",
                                  last_fill_date=wed - dt.timedelta(days=14)),), (make_nurse(),))
    problem = build_problem(roster, Horizon(MON, 5), provider=PROVIDER)
    plan, _ = with_overnight_trips(problem, solve(problem, SolverOptions(backend="greedy")), enabled=True)
    assert plan.kpis()["overnight_stays"] == 1
    out = tmp_path_factory.mktemp("trip") / "plan"
    write_plan(plan, out)
    return roster, out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _rules(roster: Roster, plan: Path, tmp_path: Path, change) -> set[str]:
    """The rules broken once ``change(out_row, back_row)`` edits a copy of the folder's nurse_days."""
    import shutil
    copy = tmp_path / "plan"
    shutil.copytree(plan, copy)
    rows = sorted(_rows(copy / "nurse_days.csv"), key=lambda r: r["date"])
    change(*rows)
    _write(copy / "nurse_days.csv", rows)
    return {v.rule for v in check_plan(roster, copy, provider=PROVIDER)}


def test_the_trip_plan_is_valid(folder):
    roster, plan = folder
    assert check_plan(roster, plan, provider=PROVIDER) == []
    out, back = sorted(_rows(plan / "nurse_days.csv"), key=lambda r: r["date"])
    assert out["visits"] == "0" and float(out["lodging_cost"]) == 212.0 and out["end_lat"] == back["start_lat"]


def test_a_broken_continuity_is_found(folder, tmp_path):
    def change(out, back):
        back["start_lat"], back["start_lon"] = "40.100000", "-78.100000"
    assert "trip_continuity" in _rules(*folder, tmp_path, change)


def test_a_day_ending_away_with_no_next_day_is_found(folder, tmp_path):
    def change(out, back):
        back["date"] = (dt.date.fromisoformat(back["date"]) + dt.timedelta(days=1)).isoformat()
    assert "trip_continuity" in _rules(*folder, tmp_path, change)


def test_a_lodging_moved_away_breaks_the_legs(folder, tmp_path):
    """Both days agree on a lodging 0.5 degree off: the legs no longer match the provider; the
    lodging is near no patient of the trip but on the way to her (a waypoint night, issue 13 item 1);
    moved 3 degrees past her, it is on the way to no one."""
    def change(out, back):
        for row, side in ((out, "end"), (back, "start")):
            row[f"{side}_lat"] = f"{float(row[f'{side}_lat']) + 0.5:.6f}"
    rules = _rules(*folder, tmp_path, change)
    assert "sequence_times" in rules and "trip_continuity" not in rules

    def past(out, back):
        for row, side in ((out, "end"), (back, "start")):
            row[f"{side}_lon"] = f"{float(row[f'{side}_lon']) + 3:.6f}"
    rules = _rules(*folder, tmp_path / "past", past)
    assert {"sequence_times", "trip"} <= rules and "trip_continuity" not in rules


def test_a_lodging_at_home_leaves_the_patient_out_of_reach(folder, tmp_path):
    def change(out, back):
        out["end_lat"], out["end_lon"] = out["start_lat"], out["start_lon"]
        back["start_lat"], back["start_lon"] = out["start_lat"], out["start_lon"]
        out["lodging_cost"] = "0.00"
    rules = _rules(*folder, tmp_path, change)
    assert "reach" in rules and "nurse_days" in rules  # and the drive-only day is no trip's


def test_a_lodging_not_counted_is_found(folder, tmp_path):
    def change(out, back):
        out["lodging_cost"] = "0.00"
    assert {"trip", "cost"} <= _rules(*folder, tmp_path, change)


def test_lodging_on_a_day_ending_home_is_found(folder, tmp_path):
    def change(out, back):
        back["lodging_cost"] = "212.00"
    assert "trip" in _rules(*folder, tmp_path, change)
