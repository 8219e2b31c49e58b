"""More (or fewer) patients: growth by state or region, and states being launched."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from optimizer.domain import Roster
from optimizer.analysis.simulate.events import Referrals, rng_for
from optimizer.rules.windows import WindowRules

__all__ = ["NAMED_REGIONS", "grow_demand"]


#: Named groups of states usable as growth keys: the US Census regions and the
#: BEA "Southeast" region (AL AR FL GA KY LA MS NC SC TN VA WV).
NAMED_REGIONS: dict[str, tuple[str, ...]] = {
    "Northeast": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "Midwest": ("IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "South": ("DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS", "TN", "AR",
              "LA", "OK", "TX"),
    "West": ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"),
    "Southeast": ("AL", "AR", "FL", "GA", "KY", "LA", "MS", "NC", "SC", "TN", "VA", "WV"),
}


def grow_demand(
    roster: Roster,
    *,
    growth: Mapping[str, float] | None = None,
    new_states: Mapping[str, int] | None = None,
    seed: int = 0,
    rules: WindowRules | None = None,
) -> Roster:
    """The roster with more (or fewer) patients: growth by state or region, new states.

    Parameters
    ----------
    roster
        The starting roster.
    growth
        State code or :data:`NAMED_REGIONS` name → share of extra patients
        (``0.5``: +50 % of the state's active patients; negative shares remove
        patients). New patients live near the state's patients (a few km away)
        and copy their fill schedules, so refills keep spreading over the week.
    new_states
        State → patients at launch, placed in the state's towns (weighted by
        population) with the fill schedules of patients drawn from the roster.
    seed
        Seed of the draws (deterministic).
    rules
        Window rules.

    Returns
    -------
    Roster
        With ``GROW-…`` and ``NEW-…`` patients added (or patients removed).
    """
    rules = rules or WindowRules()
    by_state: dict[str, float] = {}
    for key, share in (growth or {}).items():
        for state in NAMED_REGIONS.get(key, (key,)):
            by_state[state] = by_state.get(state, 0.0) + float(share)
    patients = sorted(roster.patients, key=lambda p: p.patient_id)
    out = list(patients)
    referrals = Referrals(roster, rules)
    for state in sorted(by_state):
        rng = rng_for(seed, "growth", state)
        local = [p for p in patients if p.state == state and p.active]
        n = int(round(abs(by_state[state]) * len(local)))
        if by_state[state] < 0:
            drop = {local[int(i)].patient_id for i in rng.choice(len(local), size=min(n, len(local)), replace=False)}
            out = [p for p in out if p.patient_id not in drop]
            continue
        for k in range(n):
            t = local[int(rng.integers(len(local)))]
            j = rng.normal(0.0, 0.04, size=2)
            out.append(replace(t, patient_id=f"GROW-{state}-{k + 1:04d}", lat=t.lat + float(j[0]),
                               lon=t.lon + float(j[1]), preferred_nurse_id=None, zip=None))
    for state, count in sorted((new_states or {}).items()):
        rng = rng_for(seed, "launch", state)
        for k in range(int(count)):
            p = referrals.make(rng, state, f"NEW-{state}-{k + 1:04d}", date.today())
            if p is None:
                break
            t = patients[int(rng.integers(len(patients)))] if patients else p
            out.append(replace(t, patient_id=p.patient_id, lat=p.lat, lon=p.lon, state=state,
                               preferred_nurse_id=None, zip=None, active=True))
    return Roster(patients=tuple(out), nurses=roster.nurses, time_off=roster.time_off)
