"""A far refill takes a local visit's place on a trip's day (issue 13 item 1, the refills blocked
because the only nurse who can reach them has her days taken).

One nurse in Columbus, OH, two visits a day at most. P1 and P2, about 300 min away in Pennsylvania
(beyond the 240 min reach of a day trip), are home on Tuesday only; L1, near home, is due on
Tuesday and may wait until Wednesday (a fuller pump). The trip out on Monday, lodging at P1's home, makes P1 on
Tuesday with L1; P2 fits Tuesday only if L1 moves to another day (not a second night away).
"""

from __future__ import annotations

import datetime as dt

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, PatientAway, Roster
from optimizer.io.plan_writer import write_plan
from optimizer.planning.fills import with_later_fills
from optimizer.planning.planner import SolverOptions
from optimizer.planning.problem import build_problem
from optimizer.planning.solve import solve
from optimizer.planning.trips import with_overnight_trips
from optimizer.validate import check_plan
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
TUE = MON + dt.timedelta(days=1)
PROVIDER = HaversineProvider()


def _roster() -> Roster:
    def patient(pid: str, lat: float, lon: float, state: str, ml: float = 30.0):
        return make_patient(patient_id=pid, lat=lat, lon=lon, state=state, reservoir_ml=ml, last_fill_volume_ml=ml,
                            last_fill_date=TUE - dt.timedelta(days=14))
    far = (patient("P1", 40.051234, -78.003456, "PA"), patient("P2", 40.1, -78.05, "PA"))
    away = tuple(PatientAway(p.patient_id, d0, d1) for p in far for d0, d1 in
                 ((MON - dt.timedelta(days=7), MON), (TUE + dt.timedelta(days=1), TUE + dt.timedelta(days=9))))
    return Roster((*far, patient("L1", 40.05, -82.9, "OH", ml=40.0)), (make_nurse(max_visits_per_day=2),),
                  patient_away=away)


def test_a_local_visit_gives_way_to_a_far_one_on_a_trips_day(tmp_path):
    roster = _roster()
    problem = build_problem(roster, Horizon(MON, 5), provider=PROVIDER)
    plan, problem = with_later_fills(problem, solve(problem, SolverOptions(backend="greedy", max_iterations=1)))
    off = {v.patient_id: v.date for v in plan.visits}
    assert off == {"L1": TUE}
    plan, _ = with_overnight_trips(problem, plan, enabled=True)
    on = {v.patient_id: v.date for v in plan.visits}
    assert on["P1"] == on["P2"] == TUE and on["L1"] != TUE
    assert plan.kpis()["overnight_stays"] == 1  # not a second night for P2
    write_plan(plan, tmp_path / "plan")
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []


def test_a_visit_taken_off_a_trips_day_may_go_to_the_other_day_of_the_trip():
    """rehome: L1, taken off Monday (the trip's outbound day), goes to Tuesday, the trip's return day,
    which starts at the lodging (P1's home) and from where L1, near home, is on the way back; a day of
    a trip is no less a day for it than a day from home."""
    from optimizer.planning._trip_state import Trip, TripState, rehome

    roster = _roster()
    problem = build_problem(roster, Horizon(MON, 2), provider=PROVIDER)
    k_mon, k_tue = (k for k, nd in enumerate(problem.nurse_days) if nd.day in (MON, TUE))
    night = Trip("N1", k_mon, k_tue, problem.patient_location["P1"])
    (j,) = [j for j, r in enumerate(problem.refills) if r.patient_id == "L1"]
    assert TUE in problem.refills[j].days
    state = TripState(problem, {}, [night])
    moved = rehome(state, [j], MON, exclude={k_mon})
    assert moved is not None and list(moved[1]) == [k_tue]
    order, sched = moved[1][k_tue]
    assert order == [j] and sched.start == night.lodging and sched.end is None


def test_a_trip_whose_days_leave_visits_without_another_day_is_made_when_it_places_more(tmp_path, monkeypatch):
    """swap_in: two days, two visits a day, three local patients and two far ones (home on Tuesday
    only). A trip for F1 leaves a local visit that no other day has room for as the trips pass sees it
    (Monday is the trip's own day), so no trip is made without the swap; with it, the trip is made,
    the visit left over goes into the trip's outbound day, and four refills are made instead of three."""
    from optimizer.planning import trips

    def patient(pid: str, lat: float, lon: float, state: str):
        return make_patient(patient_id=pid, lat=lat, lon=lon, state=state, last_fill_date=TUE - dt.timedelta(days=14))
    far = (patient("F1", 40.051234, -78.003456, "PA"), patient("F2", 40.1, -78.05, "PA"))
    local = tuple(patient(f"L{i}", 40.05 + 0.02 * i, -82.9, "OH") for i in range(1, 4))
    away = tuple(PatientAway(p.patient_id, MON - dt.timedelta(days=7), MON) for p in far) + tuple(
        PatientAway(p.patient_id, TUE + dt.timedelta(days=1), TUE + dt.timedelta(days=9)) for p in (*far, *local))
    roster = Roster((*far, *local), (make_nurse(max_visits_per_day=2),), patient_away=away)

    def plan_it():
        problem = build_problem(roster, Horizon(MON, 2), provider=PROVIDER)
        plan, problem = with_later_fills(problem, solve(problem, SolverOptions(backend="greedy", max_iterations=1)))
        return with_overnight_trips(problem, plan, enabled=True)[0]

    swapped = plan_it()
    monkeypatch.setattr(trips, "swap_in", lambda state: None)
    plain = plan_it()
    assert len(plain.visits) == 3 and {u.patient_id for u in plain.unassigned} == {"F1", "F2"}
    assert len(swapped.visits) == 4 and swapped.kpis()["overnight_stays"] == 1
    assert {v.patient_id for v in swapped.visits if v.date == TUE} & {"F1", "F2"}
    write_plan(swapped, tmp_path / "plan")
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []


def test_trips_made_before_the_later_fills_when_a_later_fill_pins_a_local_visit(tmp_path):
    """with_fills_and_trips: one nurse, one visit a day. L1, near home, is due on Tuesday and has a
    second fill in the horizon; P1, beyond a day trip, is home on Tuesday only. With the later fills
    added first, L1's Tuesday carries the window of its second fill, so it may not leave the trip's
    day and P1 is missed; trips made on the first fills alone move L1 to another day (its second fill
    follows from there), and P1 is made on a trip."""
    from optimizer.planning.trips import with_fills_and_trips

    def patient(pid: str, lat: float, lon: float, state: str):
        return make_patient(patient_id=pid, lat=lat, lon=lon, state=state, last_fill_date=TUE - dt.timedelta(days=14))
    far = patient("P1", 40.051234, -78.003456, "PA")
    away = (PatientAway("P1", MON - dt.timedelta(days=7), MON), PatientAway("P1", TUE + dt.timedelta(days=1),
                                                                             TUE + dt.timedelta(days=30)))
    roster = Roster((far, patient("L1", 40.05, -82.9, "OH")), (make_nurse(max_visits_per_day=1),), patient_away=away)
    problem = build_problem(roster, Horizon(MON, 17), provider=PROVIDER)
    first = solve(problem, SolverOptions(backend="greedy", max_iterations=1))
    assert {v.patient_id: v.date for v in first.visits} == {"L1": TUE}

    later_first, _ = with_overnight_trips(*reversed(with_later_fills(problem, first)), enabled=True)
    assert "P1" in {u.patient_id for u in later_first.unassigned}
    plan, _ = with_fills_and_trips(problem, first, enabled=True)
    made = sorted((v.patient_id, v.date) for v in plan.visits)
    assert [p for p, _ in made] == ["L1", "L1", "P1"] and ("P1", TUE) in made
    assert ("L1", TUE) not in made and plan.kpis()["overnight_stays"] == 1
    write_plan(plan, tmp_path / "plan")
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []
