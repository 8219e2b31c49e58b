"""One eligibility rule set, two faces (issue 10 item 3): the scalar rules of
:mod:`optimizer.rules.eligibility` and the vectorised candidates of
:mod:`optimizer.planning.candidates` agree on every (refill, nurse-day) of a roster where
each rule binds (licenses and the compact across states, chemo certification, reach).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon
from optimizer.io.roster import load_roster
from optimizer.planning.problem import build_problem
from optimizer.rules.eligibility import is_certified_for, may_practice, within_reach
from optimizer.studies import synth
from optimizer.validate.travel import fits_alone

AS_OF = dt.date(2026, 11, 20)
HORIZON = Horizon(dt.date(2026, 11, 23), 14)
PROVIDER = HaversineProvider()


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    out = tmp_path_factory.mktemp("faces")
    syn = synth.generate(160, 22, seed=4, states=["PA", "NY", "NJ", "OH", "CA", "NV", "AZ"], as_of=AS_OF,
                         plan_start=HORIZON.start)
    synth.write(syn, out)
    roster = load_roster(out, as_of=AS_OF)
    # tighter drive limits on some nurses so reach binds too
    nurses = tuple(replace(n, max_drive_minutes_one_way=45) if i % 3 == 0 else n
                   for i, n in enumerate(roster.nurses))
    return build_problem(replace(roster, nurses=nurses), HORIZON, provider=PROVIDER)


def _scalar(problem, j: int, k: int) -> bool:
    """The scalar face, rule by rule: day, license, certification, reach, a visit alone fits."""
    r, nd = problem.refills[j], problem.nurse_days[k]
    n, p = nd.nurse, r.patient
    if nd.day not in r.days:
        return False
    if not may_practice(n, p.state, on=nd.day) or not is_certified_for(n, p.next_infusate):
        return False
    out = PROVIDER.matrix([(n.lat, n.lon)], [(p.lat, p.lon)])
    back = PROVIDER.matrix([(p.lat, p.lon)], [(n.lat, n.lon)])
    out_m, back_m = float(out.minutes[0][0]), float(back.minutes[0][0])
    if not within_reach(n, out_m):
        return False
    # a day of this visit alone fits shift, overtime, arrival window and a long day's break
    return fits_alone(n, p, out_m, back_m)


def test_scalar_and_vectorised_faces_agree(problem) -> None:
    vectorised = {(c.refill, c.nurse_day) for c in problem.candidates}
    scalar = {(j, k) for j in range(len(problem.refills)) for k in range(len(problem.nurse_days))
              if _scalar(problem, j, k)}
    assert vectorised == scalar
    # every rule binds somewhere on this roster, so a broken face could not agree by luck
    refused = {"license": 0, "certification": 0, "reach": 0}
    for j, r in enumerate(problem.refills):
        for k, nd in enumerate(problem.nurse_days):
            if nd.day not in r.days:
                continue
            n, p = nd.nurse, r.patient
            if not may_practice(n, p.state, on=nd.day):
                refused["license"] += 1
            elif not is_certified_for(n, p.next_infusate):
                refused["certification"] += 1
            elif (j, k) not in scalar:
                refused["reach"] += 1
    assert all(refused.values()), refused
    assert scalar
