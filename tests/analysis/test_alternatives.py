"""Ways out for unassigned refills (issue 13 item 2): ranked by feasibility in time, then cost."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from geodata.travel import get_provider
from optimizer.analysis.alternatives import NO_OPTION, Option, WaysOut, alternatives_for, rank, way_out
from optimizer.domain import Horizon, Infusate, Nurse, Partner, Patient, Roster
from optimizer.planning.plan import Plan, Unassigned
from optimizer.planning.planner import SolverOptions
from optimizer.planning.problem import build_problem
from optimizer.planning.solve import solve
from optimizer.rules.eligibility import Reason
from tests.conftest import make_nurse, make_patient

START = dt.date(2026, 11, 23)
# one HAI center ~30 km (about 40 min) west of the patient, near Pittsburgh (Allegheny County, FIPS 42003)
CENTERS = pd.DataFrame([dict(center_id="C1", name="West Center", city="Westtown", state="PA", lat=40.44,
                             lon=-80.35, source="test")])


def _patient(pid: str, lat: float, lon: float, state: str, nxt: Infusate) -> Patient:
    return Patient(pid, lat, lon, state, flow_ml_per_day=2.0, last_fill_date=START - dt.timedelta(days=10),
                   last_fill_infusate=Infusate.FLOXURIDINE if nxt is not Infusate.FLOXURIDINE
                   else Infusate.HEPARINIZED_SALINE, next_infusate=nxt)


def _unassigned(p: Patient, empty: dt.date) -> Unassigned:
    return Unassigned(p.patient_id, p.state, START, empty - dt.timedelta(days=1), empty, Reason.NO_LICENSED_NURSE,
                      "", 1)


def _setup() -> tuple[Plan, Roster]:
    near = _patient("P1", 40.44, -79.99, "PA", Infusate.HEPARINIZED_SALINE)
    island = _patient("P2", 21.30, -157.85, "HI", Infusate.FLOXURIDINE)
    # an Ohio nurse 1.5 h away, certified, licensed in Ohio only: PA needs a license (6 weeks)
    nurse = Nurse("N1", 40.10, -80.90, "OH", chemo_certified=True)
    partner = Partner("Keystone", "PA", 300.0, 2, county="42003")
    roster = Roster((near, island), (nurse,), partners=(partner,))
    plan = Plan(visits=[], nurse_days=[], unassigned=[_unassigned(near, START + dt.timedelta(days=5)),
                                                      _unassigned(island, START + dt.timedelta(days=5))],
                horizon_start=START, horizon_days=7)
    return plan, roster


def test_clinic_and_partner_both_listed_cheaper_first_license_not_in_time() -> None:
    plan, roster = _setup()
    alts = alternatives_for(plan, roster, provider=get_provider("haversine"), centers=CENTERS)
    ways = alts.refills[0]
    kinds = [o.kind for o in ways.options]
    # the clinic (fee + mileage, ~$190) first, the $300 partner after it (a glycerin bridge at the clinic ties
    # the clinic's cost and ranks right after it)
    assert kinds[0] == "clinic" and kinds.index("glycerin_bridge") == 1 and kinds.index("partner_team") == 2
    clinic, partner = ways.options[0], ways.options[2]
    assert clinic.extra_cost < partner.extra_cost == 300.0 and clinic.in_time and partner.in_time
    assert "West Center" in clinic.by and 20 < clinic.drive_minutes < 60
    lic = next(o for o in ways.options if o.kind == "license")
    assert lic.by == "N1" and lic.lead_days == 42 and not lic.in_time and lic.note.startswith("not in time")
    assert kinds[-1] == "license"  # not in time: after every option in time, however cheap ($200)
    bridge = next(o for o in ways.options if o.kind == "glycerin_bridge")
    assert "oncologist" in bridge.note and bridge.in_time
    assert alts.options_column()[0].startswith("clinic: West Center")


def test_a_refill_with_no_option_says_so() -> None:
    plan, roster = _setup()
    alts = alternatives_for(plan, roster, provider=get_provider("haversine"), centers=CENTERS)
    island = alts.refills[1]
    assert island.options == () and island.summary().startswith(NO_OPTION)
    rows = [r for r in alts.rows() if r[0] == "P2"]
    assert len(rows) == 1 and rows[0][3] == "none" and rows[0][-1].startswith(NO_OPTION)
    assert alts.best_kinds() == {"clinic": 1, "none": 1}


def test_a_chemo_fill_needs_a_certified_partner_and_gets_no_bridge() -> None:
    p = _patient("P3", 40.44, -79.99, "PA", Infusate.FLOXURIDINE)
    ways = WaysOut(nurses=(), partners=(Partner("Keystone", "PA", 100.0, 0),), provider=get_provider("haversine"),
                   centers=CENTERS, on=START)
    assert ways.partner_options(p) == []
    roster = Roster((p,), (), partners=ways.partners)
    plan = Plan([], [], [_unassigned(p, START + dt.timedelta(days=5))], START, 7)
    kinds = [o.kind for o in alternatives_for(plan, roster, provider=ways.provider, centers=CENTERS).refills[0].options]
    assert kinds == ["clinic"]


def test_rank_puts_late_options_last() -> None:
    cheap_late = Option("license", "N1", 50.0, 30)
    dear_now = Option("clinic", "C", 500.0, 1)
    ranked = rank([cheap_late, dear_now], today=START, last_day=START + dt.timedelta(days=3))
    assert [o.kind for o in ranked] == ["clinic", "license"] and not ranked[1].in_time


def test_way_out_takes_the_cheapest_carrier() -> None:
    p = _patient("P1", 40.44, -79.99, "PA", Infusate.HEPARINIZED_SALINE)
    provider = get_provider("haversine")
    cheap = WaysOut(nurses=(), partners=(Partner("Keystone", "PA", 90.0, 5),), provider=provider, centers=CENTERS,
                    on=START)
    assert way_out(cheap, p).kind == "partner_team"
    none_near = WaysOut(nurses=(), partners=(), provider=provider, centers=CENTERS, on=START)
    far = _patient("P2", 21.30, -157.85, "HI", Infusate.FLOXURIDINE)
    o = way_out(none_near, far)
    assert o.kind == "clinic" and o.extra_cost > 150 and "beyond" in o.note


def test_the_trip_planner_prices_the_overnight_trip() -> None:
    """With the plan's problem, the overnight trip is the trip planner's (its dates and the plan's cost rise),
    not the estimate. A PA patient ~5 h from the Columbus nurse (multistate, chemo-certified): the plan made
    without trips leaves her refill out."""
    provider = get_provider("haversine")
    p = make_patient(patient_id="P1", lat=40.05, lon=-78.0, state="PA", last_fill_infusate=Infusate.SALINE,
                     next_infusate=Infusate.SALINE, last_fill_date=START - dt.timedelta(days=12),
                     prescribed_interval_days=14)
    roster = Roster((p,), (make_nurse(),))
    problem = build_problem(roster, Horizon(START, 5), provider=provider)
    plan = solve(problem, SolverOptions(backend="greedy", max_iterations=1))
    assert [u.patient_id for u in plan.unassigned] == ["P1"]
    alts = alternatives_for(plan, roster, provider=provider, centers=CENTERS, problem=problem)
    trip = next(o for o in alts.refills[0].options if o.kind == "overnight_trip")
    assert trip.by == "N1" and trip.note.startswith("out ") and trip.extra_cost > 212.0
    estimate = next(o for o in alternatives_for(plan, roster, provider=provider, centers=CENTERS).refills[0].options
                    if o.kind == "overnight_trip")
    assert estimate.note.startswith("estimate")
