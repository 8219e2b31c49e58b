"""Where a patient lives, coarsely: "near <town>, <county> County, ST" — never a street.

Used in itineraries, popups and exports so planners and nurses see the area of a
visit without the report repeating exact home coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["area_labels", "county_names"]

_NEAR_KM = 40.0  # a town farther than this is not named
_MIN_POPULATION = 15000


@lru_cache(maxsize=1)
def county_names() -> dict[str, str]:
    """County FIPS → county name (without the word "County")."""
    import geodata

    g = geodata.counties_gdf()
    return dict(zip(g["fips"], g["county"]))


@lru_cache(maxsize=1)
def _towns() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    import geodata

    t = geodata.places(min_population=_MIN_POPULATION)
    return (t["name"].to_numpy(object), t["state"].to_numpy(object),
            np.radians(t["lat"].to_numpy(float)), np.radians(t["lon"].to_numpy(float)))


def area_labels(points: Sequence[tuple[float, float]], states: Sequence[str]) -> list[str]:
    """An area label for each ``(lat, lon)``: nearest town (same state, within 40 km) and county.

    Parameters
    ----------
    points
        ``(lat, lon)`` of each place.
    states
        Two-letter state of each place (the town must be in it).

    Returns
    -------
    list of str
        e.g. ``"near Toledo, Lucas County, OH"``; ``"Lucas County, OH"`` when no town is near.
    """
    if not points:
        return []
    import geodata

    lats = np.array([p[0] for p in points], float)
    lons = np.array([p[1] for p in points], float)
    fips = geodata.counties_of(lats, lons)
    names = county_names()
    tname, tstate, tlat, tlon = _towns()
    out: list[str] = []
    for lat, lon, f, st in zip(np.radians(lats), np.radians(lons), fips, states):
        county = names.get(f or "", "")
        where = f"{county} County, {st}" if county else st
        if county.endswith(("city", "Parish", "Borough", "Census Area", "Municipality")):
            where = f"{county}, {st}"
        mask = tstate == st
        town = ""
        if mask.any():
            a = (np.sin((tlat[mask] - lat) / 2) ** 2
                 + np.cos(lat) * np.cos(tlat[mask]) * np.sin((tlon[mask] - lon) / 2) ** 2)
            km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
            k = int(np.argmin(km))
            if km[k] <= _NEAR_KM:
                town = str(tname[mask][k])
        out.append(f"near {town}, {where}" if town else where)
    return out
