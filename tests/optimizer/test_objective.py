"""One objective, one schedule: the routing model's objective and the plan's score agree.

Random small instances (seeded loops) are built, the model of :func:`optimizer.rules.objective.build_model`
is solved, and its objective (as :meth:`Model.evaluate` computes it) is compared with
:func:`optimizer.rules.objective.score` of the same routes taken into the domain; the solver's
routes are taken as they are (times to the minute), and a route the one schedule rejects
is a bug that is raised, never a stop dropped.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer import settings
from optimizer.planning import planner
from optimizer.rules import objective
from optimizer.domain import Horizon, Infusate, Roster
from optimizer.planning.greedy import greedy_routes
from optimizer.rules.objective import UNITS_PER_CENT, build_model, score
from optimizer.planning.planner import SolverOptions, plan_problem, routes_from_solution
from optimizer.planning.problem import PlanningProblem, build_problem
from optimizer.routing import Model
from optimizer.planning.schedule import schedule_order
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 23)
PROVIDER = HaversineProvider()


def random_problem(seed: int, *, days: int = 5) -> PlanningProblem:
    """2–3 nurses and 4–9 patients around Columbus OH: due, overdue and deferrable refills,
    arrival windows, preferred nurses, short shifts with overtime, varied pay."""
    rng = random.Random(seed)
    nurses = [make_nurse(nurse_id=f"N{i}", lat=39.9 + rng.uniform(-0.3, 0.3), lon=-83.0 + rng.uniform(-0.3, 0.3),
                         shift_end=dt.time(rng.choice([13, 15, 18])), max_overtime_minutes=rng.choice([0, 60]),
                         max_visits_per_day=rng.choice([2, 3, 5]), hourly_cost=rng.choice([47.3, 55.0, 61.25]))
              for i in range(rng.randrange(2, 4))]
    patients = []
    for i in range(rng.randrange(4, 10)):
        due = MON + dt.timedelta(days=rng.randrange(-8, days + 4))  # some overdue, some past the horizon
        early = rng.randrange(8, 15)
        patients.append(make_patient(
            patient_id=f"P{i}", lat=39.9 + rng.uniform(-0.5, 0.5), lon=-83.0 + rng.uniform(-0.5, 0.5),
            last_fill_date=due - dt.timedelta(days=14), flow_ml_per_day=rng.choice([1.0, 2.0, 2.3]),
            last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.HEPARINIZED_SALINE,
            visit_minutes=rng.choice([45, 60, 75]), earliest_arrival=dt.time(early),
            latest_arrival=dt.time(min(17, early + rng.randrange(0, 4))),
            preferred_nurse_id=rng.choice([None, None, nurses[0].nurse_id, nurses[-1].nurse_id])))
    roster = Roster(tuple(patients), tuple(nurses), frozenset())
    return build_problem(roster, Horizon(MON, days), provider=PROVIDER)


def _with_candidates(problem: PlanningProblem) -> list[int]:
    return sorted(problem.candidates_by_refill())


@pytest.mark.parametrize("backend", ["ortools", "pyvrp"])
def test_model_objective_equals_plan_score_on_random_instances(backend):
    checked = 0
    for seed in range(12):
        problem = random_problem(seed)
        refills = _with_candidates(problem)
        if not refills:
            continue
        built = build_model(problem, refills)
        start = planner._initial(built, problem, greedy_routes(problem))
        sol = built.model.solve(backend, max_iterations=200 if backend == "ortools" else 100, time_limit=None,
                                seed=seed, watchdog=None, fallback=None, initial=start)
        assert sol.ok, (seed, sol.status, sol.message)
        routes = routes_from_solution(problem, built, sol)
        assert score(problem, routes)[0] == sol.objective == built.model.evaluate(sol), seed
        assert score(problem, routes)[1] == len(sol.routes and {j for o, _ in routes.values() for j in o})
        # the greedy routes, read as a model solution, cost the same in both views too
        greedy = greedy_routes(problem)
        assert score(problem, greedy)[0] == planner._initial(built, problem, greedy).objective, seed
        checked += 1
    assert checked >= 8


def test_every_tier_binds_in_the_score():
    """A refill in the last reserve day (a day late), by a non-preferred nurse, and an overdue one
    a day late: each tier adds its weight from settings (in objective units)."""
    last = MON - dt.timedelta(days=11)  # due on day 3, empty on day 5: day 4 is the last reserve day
    p = make_patient(patient_id="P", last_fill_date=last, flow_ml_per_day=1.875, preferred_nurse_id="N2",
                     last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.HEPARINIZED_SALINE)
    late = replace(p, patient_id="L", last_fill_date=MON - dt.timedelta(days=20), flow_ml_per_day=1.0,
                   preferred_nurse_id=None)
    roster = Roster((p, late), (make_nurse(nurse_id="N1"), make_nurse(nurse_id="N2")), frozenset(),
                    holidays=())  # no company holiday: Thanksgiving (day 3) stays a working day here
    problem = build_problem(roster, Horizon(MON, 5), provider=PROVIDER)
    j = next(i for i, r in enumerate(problem.refills) if r.patient_id == "P")
    jl = next(i for i, r in enumerate(problem.refills) if r.patient_id == "L")
    kd = {(nd.nurse.nurse_id, nd.index): k for k, nd in enumerate(problem.nurse_days)}
    reserve_day = next(d for d in range(5) if problem.refills[j].window.reserve_days_left(
        MON + dt.timedelta(days=d)) <= settings.LAST_RESERVE_DAYS)
    assert reserve_day == 4
    assert objective.visit_cost(problem, j, kd[("N2", reserve_day)]) == \
        (settings.COST_LAST_RESERVE_DAY + settings.COST_DAY_FROM_DUE) * UNITS_PER_CENT
    # on the due date the pump keeps its prescribed reserve: neither tier applies
    assert objective.visit_cost(problem, j, kd[("N2", 3)]) == 0
    early = 3 * settings.COST_DAY_FROM_DUE  # due on day 3 (the last reserve day), made on day 0
    assert objective.visit_cost(problem, j, kd[("N1", 0)]) == \
        (early + settings.COST_NOT_PREFERRED_NURSE) * UNITS_PER_CENT
    assert problem.refills[jl].overdue
    assert objective.visit_cost(problem, jl, kd[("N1", 2)]) == 2 * settings.COST_OVERDUE_PER_DAY * UNITS_PER_CENT
    one = {kd[("N2", 0)]: ([j], schedule_order(problem, kd[("N2", 0)], [j]))}
    total, placed = score(problem, one)
    sched = one[kd[("N2", 0)]][1]
    assert placed == 1
    assert total == sched.cost_units + (settings.COST_NURSE_DAY_BALANCE + early) * UNITS_PER_CENT + \
        settings.PENALTY_MISSED_OVERDUE * UNITS_PER_CENT


def test_due_date_tier_each_day_away_costs_and_a_chemo_ending_early_day_most():
    """Issue 11 item 1: a day early or late costs COST_DAY_FROM_DUE; a day early on a fill that
    ends a floxuridine course (the pump holds floxuridine) costs COST_DAY_EARLY_CHEMO_END."""
    due = MON + dt.timedelta(days=2)
    saline = make_patient(patient_id="S", last_fill_date=due - dt.timedelta(days=14), flow_ml_per_day=1.0,
                          last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.FLOXURIDINE)
    chemo = replace(saline, patient_id="C", last_fill_infusate=Infusate.FLOXURIDINE,
                    next_infusate=Infusate.HEPARINIZED_SALINE)
    roster = Roster((saline, chemo), (make_nurse(nurse_id="N1"),), frozenset(), holidays=())
    problem = build_problem(roster, Horizon(MON, 5), provider=PROVIDER)
    kd = {nd.index: k for k, nd in enumerate(problem.nurse_days)}
    js = {r.patient_id: i for i, r in enumerate(problem.refills)}
    cost = {(pid, d): objective.visit_cost(problem, js[pid], kd[d]) // UNITS_PER_CENT
            for pid in js for d in (1, 2, 3)}
    assert cost[("S", 2)] == cost[("C", 2)] == 0
    assert cost[("S", 1)] == cost[("S", 3)] == cost[("C", 3)] == settings.COST_DAY_FROM_DUE
    assert cost[("C", 1)] == settings.COST_DAY_EARLY_CHEMO_END > settings.COST_DAY_FROM_DUE
    # the tier sits between the last reserve day and the route costs (SPEC §5 order)
    assert settings.COST_LAST_RESERVE_DAY > settings.COST_DAY_EARLY_CHEMO_END


def test_plan_takes_the_solvers_times_as_they_are():
    """The plan's visit starts are the model solution's starts, to the minute."""
    problem = random_problem(4)
    refills = _with_candidates(problem)
    built = build_model(problem, refills)
    sol = built.model.solve("ortools", max_iterations=200, time_limit=None, watchdog=None, fallback=None)
    routes = routes_from_solution(problem, built, sol)
    assert routes
    for r in sol.routes:
        k = built.vehicle_nd[r.vehicle]
        off = problem.nurse_days[k].index * objective.DAY
        sched = routes[k][1]
        assert [leg.start + off for leg in sched.legs] == list(r.starts)
        assert (sched.depart + off, sched.return_ + off) == (r.departure, r.return_time)


def _late_route_problem() -> PlanningProblem:
    """Two patients whose windows both close at 09:00 on one nurse-day: together they never fit."""
    ps = [make_patient(patient_id=f"P{i}", lat=39.96 + 0.05 * i, last_fill_date=MON - dt.timedelta(days=12),
                       last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.HEPARINIZED_SALINE,
                       flow_ml_per_day=1.5, visit_minutes=60, latest_arrival=dt.time(9))
          for i in range(2)]
    nurses = (make_nurse(nurse_id="N1", workdays=frozenset({0})), make_nurse(nurse_id="N2", workdays=frozenset({0})))
    return build_problem(Roster(tuple(ps), nurses, frozenset()), Horizon(MON, 1), provider=PROVIDER)


def test_a_route_the_schedule_rejects_is_raised_not_trimmed():
    problem = _late_route_problem()
    built = build_model(problem, _with_candidates(problem))
    v = 0
    both = [c for c in range(built.model.num_visits) if built.model.is_allowed(c, v)]
    assert len(both) == 2
    bad = built.model.build_solution([(v, both)])  # what a faulty backend might return
    assert not bad.ok
    with pytest.raises(RuntimeError, match="disagree"):
        routes_from_solution(problem, built, bad)


def test_planner_keeps_every_stop_when_a_backend_returns_a_bad_route(monkeypatch):
    """The old planner re-timed a solver's orders and trimmed the stops that did not fit;
    now a solution that fails the model's own check is not used at all (the part keeps its
    feasible warm start, and says so), and no stop is trimmed."""
    problem = _late_route_problem()

    def faulty(self, backend, **kw):
        return self.build_solution([(0, [c for c in range(self.num_visits) if self.is_allowed(c, 0)])],
                                   backend=backend)

    monkeypatch.setattr(Model, "solve", faulty)
    plan = plan_problem(problem, SolverOptions(time_limit=1, workers=1, greedy_part_max=0, rounds=1))
    assert len(plan.visits) == 2 and {v.nurse_id for v in plan.visits} == {"N1", "N2"}
    assert any("fails the model's check" in n for n in plan.solver["notes"])
    assert plan.solver["status"] == "feasible"


def test_nurse_day_cost_in_dollars_is_the_spec_formula_to_the_cent():
    """The integer rates (1/60 cent) reproduce SPEC §5's nurse-day cost: hourly pay from
    departure to return, overtime at 1.5×, mileage at the IRS rate."""
    checked = 0
    for seed in range(12):
        problem = random_problem(seed)
        for k, (order, sched) in greedy_routes(problem).items():
            n = problem.nurse_days[k].nurse
            regular = sched.work_minutes - sched.overtime_minutes
            spec = (n.hourly_cost / 60 * (regular + settings.OVERTIME_MULTIPLIER * sched.overtime_minutes)
                    + sched.drive_km / settings.KM_PER_MILE * settings.IRS_MILEAGE_RATE_PER_MILE)
            # the overtime premium per minute is an integer rate (1/60 cent): half a unit at most per minute
            bound = 0.002 + 0.5 * sched.overtime_minutes / objective.UNITS_PER_DOLLAR
            assert abs(sched.cost - spec) < bound, (seed, k, sched.cost, spec)
            checked += 1
    assert checked >= 20
