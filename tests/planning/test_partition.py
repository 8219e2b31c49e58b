"""Decomposition: parts stay near their size limit, never share a nurse, and hold every refill once.

One oversized region (hundreds of refills) made a 3.4 GiB OR-Tools model at 5,000 patients and
overran the time limit by minutes (bench/RESULTS.md, "Memory"); a region over twice the limit is
split again within its own nurses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

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


def test_the_rounds_seconds_are_shared_by_every_solved_part_net_of_their_overhead(problem, monkeypatch):
    """A part's work outside its search counts: the parts' limits add up to the processes' seconds
    less that overhead, in proportion to their refills, so the last parts are not left without time
    (19 of 33 were on the 1,000-patient roster)."""
    from optimizer.planning import planner

    seen: list[tuple[int, float]] = []
    monkeypatch.setattr(planner, "_part_worker", lambda job: (seen.append((len(job[0].refills), job[2])) or
                                                           ({}, {"status": "feasible"})))
    opts = SolverOptions(backend="pyvrp", workers=2, min_part_seconds=0.2, part_overhead_seconds=0.4,
                         greedy_part_max=3)
    parts = _partition(problem, opts, 0, 20, greedy_routes(problem))
    solved = [p for p in parts if len(p.refills) > 3]
    assert len(solved) >= 5
    budget = 10.0
    planner._run_parts(problem, parts, replace(opts, workers=1), budget, lambda _m: None, "test")
    assert len(seen) == len(parts)
    limits = {n: lim for n, lim in seen if n > 3}
    search = budget * 1 - len(solved) * 0.4
    assert sum(lim for n, lim in seen if n > 3) <= max(search, 0) + len(solved) * 0.2 + 1e-6
    assert all(lim >= 0.2 for lim in limits.values())
    big, small = max(limits), min(limits)
    if search > 0 and limits[small] > 0.2:
        assert limits[big] / limits[small] == pytest.approx(big / small, rel=1e-6)


def test_kmeans_labels_with_fewer_distinct_points_than_clusters_warn_nothing() -> None:
    """Nurses sharing a home (or a tiny roster): each distinct point is its own cluster, no scipy warning."""
    import warnings

    import numpy as np

    from optimizer.clusters import kmeans_labels

    pts = np.array([[40.0, -83.0], [40.0, -83.0], [41.5, -81.7], [40.0, -83.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = kmeans_labels(pts, 3, seed=np.random.default_rng(0))
    assert labels.tolist() == [0, 0, 1, 0]
    spread = np.array([[0.0, 0.0], [0.0, 0.1], [5.0, 5.0], [5.0, 5.1]])
    assert len(set(kmeans_labels(spread, 2, seed=0).tolist())) == 2  # enough distinct points: k-means as before
