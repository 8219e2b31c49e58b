"""More than one refill per patient in a horizon (issue 11 item 8)."""

from __future__ import annotations

import datetime as dt

from geodata.travel.haversine import HaversineProvider
from optimizer import api, settings
from optimizer.domain import Infusate, Roster, TimeOff
from optimizer.planning.planner import SolverOptions
from optimizer.rules.windows import next_fill, refill_window
from tests.conftest import make_nurse, make_patient

D = dt.date
PROVIDER = HaversineProvider()
MON = D(2026, 11, 30)


def _chemo_cycle(**kw):
    """Heparinized saline in the pump, floxuridine next, due on ``MON``."""
    base = dict(patient_id="P", last_fill_date=MON - dt.timedelta(days=14), flow_ml_per_day=1.0,
                last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.FLOXURIDINE)
    return make_patient(**{**base, **kw})


def test_a_28_day_plan_holds_two_chemo_fills_and_the_saline_fill_between():
    roster = Roster((_chemo_cycle(),), (make_nurse(),), holidays=())
    res = api.plan(roster, start=MON, days=28, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    visits = sorted(res.plan.visits, key=lambda v: v.date)
    assert [v.fill_no for v in visits] == [1, 2, 3]
    assert [v.infusate for v in visits] == ["floxuridine", "heparinized_saline", "floxuridine"]
    assert [v.date for v in visits[:2]] == [MON, MON + dt.timedelta(days=14)]  # each on its due date
    assert visits[1].due_date == visits[0].date + dt.timedelta(days=14)
    # fill 3 is due after the horizon (Dec 28): its window opens on the last working day, Dec 25
    assert visits[2].window_start == visits[2].date == D(2026, 12, 25)
    assert res.plan.solver["later_fills"] == 2


def test_a_later_fill_due_after_the_horizon_is_left_to_the_next_plan_when_deferral_is_priced(monkeypatch):
    """``settings.COST_DEFERRED`` at $300: fill 3 (due Monday Dec 28, after the horizon) is left to the
    next plan, which makes it on its due date, not three days early on Friday Dec 25; with the nurse off
    that Monday and Tuesday the next plan could not, and it is made on the Friday."""
    monkeypatch.setattr(settings, "COST_DEFERRED", 30_000)
    roster = Roster((_chemo_cycle(),), (make_nurse(),), holidays=())
    res = api.plan(roster, start=MON, days=28, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    assert [v.fill_no for v in sorted(res.plan.visits, key=lambda v: v.date)] == [1, 2]
    (later,) = res.plan.deferred
    assert later.patient_id == "P" and later.window_start == D(2026, 12, 25) and "from 2026-12-28" in later.detail
    off = Roster((_chemo_cycle(),), (make_nurse(),), frozenset(TimeOff("N1", D(2026, 12, d)) for d in (28, 29)),
                 holidays=())
    res = api.plan(off, start=MON, days=28, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    last = max(res.plan.visits, key=lambda v: v.date)
    assert (last.fill_no, last.infusate, last.date) == (3, "floxuridine", D(2026, 12, 25)) and not res.plan.deferred


def test_the_next_window_follows_the_planned_date_of_the_previous_fill():
    """The nurse does not work on Mondays: fill 1 (due Monday) is made on Tuesday, a day late, so
    fill 2 is due 13 days (the patient's own interval) after that Tuesday, on a Monday again; with
    floxuridine in the pump it may not be made on the Sunday before: it is made a day late."""
    nurse = make_nurse(workdays=frozenset({1, 2, 3, 4}))
    p = _chemo_cycle(prescribed_interval_days=13, last_fill_date=MON - dt.timedelta(days=13))
    roster = Roster((p,), (nurse,), holidays=())
    res = api.plan(roster, start=MON, days=21, provider=PROVIDER,
                   options=SolverOptions(backend="ortools", max_iterations=100, workers=1))
    first, second = sorted(res.plan.visits, key=lambda v: v.date)
    assert first.date == MON + dt.timedelta(days=1) and first.fill_no == 1
    expected = refill_window(next_fill(roster.patients[0], first.date))
    assert expected.due == first.date + dt.timedelta(days=13)  # the patient's own interval kept
    assert (second.fill_no, second.due_date, second.window_start, second.window_end) == (
        2, expected.due, expected.start, expected.end)
    assert second.date == expected.due + dt.timedelta(days=1) == expected.end
