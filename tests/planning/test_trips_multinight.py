"""Trips of several nights through waypoints (issue 13 item 1; SPEC §5 routes, §6 nurse_days.csv).

One nurse in Columbus, OH (a day drives at most 630 min: 08:00-18:00, 60 min overtime, less a
30 min break; reach 240 min one way). Lawrence, KS is 709 min away: farther than a whole
working day, so no trip of one night (out one day, back the next) reaches it. Columbia, MO is on
the way (546 min from home, 181 min from Lawrence): a night there on the way out and on the way
back makes Lawrence in three working days.
"""

from __future__ import annotations

import datetime as dt
import math

from geodata.travel.haversine import HaversineProvider
from optimizer.analysis.alternatives import alternatives_for
from optimizer import settings
from optimizer.domain import Horizon, Roster
from optimizer.planning import _trip_place, trips, waypoints
from optimizer.planning.fills import plan_routes, routes_of_plan
from optimizer.planning.planner import SolverOptions
from optimizer.planning.problem import build_problem
from optimizer.planning.solve import solve
from optimizer.planning.towns import lodging_towns
from optimizer.planning.trips import best_trip, with_overnight_trips
from tests.conftest import make_nurse, make_patient
from tests.planning.test_trips import _plan, _valid  # the same greedy plan with later fills and trips

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()
FAR = (38.97, -95.24)  # Lawrence, KS: 709 min
MID = (38.95, -92.33)  # Columbia, MO: 546 min from home, 181 min from Lawrence
# Without PMID, a lodging town on the way (optimizer.planning.towns) takes her place.


def _patient(pid: str, at: tuple[float, float], state: str, *, due: dt.date):
    # Kansas and Missouri are on Central time, an hour behind the nurse's clock: 07:00-16:00
    # there is 08:00-17:00 on hers (optimizer.rules.clock), the default window these trips were
    # laid out for
    return make_patient(patient_id=pid, lat=at[0], lon=at[1], state=state,
                        last_fill_date=due - dt.timedelta(days=14),
                        earliest_arrival=dt.time(7, 0), latest_arrival=dt.time(16, 0))


def _roster(due: dt.date, *, mid: bool = True, **nurse) -> Roster:
    pts = [_patient("PFAR", FAR, "KS", due=due)]
    if mid:
        pts.append(_patient("PMID", MID, "MO", due=due))
    return Roster(tuple(pts), (make_nurse(**nurse),))


def _far_trip(plan) -> list:
    """The nurse's days from the first that ends away to the first back home after the far visit."""
    days = sorted(plan.nurse_days, key=lambda d: d.date)
    (far,) = [v for v in plan.visits if v.patient_id == "PFAR"]
    i = next(i for i, d in enumerate(days) if d.date == far.date)
    first = i
    while first > 0 and days[first - 1].ends_away:
        first -= 1
    last = i
    while days[last].ends_away:
        last += 1
    return days[first:last + 1]


def test_a_patient_beyond_a_days_drive_is_made_on_a_trip_of_two_nights(tmp_path):
    roster = _roster(MON + dt.timedelta(days=2))
    off, _ = _plan(roster, overnight=False)
    assert sorted(u.reason.value for u in off.unassigned) == ["out_of_reach", "out_of_reach"]
    plan, _ = _plan(roster)
    assert {v.patient_id for v in plan.visits} == {"PFAR", "PMID"}
    trip = _far_trip(plan)
    assert len(trip) >= 3  # out, the visit, home: two nights or more
    for a, b in zip(trip, trip[1:]):
        assert b.date == a.date + dt.timedelta(days=1) and a.ends_away
        assert (a.end_lat, a.end_lon) == (b.start_lat, b.start_lon)
    assert all(d.lodging_cost == 212.0 for d in trip[:-1]) and trip[-1].lodging_cost == 0
    assert plan.kpis()["lodging_cost"] == 212.0 * plan.kpis()["overnight_stays"]
    _valid(roster, plan, tmp_path)


def test_no_longer_trip_with_one_night_at_most(monkeypatch):
    monkeypatch.setattr(waypoints, "MAX_NIGHTS", 1)
    plan, _ = _plan(_roster(MON + dt.timedelta(days=2)))
    assert "PFAR" not in {v.patient_id for v in plan.visits}


def test_a_night_at_a_waypoint_where_no_patient_is_visited(tmp_path, monkeypatch):
    """The first night is at PMID's home (a waypoint: she is visited neither that day nor the next),
    and without PMID and without lodging towns there is no waypoint on the way: no trip reaches PFAR."""
    monkeypatch.setattr(settings, "LODGING_TOWN_CELL_DEG", 0.0)  # patient homes the only waypoints
    roster = _roster(MON + dt.timedelta(days=2))
    plan, _ = _plan(roster)
    visited = {(v.date, v.patient_id) for v in plan.visits}
    nights = [d for d in _far_trip(plan) if d.ends_away]
    assert any((round(d.end_lat, 4), round(d.end_lon, 4)) == MID and (d.date, "PMID") not in visited
               and (d.date + dt.timedelta(days=1), "PMID") not in visited for d in nights)
    _valid(roster, plan, tmp_path)
    alone, _ = _plan(_roster(MON + dt.timedelta(days=2), mid=False))
    assert alone.visits == [] and [u.reason.value for u in alone.unassigned] == ["out_of_reach"]


def test_a_night_at_a_lodging_town_where_no_patient_lives_on_the_way(tmp_path):
    """Without PMID, the night on the way is at a lodging town (optimizer.planning.towns): a town of
    the list, on the way, no patient's home; the plan folder passes the independent checker."""
    roster = _roster(MON + dt.timedelta(days=2), mid=False)
    plan, problem = _plan(roster)
    assert [v.patient_id for v in plan.visits] == ["PFAR"]
    towns = {(round(t.lat, 6), round(t.lon, 6)): t for t in lodging_towns()}
    nights = [d for d in _far_trip(plan) if d.ends_away]
    at_towns = [towns[(round(d.end_lat, 6), round(d.end_lon, 6))] for d in nights
                if (round(d.end_lat, 6), round(d.end_lon, 6)) in towns]
    assert at_towns and all(t.state in {"OH", "IN", "IL", "MO", "KS"} for t in at_towns)
    assert problem.towns and problem.town_at(problem.town_base) == problem.towns[0]
    assert problem.town_at(problem.patient_location["PFAR"]) is None
    routes, read = plan_routes(problem, plan)  # a re-plan reads the nights at a town back
    assert len(read) == len(nights)
    _valid(roster, plan, tmp_path)


def test_lodging_towns_are_the_largest_place_of_each_cell():
    towns = lodging_towns()
    assert len(towns) > 500
    cell = settings.LODGING_TOWN_CELL_DEG
    cells = [(math.floor(t.lat / cell), math.floor(t.lon / cell)) for t in towns]
    assert len(set(cells)) == len(cells)  # one a cell
    big = lodging_towns(cell_deg=10.0)
    assert {t.label for t in big} >= {"New York City, NY", "Los Angeles, CA"} and len(big) < len(towns)
    assert lodging_towns(cell_deg=0.0) == ()


def test_no_trip_over_a_weekend():
    """Due Monday 7 December, window Friday to Tuesday, horizon Friday to Tuesday: a nurse who works
    Monday to Friday has no three consecutive working days; one who works every day drives out on
    Friday and stays the weekend."""
    fri, due = MON + dt.timedelta(days=11), MON + dt.timedelta(days=14)
    weekdays, _ = _plan(_roster(due), start=fri)
    assert "PFAR" not in {v.patient_id for v in weekdays.visits}
    assert all(d.date.weekday() < 5 for d in weekdays.nurse_days)
    every, _ = _plan(_roster(due, workdays=frozenset(range(7))), start=fri)
    assert "PFAR" in {v.patient_id for v in every.visits}


def test_plan_routes_reads_a_plan_with_a_long_trip():
    roster = _roster(MON + dt.timedelta(days=2))
    plan, problem = _plan(roster)
    routes, nights = plan_routes(problem, plan)
    assert len(nights) == plan.kpis()["overnight_stays"] >= 2
    # the plan's cost sums each day's cost rounded to the cent
    assert abs(sum(s.cost for _, s in routes.values()) - plan.kpis()["cost"]) <= 0.005 * len(routes) + 1e-9
    assert routes_of_plan(problem, plan).keys() == routes.keys()


def test_best_trip_prices_a_trip_of_two_nights_and_alternatives_read_the_plan_once(monkeypatch):
    roster = _roster(MON + dt.timedelta(days=2))
    problem = build_problem(roster, Horizon(MON, 5), provider=PROVIDER)
    plan = solve(problem, SolverOptions(backend="greedy", max_iterations=1))
    assert plan.visits == [] and len(plan.unassigned) == 2
    option = best_trip(problem, plan, "PFAR")
    assert option is not None and option.nights >= 2 and option.extra_cost >= 212.0 * option.nights
    reads = []
    real = trips.state_of_plan
    monkeypatch.setattr(trips, "state_of_plan", lambda p, pl: reads.append(1) or real(p, pl))
    alt = alternatives_for(plan, roster, provider=PROVIDER, problem=problem)
    assert len(reads) == 1  # once for both unassigned refills
    far = next(w for u, w in zip(plan.unassigned, alt.refills) if u.patient_id == "PFAR")
    (o,) = [o for o in far.options if o.kind == "overnight_trip"]
    assert o.extra_cost == option.extra_cost and f"{option.nights} nights away" in o.note


def test_the_calendar_says_a_waypoint_night_is_on_the_way(tmp_path):
    """The .ics of a trip of several nights: the night at the waypoint reads 'lodging on the way',
    a night at the home of the next morning's patient 'lodging near the last patient'."""
    from optimizer.report import exports

    roster = _roster(MON + dt.timedelta(days=2))
    plan, problem = _plan(roster)
    (ics,) = exports.export_ics(plan, problem, tmp_path / "ics")
    text = ics.read_text().replace("\r\n ", "")
    assert text.count("SUMMARY:Overnight at") == plan.kpis()["overnight_stays"] >= 2
    assert "lodging on the way" in text and "lodging near the last patient" in text


def test_a_confirmed_visit_on_a_trip_of_several_nights_is_kept():
    """Next week's confirmed_visits.csv promises Lawrence to the Columbus nurse at the time of a trip
    of several nights; a nurse next door would take it from home: the promise is kept, on such a
    trip, at its time ± 30 min, and no change is listed."""
    from optimizer.domain import ConfirmedVisit
    from optimizer.planning.keep import pin_confirmed

    due = MON + dt.timedelta(days=2)
    plan, _ = _plan(_roster(due))
    (far,) = [v for v in plan.visits if v.patient_id == "PFAR"]
    neighbour = make_nurse(nurse_id="N2", lat=FAR[0] + 0.05, lon=FAR[1], home_state="KS")
    base = _roster(due)
    roster = Roster(base.patients, (*base.nurses, neighbour),
                    confirmed_visits=(ConfirmedVisit("PFAR", "N1", far.date, far.start.time()),))
    problem = pin_confirmed(build_problem(roster, Horizon(MON, 5), provider=PROVIDER))
    free = solve(problem, SolverOptions(backend="greedy", max_iterations=1))
    assert [c.reason for c in free.changes] == ["capacity"]  # from home only the neighbour can
    kept, _ = with_overnight_trips(problem, free, enabled=True)
    (visit,) = [v for v in kept.visits if v.patient_id == "PFAR"]
    assert (visit.nurse_id, visit.date) == ("N1", far.date) and kept.changes == []
    assert abs((visit.start - far.start).total_seconds()) <= 30 * 60
    assert kept.kpis()["overnight_stays"] >= 2


def test_has_later_follows_the_problem_asked_about():
    """The trips pass's later-fill test answers for the problem it is given, also after another."""
    from dataclasses import replace

    from optimizer.planning._trip_state import has_later

    roster = _roster(MON + dt.timedelta(days=2))
    plan, problem = _plan(roster, days=21)  # three weeks: PFAR's second fill is in the horizon
    (j,) = [i for i, r in enumerate(problem.refills) if r.patient_id == "PFAR" and r.fill_no == 1]
    assert any(r.patient_id == "PFAR" and r.fill_no == 2 for r in problem.refills) and has_later(problem, j)
    first = replace(problem, refills=[r for r in problem.refills if r.fill_no == 1])
    (k,) = [i for i, r in enumerate(first.refills) if r.patient_id == "PFAR"]
    assert not has_later(first, k) and has_later(problem, j)


def _long_or_short() -> Roster:
    """PFAR (Lawrence, two nights) and two patients in Pennsylvania (297 min, one night), all home on
    Tuesday only (a horizon of Monday to Wednesday is planned)."""
    from optimizer.domain import PatientAway

    tue = MON + dt.timedelta(days=1)
    pts = (_patient("PFAR", FAR, "KS", due=tue), _patient("PA1", (40.05, -78.0), "PA", due=tue),
           _patient("PA2", (40.08, -78.05), "PA", due=tue))
    away = tuple(PatientAway(p.patient_id, d0, d1) for p in pts for d0, d1 in
                 ((MON - dt.timedelta(days=7), MON), (tue + dt.timedelta(days=1), tue + dt.timedelta(days=20))))
    return Roster(pts, (make_nurse(),), patient_away=away)


def test_two_short_trips_beat_one_long_trip_for_the_same_days(tmp_path, monkeypatch):
    """place_missed tries each of PLACE_ORDERS: the several-night refill first takes all three days
    for one visit; the one-night refills first make two (one night at the first, the second on the
    same Tuesday). The order that misses fewer refills is kept."""
    roster, tue = _long_or_short(), MON + dt.timedelta(days=1)
    monkeypatch.setattr(_trip_place, "PLACE_ORDERS", ("long_first",))
    long_first, _ = _plan(roster, days=3)
    assert {v.patient_id for v in long_first.visits} == {"PFAR"}
    monkeypatch.setattr(_trip_place, "PLACE_ORDERS", ("long_first", "short_first", "fewest_options"))
    plan, _ = _plan(roster, days=3)
    assert {(v.patient_id, v.date) for v in plan.visits} == {("PA1", tue), ("PA2", tue)}
    assert plan.kpis()["overnight_stays"] == 1
    _valid(roster, plan, tmp_path)


def test_a_nurses_trips_undone_and_made_again_when_that_places_more(monkeypatch):
    """rebuild_trips: the two-night trip for PFAR, made first, holds the Tuesday both Pennsylvania
    patients need; undoing her nights and placing every missed refill again makes the two (one
    night) and drops PFAR: the objective counting every missed refill falls, so it is kept. Placed
    again in the one order that made the long trip, nothing improves and the state is kept as it was."""
    from optimizer.planning._trip_state import TripState

    problem = build_problem(_long_or_short(), Horizon(MON, 3), provider=PROVIDER)
    monkeypatch.setattr(_trip_place, "PLACE_ORDERS", ("long_first",))
    state = TripState(problem, {})
    _trip_place.place_missed(state)
    made = {problem.refills[j].patient_id for order, _ in state.routes.values() for j in order}
    assert made == {"PFAR"} and len(state.trips) == 2
    before = (dict(state.routes), list(state.trips))
    _trip_place.rebuild_trips(state)
    assert (state.routes, state.trips) == before  # the same order again: no gain, nothing changed

    monkeypatch.setattr(_trip_place, "PLACE_ORDERS", ("long_first", "short_first"))
    rebuilt = TripState(problem, state.routes, state.trips)
    _trip_place.rebuild_trips(rebuilt)
    made = {problem.refills[j].patient_id for order, _ in rebuilt.routes.values() for j in order}
    assert made == {"PA1", "PA2"} and len(rebuilt.trips) == 1
    assert _trip_place.gain_of(state, rebuilt) > 0
