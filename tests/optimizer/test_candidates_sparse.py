"""The sparse candidate list equals the dense eligibility it replaced (issue 9).

The reference below is the all-pairs computation of ``optimizer.planning.problem`` before
issue 9 (a travel matrix over every home, an N × J × D license array), kept here
verbatim in substance, so a change in the sparse rules shows up as a difference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.studies import synth
from optimizer.planning.candidates import assess, license_matrix
from optimizer.validate.travel import fits_alone
from optimizer.domain import Horizon, Roster
from optimizer.rules.eligibility import Reason
from optimizer.io.roster import load_roster
from optimizer.planning.problem import build_problem, due_refills, nurse_days_of
from optimizer.analysis.roster_report import summarize_roster
from optimizer.rules.windows import WindowRules

AS_OF = dt.date(2026, 11, 20)
HORIZON = Horizon(dt.date(2026, 11, 23), 14)
PROVIDER = HaversineProvider()


def _dense_reference(roster, horizon, refills, nurse_days):
    """Candidates ((refill, nurse-day) pairs) and reasons, computed with all pairs."""
    N, J, D = len(roster.nurses), len(refills), horizon.days
    points = [(n.lat, n.lon) for n in roster.nurses] + [(r.patient.lat, r.patient.lon) for r in refills]
    minutes = np.asarray(PROVIDER.matrix(points, points).minutes)
    states = sorted({r.patient.state for r in refills})
    s_idx = np.array([states.index(r.patient.state) for r in refills])
    lic = license_matrix(roster, states, horizon)
    daymask = np.zeros((J, D), dtype=bool)
    for j, r in enumerate(refills):
        for d in r.days:
            daymask[j, horizon.index(d)] = True
    lic_pj = lic[:, s_idx, :]
    no_days = ~daymask.any(axis=1)
    licensed = (lic_pj & (daymask[None] | (no_days[None, :, None] & (np.arange(D) == 0)))).any(axis=2)
    chemo = np.array([r.patient.next_infusate.is_chemo for r in refills])
    hai = np.array([n.hai_certified for n in roster.nurses])
    chemo_ok = np.array([n.chemo_certified for n in roster.nurses])
    certified = licensed & hai[:, None] & (chemo_ok[:, None] | ~chemo[None, :])
    out_m, back_m = minutes[:N, N:], minutes[N:, :N].T
    max_drive = np.array([n.max_drive_minutes_one_way for n in roster.nurses], float)
    # a day of this visit alone fits shift, overtime, arrival window and the break of a long day:
    # the validator's own rule, pair by pair
    fits = np.array([[fits_alone(n, r.patient, float(out_m[i, j]), float(back_m[i, j]))
                      for j, r in enumerate(refills)] for i, n in enumerate(roster.nurses)], dtype=bool)
    reach = certified & (out_m <= max_drive[:, None]) & fits
    cands = set()
    nurse_index = {n.nurse_id: i for i, n in enumerate(roster.nurses)}
    for k, nd in enumerate(nurse_days):
        n, d = nurse_index[nd.nurse.nurse_id], nd.index
        cands |= {(int(j), k) for j in np.nonzero(reach[n] & daymask[:, d] & lic_pj[n, :, d])[0]}
    has = {j for j, _ in cands}
    layers = {}
    for j, r in enumerate(refills):
        if j in has:
            continue
        layers[r.patient_id] = (Reason.WINDOW_CLOSED if r.overdue else Reason.NO_LICENSED_NURSE
                                if not licensed[:, j].any() else Reason.NO_CERTIFIED_NURSE
                                if not certified[:, j].any() else Reason.OUT_OF_REACH
                                if not reach[:, j].any() else Reason.NO_CAPACITY_IN_WINDOW)
    return cands, layers


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Roster:
    syn = synth.generate(260, 30, seed=11, as_of=AS_OF, plan_start=HORIZON.start, overdue_share=0.03)
    out = tmp_path_factory.mktemp("roster")
    synth.write(syn, out)
    r = load_roster(out, as_of=AS_OF)
    # make every layer bind somewhere: a nurse without HAI, short drive limits, a far-away patient
    nurses = list(r.nurses)
    nurses[0] = replace(nurses[0], hai_certified=False)
    for i in range(1, len(nurses), 3):
        nurses[i] = replace(nurses[i], max_drive_minutes_one_way=45)
    return Roster(r.patients, tuple(nurses), r.time_off)


@pytest.mark.parametrize("nurse_block", [7, 256])
def test_sparse_candidates_equal_the_dense_eligibility(roster, nurse_block):
    refills, _ = due_refills(roster, HORIZON, rules=WindowRules())
    nurse_days = nurse_days_of(roster, HORIZON)
    elig = assess(roster, HORIZON, refills, nurse_days, provider=PROVIDER, nurse_block=nurse_block)
    cands, layers = _dense_reference(roster, HORIZON, refills, nurse_days)
    got = list(zip(elig.refill.tolist(), elig.nurse_day.tolist()))
    assert got == sorted(got) and len(got) == len(set(got))
    assert set(got) == cands and len(cands) > 100
    assert {pid: reason for pid, (reason, _) in elig.unplannable.items()} == layers
    # the rules bind on this roster: several reasons, and the 45-minute limits cut pairs
    assert {Reason.OUT_OF_REACH, Reason.NO_CAPACITY_IN_WINDOW} & set(layers.values())
    assert elig.reach_pairs < len(roster.nurses) * len(refills) / 2
    reasons_only = assess(roster, HORIZON, refills, nurse_days, provider=PROVIDER, with_candidates=False,
                          nurse_block=nurse_block)
    assert reasons_only.unplannable == elig.unplannable and reasons_only.refill.size == 0


def test_problem_and_validate_summary_agree_without_patient_matrices(roster):
    problem = build_problem(roster, HORIZON, provider=PROVIDER)
    summary = summarize_roster(roster, HORIZON, provider=PROVIDER)
    assert dict(zip(summary.no_eligible.patient_id, summary.no_eligible.reason)) == {
        pid: str(r) for pid, (r, _) in problem.unplannable.items()}
    assert summary.refills_due == len(problem.refills)
    # the planner's matrices are read lazily, and read the provider's numbers
    n = len(roster.nurses)
    a, b = 0, n + 5
    tm = PROVIDER.matrix([problem_point(problem, a)], [problem_point(problem, b)])
    assert problem.minutes[a, b] == pytest.approx(float(tm.minutes[0, 0]), rel=1e-12)
    assert problem.travel(a, b) == (problem.minutes[a, b], problem.km[a, b])
    assert problem.table is not None and problem.table.tiles_computed < 4


def problem_point(problem, loc: int) -> tuple[float, float]:
    n = len(problem.roster.nurses)
    x = problem.roster.nurses[loc] if loc < n else problem.refills[loc - n].patient
    return (x.lat, x.lon)
