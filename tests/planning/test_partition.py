"""Decomposition: parts stay near their size limit, never share a nurse, and hold every refill once.

One oversized region (hundreds of refills) made a 3.4 GiB OR-Tools model at 5,000 patients and
overran the time limit by minutes (bench/RESULTS.md, "Memory"); a region over twice the limit is
split again within its own nurses.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.io.roster import load_roster
from optimizer.planning.greedy import greedy_routes
from optimizer.planning.planner import SolverOptions, _partition, components, split_by_region
from optimizer.planning.problem import build_problem
from optimizer.domain import Horizon
from optimizer.studies import synth

AS_OF = dt.date(2026, 11, 20)
HORIZON = Horizon(dt.date(2026, 11, 23), 14)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    out = tmp_path_factory.mktemp("metro")
    # one state, many nurses: one eligibility component that must be split, with a metro region
    # that one k-means pass leaves at three times the size limit
    syn = synth.generate(300, 30, seed=2, states=["TX"], as_of=AS_OF, plan_start=HORIZON.start)
    synth.write(syn, out)
    return build_problem(load_roster(out, as_of=AS_OF), HORIZON, provider=HaversineProvider())


def _check(parts, problem, limit):
    every = [j for p in parts for j in p.refills]
    assert sorted(every) == sorted(set(every))  # no refill in two parts
    nurse_sets = [p.nurses for p in parts if p.nurses is not None]
    assert sum(len(s) for s in nurse_sets) == len(frozenset().union(*nurse_sets))  # disjoint
    return max(len(p.refills) for p in parts)


@pytest.mark.parametrize("sticky", [False, True])
def test_no_part_over_twice_the_limit(problem, sticky):
    limit = 20
    routes = greedy_routes(problem)
    served_by = {j: problem.nurse_days[k].nurse.nurse_id for k, (o, _) in routes.items() for j in o}
    component = max(components(problem), key=len)  # the population model leaves a few far-off patients apart
    one_pass = split_by_region(problem, component, max_refills=limit, served_by=served_by, sticky=sticky)
    assert max(len(p.refills) for p in one_pass) > 2 * limit  # the cap binds on this roster
    parts = _partition(problem, SolverOptions(), 0, limit, routes, sticky=sticky)
    assert _check(parts, problem, limit) <= 2 * limit
    assert sorted(j for p in parts for j in p.refills) == sorted(j for c in components(problem) for j in c)


def test_a_sticky_split_keeps_every_route_whole(problem):
    routes = greedy_routes(problem)
    served_by = {j: problem.nurse_days[k].nurse.nurse_id for k, (o, _) in routes.items() for j in o}
    for part in _partition(problem, SolverOptions(), 0, 20, routes, sticky=True):
        for j in part.refills:
            if j in served_by and part.nurses is not None:
                assert served_by[j] in part.nurses


def test_no_round_cuts_a_placement_or_loses_to_the_plan_it_started_from(problem):
    """Every round keeps each current route whole in one part, so no part loses a visit of its
    start and re-places it on its own nurses' days (a round that did was always rejected: its time
    lost). Each round's merged plan is at least as good as the one it started from."""
    from optimizer.planning.planner import plan_problem

    lines: list[str] = []
    plan_problem(problem, SolverOptions(backend="pyvrp", max_iterations=40, workers=1, rounds=2, day_share=0,
                                        max_part_refills=20), progress=lines.append)
    rounds = [ln for ln in lines if "refills placed, objective" in ln and ln.startswith("round")]
    assert len(rounds) == 2
    assert not any("kept the previous plan" in ln for ln in rounds), rounds
