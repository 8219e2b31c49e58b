"""Company holidays and patients away (issue 11 items 2 and 5), on tiny instances where each rule binds."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from geodata.travel.haversine import HaversineProvider
from optimizer import api
from optimizer.domain import Infusate, PatientAway, Roster
from optimizer.planning.planner import SolverOptions
from optimizer.planning.problem import build_problem
from optimizer.rules.company_calendar import Holiday
from optimizer.rules.eligibility import Reason
from tests.conftest import make_nurse, make_patient

D = dt.date
PROVIDER = HaversineProvider()
GREEDY = SolverOptions(backend="greedy")


def _saline(pid: str, due: dt.date, **kw):
    """A heparinized-saline pump due on ``due`` (window due − 3 … due + 1), a month of reserve."""
    return make_patient(patient_id=pid, last_fill_date=due - dt.timedelta(days=14), flow_ml_per_day=1.0,
                        last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.FLOXURIDINE, **kw)


def test_no_visit_on_christmas_or_new_year_and_the_refills_go_around_them():
    roster = Roster((_saline("X", D(2026, 12, 25)), _saline("Y", D(2027, 1, 1))), (make_nurse(),))
    res = api.plan(roster, start=D(2026, 12, 21), days=14, provider=PROVIDER, options=GREEDY)
    dates = {v.patient_id: v.date for v in res.plan.visits}
    assert dates == {"X": D(2026, 12, 24), "Y": D(2026, 12, 31)}  # the working day nearest the due date
    assert not {nd.day for nd in res.problem.nurse_days} & {D(2026, 12, 25), D(2027, 1, 1)}
    solved = api.plan(roster, start=D(2026, 12, 21), days=14, provider=PROVIDER,
                      options=SolverOptions(backend="ortools", max_iterations=100, workers=1))
    assert {v.patient_id: v.date for v in solved.plan.visits} == dates


def test_a_holidays_csv_list_replaces_the_default_calendar():
    eve = (Holiday(D(2026, 12, 24), "Christmas Eve"),)
    roster = Roster((_saline("X", D(2026, 12, 25)),), (make_nurse(),), holidays=eve)
    res = api.plan(roster, start=D(2026, 12, 21), days=7, provider=PROVIDER, options=GREEDY)
    assert [v.date for v in res.plan.visits] == [D(2026, 12, 25)]  # Christmas is a working day here
    assert D(2026, 12, 24) not in {nd.day for nd in res.problem.nurse_days}


def test_a_window_partly_inside_an_absence_is_planned_before_departure():
    away = (PatientAway("X", D(2026, 11, 24), D(2026, 12, 5)),)
    roster = Roster((_saline("X", D(2026, 11, 25)),), (make_nurse(),), patient_away=away)
    res = api.plan(roster, start=D(2026, 11, 23), days=7, provider=PROVIDER, options=GREEDY)
    assert [v.date for v in res.plan.visits] == [D(2026, 11, 23)]  # the day before departure
    assert not res.plan.unassigned


def test_a_window_inside_an_absence_is_listed_patient_away_with_the_glycerin_option():
    away = (PatientAway("X", D(2026, 11, 20), D(2026, 12, 5)),)
    roster = Roster((_saline("X", D(2026, 11, 25)),), (make_nurse(),), patient_away=away)
    problem = build_problem(roster, api.Horizon(D(2026, 11, 23), 7), provider=PROVIDER)
    assert problem.refills[0].days == () and problem.refills[0].absence == (D(2026, 11, 20), D(2026, 12, 5))
    res = api.plan(roster, start=D(2026, 11, 23), days=7, provider=PROVIDER, options=GREEDY)
    assert not res.plan.visits
    [u] = res.plan.unassigned
    assert u.reason is Reason.PATIENT_AWAY and str(u.reason) == "patient_away"
    assert "glycerin fill before the trip" in u.detail and u.patient_id not in u.detail


def test_overlapping_absences_read_as_one_trip():
    """Two overlapping rows of patient_away.csv are one stretch away: the detail names all of it."""
    away = (PatientAway("X", D(2026, 11, 20), D(2026, 11, 26)), PatientAway("X", D(2026, 11, 25), D(2026, 12, 5)),
            PatientAway("X", D(2026, 11, 10), D(2026, 11, 12)))  # an earlier trip, apart from them
    roster = Roster((_saline("X", D(2026, 11, 25)),), (make_nurse(),), patient_away=away)
    problem = build_problem(roster, api.Horizon(D(2026, 11, 23), 7), provider=PROVIDER)
    assert problem.refills[0].absence == (D(2026, 11, 20), D(2026, 12, 5))
    res = api.plan(roster, start=D(2026, 11, 23), days=7, provider=PROVIDER, options=GREEDY)
    [u] = res.plan.unassigned
    assert "absence 2026-11-20..2026-12-05" in u.detail


def test_the_away_option_follows_the_next_fill():
    """A pump whose next fill is glycerin gets that fill early, not a glycerin 'instead'; a floxuridine
    course is replaced only with the oncologist's consent; the weeks come from the pump and its flow."""
    away = (PatientAway("X", D(2026, 11, 20), D(2026, 12, 5)),)

    def detail(**kw) -> str:
        roster = Roster((replace(_saline("X", D(2026, 11, 25)), **kw),), (make_nurse(),), patient_away=away)
        [u] = api.plan(roster, start=D(2026, 11, 23), days=7, provider=PROVIDER, options=GREEDY).plan.unassigned
        return u.detail

    chemo = detail()
    assert "in place of this floxuridine fill, if the oncologist agrees" in chemo
    glycerin = detail(next_infusate=Infusate.GLYCERIN)
    assert "ahead of its window" in glycerin and "in place of" not in glycerin
    weeks = {detail(reservoir_ml=30.0, flow_ml_per_day=f).split("lasts about ")[1].split(" weeks")[0] for f in (0.5, 1.0)}
    assert len(weeks) == 2  # halving the flow doubles the weeks
