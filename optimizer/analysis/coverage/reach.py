"""Who can reach whom: eligible nurses per patient and their drive times (the per-patient table)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

import geodata
from optimizer.domain import Infusate, Nurse, Patient
from optimizer.rules.eligibility import is_certified_for, may_practice, within_reach

__all__ = ["DEFAULT_CUTOFFS", "cycle_infusates", "patient_reach"]

#: Drive-time cutoffs (minutes) of the coverage tables.
DEFAULT_CUTOFFS: tuple[int, ...] = (60, 120, 180, 240)


def cycle_infusates(patient: Patient) -> tuple[Infusate, ...]:
    """The fills a patient will receive in her cycle (next fill, then the one after)."""
    nxt = patient.next_infusate
    return (nxt, nxt.next_by_protocol()) if nxt.next_by_protocol() is not nxt else (nxt,)


def _certified_for_cycle(nurse: Nurse, patient: Patient) -> bool:
    return all(is_certified_for(nurse, f) for f in cycle_infusates(patient))


def _drive_minutes(roster_nurses: Sequence[Nurse], patients: Sequence[Patient], provider: Any) -> np.ndarray:
    """Nurse-home → patient drive minutes, ``(n_nurses, n_patients)``, nan = unreachable."""
    if not roster_nurses or not patients:
        return np.zeros((len(roster_nurses), len(patients)))
    tm = provider.matrix([(n.lat, n.lon) for n in roster_nurses], [(p.lat, p.lon) for p in patients])
    return np.asarray(tm.minutes, dtype=float)


class _LicenseCache:
    """``may_practice`` memoised by (nurse index, state, date)."""

    def __init__(self, nurses: Sequence[Nurse]) -> None:
        self._nurses = nurses
        self._memo: dict[tuple[int, str, date], bool] = {}

    def __call__(self, i: int, state: str, on: date) -> bool:
        key = (i, state, on)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = may_practice(self._nurses[i], state, on=on)
        return hit


def _county_names() -> dict[str, tuple[str, str]]:
    """County FIPS → (county name, state)."""
    g = geodata.counties_gdf()
    return {f: (c, s) for f, c, s in zip(g["fips"], g["county"], g["state"])}


def _patient_row(
    j: int,
    p: Patient,
    nurses: Sequence[Nurse],
    minutes: np.ndarray,
    lic: _LicenseCache,
    as_of: date,
    cutoffs: tuple[int, ...],
    region: str,
    fips: str,
    county: str,
) -> tuple[dict[str, Any], list[int]]:
    """One patient's coverage row, and the nurses that may serve her under the reach rule (SPEC §5)."""
    licensed = [i for i in range(len(nurses)) if lic(i, p.state, as_of) and nurses[i].hai_certified]
    eligible = [i for i in licensed if _certified_for_cycle(nurses[i], p)]
    mins = minutes[eligible, j] if eligible else np.zeros(0)
    finite = mins[~np.isnan(mins)]
    reach = [i for i in eligible if within_reach(nurses[i], minutes[i, j])]
    row: dict[str, Any] = {
        "patient_id": p.patient_id,
        "state": p.state,
        "region": region,
        "county_fips": fips,
        "county": county,
        "needs_chemo": any(f.is_chemo for f in cycle_infusates(p)),
        "licensed_nurses": len(licensed),
        "eligible_nurses": len(eligible),
        "nearest_minutes": round(float(finite.min()), 1) if finite.size else math.nan,
    }
    for c in cutoffs:
        row[f"within_{c}min"] = int((finite <= c).sum())
    row["reachable_nurses"] = len(reach)
    row["single_nurse"] = len(reach) == 1
    row["no_nurse"] = len(reach) == 0
    row["gap"] = ("no_licensed_nurse" if not licensed else "no_certified_nurse" if not eligible
                  else "out_of_reach" if not reach else "")
    row["nurse_ids"] = ";".join(nurses[i].nurse_id for i in reach)
    return row, reach


def patient_reach(
    nurses: Sequence[Nurse],
    patients: Sequence[Patient],
    minutes: np.ndarray,
    lic: _LicenseCache,
    *,
    as_of: date,
    cutoffs: tuple[int, ...],
    regions: Mapping[str, str],
    names: Mapping[str, tuple[str, str]],
) -> tuple[pd.DataFrame, np.ndarray]:
    """The per-patient coverage table and the nurse × patient "may serve" matrix (reach rule, SPEC §5).

    Parameters
    ----------
    nurses, patients
        The roster's nurses and active patients.
    minutes
        Nurse-home → patient drive minutes (:func:`_drive_minutes`).
    lic
        License lookup.
    as_of
        Data date; licenses are judged on it.
    cutoffs
        Drive-time cutoffs, ascending.
    regions
        State → region.
    names
        County FIPS → (county name, state).

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        The ``patients`` table of :func:`~optimizer.analysis.coverage.analyze_coverage`, and
        ``serves[i, j]``: nurse ``i`` is eligible for and within reach of patient ``j``.
    """
    fips = geodata.counties_of([p.lat for p in patients], [p.lon for p in patients]) if patients else []
    rows: list[dict[str, Any]] = []
    serves = np.zeros((len(nurses), len(patients)), dtype=bool)  # reachable under §5
    for j, p in enumerate(patients):
        row, reach = _patient_row(j, p, nurses, minutes, lic, as_of, cutoffs, regions.get(p.state, "Other"),
                                  fips[j] or "", names.get(fips[j] or "", ("", ""))[0])
        serves[reach, j] = True
        rows.append(row)
    pcols = (["patient_id", "state", "region", "county_fips", "county", "needs_chemo", "licensed_nurses",
              "eligible_nurses", "nearest_minutes"] + [f"within_{c}min" for c in cutoffs]
             + ["reachable_nurses", "single_nurse", "no_nurse", "gap", "nurse_ids"])
    return pd.DataFrame(rows, columns=pcols), serves
