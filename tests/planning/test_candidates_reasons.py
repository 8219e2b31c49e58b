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
