"""Coverage per patient aggregated per state and county, and per nurse (:func:`analyze_coverage`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

import geodata
from optimizer.analysis.coverage.leadership import LeadershipView, leadership_view
from optimizer.analysis.coverage.reach import (DEFAULT_CUTOFFS, _county_names, _drive_minutes, _LicenseCache,
                                               patient_reach)
from optimizer.analysis.coverage.regions import CENSUS_REGIONS
from optimizer.domain import Nurse, Roster

__all__ = ["CoverageResult", "analyze_coverage"]


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of every active patient, and its state and county aggregates.

    Attributes
    ----------
    as_of
        The data date (licenses are judged on it).
    cutoffs
        Drive-time cutoffs in minutes.
    patients
        One row per active patient (identified: internal use only).
    by_state, by_county
        Aggregates (see :func:`analyze_coverage`).
    nurses
        One row per nurse: exact home, states she may practice in, patients she can serve.
    """

    as_of: date
    cutoffs: tuple[int, ...]
    patients: pd.DataFrame
    by_state: pd.DataFrame
    by_county: pd.DataFrame
    nurses: pd.DataFrame

    def leadership_view(self, *, digits: int = 2, small_cell: int = 5) -> LeadershipView:
        """The de-identified aggregates the leadership map is drawn from.

        Parameters
        ----------
        digits
            Decimals kept of nurse home coordinates (2 ≈ 1 km).
        small_cell
            County counts below this are banded and their shares withheld.

        Returns
        -------
        LeadershipView
        """
        return leadership_view(as_of=self.as_of, cutoffs=self.cutoffs, patients=self.patients,
                               by_state=self.by_state, by_county=self.by_county, nurses=self.nurses,
                               digits=digits, small_cell=small_cell)


def _aggregate(g: pd.DataFrame, cutoffs: tuple[int, ...]) -> dict[str, Any]:
    """Counts, covered shares and the median nearest drive of a group of patient rows."""
    out: dict[str, Any] = {"patients": len(g), "chemo_patients": int(g["needs_chemo"].sum())}
    for c in cutoffs:
        out[f"covered_{c}min"] = round(float(g[f"within_{c}min"].gt(0).mean()), 4) if len(g) else math.nan
    out["single_nurse_patients"] = int(g["single_nurse"].sum())
    out["no_nurse_patients"] = int(g["no_nurse"].sum())
    med = g["nearest_minutes"].median()
    out["median_nearest_minutes"] = round(float(med), 1) if med == med else math.nan
    return out


def _state_table(pat: pd.DataFrame, nurses: Sequence[Nurse], lic: _LicenseCache, as_of: date,
                 cutoffs: tuple[int, ...], regions: Mapping[str, str]) -> pd.DataFrame:
    """By state: states with patients, with nurses based there or with nurses licensed there."""
    states = sorted(set(pat["state"]) | {n.home_state for n in nurses}
                    | {s for s in geodata.STATE_CODES if any(lic(i, s, as_of) for i in range(len(nurses)))})
    srows = []
    for s in states:
        g = pat[pat["state"] == s]
        lic_n = [i for i in range(len(nurses)) if nurses[i].hai_certified and lic(i, s, as_of)]
        srows.append({
            "state": s, "state_name": geodata.STATE_NAMES.get(s, s), "region": regions.get(s, "Other"),
            **_aggregate(g, cutoffs),
            "licensed_nurses": len(lic_n),
            "chemo_licensed_nurses": sum(1 for i in lic_n if nurses[i].chemo_certified),
            "nurses_based": sum(1 for n in nurses if n.home_state == s),
        })
    share_cols = [f"covered_{c}min" for c in cutoffs]
    scols = (["state", "state_name", "region", "patients", "chemo_patients"] + share_cols
             + ["licensed_nurses", "chemo_licensed_nurses", "nurses_based", "single_nurse_patients",
                "no_nurse_patients", "median_nearest_minutes"])
    return pd.DataFrame(srows, columns=scols)


def _county_table(pat: pd.DataFrame, cutoffs: tuple[int, ...],
                  names: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """By county: counties with patients."""
    crows = []
    for f, g in pat.groupby("county_fips", sort=True):
        county, st = names.get(f, ("(unknown)", g["state"].iloc[0]))
        agg = _aggregate(g, cutoffs)
        agg.pop("chemo_patients")
        crows.append({"county_fips": f, "county": county, "state": st, **agg})
    share_cols = [f"covered_{c}min" for c in cutoffs]
    ccols = (["county_fips", "county", "state", "patients"] + share_cols
             + ["single_nurse_patients", "no_nurse_patients", "median_nearest_minutes"])
    return pd.DataFrame(crows, columns=ccols)


def _nurse_table(nurses: Sequence[Nurse], serves: np.ndarray, lic: _LicenseCache, as_of: date,
                 n_patients: int) -> pd.DataFrame:
    """One row per nurse: home, licenses, patients she may serve and those she alone may serve."""
    nrows = []
    for i, n in enumerate(nurses):
        may = sorted(s for s in geodata.STATE_CODES if lic(i, s, as_of))
        nrows.append({
            "nurse_id": n.nurse_id, "home_state": n.home_state, "lat": n.lat, "lon": n.lon,
            "hai_certified": n.hai_certified, "chemo_certified": n.chemo_certified,
            "licensed_states": ";".join(may), "max_drive_minutes_one_way": n.max_drive_minutes_one_way,
            "patients_reachable": int(serves[i].sum()),
            "sole_nurse_of": int(serves[i][serves.sum(axis=0) == 1].sum()) if n_patients else 0,
        })
    return pd.DataFrame(nrows, columns=["nurse_id", "home_state", "lat", "lon", "hai_certified",
                                        "chemo_certified", "licensed_states",
                                        "max_drive_minutes_one_way", "patients_reachable",
                                        "sole_nurse_of"])


def analyze_coverage(
    roster: Roster,
    *,
    provider: Any,
    as_of: date,
    cutoffs: Sequence[int] = DEFAULT_CUTOFFS,
    regions: Mapping[str, str] | None = None,
) -> CoverageResult:
    """Eligible nurses within drive-time cutoffs, per patient, state and county.

    Parameters
    ----------
    roster
        Patients (active ones only are counted) and nurses.
    provider
        Travel provider (``matrix(origins, destinations)``); nan = unreachable.
    as_of
        Data date; licenses are judged on it.
    cutoffs
        Drive-time cutoffs in minutes, ascending.
    regions
        State → region (default :data:`CENSUS_REGIONS`).

    Returns
    -------
    CoverageResult
        ``patients``: ``patient_id, state, region, county_fips, county, needs_chemo,
        licensed_nurses, eligible_nurses, nearest_minutes, within_<c>min…,
        reachable_nurses, single_nurse, no_nurse, gap, nurse_ids``.
        ``by_state``: ``state, state_name, region, patients, chemo_patients,
        covered_<c>min…, licensed_nurses, chemo_licensed_nurses, nurses_based,
        single_nurse_patients, no_nurse_patients, median_nearest_minutes``.
        ``by_county``: ``county_fips, county, state, patients, covered_<c>min…,
        single_nurse_patients, no_nurse_patients, median_nearest_minutes``.
    """
    regions = dict(regions or CENSUS_REGIONS)
    cutoffs = tuple(sorted(int(c) for c in cutoffs))
    nurses = list(roster.nurses)
    patients = list(roster.active_patients())
    minutes = _drive_minutes(nurses, patients, provider)
    lic = _LicenseCache(nurses)
    names = _county_names()
    pat, serves = patient_reach(nurses, patients, minutes, lic, as_of=as_of, cutoffs=cutoffs, regions=regions,
                                names=names)
    by_state = _state_table(pat, nurses, lic, as_of, cutoffs, regions)
    by_county = _county_table(pat, cutoffs, names)
    nurse_df = _nurse_table(nurses, serves, lic, as_of, len(patients))
    return CoverageResult(as_of=as_of, cutoffs=cutoffs, patients=pat, by_state=by_state,
                          by_county=by_county, nurses=nurse_df)
