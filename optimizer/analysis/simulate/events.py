"""Random streams per entity, the simulated truth of each patient's pump, and new referrals.

Random events come from per-entity streams (a nurse's sick days, a patient's
flow and choices, a state's referrals) seeded from ``seed``, so two staffing
plans simulated with the same seed see the same events for the same people
(common random numbers).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

from optimizer import settings as defaults
from optimizer.domain import Infusate, Patient, Roster
from optimizer.rules.windows import RefillWindow, WindowRules, refill_window
from optimizer.studies.synth.population import draw_homes

__all__ = ["rng_for", "base_visit_minutes", "PatientState", "Referrals"]


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def rng_for(seed: int, *parts: int | str) -> np.random.Generator:
    """The random stream of one entity (e.g. ``"sick", nurse_id``): stable across runs and processes."""
    return np.random.default_rng(
        np.random.SeedSequence([seed & 0xFFFFFFFF] + [p if isinstance(p, int) else _crc(p) for p in parts]))


def base_visit_minutes(p: Patient) -> int:
    """The visit length without the floxuridine extra (SPEC §4)."""
    return p.visit_minutes - (defaults.FLOXURIDINE_EXTRA_MINUTES if p.next_infusate.is_chemo else 0)


@dataclass
class PatientState:
    """One patient in the simulation: what the planner knows, and the truth of her pump."""

    patient: Patient  # what the planner knows
    base_flow: float
    true_flow: float
    base_visit: int
    refill_rng: np.random.Generator
    stay_rng: np.random.Generator

    _window: RefillWindow | None = None  # cache: changes only when the pump is refilled

    def true_window(self, rules: WindowRules) -> RefillWindow:
        """The real refill window (the real flow rate of this cycle)."""
        if self._window is None:
            self._window = refill_window(replace(self.patient, flow_ml_per_day=self.true_flow), rules=rules)
        return self._window


class Referrals:
    """New patients for a state, placed by the synthetic generator's population model (``draw_homes``)."""

    def __init__(self, roster: Roster, rules: WindowRules) -> None:
        self.by_state: dict[str, list[Patient]] = {}
        for p in sorted(roster.patients, key=lambda p: p.patient_id):
            self.by_state.setdefault(p.state, []).append(p)
        self.all = sorted(roster.patients, key=lambda p: p.patient_id)
        self.rules = rules

    def make(self, rng: np.random.Generator, state: str, pid: str, day: date) -> Patient | None:
        local = self.by_state.get(state, [])
        pool = local or self.all
        if not pool:
            return None
        template = pool[int(rng.integers(len(pool)))]
        try:  # where the synthetic generator's population model puts a new patient of the state
            home = draw_homes(rng, 1, states=(state,))
        except ValueError:  # a state without places
            return None
        lat, lon = float(home["lat"][0]), float(home["lon"][0])
        back = int(rng.integers(0, 7))
        base_visit = base_visit_minutes(template)
        return Patient(
            patient_id=pid, lat=float(lat), lon=float(lon), state=state,
            flow_ml_per_day=template.flow_ml_per_day, last_fill_date=day - timedelta(days=back),
            last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE,
            reservoir_ml=template.reservoir_ml, last_fill_volume_ml=template.reservoir_ml,
            prescribed_interval_days=int(self.rules.prescribed_interval_days[Infusate.FLOXURIDINE]),
            visit_minutes=base_visit, earliest_arrival=template.earliest_arrival,
            latest_arrival=template.latest_arrival,
        )
