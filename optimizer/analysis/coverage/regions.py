"""Grouping states into regions: the US Census regions, or a user table."""

from __future__ import annotations

import pandas as pd

from optimizer.errors import ArgumentError

__all__ = ["CENSUS_REGIONS", "load_regions"]

#: US Census Bureau regions (state → region), the default grouping of the
#: capacity tables. Replace with :func:`load_regions` (CSV ``state,region``).
CENSUS_REGIONS: dict[str, str] = {
    **dict.fromkeys(["CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"], "Northeast"),
    **dict.fromkeys(["IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"],
                    "Midwest"),
    **dict.fromkeys(["DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS",
                     "TN", "AR", "LA", "OK", "TX"], "South"),
    **dict.fromkeys(["AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR",
                     "WA"], "West"),
}


def load_regions(path: str) -> dict[str, str]:
    """Read a user region table: CSV with columns ``state,region``.

    Parameters
    ----------
    path
        CSV file; states not listed fall back to their Census region.

    Returns
    -------
    dict of str to str
        State code → region name.
    """
    df = pd.read_csv(path, dtype=str)
    missing = {"state", "region"} - set(df.columns)
    if missing:
        raise ArgumentError(f"{path}: region table needs columns state,region (missing {sorted(missing)})")
    return {**CENSUS_REGIONS, **{s.strip().upper(): r.strip() for s, r in zip(df.state, df.region)}}
