"""The validator computes only the travel pairs it reads, never a matrix over every home (issue 9)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np

from geodata.travel.haversine import HaversineProvider
from optimizer import api
from optimizer.planning.planner import SolverOptions
from optimizer.validate import _plan_pairs, _Travel, check_plan
from validate_plan_fixtures import ensure_breaks

DATA = Path(__file__).resolve().parents[1] / "data" / "good"
AS_OF = dt.date(2026, 11, 20)
START = dt.date(2026, 11, 23)


class _Counting:
    """The great-circle provider, counting the travel entries it is asked for."""

    name = "haversine"

    def __init__(self) -> None:
        self.inner = HaversineProvider()
        self.entries = 0

    def matrix(self, origins, destinations=None, *, max_minutes=None):
        tm = self.inner.matrix(origins, destinations, max_minutes=max_minutes)
        self.entries += tm.minutes.size
        return tm

    def pairwise(self, origins, destinations):
        self.entries += len(origins)
        return self.inner.pairwise(origins, destinations)


def test_validator_reads_only_the_plan_legs(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    roster, _ = api.load_data(data, as_of=AS_OF)
    result = api.plan(roster, start=START, days=14, provider=HaversineProvider(),
                      options=SolverOptions(backend="greedy"))
    out = tmp_path / "plan"
    api.write_plan_folder(result, out, with_map=False)
    ensure_breaks(roster, out)  # break_start/break_end where the planner does not write them yet
    counting = _Counting()
    assert check_plan(roster, out, provider=counting) == []
    homes = len(roster.nurses) + len(roster.patients)
    visits = len(result.plan.visits)
    assert visits > 0
    # every visit's home leg plus each route's legs (and the reason checks of the unassigned)
    assert counting.entries <= 2 * visits + len(result.plan.nurse_days) \
        + 2 * len(roster.nurses) * len(result.plan.unassigned)
    assert counting.entries < homes * homes  # the old validator computed all of these


def test_travel_pairs_equal_the_provider_matrix():
    h = HaversineProvider()
    a, b, c = (39.99, -83.02), (40.5, -82.1), (39.1, -84.5)
    travel = _Travel(h)
    travel.prime([(a, b), (b, c), (a, b)])
    assert len(travel.cache) == 2
    tm = h.matrix([a, b, c])
    assert np.isclose(travel(a, b)[0], tm.minutes[0, 1], rtol=1e-12)
    assert np.isclose(travel(c, a)[1], tm.km[2, 0], rtol=1e-12)  # computed on demand
    assert len(travel.cache) == 3


def test_plan_pairs_follow_the_route_order():
    from tests.conftest import make_nurse, make_patient
    from optimizer.domain import Roster

    n = make_nurse(nurse_id="N1", lat=40.0, lon=-83.0)
    p1 = make_patient(patient_id="P1", lat=40.1, lon=-83.1)
    p2 = make_patient(patient_id="P2", lat=40.2, lon=-83.2)
    roster = Roster((p1, p2), (n,), frozenset())
    visits = [{"nurse_id": "N1", "patient_id": "P2", "date": "2026-11-23", "seq": "2"},
              {"nurse_id": "N1", "patient_id": "P1", "date": "2026-11-23", "seq": "1"}]
    home, x1, x2 = (40.0, -83.0), (40.1, -83.1), (40.2, -83.2)
    pairs = _plan_pairs(roster, visits)
    assert pairs[2:] == [(home, x1), (x1, x2), (x2, home)]
    assert set(pairs[:2]) == {(home, x1), (home, x2)}
