"""A far refill only a trip after the horizon can make goes to the next plan, not out of reach.

One nurse in Columbus, OH; Lawrence, KS is 709 min away: a trip of two nights (out, the
visit on the second day, home on the third). The horizon is Mon 2026-11-30 to Fri 12-04; the
refill's window runs Fri 12-04 to Tue 12-08: no trip fits the horizon (it would come home on a
Saturday), the next plan's Mon-Wed does.
"""

from __future__ import annotations

import datetime as dt

from optimizer.domain import Roster
from optimizer.planning import _trip_defer
from optimizer.rules.eligibility import Reason
from tests.conftest import make_nurse, make_patient
from tests.planning.test_trips import _plan, _valid

MON = dt.date(2026, 11, 30)
FAR = (38.97, -95.24)  # Lawrence, KS


def _roster(**nurse) -> Roster:
    due = dt.date(2026, 12, 7)  # window Fri 12-04 (due - 3) to Tue 12-08 (due + 1); the pump lasts 30 days
    p = make_patient(patient_id="PFAR", lat=FAR[0], lon=FAR[1], state="KS", flow_ml_per_day=1.0,
                     last_fill_date=due - dt.timedelta(days=14))
    return Roster((p,), (make_nurse(**nurse),))


def test_far_refill_a_trip_after_the_horizon_can_make_is_deferred(tmp_path):
    roster = _roster()
    plan, problem = _plan(roster, start=MON)
    assert not plan.visits and not plan.unassigned
    (d,) = plan.deferred
    assert d.patient_id == "PFAR" and d.window_start == dt.date(2026, 12, 4) and d.window_end == dt.date(2026, 12, 8)
    assert "no day trip reaches" in d.detail and "2 night(s) by N1" in d.detail
    assert _trip_defer.next_plan_trip(problem, 0)[:2] == ("N1", 2)
    _valid(roster, plan, tmp_path)


def test_without_trips_it_stays_out_of_reach():
    plan, _ = _plan(_roster(), start=MON, overnight=False)
    assert not plan.deferred
    assert [u.reason for u in plan.unassigned] == [Reason.OUT_OF_REACH]


def test_stays_out_of_reach_when_her_working_days_after_the_horizon_hold_no_trip():
    plan, _ = _plan(_roster(workdays=frozenset({0, 3, 4})), start=MON)  # Mon, Thu, Fri: never three in a row
    assert not plan.deferred
    assert [u.reason for u in plan.unassigned] == [Reason.OUT_OF_REACH]


def test_stays_out_of_reach_when_the_trip_needs_more_nights_than_allowed(monkeypatch):
    monkeypatch.setattr(_trip_defer, "MAX_NIGHTS", 1)
    plan, _ = _plan(_roster(), start=MON)
    assert not plan.deferred
    assert [u.reason for u in plan.unassigned] == [Reason.OUT_OF_REACH]
