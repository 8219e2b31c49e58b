"""A part's greedy reads only its own refills and the shared nurse-day arrays (issue 14 item 4).

Each part of a national plan (hundreds per round) sorted all refills by urgency and rebuilt the
arrays of every nurse-day before inserting its few dozen refills: 5.1 s of CPU for the 182 parts of
a round at 5,000 patients, 0.3 s now. ``urgency_order(among=...)`` must give the whole order
filtered, and a part's routes must not depend on what an earlier call left in the shared arrays.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.io.roster import load_roster
from optimizer.domain import Horizon
from optimizer.planning import greedy
from optimizer.planning.keep import Pins
from optimizer.planning.problem import build_problem
from optimizer.studies.synth import generate, write

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module", params=["plain", "pinned"])
def problem(request, tmp_path_factory):
    data = tmp_path_factory.mktemp("parts")
    write(generate(150, 15, seed=2, as_of=AS_OF, states="OH;PA;IN;KY;WV", overdue_share=0.1,
                   preferred_share=0.4), data)
    p = build_problem(load_roster(data, as_of=AS_OF), Horizon(AS_OF, 10), provider=HaversineProvider())
    if request.param == "pinned":
        cands = p.candidates_by_refill()
        keep = {j: cands[j][0] for j in sorted(cands)[::6]}
        p = replace(p, pins=Pins(keep=keep, wanted=(), refill_of={}, conflicts={}))
    return p


def test_urgency_order_among_is_the_whole_order_filtered(problem):
    whole = greedy.urgency_order(problem)
    rng = random.Random(3)
    for _ in range(50):
        some = rng.sample(range(len(problem.refills)), rng.randint(0, len(problem.refills)))
        rng.shuffle(some)
        assert greedy.urgency_order(problem, among=iter(some)) == [j for j in whole if j in set(some)]


def test_a_part_s_greedy_is_the_same_with_or_without_the_shared_arrays(problem):
    routes = greedy.greedy_routes(problem)
    by_nurse: dict[str, list[int]] = {}
    for k, nd in enumerate(problem.nurse_days):
        by_nurse.setdefault(nd.nurse.nurse_id, []).append(k)
    nurses = sorted(by_nurse)[: len(by_nurse) // 2]
    ks = {k for n in nurses for k in by_nurse[n]}
    sub = replace(problem, candidates=[c for c in problem.candidates if c.nurse_day in ks])
    start = {k: r for k, r in routes.items() if k in ks}
    start = {k: (list(o)[: max(0, len(o) - 1)], None) for k, (o, _) in start.items()}  # leave visits out
    start = {k: (o, greedy.schedule_order(sub, k, o)) for k, (o, _) in start.items() if o}
    warm = greedy.greedy_routes(sub, routes=dict(start))
    greedy._DAYS.clear()
    cold = greedy.greedy_routes(sub, routes=dict(start))
    assert warm == cold
    assert sum(len(o) for o, _ in warm.values()) > sum(len(o) for o, _ in start.values())
