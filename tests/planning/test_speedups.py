"""Speed-ups of issue 14 item 4 change no result: the cached candidates of a refill, and the
greedy's day moves that update only the routes a move wrote (was: every route after each move)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon
from optimizer.io.roster import load_roster
from optimizer.planning import greedy
from optimizer.planning.problem import build_problem
from optimizer.rules.objective import day_cost
from optimizer.studies import synth

AS_OF = dt.date(2026, 11, 20)
HORIZON = Horizon(dt.date(2026, 11, 23), 14)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    out = tmp_path_factory.mktemp("speedups")
    syn = synth.generate(160, 14, seed=5, states=["OH", "PA"], as_of=AS_OF, plan_start=HORIZON.start)
    synth.write(syn, out)
    return build_problem(load_roster(out, as_of=AS_OF), HORIZON, provider=HaversineProvider())


def _fresh(candidates) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for c in candidates:
        out[c.refill].append(c.nurse_day)
    return dict(out)


def test_candidates_by_refill_is_cached_but_never_shared(problem):
    first = problem.candidates_by_refill()
    assert dict(first) == _fresh(problem.candidates)
    j = next(iter(first))
    first[j].clear()
    first[-1].append(0)  # a caller's changes stay its own
    assert dict(problem.candidates_by_refill()) == _fresh(problem.candidates)
    fewer = replace(problem, candidates=problem.candidates[::2])  # a view with other candidates
    assert dict(fewer.candidates_by_refill()) == _fresh(problem.candidates[::2])
    original = problem.candidates
    problem.candidates = original[1::2]  # a new list assigned: rebuilt
    try:
        assert dict(problem.candidates_by_refill()) == _fresh(original[1::2])
    finally:
        problem.candidates = original


def _improve_days_by_full_recompute(problem, routes, tries=6):
    """The loop as it was before the speed-up: every route re-read after each move."""
    routes = dict(routes)
    cands = problem.candidates_by_refill()
    where = {j: k for k, (o, _) in routes.items() for j in o}
    for j in sorted(where, key=lambda j: (-day_cost(problem, j, where[j]), j)):
        k = where[j]
        here = day_cost(problem, j, k)
        better = sorted((x for x in cands[j] if day_cost(problem, j, x) < here),
                        key=lambda x: (day_cost(problem, j, x), greedy._distance(problem, x, j), x))
        for k2 in better[:tries]:
            if greedy._relocate(problem, routes, j, k, k2, cands, tries):
                where = {x: kk for kk, (o, _) in routes.items() for x in o}
                break
    return {k: r for k, r in routes.items() if r[0]}


def test_improve_days_moves_as_before(problem):
    start = greedy._construct(problem, {}, earliest=True)  # the earliest days: many moves to make
    new = greedy.improve_days(problem, start)
    old = _improve_days_by_full_recompute(problem, start)
    assert {k: o for k, (o, _) in new.items()} == {k: o for k, (o, _) in old.items()}
    moved = sum(1 for k, (o, _) in new.items() if start.get(k, ([], None))[0] != o)
    assert moved > 0  # the roster makes the greedy move visits
