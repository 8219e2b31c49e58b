"""The expansion's access to demand is the eligibility rule set, asked once per server and state."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimizer.domain import Infusate, Roster
from optimizer.rules.eligibility import is_certified_for, may_practice, within_reach
from optimizer.analysis.expansion import ExpansionSettings, build_expansion, demand_points
from optimizer.analysis.expansion.gates import server_access
from tests.expansion.conftest import ON, make_nurse, make_patient, saline_patient

#: compact (OH, PA), single-state only (NY, CA), DC; chemo-cycle and saline patients in each
STATES = {"OH": (39.96, -83.0), "PA": (40.44, -79.99), "NY": (40.71, -74.0), "CA": (34.05, -118.24),
          "DC": (38.9, -77.03)}


def _roster() -> Roster:
    patients = []
    for k, (state, (lat, lon)) in enumerate(STATES.items()):
        patients.append(make_patient(patient_id=f"C{k}", lat=lat, lon=lon, state=state))  # floxuridine next
        patients.append(saline_patient(f"S{k}", lat + 0.01, lon, state))
    nurses = [
        make_nurse(nurse_id=f"N{i}", home_state=home, multistate_license=multi, hai_certified=hai,
                   chemo_certified=chemo, state_licenses=frozenset(lic), max_drive_minutes_one_way=limit)
        for i, (home, multi, hai, chemo, lic, limit) in enumerate(itertools.product(
            ("OH", "NY"), (True, False), (True, False), (True, False), ((), ("NY",), ("CA", "DC")), (90, 240)))
    ]
    return Roster(patients=tuple(patients), nurses=tuple(nurses))


@pytest.mark.parametrize("cutoff", [60.0, 120.0, 500.0])
def test_access_agrees_with_the_scalar_rules(cutoff: float) -> None:
    roster = _roster()
    demand = demand_points(roster)
    assert demand.chemo.any() and (~demand.chemo).any()
    rng = np.random.default_rng(7)
    checked = 0
    for n in roster.nurses:
        minutes = rng.uniform(0, 400, len(demand))
        minutes[rng.random(len(demand)) < 0.1] = np.nan  # unreachable
        access = server_access(n, demand, minutes, cutoff=cutoff, on=ON)
        expect_reach = [i for i in range(len(demand)) if within_reach(n, float(minutes[i])) and minutes[i] <= cutoff]
        assert access.reach.tolist() == expect_reach
        assert access.needs_hai == (not n.hai_certified)
        assert access.needs_chemo == (not n.chemo_certified)
        ok = access.eligible_now(demand)
        for pos, i in enumerate(access.reach.tolist()):
            fill = Infusate.FLOXURIDINE if demand.chemo[i] else Infusate.SALINE
            rule = may_practice(n, demand.state[i], on=ON) and is_certified_for(n, fill)
            assert bool(ok[pos]) == rule, (n.nurse_id, demand.state[i], fill)
            checked += 1
    assert checked > 100


def _expected_needs(roster: Roster, demand, minutes: np.ndarray) -> dict[tuple[int, int], set[str]]:
    """(server, point) → the action keys the scalar rules say it needs; unreachable pairs absent."""
    out: dict[tuple[int, int], set[str]] = {}
    for k, n in enumerate(roster.nurses):
        for i in range(len(demand)):
            if not within_reach(n, float(minutes[k, i])):
                continue
            state = str(demand.state[i])
            need = set()
            if not may_practice(n, state, on=ON):
                need.add(f"license:{n.nurse_id}:{state}")
            if not is_certified_for(n, Infusate.SALINE):
                need.add(f"hai_cert:{n.nurse_id}")
            if demand.chemo[i] and not n.chemo_certified:
                need.add(f"chemo_cert:{n.nurse_id}")
            out[(k, i)] = need
    return out


@pytest.mark.parametrize("allowed", [frozenset(), frozenset({"license", "hai_cert", "chemo_cert"})])
def test_pairs_and_their_required_actions_follow_the_rules(allowed: frozenset[str]) -> None:
    from geodata.travel import get_provider
    from optimizer.analysis.expansion import ActionKind

    roster = _roster()
    settings = ExpansionSettings(actions=frozenset(ActionKind(a) for a in allowed), cutoff_minutes=10_000.0)
    problem = build_expansion(roster, settings=settings, sites=[], on=ON)
    demand, inst = problem.demand, problem.instance
    minutes = get_provider("haversine").matrix([(n.lat, n.lon) for n in roster.nurses],
                                               list(zip(demand.lat.tolist(), demand.lon.tolist()))).minutes
    expected = _expected_needs(roster, demand, np.asarray(minutes, dtype=float))
    if not allowed:
        expected = {pair: need for pair, need in expected.items() if not need}
    got = {}
    for p in range(inst.n_pairs):
        req = inst.req_idx[inst.req_ptr[p]:inst.req_ptr[p + 1]]
        got[(int(inst.pair_server[p]), int(inst.pair_demand[p]))] = {problem.options[o].key for o in req}
    assert got == expected
    assert any(got.values()) == bool(allowed)
