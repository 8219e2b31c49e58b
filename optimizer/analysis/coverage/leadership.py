"""The leadership view: de-identified coverage aggregates, the only input the leadership map takes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

__all__ = ["LeadershipView", "leadership_view"]


@dataclass(frozen=True)
class LeadershipView:
    """What the leadership map may show: aggregates only, no patient id or location.

    Built by :meth:`CoverageResult.leadership_view`; the map functions take this
    type, so patient-level rows never reach them (de-identified by construction).

    Attributes
    ----------
    as_of
        Data date.
    cutoffs
        Drive-time cutoffs of the share columns.
    by_state
        Per-state table (no patient-level column).
    by_county
        Per-county table: ``county_fips, county, state, patients_band, patients_shown,
        covered_<c>min`` (shares blank where the county has fewer than
        ``small_cell`` patients), ``single_nurse_patients``, ``no_nurse_patients``
        (blank likewise), ``any_single_nurse``, ``any_no_nurse`` (flags, always shown).
    nurses
        Staff positions rounded to ``digits`` decimals, with ``nurse_id``,
        ``home_state``, ``chemo_certified``, ``licensed_states``.
    small_cell
        Counts below this are shown as a band (``"1–4"``), never exactly.
    totals
        National counts (patients, nurses, shares).
    """

    as_of: date
    cutoffs: tuple[int, ...]
    by_state: pd.DataFrame
    by_county: pd.DataFrame
    nurses: pd.DataFrame
    small_cell: int
    totals: dict[str, float]


def leadership_view(
    *,
    as_of: date,
    cutoffs: tuple[int, ...],
    patients: pd.DataFrame,
    by_state: pd.DataFrame,
    by_county: pd.DataFrame,
    nurses: pd.DataFrame,
    digits: int = 2,
    small_cell: int = 5,
) -> LeadershipView:
    """The de-identified aggregates of a coverage result (see :meth:`CoverageResult.leadership_view`).

    Parameters
    ----------
    as_of, cutoffs, patients, by_state, by_county, nurses
        The fields of a :class:`~optimizer.analysis.coverage.CoverageResult`.
    digits
        Decimals kept of nurse home coordinates (2 ≈ 1 km).
    small_cell
        County counts below this are banded and their shares withheld; a state with fewer
        patients keeps its count, its shares, single- and no-nurse counts and median minutes withheld.

    Returns
    -------
    LeadershipView
    """
    county = by_county.copy()
    small = county["patients"] < small_cell
    # flags stay visible for every county (they say less than the counts they replace)
    county["any_single_nurse"] = county["single_nurse_patients"] > 0
    county["any_no_nurse"] = county["no_nurse_patients"] > 0
    county["patients_band"] = [
        f"1–{small_cell - 1}" if s else str(int(n)) for s, n in zip(small, county["patients"])
    ]
    # exact counts only for cells at or above the threshold; banded cells show the band floor
    county["patients_shown"] = np.where(small, 1, county["patients"]).astype(int)
    withheld = [f"covered_{c}min" for c in cutoffs] + [
        "single_nurse_patients", "no_nurse_patients", "median_nearest_minutes"]
    for col in withheld:
        county[col] = county[col].astype(float).where(~small)
    county = county.drop(columns=["patients"])
    staff = nurses[["nurse_id", "home_state", "chemo_certified", "licensed_states"]].copy()
    staff["lat"] = nurses["lat"].round(digits)
    staff["lon"] = nurses["lon"].round(digits)
    n = len(patients)
    totals: dict[str, float] = {"patients": float(n), "nurses": float(len(nurses)),
                                "states": float((by_state["patients"] > 0).sum())}
    for c in cutoffs:
        totals[f"covered_{c}min"] = float(patients[f"within_{c}min"].gt(0).mean()) if n else math.nan
    totals["single_nurse_patients"] = float(patients["single_nurse"].sum())
    totals["no_nurse_patients"] = float(patients["no_nurse"].sum())
    state = by_state.copy()  # a state of 1-4 patients: its count stays, what would describe them is withheld
    few = (state["patients"] > 0) & (state["patients"] < small_cell)
    for col in withheld:
        if col in state.columns:
            state[col] = state[col].astype(float).where(~few)
    return LeadershipView(as_of=as_of, cutoffs=cutoffs, by_state=state,
                          by_county=county, nurses=staff, small_cell=small_cell, totals=totals)
