"""Refill windows, SPEC §5: examples where each term binds, then properties."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings as hsettings, strategies as st

from optimizer.domain import Horizon, Infusate
from optimizer.rules.windows import WindowRules, after_refill, project_refills, refill_window
from tests.conftest import make_patient

D = dt.date


def test_due_is_last_fill_plus_interval():
    w = refill_window(make_patient(last_fill_date=D(2026, 11, 9), prescribed_interval_days=14))
    assert w.due == D(2026, 11, 23)


def test_empty_date_rounds_down():
    # 30 mL at 2.2 mL/day lasts 13.6 days: dry on day 13
    w = refill_window(make_patient(flow_ml_per_day=2.2))
    assert w.empty == D(2026, 11, 9) + dt.timedelta(days=13)


def test_saline_window_three_days_early_one_late():
    p = make_patient(flow_ml_per_day=1.5)  # 20 days of reserve: the late bound binds
    w = refill_window(p)
    assert (w.start, w.end) == (w.due - dt.timedelta(days=3), w.due + dt.timedelta(days=1))


def test_floxuridine_in_pump_only_one_day_early():
    p = make_patient(last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE,
                     flow_ml_per_day=1.5)
    w = refill_window(p)
    assert w.start == w.due - dt.timedelta(days=1)


def test_reserve_margin_binds_when_pump_runs_dry_before_due():
    # 30 / 2.5 = 12 days: empty on day 12, margin 1 → window ends day 11, before due (day 14)
    p = make_patient(flow_ml_per_day=2.5)
    w = refill_window(p)
    assert w.empty == D(2026, 11, 21)
    assert w.end == D(2026, 11, 20)
    assert w.end < w.due


def test_margin_is_configurable():
    p = make_patient(flow_ml_per_day=2.5)
    w = refill_window(p, rules=WindowRules(margin_days=2))
    assert w.end == D(2026, 11, 19)


def test_glycerin_flow_factor_stretches_empty_date():
    p = make_patient(last_fill_infusate=Infusate.GLYCERIN, next_infusate=Infusate.GLYCERIN,
                     prescribed_interval_days=42, flow_ml_per_day=0.7)
    w = refill_window(p)
    # 30 / (0.7 * 0.3) = 142.8 days: the interval (42 + 1 late) binds, not the reserve
    assert w.end == w.due + dt.timedelta(days=1)
    w2 = refill_window(p, rules=WindowRules().with_(flow_factor={"glycerin": 0.1}))
    assert w2.empty > w.empty


def test_early_days_configurable_per_infusate():
    p = make_patient(flow_ml_per_day=1.0)
    w = refill_window(p, rules=WindowRules().with_(early_days={"heparinized_saline": 5}))
    assert w.start == w.due - dt.timedelta(days=5)


def test_partial_fill_volume_shortens_reserve():
    full = refill_window(make_patient(flow_ml_per_day=1.5))
    part = refill_window(make_patient(flow_ml_per_day=1.5, last_fill_volume_ml=20.0))
    assert part.empty < full.empty


def test_alarms_window_closed_and_pump_empty_before_horizon():
    w = refill_window(make_patient(last_fill_date=D(2026, 10, 1)))
    h = Horizon(D(2026, 11, 23), 14)
    assert w.closed_before(h) and w.empty_before(h)
    assert w.days_in(h) == []
    assert not refill_window(make_patient()).closed_before(h)


def test_reserve_days_left():
    w = refill_window(make_patient(flow_ml_per_day=2.0))  # empty after 15 days
    assert w.reserve_days_left(D(2026, 11, 23)) == 1


def test_after_refill_alternates_protocol_and_projects_cycles():
    p = make_patient(last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE)
    q = after_refill(p, D(2026, 11, 23))
    assert q.last_fill_infusate is Infusate.HEPARINIZED_SALINE
    assert q.next_infusate is Infusate.FLOXURIDINE
    windows = list(project_refills(p, until=D(2027, 1, 31)))
    assert len(windows) >= 5
    assert [w.infusate_now for w in windows[:3]] == [
        Infusate.FLOXURIDINE, Infusate.HEPARINIZED_SALINE, Infusate.FLOXURIDINE]


# ---------------------------------------------------------------- properties
infusates = st.sampled_from(list(Infusate))
pumps = st.builds(
    lambda flow, vol, days, inf: make_patient(
        flow_ml_per_day=flow, last_fill_volume_ml=vol,
        last_fill_date=D(2026, 1, 1) + dt.timedelta(days=days),
        last_fill_infusate=inf, next_infusate=inf.next_by_protocol(),
        prescribed_interval_days={Infusate.GLYCERIN: 42}.get(inf, 14)),
    st.floats(0.3, 5.0), st.floats(5.0, 30.0), st.integers(0, 300), infusates,
)


@hsettings(max_examples=300, deadline=None)
@given(pumps, st.integers(0, 4), st.integers(0, 4), st.integers(0, 3))
def test_window_inside_due_minus_early_and_empty_minus_margin(p, early, late, margin):
    rules = WindowRules(late_days=late, margin_days=margin).with_(
        early_days={i.value: early for i in Infusate})
    w = refill_window(p, rules=rules)
    lo = w.due - dt.timedelta(days=early)
    hi = w.empty - dt.timedelta(days=margin)
    assert w.start == lo
    assert w.end <= hi and w.end <= w.due + dt.timedelta(days=late)
    for day in w.days_in(Horizon(lo - dt.timedelta(days=5), 60)):
        assert lo <= day <= hi


@hsettings(max_examples=300, deadline=None)
@given(pumps, st.floats(1.0, 3.0))
def test_faster_flow_never_gives_later_empty_date(p, k):
    slow = refill_window(p)
    fast = refill_window(replace(p, flow_ml_per_day=p.flow_ml_per_day * k))
    assert fast.empty <= slow.empty


@hsettings(max_examples=200, deadline=None)
@given(st.floats(0.3, 5.0), st.floats(5.0, 30.0))
def test_glycerin_lasts_longer_than_aqueous_for_same_pump(flow, vol):
    aq = make_patient(flow_ml_per_day=flow, last_fill_volume_ml=vol,
                      last_fill_infusate=Infusate.HEPARINIZED_SALINE, prescribed_interval_days=14)
    gl = replace(aq, last_fill_infusate=Infusate.GLYCERIN, next_infusate=Infusate.GLYCERIN,
                 prescribed_interval_days=42)
    assert refill_window(gl).empty >= refill_window(aq).empty
    rules = WindowRules()
    assert rules.prescribed_interval_days[Infusate.GLYCERIN] > rules.prescribed_interval_days[
        Infusate.HEPARINIZED_SALINE]


@given(infusates)
def test_protocol_alternation(inf):
    nxt = inf.next_by_protocol()
    if inf in (Infusate.FLOXURIDINE, Infusate.HEPARINIZED_SALINE):
        assert nxt is not inf and nxt.next_by_protocol() is inf
    else:
        assert nxt is inf
