"""Breaks and part-day time off in planned nurse-days (issue 11 items 3 and 4, SPEC §5 routes).

Each instance is one nurse on one day (Monday 2026-11-23) with refills due that day, all
near each other in Columbus, OH; every plan goes through both backends and the one schedule.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Infusate, Roster, TimeOff
from optimizer.io.plan_writer import write_plan
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()


@pytest.fixture(params=["ortools", "pyvrp"])
def backend(request) -> str:
    return request.param


def _patient(pid: str, *, minutes: int, lat: float = 39.96, lon: float = -83.00,
             window: tuple[str, str] = ("08:00", "17:00")):
    return make_patient(
        patient_id=pid, lat=lat, lon=lon, state="OH", flow_ml_per_day=1.5,
        last_fill_date=MON - dt.timedelta(days=14), last_fill_infusate=Infusate.HEPARINIZED_SALINE,
        next_infusate=Infusate.HEPARINIZED_SALINE, visit_minutes=minutes,
        earliest_arrival=dt.time.fromisoformat(window[0]), latest_arrival=dt.time.fromisoformat(window[1]))


def _plan(patients, nurse, *, backend: str, time_off=(), out=None):
    roster = Roster(tuple(patients), (nurse,), frozenset(time_off))
    problem = build_problem(roster, Horizon(MON, 1), provider=PROVIDER)
    plan = plan_problem(problem, SolverOptions(backend=backend, time_limit=1, workers=1, greedy_part_max=0))
    if out is not None:  # the independent validator recomputes breaks and time off from the inputs
        write_plan(plan, out)
        violations = check_plan(roster, out, provider=PROVIDER)
        assert violations == [], [str(v) for v in violations]
    return plan


def _overlaps(a0: dt.datetime, a1: dt.datetime, b0: dt.datetime, b1: dt.datetime) -> bool:
    return a0 < b1 and b0 < a1


def test_a_seven_hour_day_gets_a_break_between_visits(tmp_path, backend):
    pats = [_patient(f"P{i}", minutes=120, lat=39.96 + 0.01 * i) for i in range(3)]
    plan = _plan(pats, make_nurse(), backend=backend, out=tmp_path / "plan")
    assert len(plan.visits) == 3
    (day,) = plan.nurse_days
    assert day.work_minutes > 360 and day.break_end - day.break_start == dt.timedelta(minutes=30)
    assert day.depart <= day.break_start and day.break_end <= day.return_
    for v in plan.visits:
        assert not _overlaps(v.start, v.end, day.break_start, day.break_end)
        drive_start = v.arrival - dt.timedelta(minutes=v.travel_minutes)
        assert not _overlaps(drive_start, v.arrival, day.break_start, day.break_end)
    # between visits, not before the first or after the last
    assert min(v.end for v in plan.visits) <= day.break_start < max(v.start for v in plan.visits)
    with (tmp_path / "plan" / "nurse_days.csv").open() as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["break_start"] == day.break_start.isoformat() and row["break_end"] == day.break_end.isoformat()


def test_a_short_day_has_no_break_and_empty_columns(tmp_path, backend):
    plan = _plan([_patient("P0", minutes=60)], make_nurse(), backend=backend, out=tmp_path / "plan")
    (day,) = plan.nurse_days
    assert day.break_start is None
    with (tmp_path / "plan" / "nurse_days.csv").open() as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["break_start"] == "" and row["break_end"] == ""
    # the day's points are numbers a spreadsheet reads (a negative longitude is not quoted as text)
    assert float(row["start_lon"]) == float(row["end_lon"]) == -83.02 and float(row["start_lat"]) == 39.99


def test_a_day_with_no_room_for_the_break_drops_a_visit(tmp_path, backend):
    # three 120-minute visits pinned back to back at one address: no 30 minutes between them
    pats = [_patient(f"P{i}", minutes=120, window=(at, at)) for i, at in enumerate(("08:30", "10:30", "12:30"))]
    plan = _plan(pats, make_nurse(), backend=backend, out=tmp_path / "plan")
    assert len(plan.visits) == 2 and len(plan.unassigned) + len(plan.deferred) == 1
    (day,) = plan.nurse_days
    assert day.work_minutes <= 360 and day.break_start is None
    # the break is what drops it: without one, all three fit
    free = _plan(pats, make_nurse(break_minutes=0), backend=backend)
    assert len(free.visits) == 3


def test_time_off_at_noon_holds_no_visit_and_no_drive(tmp_path, backend):
    pats = [_patient(f"P{i}", minutes=60, lat=39.94 + 0.02 * i) for i in range(5)]
    off = TimeOff("N1", MON, dt.time(12, 0), dt.time(14, 0))
    plan = _plan(pats, make_nurse(), backend=backend, time_off=[off], out=tmp_path / "plan")
    noon, two = dt.datetime(2026, 11, 23, 12), dt.datetime(2026, 11, 23, 14)
    assert len(plan.visits) == 5
    (day,) = plan.nurse_days
    home_leg = day.drive_minutes - sum(v.travel_minutes for v in plan.visits)
    drives = [(v.arrival - dt.timedelta(minutes=v.travel_minutes), v.arrival) for v in plan.visits]
    drives.append((day.return_ - dt.timedelta(minutes=home_leg), day.return_))
    for v in plan.visits:
        assert not _overlaps(v.start, v.end, noon, two), v
    for a, b in drives:
        assert not _overlaps(a, b, noon, two), (a, b)
    assert any(v.end <= noon for v in plan.visits) and any(v.start >= two for v in plan.visits)


def test_a_nurse_off_all_afternoon_has_only_morning_visits(tmp_path, backend):
    pats = [_patient(f"P{i}", minutes=60, lat=39.94 + 0.02 * i) for i in range(4)]
    off = TimeOff("N1", MON, dt.time(12, 0), dt.time(18, 0))
    plan = _plan(pats, replace(make_nurse(), max_overtime_minutes=0), backend=backend, time_off=[off],
                 out=tmp_path / "plan")
    noon = dt.datetime(2026, 11, 23, 12)
    assert plan.visits and all(v.end <= noon for v in plan.visits)
    (day,) = plan.nurse_days
    assert day.return_ <= noon
    assert len(plan.visits) < 4  # the afternoon would have held the rest:
    whole = _plan(pats, replace(make_nurse(), max_overtime_minutes=0), backend=backend)
    assert len(whole.visits) == 4 and any(v.end > noon for v in whole.visits)


def test_blocked_minutes_are_the_time_off_inside_the_day():
    from optimizer.planning.workday import blocked_minutes

    n = make_nurse()  # 08:00-18:00, 60 min of overtime
    roster = Roster((), (n,), frozenset({TimeOff("N1", MON, dt.time(6, 0), dt.time(9, 0)),
                                         TimeOff("N1", MON, dt.time(17, 30), dt.time(21, 0))}))
    assert blocked_minutes(roster, n, MON) == ((480, 540), (1050, 1140))
    assert blocked_minutes(roster, n, MON + dt.timedelta(days=1)) == ()


def test_a_one_visit_day_that_fits_only_without_its_break_is_out_of_reach(tmp_path):
    """The reach test of a refill (a day with this visit alone) counts the break of a long day:
    a visit that fits the shift plus overtime only without it has no candidate, reason out_of_reach,
    and the independent validator gives the same reason (before: no_capacity_in_window, a nurse-day
    that no schedule could fill)."""
    from optimizer.domain import minutes_of
    from optimizer.planning.candidates import assess
    from optimizer.planning.problem import nurse_days_of
    from optimizer.rules.eligibility import Reason

    nurse = make_nurse(shift_start=dt.time(8), shift_end=dt.time(14), max_overtime_minutes=60)
    limit = minutes_of(nurse.shift_end) + nurse.max_overtime_minutes - minutes_of(nurse.shift_start)
    near = _patient("P0", minutes=60, lat=40.00, lon=-83.02)  # a few minutes from her home
    from geodata.travel.base import pairwise
    out_m, _ = pairwise(PROVIDER, [(nurse.lat, nurse.lon)], [(near.lat, near.lon)])
    back_m, _ = pairwise(PROVIDER, [(near.lat, near.lon)], [(nurse.lat, nurse.lon)])
    legs = int(-(-float(out_m[0]) // 1)) + int(-(-float(back_m[0]) // 1))
    # the day is 10 min short of the limit without its break, 20 min over with it
    long_visit = replace(near, visit_minutes=limit - legs - 10)
    assert long_visit.visit_minutes + legs > 360 and nurse.break_minutes == 30
    roster = Roster((long_visit,), (nurse,), frozenset())
    problem = build_problem(roster, Horizon(MON, 1), provider=PROVIDER)
    assert problem.candidates == [] or len(problem.candidates) == 0
    elig = assess(roster, Horizon(MON, 1), list(problem.refills), nurse_days_of(roster, Horizon(MON, 1)),
                  provider=PROVIDER)
    assert elig.unplannable["P0"][0] == Reason.OUT_OF_REACH
    plan = _plan([long_visit], nurse, backend="ortools", out=tmp_path / "plan")  # validator agrees
    assert plan.visits == [] or len(plan.visits) == 0
    # 40 minutes shorter, the day takes its break and the visit is planned
    short = replace(long_visit, visit_minutes=long_visit.visit_minutes - 40)
    plan = _plan([short], nurse, backend="ortools", out=tmp_path / "plan2")
    assert len(plan.visits) == 1 and plan.nurse_days[0].break_start is not None
