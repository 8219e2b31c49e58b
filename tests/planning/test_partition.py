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
