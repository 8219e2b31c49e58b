"""The reason and detail of a refill no nurse-day can make (``optimizer.planning.candidates``), on tiny instances."""

from __future__ import annotations

import datetime as dt

from geodata.travel.haversine import HaversineProvider
from optimizer import api
from optimizer.domain import Infusate, Roster
from optimizer.planning.planner import SolverOptions
from optimizer.rules.eligibility import Reason
from tests.conftest import make_nurse, make_patient

D = dt.date
PROVIDER = HaversineProvider()
GREEDY = SolverOptions(backend="greedy")


def test_no_capacity_names_the_window_days_in_the_horizon_not_those_before_it():
    """A window Tue..Sat planned from Saturday: the nurse works Tue..Fri, but those days are before the
    horizon; the detail names the day it could use (Saturday), not the weekdays she did work."""
    p = make_patient(patient_id="X", last_fill_date=D(2026, 10, 30), flow_ml_per_day=1.0,
                     last_fill_infusate=Infusate.GLYCERIN, next_infusate=Infusate.GLYCERIN,
                     prescribed_interval_days=42)  # due Fri 12-11: window Tue 12-08 .. Sat 12-12
    res = api.plan(Roster((p,), (make_nurse(),)), start=D(2026, 12, 12), days=7,
                   provider=PROVIDER, options=GREEDY)
    [u] = res.plan.unassigned
    assert (u.window_start, u.window_end) == (D(2026, 12, 8), D(2026, 12, 12))
    assert u.reason is Reason.NO_CAPACITY_IN_WINDOW
    assert u.detail == ("1 eligible nurse(s), none working on the window's days in the horizon, 2026-12-12 "
                        "(window 2026-12-08..2026-12-12)")


def test_no_capacity_inside_the_horizon_names_the_window():
    """A window wholly in the horizon on days the nurse does not work: the detail names the window."""
    p = make_patient(patient_id="X", last_fill_date=D(2026, 10, 31), flow_ml_per_day=1.0,
                     last_fill_infusate=Infusate.GLYCERIN, next_infusate=Infusate.GLYCERIN,
                     prescribed_interval_days=42)  # due Sat 12-12: window Wed 12-09 .. Sun 12-13
    nurse = make_nurse(workdays=frozenset({0}))  # Mondays only
    res = api.plan(Roster((p,), (nurse,)), start=D(2026, 12, 7), days=14, provider=PROVIDER, options=GREEDY)
    [u] = res.plan.unassigned
    assert u.reason is Reason.NO_CAPACITY_IN_WINDOW
    assert u.detail == "1 eligible nurse(s), none working on the window days 2026-12-09..2026-12-13"


def test_an_overdue_refill_left_unplanned_shows_the_reserve_left_when_the_horizon_starts():
    """A pump dry since before the horizon, no nurse-day with room for it: its unassigned row said
    '1 day of reserve left' (the reserve at the end of a window closed weeks ago) and 'eligible
    nurse-day(s) in the window'; the risk is the reserve left now, negative when already dry."""
    nurse = make_nurse(max_visits_per_day=1, workdays=frozenset({0}))  # one visit, Mondays only
    pumps = tuple(make_patient(patient_id=pid, last_fill_date=D(2026, 11, 9), flow_ml_per_day=2.0,
                               last_fill_infusate=Infusate.HEPARINIZED_SALINE) for pid in ("X", "Y"))
    # filled 11-09, 15 days of reserve: window 11-20..11-23, dry 11-24; the plan starts 12-07
    res = api.plan(Roster(pumps, (nurse,)), start=D(2026, 12, 7), days=7, provider=PROVIDER, options=GREEDY)
    assert len(res.plan.visits) == 1
    [u] = res.plan.unassigned
    assert u.reason is Reason.WINDOW_CLOSED and u.window_end == D(2026, 11, 23)
    assert u.reserve_days_left == (D(2026, 11, 24) - D(2026, 12, 7)).days == -13
    assert "in the window" not in u.detail and "in the horizon" in u.detail, u.detail
