"""The cheap lower bound of summary.json (SPEC §6 ``lower_bound``, issue 14 item 2).

On a tiny roster (two nurses, two days, four refills) every plan can be enumerated: the
drive bound of each set of placed refills must stay at or below the least drive of any
feasible plan placing exactly that set, and the placeable count at or above the most
refills any plan places. The per-refill legs are checked against a plain recomputation.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math

import numpy as np
import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer import api
from optimizer.domain import Horizon, PatientAway, Roster
from optimizer.io.roster import load_roster
from optimizer.planning.bound import (SCOPE_DAY_TRIPS, SCOPE_FINAL, final_plan_bound, lower_bound, min_incoming_legs,
                                      plan_bound)
from optimizer.planning.problem import build_problem
from optimizer.planning.schedule import schedule_order
from optimizer.planning.solve import solve
from optimizer.planning.planner import SolverOptions
from optimizer.rules.objective import leg_minutes
from tests.conftest import make_nurse, make_patient

START = dt.date(2026, 11, 23)  # a Monday
PATIENTS = """patient_id,lat,lon,zip,state,flow_ml_per_day,last_fill_date,last_fill_infusate,last_fill_volume_ml,earliest_arrival,latest_arrival,preferred_nurse_id
P1,39.96,-83.00,,OH,2.0,2026-11-09,heparinized_saline,30,08:00,17:00,
P2,40.05,-82.90,,OH,2.0,2026-11-09,heparinized_saline,30,08:00,17:00,
P3,39.80,-83.20,,OH,2.0,2026-11-10,heparinized_saline,30,08:00,17:00,
P4,40.30,-82.60,,OH,2.0,2026-11-10,heparinized_saline,30,08:00,17:00,
"""
NURSES = """nurse_id,lat,lon,home_state,multistate_license,state_licenses,hai_certified,chemo_certified,workdays,shift_start,shift_end
N1,39.98,-83.02,OH,true,,true,true,Mon,08:00,18:00
N2,40.20,-82.70,OH,true,,true,true,Tue,08:00,18:00
"""


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    data = tmp_path_factory.mktemp("tiny")
    (data / "patients.csv").write_text(PATIENTS)
    (data / "nurses.csv").write_text(NURSES)
    roster = load_roster(data, as_of=START - dt.timedelta(days=3))
    return build_problem(roster, Horizon(START, 2), provider=HaversineProvider())


def _plans(problem):
    """Least (minutes, km) of a feasible plan placing each set of refills, by enumeration."""
    cands = problem.candidates_by_refill()
    refills = sorted(cands)
    best: dict[frozenset[int], tuple[float, float]] = {}
    for choice in itertools.product(*[[None, *cands[j]] for j in refills]):
        days: dict[int, list[int]] = {}
        for j, k in zip(refills, choice):
            if k is not None:
                days.setdefault(k, []).append(j)
        minutes = km = 0.0
        for k, js in days.items():
            options = [s for s in (schedule_order(problem, k, list(p)) for p in itertools.permutations(js)) if s]
            if not options:
                break
            minutes += min(s.drive_minutes for s in options)
            km += min(s.drive_km for s in options)
        else:
            key = frozenset(j for j, k in zip(refills, choice) if k is not None)
            old = best.get(key, (math.inf, math.inf))
            best[key] = (min(old[0], minutes), min(old[1], km))
    return best


def test_the_tiny_roster_has_shared_and_separate_days(problem):
    cands = problem.candidates_by_refill()
    assert len(problem.refills) == 4 and len(problem.nurse_days) == 2
    assert sum(len(v) for v in cands.values()) > len(cands)  # some refill has both nurse-days


def test_incoming_legs_are_the_least_over_homes_and_day_mates(problem):
    minutes, km = min_incoming_legs(problem)
    by_day: dict[int, list[int]] = {}
    for c in problem.candidates:
        by_day.setdefault(c.nurse_day, []).append(c.refill)
    for j in range(len(problem.refills)):
        loc = problem.patient_location[problem.refills[j].patient_id]
        legs = []
        for k, js in by_day.items():
            if j not in js:
                continue
            legs.append(problem.travel(problem.nurse_location[problem.nurse_days[k].nurse.nurse_id], loc))
            legs += [problem.travel(problem.patient_location[problem.refills[u].patient_id], loc)
                     for u in js if u != j]
        if not legs:
            assert math.isinf(minutes[j]) and math.isinf(km[j])
            continue
        assert minutes[j] == leg_minutes(min(m for m, _ in legs))
        assert km[j] == pytest.approx(min(k for _, k in legs), abs=1e-12)


def test_the_bound_is_below_every_plan(problem):
    best = _plans(problem)
    most = max(len(s) for s in best)
    assert lower_bound(problem).refills_placeable >= most
    assert lower_bound(problem).refills_placeable == len(problem.candidates_by_refill())
    for placed, (minutes, km) in best.items():
        b = lower_bound(problem, placed)
        assert b.placed == len(placed)
        assert b.drive_minutes <= minutes
        assert b.drive_km <= km + 1e-9
        if placed:
            assert b.drive_minutes > 0  # not the trivial bound
    full = max(best, key=len)
    assert lower_bound(problem, full).drive_minutes >= 0.4 * best[full][0]  # and not a loose one


def test_the_planner_writes_the_bound(problem):
    plan = solve(problem, SolverOptions(backend="greedy"))
    b = plan.solver["lower_bound"]
    assert b["refills_placeable"] >= len(plan.visits) == b["placed"]
    assert b["drive_minutes"] <= sum(d.drive_minutes for d in plan.nurse_days)
    assert b["drive_km"] <= sum(d.drive_km for d in plan.nurse_days) + 1e-9
    assert np.isfinite(b["drive_minutes"])


# --------------------------------------------------------------------------- the final plan (trips, later fills)

def _trip_rosters():
    """The instances of tests/planning/test_trips.py: a refill only an overnight trip makes, two
    day trips joined by a night, and a chain of two trips (a day from one lodging to the next)."""
    from tests.planning import test_trips as t
    far = Roster((t._patient("P1", t.FAR, due=t.MON + dt.timedelta(days=2)),), (make_nurse(),))
    tue, wed = t.MON + dt.timedelta(days=1), t.MON + dt.timedelta(days=2)
    p2 = make_patient(patient_id="P2", lat=37.2, lon=-86.0, state="KY", last_fill_date=wed - dt.timedelta(days=14))
    away = (PatientAway("P1", tue, t.MON + dt.timedelta(days=9)), PatientAway("P2", t.MON - dt.timedelta(days=9), tue))
    chain = Roster((t._patient("P1", t.FAR, due=t.MON), p2), (make_nurse(workdays=frozenset({0, 1, 2})),),
                   patient_away=away)
    return {"far": far, "joined": t._two_days_roster(), "chain": chain}, t.MON, t.PROVIDER


@pytest.mark.parametrize("name", ["far", "joined", "chain"])
def test_the_written_bound_holds_for_a_plan_with_overnight_trips(name, tmp_path):
    rosters, mon, provider = _trip_rosters()
    roster = rosters[name]
    result = api.plan(roster, start=mon, days=5, provider=provider, options=SolverOptions(backend="greedy"))
    plan = result.plan
    assert plan.solver.get("overnight_trips", 0) >= 1
    b = plan.solver["lower_bound"]
    assert b["scope"] == SCOPE_FINAL
    assert b["placed"] == len(plan.visits) <= b["refills_placeable"] <= b["refills_due"]
    incoming_m = sum(v.travel_minutes for v in plan.visits)  # each visit's one incoming leg
    incoming_k = sum(v.travel_km for v in plan.visits)
    assert b["drive_minutes"] <= incoming_m <= sum(d.drive_minutes for d in plan.nurse_days)
    assert b["drive_km"] <= incoming_k + 1e-9
    api.write_plan_folder(result, tmp_path / "plan", with_map=False)
    written = json.loads((tmp_path / "plan" / "summary.json").read_text())["solver"]["lower_bound"]
    assert written["refills_placeable"] >= written["placed"] == len(plan.visits)
    assert written["drive_minutes"] <= incoming_m


def test_the_day_trip_bound_says_what_it_bounds():
    """Before trips (solve alone) the bound is of day trips: a refill only a trip makes is not placeable
    there, and its scope says so; the final plan's bound counts it."""
    rosters, mon, provider = _trip_rosters()
    problem = build_problem(rosters["far"], Horizon(mon, 5), provider=provider)
    first = solve(problem, SolverOptions(backend="greedy"))
    assert first.solver["lower_bound"]["scope"] == SCOPE_DAY_TRIPS
    assert first.solver["lower_bound"]["refills_placeable"] == 0
    final = api.plan(rosters["far"], start=mon, days=5, provider=provider,
                     options=SolverOptions(backend="greedy")).plan.solver["lower_bound"]
    assert final["refills_placeable"] == final["placed"] == 1
    assert final["drive_minutes"] == 0  # the visit is the first of a day from a lodging at her home


def test_the_final_bound_without_trips_is_the_day_trip_bound(problem):
    plan = solve(problem, SolverOptions(backend="greedy"))
    old, new = plan_bound(problem, plan), final_plan_bound(problem, plan)
    assert (new.refills_placeable, new.placed, new.drive_minutes) == (old.refills_placeable, old.placed,
                                                                       old.drive_minutes)
    assert new.drive_km == pytest.approx(old.drive_km, abs=2e-3)


def test_a_replan_writes_the_final_bound_too():
    rosters, mon, provider = _trip_rosters()
    first = api.plan(rosters["far"], start=mon, days=5, provider=provider, options=SolverOptions(backend="greedy"))
    again = api.replan(rosters["far"], first.plan, start=mon + dt.timedelta(days=1), provider=provider,
                       options=SolverOptions(backend="greedy")).plan
    b = again.solver["lower_bound"]
    assert b["scope"] == SCOPE_FINAL
    assert b["placed"] <= b["refills_placeable"] and b["placed"] <= len(again.visits)
    assert b["drive_minutes"] <= sum(v.travel_minutes for v in again.visits)
    assert b["drive_km"] <= sum(v.travel_km for v in again.visits) + 1e-9
