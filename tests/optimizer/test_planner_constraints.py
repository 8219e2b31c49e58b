"""One test per rule of SPEC §5 on a tiny instance where it binds.

Every plan is written and checked by the independent validator as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer import settings
from optimizer.domain import Horizon, Infusate, Roster, TimeOff
from optimizer.io.plan_writer import write_plan
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()
# Columbus, OH area
HOME = (39.99, -83.02)


def patient_due(pid: str, due: dt.date, **kw):
    """A saline-in-pump patient whose refill is due on ``due`` (window due−3 .. due+1)."""
    base = dict(patient_id=pid, lat=39.96, lon=-83.00, state="OH", flow_ml_per_day=1.5,
                last_fill_date=due - dt.timedelta(days=14),
                last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.HEPARINIZED_SALINE,
                visit_minutes=60)
    base.update(kw)
    return make_patient(**base)


def solve(patients, nurses, *, time_off=(), days=7, start=MON, backend="ortools", tmp_path=None, holidays=()):
    """Plan and check; no company holidays unless given (Thanksgiving falls on day 3 of these horizons;
    the holiday rule has its own tests in tests/planning/test_holidays_away.py)."""
    roster = Roster(tuple(patients), tuple(nurses), frozenset(time_off), holidays=holidays)
    problem = build_problem(roster, Horizon(start, days), provider=PROVIDER)
    opts = SolverOptions(backend=backend, time_limit=1, workers=1, greedy_part_max=0)
    plan = plan_problem(problem, opts)
    if tmp_path is not None:
        write_plan(plan, tmp_path / "plan")
        violations = check_plan(roster, tmp_path / "plan", provider=PROVIDER)
        assert violations == [], [str(v) for v in violations]
    return plan


def visit_of(plan, pid):
    hits = [v for v in plan.visits if v.patient_id == pid]
    return hits[0] if hits else None


def reason_of(plan, pid):
    hits = [u for u in plan.unassigned if u.patient_id == pid]
    return str(hits[0].reason) if hits else None


@pytest.fixture(params=["ortools", "pyvrp"])
def backend(request):
    return request.param


def test_license_no_nurse_may_practice_while_others_planned(tmp_path, backend):
    ny = patient_due("NY1", MON + dt.timedelta(days=2), lat=40.71, lon=-74.0, state="NY")
    oh = patient_due("OH1", MON + dt.timedelta(days=2))
    plan = solve([ny, oh], [make_nurse()], backend=backend, tmp_path=tmp_path)
    assert reason_of(plan, "NY1") == "no_licensed_nurse"
    assert visit_of(plan, "OH1") is not None


def test_nlc_multistate_covers_pa_from_july_2025(tmp_path):
    pa = patient_due("PA1", MON + dt.timedelta(days=2), lat=40.44, lon=-80.0, state="PA")
    oh_nurse = make_nurse(lat=40.36, lon=-80.6)  # Steubenville OH, near Pittsburgh
    plan = solve([pa], [oh_nurse], tmp_path=tmp_path)
    assert visit_of(plan, "PA1").nurse_id == "N1"
    old = solve([replace(pa, last_fill_date=dt.date(2025, 6, 2) - dt.timedelta(days=14))],
                [oh_nurse], start=dt.date(2025, 6, 2))
    assert reason_of(old, "PA1") == "no_licensed_nurse"


def test_certification_chemo_for_floxuridine(tmp_path):
    p = patient_due("P1", MON + dt.timedelta(days=2), next_infusate=Infusate.FLOXURIDINE, visit_minutes=75)
    near = make_nurse(nurse_id="NEAR", chemo_certified=False)
    plan = solve([p], [near], tmp_path=tmp_path)
    assert reason_of(plan, "P1") == "no_certified_nurse"
    far = make_nurse(nurse_id="FAR", lat=40.3, lon=-83.1, chemo_certified=True)
    plan = solve([p], [near, far], tmp_path=tmp_path)
    assert visit_of(plan, "P1").nurse_id == "FAR"


def test_refill_window_respected(tmp_path, backend):
    due = MON + dt.timedelta(days=4)  # Friday: window Tue..Sat
    plan = solve([patient_due("P1", due)], [make_nurse()], backend=backend, tmp_path=tmp_path)
    v = visit_of(plan, "P1")
    assert v.window_start <= v.date <= v.window_end
    assert v.window_start == MON + dt.timedelta(days=1)


def test_reserve_margin_binds(tmp_path):
    # 30 mL at 2.5 mL/day: empty 12 days after the fill; margin 1 → last day is day 11
    last = MON - dt.timedelta(days=8)
    p = patient_due("P1", last + dt.timedelta(days=14), last_fill_date=last, flow_ml_per_day=2.5)
    plan = solve([p], [make_nurse()], tmp_path=tmp_path)
    v = visit_of(plan, "P1")
    assert v.date <= v.empty_date - dt.timedelta(days=1)
    assert v.window_end == last + dt.timedelta(days=11)


def test_workday_only(tmp_path, backend):
    tue_only = make_nurse(workdays=frozenset({1}))
    plan = solve([patient_due("P1", MON + dt.timedelta(days=2))], [tue_only], backend=backend, tmp_path=tmp_path)
    assert visit_of(plan, "P1").date.weekday() == 1


def test_time_off(tmp_path):
    # window Sun..Thu; nurse works Mon-Fri but is off Mon, Tue and Wed
    p = patient_due("P1", MON + dt.timedelta(days=2))
    off = [TimeOff("N1", MON + dt.timedelta(days=i)) for i in range(3)]
    plan = solve([p], [make_nurse()], time_off=off, tmp_path=tmp_path)
    assert visit_of(plan, "P1").date == MON + dt.timedelta(days=3)


def test_shift_end_and_overtime_bind(tmp_path):
    # one-day windows (flox in pump: 1 early; the reserve margin closes it the same day) for two
    # patients; a 08:00-09:30 shift with no overtime fits only one 60-min visit
    def p(pid):
        last = MON + dt.timedelta(days=2) - dt.timedelta(days=14)
        return patient_due(pid, MON + dt.timedelta(days=2), last_fill_date=last, flow_ml_per_day=2.14,
                           last_fill_infusate=Infusate.FLOXURIDINE)
    short = make_nurse(shift_start=dt.time(8), shift_end=dt.time(9, 30), max_overtime_minutes=0)
    a, b = p("A"), replace(p("B"), lat=39.97, lon=-83.01)
    plan = solve([a, b], [short], tmp_path=tmp_path)
    assert len(plan.visits) == 1
    assert {u.reason for u in plan.unassigned} == {"no_capacity_in_window"}
    for d in plan.nurse_days:
        assert d.return_.time() <= dt.time(9, 30)
    # with an hour of overtime allowed, both fit
    plan = solve([a, b], [replace(short, max_overtime_minutes=60)], tmp_path=tmp_path)
    assert len(plan.visits) == 2 and plan.nurse_days[0].overtime_minutes > 0


def test_arrival_window(tmp_path, backend):
    p = patient_due("P1", MON + dt.timedelta(days=2), earliest_arrival=dt.time(14), latest_arrival=dt.time(15))
    plan = solve([p], [make_nurse()], backend=backend, tmp_path=tmp_path)
    v = visit_of(plan, "P1")
    assert dt.time(14) <= v.start.time() <= dt.time(15)
    # the nurse leaves home just in time, not at 08:00
    day = next(d for d in plan.nurse_days if d.date == v.date)
    assert day.depart.time() >= dt.time(13)


def test_max_visits_per_day(tmp_path, backend):
    # three refills only possible on Wednesday (nurse works Wed only), max 2 a day
    nurse = make_nurse(workdays=frozenset({2}), max_visits_per_day=2)
    ps = [replace(patient_due(f"P{i}", MON + dt.timedelta(days=2)), lat=39.96 + i * 0.01) for i in range(3)]
    plan = solve(ps, [nurse], backend=backend, tmp_path=tmp_path)
    assert len(plan.visits) == 2
    assert [str(u.reason) for u in plan.unassigned] == ["no_capacity_in_window"]


def test_reach(tmp_path):
    far = patient_due("FAR", MON + dt.timedelta(days=2), lat=41.50, lon=-81.69)  # Cleveland, ~2 h
    plan = solve([far], [make_nurse(max_drive_minutes_one_way=60)], tmp_path=tmp_path)
    assert reason_of(plan, "FAR") == "out_of_reach"
    plan = solve([far], [make_nurse(max_drive_minutes_one_way=240)], tmp_path=tmp_path)
    assert visit_of(plan, "FAR") is not None


def test_continuity_prefers_preferred_nurse(tmp_path, backend):
    p = patient_due("P1", MON + dt.timedelta(days=2), preferred_nurse_id="N2")
    n1 = make_nurse(nurse_id="N1", lat=39.965, lon=-83.005)
    n2 = make_nurse(nurse_id="N2", lat=39.970, lon=-83.010)  # a little farther
    plan = solve([p], [n1, n2], backend=backend, tmp_path=tmp_path)
    assert visit_of(plan, "P1").nurse_id == "N2"
    q = replace(p, preferred_nurse_id=None)
    assert visit_of(solve([q], [n1, n2], backend=backend), "P1").nurse_id == "N1"


def test_continuity_honoured_when_it_costs_little(tmp_path, backend):
    """Issue 12 item 7: the preferred nurse is chosen when she costs a little more (about $14 of
    pay and mileage: 7 min and 6.2 km each way against 2 min and 1 km), not when she costs much more."""
    p = patient_due("P1", MON + dt.timedelta(days=2), preferred_nurse_id="N2")
    near = make_nurse(nurse_id="N1", lat=39.965, lon=-83.005)
    a_bit_farther = make_nurse(nurse_id="N2", lat=39.99, lon=-83.04)
    plan = solve([p], [near, a_bit_farther], backend=backend, tmp_path=tmp_path)
    assert visit_of(plan, "P1").nurse_id == "N2"
    far = make_nurse(nurse_id="N2", lat=40.10, lon=-83.25)  # about 30 min each way: an hour of pay and more
    by_near = solve([p], [near, far], backend=backend)
    assert visit_of(by_near, "P1").nurse_id == "N1"
    extra = plan.kpis()["cost"] - by_near.kpis()["cost"]
    assert 10 < extra < settings.COST_NOT_PREFERRED_NURSE / 100  # binds: more than $10, less than the weight


def test_last_reserve_day_avoided_when_possible(tmp_path):
    # due Wed (day 2), empty Fri (day 4): window Sun..Thu; the nurse is off on the due date, so the
    # refill is a day early or a day late; late (Thursday) leaves one reserve day: Tuesday it is
    last = MON + dt.timedelta(days=2) - dt.timedelta(days=14)
    p = patient_due("P1", MON + dt.timedelta(days=2), last_fill_date=last, flow_ml_per_day=30 / 16)
    plan = solve([p], [make_nurse()], time_off=[TimeOff("N1", MON + dt.timedelta(days=2))], tmp_path=tmp_path)
    v = visit_of(plan, "P1")
    assert v.date == MON + dt.timedelta(days=1) and v.reserve_days_left == 3
    # without the time off, the due date itself (two reserve days left)
    assert visit_of(solve([p], [make_nurse()]), "P1").date == MON + dt.timedelta(days=2)


def test_due_date_kept_and_a_chemo_course_not_cut_short(tmp_path, backend):
    """Issue 11 item 1: the refill lands on its due date, not the earliest day of its window; when the
    due date has no nurse, a fill ending a floxuridine course is made a day late, not a day early."""
    due = MON + dt.timedelta(days=2)
    saline = patient_due("S", due, flow_ml_per_day=1.0)
    plan = solve([saline], [make_nurse()], backend=backend, tmp_path=tmp_path)
    assert visit_of(plan, "S").date == due  # window Sun..Thu: Monday was the old habit
    chemo = patient_due("C", due, flow_ml_per_day=1.0, last_fill_infusate=Infusate.FLOXURIDINE)
    off = [TimeOff("N1", due)]
    plan = solve([chemo], [make_nurse()], time_off=off, backend=backend, tmp_path=tmp_path)
    assert visit_of(plan, "C").date == due + dt.timedelta(days=1)  # window Tue..Thu


def test_overdue_refill_planned_first_day_and_flagged(tmp_path):
    last = MON - dt.timedelta(days=20)  # due 6 days ago: window closed before the horizon
    p = patient_due("LATE", last + dt.timedelta(days=14), last_fill_date=last, flow_ml_per_day=1.0)
    plan = solve([p], [make_nurse()], tmp_path=tmp_path)
    v = visit_of(plan, "LATE")
    assert v.date == MON and v.alarm == "window_closed"
    plan = solve([p], [make_nurse(workdays=frozenset({5}))], days=3)  # nobody works in the horizon
    assert reason_of(plan, "LATE") == "window_closed"


def test_window_after_horizon_not_planned():
    p = patient_due("LATER", MON + dt.timedelta(days=30))
    plan = solve([p], [make_nurse()])
    assert plan.visits == [] and plan.unassigned == []


def test_window_past_horizon_is_deferred_not_unassigned(tmp_path):
    # due Sunday of a Mon–Sun horizon (window Thu..Mon); the nurse works Mondays only
    p = patient_due("NEXT", MON + dt.timedelta(days=6))
    plan = solve([p], [make_nurse(workdays=frozenset({0}))], days=7, tmp_path=tmp_path)
    assert plan.visits == [] and plan.unassigned == []
    assert [d.patient_id for d in plan.deferred] == ["NEXT"]
    # the same refill with a nurse on Thursdays is planned now, not deferred
    plan = solve([p], [make_nurse(workdays=frozenset({3}))], days=7, tmp_path=tmp_path)
    assert visit_of(plan, "NEXT").date == MON + dt.timedelta(days=3) and plan.deferred == []


@pytest.mark.parametrize("backend", ["greedy", "ortools", "pyvrp"])
def test_refill_due_after_the_horizon_is_not_made_days_early(tmp_path, backend, monkeypatch):
    """Due the Monday after a Monday–Friday horizon (window Fri..Tue): with deferral priced as the next
    plan's day (``settings.COST_DEFERRED`` $300; off by default) the next plan makes it on its due date,
    so Friday (3 days early, though the nurse is free and nearby) is not planned (SPEC §5: on the due
    date where possible). A refill due inside the horizon is planned as before. By default: Friday."""
    nxt = patient_due("NEXT", MON + dt.timedelta(days=7))
    plan = solve([nxt], [make_nurse()], days=5, backend=backend)
    assert visit_of(plan, "NEXT").date == MON + dt.timedelta(days=4) and plan.deferred == []
    monkeypatch.setattr(settings, "COST_DEFERRED", 30_000)
    nxt = patient_due("NEXT", MON + dt.timedelta(days=7))
    now = patient_due("NOW", MON + dt.timedelta(days=4))
    plan = solve([nxt, now], [make_nurse()], days=5, backend=backend, tmp_path=tmp_path)
    assert visit_of(plan, "NEXT") is None and [d.patient_id for d in plan.deferred] == ["NEXT"]
    assert visit_of(plan, "NOW").date == MON + dt.timedelta(days=4)


def test_refill_the_next_plan_cannot_make_is_made_now(tmp_path, monkeypatch):
    """The same refill, deferral priced as the next plan's day, when its nurse is off on every day of its
    window after the horizon: the next plan could not make it, so it is made on the Friday."""
    monkeypatch.setattr(settings, "COST_DEFERRED", 30_000)
    nxt = patient_due("NEXT", MON + dt.timedelta(days=7))
    off = [TimeOff("N1", MON + dt.timedelta(days=d)) for d in (7, 8)]
    plan = solve([nxt], [make_nurse()], days=5, time_off=off, tmp_path=tmp_path)
    assert visit_of(plan, "NEXT").date == MON + dt.timedelta(days=4) and plan.deferred == []
