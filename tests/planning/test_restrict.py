"""A part's view of the problem: the candidate index gives the same candidates, in the same order,
as a scan of every candidate (issue 14 item 4: the scan per part cost minutes at 10,000 patients)."""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon
from optimizer.io.roster import load_roster
from optimizer.planning.greedy import greedy_routes
from optimizer.planning.planner import SolverOptions, _partition, _restrict, candidate_index
from optimizer.planning.problem import build_problem
from optimizer.studies import synth

AS_OF = dt.date(2026, 11, 20)
HORIZON = Horizon(dt.date(2026, 11, 23), 14)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    out = tmp_path_factory.mktemp("restrict")
    syn = synth.generate(160, 16, seed=3, states=["OH", "PA"], as_of=AS_OF, plan_start=HORIZON.start)
    synth.write(syn, out)
    return build_problem(load_roster(out, as_of=AS_OF), HORIZON, provider=HaversineProvider())


def test_the_index_gives_the_scan_s_candidates(problem):
    index = candidate_index(problem)
    assert sum(len(v) for v in index.values()) == len(problem.candidates)
    parts = _partition(problem, SolverOptions(), 0, 10, greedy_routes(problem), sticky=True)
    assert len(parts) > 2 and any(p.nurses is not None for p in parts)
    for part in parts:
        fast, slow = _restrict(problem, part, index), _restrict(problem, part)
        assert fast.candidates == slow.candidates
        assert fast.candidates  # not trivially equal


def test_parts_started_after_the_round_s_time_keep_their_greedy_start(problem):
    """No wall clock is asserted: with no budget at all, every part is past the deadline."""
    from optimizer.planning.planner import _run_parts, _with_start

    routes = greedy_routes(problem)
    parts = [_with_start(problem, p, routes) for p in _partition(problem, SolverOptions(), 0, 10, routes)]
    said: list[str] = []
    results = _run_parts(problem, parts, SolverOptions(backend="ortools", workers=1), 0.0, said.append, "r")
    big = [p for p in parts if len(p.refills) > SolverOptions().greedy_part_max]
    late = [info for _, info in results if info.get("note", "").startswith("no time left")]
    assert big and len(late) == len(big)
    assert all(info["backend"] == "greedy" for _, info in results)
    assert any("kept their greedy start" in line for line in said)
    placed = {j for orders, _ in results for o in orders.values() for j in o}
    assert placed >= {j for o, _ in routes.values() for j in o}  # the warm starts are kept whole
