"""Where a patient lives, coarsely: "near <town>, <county> County, ST" — never a street.

Used in itineraries, popups and exports so planners and nurses see the area of a
visit without the report repeating exact home coordinates.

The town named is the nearest populated place **in the same county** (so a label
never pairs a town with a county it is not in): the nearest place of at least
5,000 inhabitants in the county, else the nearest of at least 1,000, within
40 km; without one, the label is the county alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

import geodata
from geodata.travel import haversine_km

__all__ = ["area_labels", "county_names"]

_NEAR_KM = 40.0  # a town farther than this is not named
_TOWN_POPULATIONS = (5000, 1000)  # preferred size of the named town, then the fallback
_COUNTY_EQUIVALENTS = ("city", "Parish", "Borough", "Census Area", "Municipality")


@lru_cache(maxsize=1)
def county_names() -> dict[str, str]:
    """County FIPS → county name (without the word "County")."""
    g = geodata.counties_gdf()
    return dict(zip(g["fips"], g["county"]))


@lru_cache(maxsize=64)
def _towns(state: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Places of one state with at least the smallest population asked: names, populations,
    latitudes and longitudes, county FIPS."""
    t = geodata.places(states=[state], min_population=min(_TOWN_POPULATIONS))
    lat, lon = t["lat"].to_numpy(float), t["lon"].to_numpy(float)
    fips = geodata.counties_of(lat, lon) if len(t) else np.empty(0, object)
    return (t["name"].to_numpy(object), t["population"].to_numpy(int), lat, lon,
            np.asarray(fips, object))


def _county_label(fips: str | None, state: str) -> str:
    county = county_names().get(fips or "", "")
    if not county:
        return state
    if county.endswith(_COUNTY_EQUIVALENTS):
        return f"{county}, {state}"
    return f"{county} County, {state}"


def _nearest_town(lat: float, lon: float, fips: str | None, state: str) -> str:
    """The nearest town in county ``fips`` (degrees in), preferring larger towns; ``""`` if none is near."""
    if not fips or not state:
        return ""
    try:
        names, pops, tlat, tlon, tfips = _towns(state)
    except ValueError:  # not a state geodata knows
        return ""
    in_county = tfips == fips
    for floor in _TOWN_POPULATIONS:
        mask = in_county & (pops >= floor)
        if not mask.any():
            continue
        km = haversine_km(lat, lon, tlat[mask], tlon[mask])
        k = int(np.argmin(km))
        if km[k] <= _NEAR_KM:
            return str(names[mask][k])
    return ""


def area_labels(points: Sequence[tuple[float, float]], states: Sequence[str]) -> list[str]:
    """An area label for each ``(lat, lon)``: its county and the nearest town in that county.

    Parameters
    ----------
    points
        ``(lat, lon)`` of each place.
    states
        Two-letter state of each place.

    Returns
    -------
    list of str
        e.g. ``"near Toledo, Lucas County, OH"``; ``"Lucas County, OH"`` when no town of
        the county is within 40 km.
    """
    if not points:
        return []
    # A plan folder asks for the same places five times (workbook, calendars, report, two maps);
    # a county found within the coast tolerance may depend on the batch, so whole batches are kept.
    key = (tuple((float(p[0]), float(p[1])) for p in points), tuple(states))
    got = _BATCHES.get(key)
    if got is None:
        got = _compute(key[0], key[1])
        while len(_BATCHES) >= _MAX_BATCHES:
            del _BATCHES[next(iter(_BATCHES))]
        _BATCHES[key] = got
    return list(got)


#: labels of the last batches of places: a pure function of the batch and the (static) geodata
_BATCHES: dict[tuple[tuple[tuple[float, float], ...], tuple[str, ...]], tuple[str, ...]] = {}
_MAX_BATCHES = 4


def _compute(points: Sequence[tuple[float, float]], states: Sequence[str]) -> tuple[str, ...]:
    """:func:`area_labels` computed."""
    lats = np.array([p[0] for p in points], float)
    lons = np.array([p[1] for p in points], float)
    fips = geodata.counties_of(lats, lons)
    out: list[str] = []
    for lat, lon, f, st in zip(np.asarray(lats, float), np.asarray(lons, float), fips, states):
        where = _county_label(f, st)
        town = _nearest_town(float(lat), float(lon), f, st)
        out.append(f"near {town}, {where}" if town else where)
    return tuple(out)
