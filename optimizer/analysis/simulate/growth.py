"""More (or fewer) patients: growth by state or region, and states being launched.

New patients' homes come from the synthetic generator's population model
(:func:`referral_home`, i.e. :func:`optimizer.studies.synth.population.draw_homes`):
anywhere in the state in proportion to its residents and their distance to an
HAI center, rural counties included, not next to the patients already there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import numpy as np

from optimizer.domain import Roster
from optimizer.analysis.simulate.events import Referrals, rng_for
from optimizer.rules.windows import WindowRules
from optimizer.studies.synth.population import draw_homes

__all__ = ["NAMED_REGIONS", "grow_demand", "referral_homes"]


def referral_homes(rng: np.random.Generator, state: str, n: int) -> list[tuple[float, float]]:
    """Homes (lat, lon) of ``n`` new patients of ``state``, from the generator's population model.

    Parameters
    ----------
    rng : numpy.random.Generator
    state : str
        Two-letter code.
    n : int

    Returns
    -------
    list of (float, float)
        Strictly inside ``state``.
    """
    homes = draw_homes(rng, n, states=(state,))
    return [(float(a), float(b)) for a, b in zip(homes["lat"], homes["lon"])]


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
        patients). New patients live where the population model puts them
        (:func:`referral_homes`) and copy the fill schedules of the state's
        patients, so refills keep spreading over the week.
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
        templates = [local[int(rng.integers(len(local)))] for _ in range(n)] if local else []
        for k, (t, (lat, lon)) in enumerate(zip(templates, referral_homes(rng, state, len(templates)))):
            out.append(replace(t, patient_id=f"GROW-{state}-{k + 1:04d}", lat=lat, lon=lon,
                               preferred_nurse_id=None, zip=None))
    for state, count in sorted((new_states or {}).items()):
        rng = rng_for(seed, "launch", state)
        for k in range(int(count)):
            p = referrals.make(rng, state, f"NEW-{state}-{k + 1:04d}", date.today())
            if p is None:
                break
            t = patients[int(rng.integers(len(patients)))] if patients else p
            out.append(replace(t, patient_id=p.patient_id, lat=p.lat, lon=p.lon, state=state,
                               preferred_nurse_id=None, zip=None, active=True))
    return replace(roster, patients=tuple(out))  # the week's commitments, holidays and partners kept
