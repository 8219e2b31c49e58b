"""Time zones of US places (SPEC §5 routes: a patient's arrival window is her own wall clock, a
nurse's shift hers).

The zone comes from the state (the ``us`` package's ``time_zones``); in the states that two
zones split, from the place's county or longitude (:data:`SPLIT_STATES`, after the federal time
zone boundaries, 49 CFR part 71). Offsets and daylight-saving dates are ``zoneinfo``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from geodata.boundaries import county_of

__all__ = ["OTHER_ZONE_BOXES", "SPLIT_STATES", "zone_of"]

#: state → (zone of most of the state, zone of the part given by county FIPS or a test on (lat, lon), rule)
SPLIT_STATES: dict[str, tuple[str, str, frozenset[str] | Callable[[float, float], bool]]] = {
    # Florida west of the Apalachicola river: Central
    "FL": ("America/New_York", "America/Chicago", frozenset(
        {"12033", "12113", "12091", "12131", "12059", "12133", "12005", "12063", "12013", "12045"})),
    # Idaho north of the Salmon river: Pacific
    "ID": ("America/Boise", "America/Los_Angeles", frozenset(
        {"16021", "16017", "16055", "16009", "16079", "16057", "16035", "16069", "16061", "16049"})),
    # Indiana: the Chicago and Evansville corners are Central
    "IN": ("America/Indiana/Indianapolis", "America/Chicago", frozenset(
        {"18089", "18127", "18091", "18111", "18073", "18149", "18051", "18129", "18163", "18173", "18147",
         "18123"})),
    # Kansas: four western counties are Mountain
    "KS": ("America/Chicago", "America/Denver", frozenset({"20181", "20199", "20071", "20075"})),
    # Michigan: four Upper Peninsula counties on the Wisconsin line are Central
    "MI": ("America/Detroit", "America/Menominee", frozenset({"26053", "26071", "26043", "26109"})),
    # Oregon: Malheur county is Mountain
    "OR": ("America/Los_Angeles", "America/Boise", frozenset({"41045"})),
    # Texas: El Paso and Hudspeth counties are Mountain
    "TX": ("America/Chicago", "America/Denver", frozenset({"48141", "48229"})),
    # the lines below follow county lines closely enough for a home base by longitude
    "KY": ("America/New_York", "America/Chicago", lambda lat, lon: lon < -86.0),
    "TN": ("America/Chicago", "America/New_York", lambda lat, lon: lon > -85.0 or (lat < 35.3 and lon > -85.45)),
    "NE": ("America/Chicago", "America/Denver", lambda lat, lon: lon < -101.0),
    "SD": ("America/Chicago", "America/Denver", lambda lat, lon: lon < -100.4),
    "ND": ("America/Chicago", "America/Denver", lambda lat, lon: lon < -101.3 and lat < 47.6),
    "NV": ("America/Los_Angeles", "America/Denver", lambda lat, lon: lon > -114.1),
    "AK": ("America/Anchorage", "America/Adak", lambda lat, lon: lon < -169.0 or lon > 0),
}


def _zone_of(state: str, lat: float, lon: float, *, county: str | None = None) -> str:
    """The IANA time zone of a place in ``state`` at ``(lat, lon)``.

    Parameters
    ----------
    state
        Two-letter state code.
    lat, lon
        The place (used in split states).
    county
        Its county FIPS when known (looked up from ``lat, lon`` in split states otherwise).

    Returns
    -------
    str
        e.g. ``"America/Chicago"``; ``"UTC"`` for a code the ``us`` package does not know.
    """
    split = SPLIT_STATES.get(state)
    if split is not None:
        main, other, rule = split
        if isinstance(rule, frozenset):
            if county is None:
                if not _near(state, lat, lon):
                    return main
                county = county_of(lat, lon)
            return other if county in rule else main
        return other if rule(lat, lon) else main
    import us

    found = us.states.lookup(state) if state else None
    zones = getattr(found, "time_zones", None) or ["UTC"]
    return str(zones[0])


#: Bounding box (west, south, east, north; degrees, rounded outward to 0.01) of the counties of
#: each state split by county that lie on its other zone (from :func:`geodata.counties_gdf`;
#: ``tests/geodata`` checks them against it).
OTHER_ZONE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "FL": (-87.64, 29.59, -84.85, 31.01),
    "ID": (-117.07, 45.10, -114.32, 49.01),
    "IN": (-88.10, 37.76, -86.42, 41.77),
    "KS": (-102.06, 37.73, -101.38, 39.58),
    "MI": (-90.42, 45.07, -87.12, 47.05),
    "OR": (-118.24, 41.99, -116.89, 44.45),
    "TX": (-106.65, 30.62, -104.90, 32.01),
}

#: Margin around those boxes inside which a place's county is looked up (about 10 km).
_MARGIN_DEG: float = 0.1


def _near(state: str, lat: float, lon: float) -> bool:
    """Whether ``(lat, lon)`` may lie in a county of ``state``'s other zone (inside its widened box):
    a county lookup takes milliseconds, the box spares it for most of the state."""
    box = OTHER_ZONE_BOXES.get(state)
    if box is None:
        return True
    w, s, e, n = box
    m = _MARGIN_DEG
    return w - m <= lon <= e + m and s - m <= lat <= n + m


@lru_cache(maxsize=65536)
def _cached(state: str, lat: float, lon: float) -> str:
    return _zone_of(state, lat, lon)


def zone_of(state: str, lat: float, lon: float, *, county: str | None = None) -> str:
    """The IANA time zone of a place in ``state`` at ``(lat, lon)`` (kept per place when no
    ``county`` is given): e.g. ``"America/Chicago"``; ``"UTC"`` for a code the ``us`` package does
    not know. ``county`` (FIPS), when known, spares the lookup in the states split by county."""
    if county is not None:
        return _zone_of(state, lat, lon, county=county)
    return _cached(state, float(lat), float(lon))
