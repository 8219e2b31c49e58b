"""The day phase routes each day again with its visits held on their days (issue 14 item 2).

The tiny instance: two nurses, ``WEST`` at home near Columbus and ``EAST`` a degree of
longitude east, both working Monday and Tuesday; two patients near each home. The start
plan is crossed: on Monday ``WEST`` sees the east patients and ``EAST`` the west ones, and
one east patient due on Tuesday is seen on Monday. The day phase must uncross Monday
(each nurse sees her own neighbours) and keep every visit on the day it had, the early one
included, though Tuesday is its cheaper day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Infusate, Nurse, Patient, Roster
from optimizer.planning.partition import day_parts
from optimizer.planning.planner import SolverOptions, _day_phase, _restrict, _with_start
from optimizer.planning.problem import build_problem
from optimizer.planning.schedule import schedule_order
from optimizer.rules.objective import score

MON = dt.date(2026, 11, 23)
TUE = MON + dt.timedelta(days=1)
PROVIDER = HaversineProvider()


def _patient(pid: str, due: dt.date, lat: float, lon: float) -> Patient:
    return Patient(patient_id=pid, lat=lat, lon=lon, state="OH", flow_ml_per_day=2.0,
                   last_fill_date=due - dt.timedelta(days=14), last_fill_infusate=Infusate.HEPARINIZED_SALINE,
                   next_infusate=Infusate.HEPARINIZED_SALINE, reservoir_ml=30.0, last_fill_volume_ml=30.0,
                   prescribed_interval_days=14, visit_minutes=60)


def _nurse(nid: str, lon: float) -> Nurse:
    return Nurse(nurse_id=nid, lat=39.99, lon=lon, home_state="OH", multistate_license=True, chemo_certified=True)


def roster() -> Roster:
    patients = (
        _patient("W1", MON, 39.96, -83.00), _patient("W2", MON, 40.02, -83.05),
        _patient("E1", MON, 39.96, -82.00), _patient("E2", TUE, 40.02, -82.05),
    )
    nurses = (_nurse("WEST", -83.02), _nurse("EAST", -82.02))
    return Roster(patients, nurses, frozenset())


@pytest.fixture(scope="module")
def problem():
    return build_problem(roster(), Horizon(MON, 2), provider=PROVIDER)


def _ids(problem) -> dict[str, int]:
    return {r.patient_id: j for j, r in enumerate(problem.refills)}


def _nd(problem, nurse: str, day: dt.date) -> int:
    return next(k for k, nd in enumerate(problem.nurse_days) if nd.nurse.nurse_id == nurse and nd.day == day)


def _crossed(problem):
    j = _ids(problem)
    out = {}
    for nurse, names in (("WEST", ["E1", "E2"]), ("EAST", ["W1", "W2"])):
        k = _nd(problem, nurse, MON)
        order = [j[n] for n in names]
        sched = schedule_order(problem, k, order)
        assert sched is not None
        out[k] = (order, sched)
    return out


def _seen(problem, routes) -> dict[str, tuple[str, dt.date]]:
    return {problem.refills[j].patient_id: (problem.nurse_days[k].nurse.nurse_id, problem.nurse_days[k].day)
            for k, (order, _) in routes.items() for j in order}


def test_the_instance_binds(problem):
    j = _ids(problem)
    assert {problem.refills[i].window.due for i in j.values()} == {MON, TUE}
    assert any(c.refill == j["E2"] and problem.nurse_days[c.nurse_day].day == TUE for c in problem.candidates)


def test_day_parts_hold_each_visit_on_its_day(problem):
    routes = _crossed(problem)
    parts = day_parts(problem, routes, max_refills=150)
    assert [(sorted(p.refills), p.days) for p in parts] == [(sorted(_ids(problem).values()), frozenset({0}))]
    part = _with_start(problem, parts[0], routes)
    sub = _restrict(problem, part)
    assert sub.candidates and {problem.nurse_days[c.nurse_day].day for c in sub.candidates} == {MON}
    assert {k for k, _ in part.start} == set(routes)


@pytest.mark.parametrize("backend", ["pyvrp", "ortools"])
def test_the_day_phase_uncrosses_a_day_and_keeps_dates(problem, backend):
    routes = _crossed(problem)
    opts = SolverOptions(backend=backend, max_iterations=200, workers=1, greedy_part_max=0)
    said: list[str] = []
    out = _day_phase(problem, routes, opts, 5.0, said.append)
    seen = _seen(problem, out)
    assert seen == {"W1": ("WEST", MON), "W2": ("WEST", MON), "E1": ("EAST", MON), "E2": ("EAST", MON)}, said
    assert score(problem, out)[0] < score(problem, routes)[0]
    drive = sum(s.drive_minutes for _, s in out.values())
    assert drive < sum(s.drive_minutes for _, s in routes.values())


def test_the_day_phase_keeps_routes_it_cannot_improve(problem):
    routes = _crossed(problem)
    opts = SolverOptions(backend="pyvrp", max_iterations=200, workers=1, greedy_part_max=0)
    once = _day_phase(problem, routes, opts, 5.0, lambda _: None)
    twice = _day_phase(problem, once, opts, 5.0, lambda _: None)
    assert _seen(problem, twice) == _seen(problem, once)
    assert score(problem, twice)[0] == score(problem, once)[0]


def test_small_days_are_left_as_they_are(problem):
    routes = _crossed(problem)
    opts = SolverOptions(backend="pyvrp", max_iterations=200, workers=1, greedy_part_max=4)
    assert _day_phase(problem, routes, opts, 5.0, lambda _: None) is routes
