"""Overnight trips (issue 13 item 1, SPEC §5 routes and eligibility, §6 nurse_days.csv).

Tiny instances: one nurse in Columbus, OH (multistate license), patients in Pennsylvania.
A patient about 300 min away is out of reach of a day trip (limit 240 min one way) and is
made on a trip that stays the night at her home; two patients about 225 min away on two
consecutive days are joined by a night away when that costs less than two day trips.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer import settings
from optimizer.domain import ConfirmedVisit, Horizon, PatientAway, Roster
from optimizer.io.plan_writer import read_plan, write_plan
from optimizer.planning.fills import with_later_fills
from optimizer.planning.keep import pin_confirmed
from optimizer.planning.planner import SolverOptions
from optimizer.planning.problem import build_problem
from optimizer.planning.solve import solve
from optimizer.planning.trips import best_trip, with_overnight_trips
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()
FAR = (40.051234, -78.003456)  # about 297 min from home by the great-circle model; 6 decimals, as the CSV keeps
NEAR_A, NEAR_B = (40.3, -79.4), (40.32, -79.25)  # about 220 and 228 min: within reach, long


def _patient(pid: str, at: tuple[float, float], *, due: dt.date):
    return make_patient(patient_id=pid, lat=at[0], lon=at[1], state="PA",
                        last_fill_date=due - dt.timedelta(days=14))


def _plan(roster: Roster, *, days: int = 5, overnight: bool | None = None, start: dt.date = MON):
    problem = build_problem(roster, Horizon(start, days), provider=PROVIDER)
    plan = solve(problem, SolverOptions(backend="greedy", max_iterations=1))
    plan, problem = with_later_fills(problem, plan)
    return with_overnight_trips(problem, plan, enabled=overnight)


def _valid(roster: Roster, plan, tmp_path) -> None:
    write_plan(plan, tmp_path / "plan")
    violations = check_plan(roster, tmp_path / "plan", provider=PROVIDER)
    assert violations == [], [str(v) for v in violations]


def test_a_refill_out_of_reach_is_made_on_an_overnight_trip(tmp_path):
    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),), (make_nurse(),))
    off, _ = _plan(roster, overnight=False)
    assert [u.reason.value for u in off.unassigned] == ["out_of_reach"]
    plan, _ = _plan(roster)
    (visit,) = plan.visits
    out, back = sorted(plan.nurse_days, key=lambda d: d.date)
    assert back.date == out.date + dt.timedelta(days=1) and visit.date == back.date == visit.due_date
    assert (out.end_lat, out.end_lon) == pytest.approx(FAR) == (back.start_lat, back.start_lon)
    assert (out.start_lat, out.start_lon) == (back.end_lat, back.end_lon) == (39.99, -83.02)
    assert out.lodging_cost == settings.LODGING_COST_PER_NIGHT_USD and back.lodging_cost == 0
    assert out.visits == 0 and out.drive_minutes >= 297  # the drive out alone, the visit first next morning
    assert visit.travel_minutes == 0  # from the lodging at her home
    assert plan.kpis()["overnight_stays"] == 1 and plan.solver["overnight_trips"] == 1
    _valid(roster, plan, tmp_path)
    again = read_plan(tmp_path / "plan")  # the new columns read back
    assert [d.lodging_cost for d in sorted(again.nurse_days, key=lambda d: d.date)] == [212.0, 0.0]


def test_the_lodging_is_in_the_day_cost(monkeypatch):
    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),), (make_nurse(),))
    plan, _ = _plan(roster)
    monkeypatch.setattr(settings, "LODGING_COST_PER_NIGHT_USD", 500.0)
    dearer, _ = _plan(roster)
    out = min(plan.nurse_days, key=lambda d: d.date)
    out2 = min(dearer.nurse_days, key=lambda d: d.date)
    assert out2.lodging_cost == 500.0 and out2.cost - out.cost == pytest.approx(500.0 - 212.0, abs=0.01)


def test_trips_off_by_the_setting(monkeypatch):
    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),), (make_nurse(),))
    monkeypatch.setattr(settings, "OVERNIGHT_TRIPS", False)
    plan, _ = _plan(roster)
    assert plan.visits == [] and [u.reason.value for u in plan.unassigned] == ["out_of_reach"]


def test_no_trip_without_a_next_workday():
    """Continuity: the day after the night away must be one of the nurse's working days."""
    due = MON + dt.timedelta(days=2)
    roster = Roster((_patient("P1", FAR, due=due),), (make_nurse(workdays=frozenset({2, 4})),))  # Wed, Fri
    plan, _ = _plan(roster)
    assert plan.visits == [] and [u.reason.value for u in plan.unassigned] == ["out_of_reach"]


def test_a_far_refill_the_license_forbids_gets_no_trip():
    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),),
                    (make_nurse(multistate_license=False),))
    plan, _ = _plan(roster)
    assert plan.visits == [] and plan.nurse_days == []


def _two_days_roster() -> Roster:
    """P1 home only on Monday, P2 only on Tuesday: two long day trips, or one night away."""
    p1, p2 = _patient("P1", NEAR_A, due=MON), _patient("P2", NEAR_B, due=MON + dt.timedelta(days=1))
    away = (PatientAway("P1", MON + dt.timedelta(days=1), MON + dt.timedelta(days=6)),
            PatientAway("P2", MON - dt.timedelta(days=6), MON),
            PatientAway("P2", MON + dt.timedelta(days=2), MON + dt.timedelta(days=6)))
    return Roster((p1, p2), (make_nurse(),), patient_away=away)


def test_two_day_trips_are_joined_by_a_night_when_cheaper(tmp_path):
    roster = _two_days_roster()
    off, _ = _plan(roster, overnight=False)
    plan, _ = _plan(roster)
    assert len(off.visits) == len(plan.visits) == 2
    assert plan.kpis()["overnight_stays"] == 1
    assert plan.kpis()["cost"] < off.kpis()["cost"]  # lodging included
    _valid(roster, plan, tmp_path)


def test_no_night_when_it_costs_more(monkeypatch):
    monkeypatch.setattr(settings, "LODGING_COST_PER_NIGHT_USD", 2000.0)
    plan, _ = _plan(_two_days_roster())
    assert len(plan.visits) == 2 and plan.kpis()["overnight_stays"] == 0


def test_a_long_drive_home_alone_takes_its_break(tmp_path):
    far = (39.95, -75.16)  # about 456 min: a day of driving alone is over 6 hours
    roster = Roster((_patient("P1", far, due=MON + dt.timedelta(days=2)),),
                    (make_nurse(max_overtime_minutes=120),))
    plan, _ = _plan(roster)
    (alone,) = [d for d in plan.nurse_days if d.visits == 0]
    assert alone.work_minutes > settings.BREAK_AFTER_WORK_MINUTES
    assert alone.break_start is not None and alone.work_minutes >= alone.drive_minutes + 30
    _valid(roster, plan, tmp_path)


def test_best_trip_prices_a_missed_refill():
    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),), (make_nurse(),))
    plan, problem = _plan(roster, overnight=False)
    option = best_trip(problem, plan, "P1")
    assert option is not None and option.nurse_id == "N1"
    assert option.extra_cost > settings.LODGING_COST_PER_NIGHT_USD
    on, _ = _plan(roster)
    assert option.extra_cost == pytest.approx(on.kpis()["cost"], abs=0.02)
    assert best_trip(problem, plan, "nobody") is None


def test_a_confirmed_visit_on_a_trip_is_kept():
    """A visit promised on a trip (next week's confirmed_visits.csv) is kept on a trip, at its time."""
    wed = MON + dt.timedelta(days=2)
    neighbour = make_nurse(nurse_id="N2", lat=FAR[0] + 0.05, lon=FAR[1], home_state="PA")
    roster = Roster((_patient("P1", FAR, due=wed),), (make_nurse(), neighbour),
                    confirmed_visits=(ConfirmedVisit("P1", "N1", wed, dt.time(8, 30)),))
    problem = pin_confirmed(build_problem(roster, Horizon(MON, 5), provider=PROVIDER))
    plan = solve(problem, SolverOptions(backend="greedy", max_iterations=1))
    assert [(v.nurse_id, c.reason) for v in plan.visits for c in plan.changes] == [("N2", "capacity")]
    plan, _ = with_overnight_trips(problem, plan, enabled=True)
    (visit,) = plan.visits
    assert (visit.nurse_id, visit.date) == ("N1", wed) and plan.changes == []
    assert abs((visit.start - dt.datetime.combine(wed, dt.time(8, 30))).total_seconds()) <= 30 * 60


def test_the_report_and_the_calendar_show_the_stay(tmp_path):
    from optimizer.report import exports
    from optimizer.report.report import plan_report

    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),), (make_nurse(),))
    plan, problem = _plan(roster)
    (label,) = exports.stay_labels(plan).values()
    assert label.startswith("near ") and label.endswith(", PA") and "40.05" not in label
    html = plan_report(plan, problem, map_html="<p>map</p>").html
    assert f"overnight at {label}" in html and "Leave the lodging" in html
    (ics,) = exports.export_ics(plan, problem, tmp_path / "ics")
    text = ics.read_text().replace("\r\n ", "")
    assert f"SUMMARY:Overnight at {label}".replace(",", "\\,") in text
    assert "40.05" not in text and "-78.0" not in text


@pytest.mark.parametrize("switch, nights", [([], 1), (["--no-overnight"], 0)])
def test_the_cli_switch_turns_trips_off(tmp_path, switch, nights):
    import json

    from typer.testing import CliRunner

    from optimizer.cli import app

    data = tmp_path / "data"
    data.mkdir()
    (data / "patients.csv").write_text(
        "patient_id,lat,lon,state,flow_ml_per_day,last_fill_date,last_fill_infusate\n"
        f"P1,{FAR[0]},{FAR[1]},PA,2.0,2026-11-11,heparinized_saline\n")
    (data / "nurses.csv").write_text("nurse_id,lat,lon,home_state,multistate_license,chemo_certified\n"
                                     "N1,39.99,-83.02,OH,true,true\n")
    out = tmp_path / "plan"
    res = CliRunner().invoke(app, ["plan", str(data), "--start", "2026-11-23", "--days", "5", "--as-of",
                                   "2026-11-20", "--backend", "greedy", "--travel", "haversine", "--out",
                                   str(out), *switch])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overnight_stays"] == nights and summary["visits"] == nights


def test_trips_chain_when_the_days_between_are_few(tmp_path):
    """Two far patients, home only Monday and only Wednesday, a nurse working Mon–Wed: Tuesday
    starts at the first lodging and ends at the second (a day of driving alone)."""
    tue, wed = MON + dt.timedelta(days=1), MON + dt.timedelta(days=2)
    kentucky = (37.2, -86.0)  # about 282 min from home, 518 from the first lodging
    p1 = _patient("P1", FAR, due=MON)
    p2 = make_patient(patient_id="P2", lat=kentucky[0], lon=kentucky[1], state="KY",
                      last_fill_date=wed - dt.timedelta(days=14))
    away = (PatientAway("P1", tue, MON + dt.timedelta(days=9)), PatientAway("P2", MON - dt.timedelta(days=9), tue))
    roster = Roster((p1, p2), (make_nurse(workdays=frozenset({0, 1, 2})),), patient_away=away)
    plan, _ = _plan(roster)
    assert sorted((v.patient_id, v.date) for v in plan.visits) == [("P1", MON), ("P2", wed)]
    (middle,) = [d for d in plan.nurse_days if d.date == tue]
    assert middle.visits == 0 and (middle.start_lat, middle.start_lon) == pytest.approx(FAR)
    assert (middle.end_lat, middle.end_lon) == pytest.approx(kentucky) and middle.lodging_cost == 212.0
    assert plan.kpis()["overnight_stays"] == 2
    _valid(roster, plan, tmp_path)


def test_a_trip_day_hands_a_visit_to_another_nurse(tmp_path):
    """The far patient can only be seen on Wednesday, from a lodging: the nurse's Wednesday visit
    near home (arrival 08:00–09:00) no longer fits, and goes to a colleague who cannot make the trip."""
    wed = MON + dt.timedelta(days=2)
    p1 = _patient("P1", FAR, due=wed)
    q = make_patient(patient_id="Q", state="OH", last_fill_date=wed - dt.timedelta(days=14),
                     earliest_arrival=dt.time(8, 0), latest_arrival=dt.time(9, 0))
    away = (PatientAway("P1", MON, wed - dt.timedelta(days=1)), PatientAway("P1", wed + dt.timedelta(days=1),
                                                                          MON + dt.timedelta(days=9)))
    n1 = make_nurse(workdays=frozenset({1, 2}))
    n2 = make_nurse(nurse_id="N2", lat=40.05, lon=-83.1, multistate_license=False)  # no PA license
    roster = Roster((p1, q), (n1, n2), patient_away=away)
    off, _ = _plan(roster, overnight=False)
    assert {(v.patient_id, v.nurse_id) for v in off.visits} == {("Q", "N1")}
    plan, _ = _plan(roster)
    assert {(v.patient_id, v.nurse_id, v.date) for v in plan.visits} == {("P1", "N1", wed), ("Q", "N2", wed)}
    _valid(roster, plan, tmp_path)


def test_best_trip_reads_a_plan_with_trips():
    """Priced on a plan that already has trips: its days are timed from and to their lodgings
    (timed from home, the trip's days would not fit)."""
    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),), (make_nurse(),))
    plan, problem = _plan(roster)
    assert plan.kpis()["overnight_stays"] == 1
    assert best_trip(problem, plan, "P1") is None  # placed


def test_the_operations_map_draws_a_trip_day_to_its_lodging():
    from optimizer.report.maps import _day_ends

    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),), (make_nurse(),))
    plan, _ = _plan(roster)
    home = (39.99, -83.02)
    (out_start, out_end), (back_start, back_end) = [_day_ends(d, home) for d in sorted(
        plan.nurse_days, key=lambda d: d.date)]
    assert out_start == back_end == home and out_end == pytest.approx(FAR) == back_start


def test_a_replan_keeps_a_visit_made_on_a_trip(tmp_path):
    from optimizer import api

    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=2)),
                     _patient("P2", FAR, due=MON + dt.timedelta(days=9))), (make_nurse(),))
    first = api.plan(roster, start=MON, days=12, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    assert first.plan.kpis()["overnight_stays"] == 2
    api.write_plan_folder(first, tmp_path / "plan", with_map=False)
    again = api.replan(roster, tmp_path / "plan", start=MON + dt.timedelta(days=3), provider=PROVIDER,
                       options=SolverOptions(backend="greedy"))
    assert again.plan.changes == [] and len(again.plan.visits) == 2
    off = api.replan(roster, tmp_path / "plan", start=MON + dt.timedelta(days=3), provider=PROVIDER,
                     options=SolverOptions(backend="greedy"), overnight=False)
    assert [(c.patient_id, c.change) for c in off.plan.changes] == [("P2", "dropped")]
    api.write_plan_folder(again, tmp_path / "again", with_map=False)
    assert api.check(roster, tmp_path / "again", provider=PROVIDER) == []


def test_a_deferrable_refill_no_day_trip_reaches_is_made_on_a_trip(tmp_path):
    """Due Thursday, the horizon Monday to Wednesday: the window runs past the horizon (the next plan
    could make it), but no day trip ever reaches the patient, so a trip inside the horizon makes it."""
    roster = Roster((_patient("P1", FAR, due=MON + dt.timedelta(days=3)),), (make_nurse(),))
    problem = build_problem(roster, Horizon(MON, 3), provider=PROVIDER)
    assert [r.deferrable for r in problem.refills] == [True]
    off, _ = _plan(roster, days=3, overnight=False)
    assert off.visits == []
    plan, _ = _plan(roster, days=3)
    (visit,) = plan.visits
    assert visit.patient_id == "P1" and plan.kpis()["overnight_stays"] == 1
    _valid(roster, plan, tmp_path)


@pytest.mark.parametrize("change", ["part_day_off", "patient_away"])
def test_a_replan_that_cuts_a_trip_short_plans_no_day_from_home_the_morning_after(tmp_path, change, monkeypatch):
    """The nurse drives out Tuesday and sleeps near P1, due Wednesday; a re-plan from Wednesday
    cannot keep Wednesday (part-day time off, or P1 now away): she wakes up away, so the new plan
    starts no day from home then (before: a day from home at noon, or no day and a check failure)."""
    from optimizer import api
    from optimizer.domain import PatientAway, TimeOff
    from optimizer.planning import replan as replan_module

    wed = MON + dt.timedelta(days=2)
    p1, p2 = _patient("P1", FAR, due=wed), _patient("P2", (40.0, -82.9), due=wed)  # P2 next door to home
    roster = Roster((p1, p2), (make_nurse(),))
    first = api.plan(roster, start=MON, days=5, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    tue = next(d for d in first.plan.nurse_days if d.ends_away)
    assert tue.date == MON + dt.timedelta(days=1)
    api.write_plan_folder(first, tmp_path / "plan", with_map=False)
    if change == "part_day_off":
        now = replace(roster, time_off=frozenset({TimeOff("N1", wed, dt.time(7, 0), dt.time(12, 0))}))
    else:
        now = replace(roster, patient_away=(PatientAway("P1", wed, wed),))
    again = api.replan(now, tmp_path / "plan", start=wed, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    assert wed not in {d.date for d in again.plan.nurse_days}
    api.write_plan_folder(again, tmp_path / "again", with_map=False)
    assert api.check(now, tmp_path / "again", provider=PROVIDER) == []
    if change == "part_day_off":  # the day from home the re-plan made before is a broken trip
        monkeypatch.setattr(replan_module, "cut_short", lambda *a, **k: [])
        old = api.replan(now, tmp_path / "plan", start=wed, provider=PROVIDER, options=SolverOptions(backend="greedy"))
        assert wed in {d.date for d in old.plan.nurse_days}
        api.write_plan_folder(old, tmp_path / "old", with_map=False)
        assert "trip_continuity" in {v.rule for v in api.check(now, tmp_path / "old", provider=PROVIDER)}
