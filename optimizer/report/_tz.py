"""A nurse's time zone, and its iCalendar ``VTIMEZONE`` block (RFC 5545 §3.6.5).

Plan times are the nurse's own wall clock. The zone comes from the nurse's home
state (the ``us`` package's ``time_zones``); in the states that two zones split,
from the home's county or longitude (:data:`SPLIT_STATES`, after the federal time
zone boundaries, 49 CFR part 71). Offsets and daylight-saving dates come from
``zoneinfo`` (the ``tzdata`` package where the system has no zone database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import us

import geodata

__all__ = ["nurse_zone", "vtimezone", "SPLIT_STATES"]

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


def nurse_zone(state: str, lat: float, lon: float, *, county: str | None = None) -> str:
    """The IANA time zone of a home in ``state`` at ``(lat, lon)``.

    Parameters
    ----------
    state
        Two-letter state code.
    lat, lon
        The home (used in split states).
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
                county = geodata.county_of(lat, lon)
            return other if county in rule else main
        return other if rule(lat, lon) else main
    found = us.states.lookup(state) if state else None
    zones = getattr(found, "time_zones", None) or ["UTC"]
    return str(zones[0])


def _offset(td: timedelta | None) -> str:
    minutes = int((td or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


@lru_cache(maxsize=256)
def _transitions(tz: ZoneInfo, year: int) -> tuple[tuple[datetime, timedelta, timedelta, str, bool], ...]:
    """The zone's offset changes in ``year``: (local time before, offset before, after, name, DST after).

    Kept per zone and year (a plan writes a calendar per nurse: a year of days walked per file).
    """
    out = []
    t = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    before = t.astimezone(tz).utcoffset()
    while t < end:
        day_end = t + timedelta(days=1)
        if day_end.astimezone(tz).utcoffset() != before:
            u = t
            while u.astimezone(tz).utcoffset() == before:
                u += timedelta(minutes=15)
            local = u.astimezone(tz)
            after = local.utcoffset()
            out.append(((u + before).replace(tzinfo=None), before, after, local.tzname() or "",  # type: ignore
                        bool(local.dst())))
            before = after
        t = day_end
    return tuple(out)


def vtimezone(zone: str, years: Iterable[int]) -> list[str]:
    """The ``VTIMEZONE`` lines of ``zone`` with its offset changes from the year before the first
    of ``years`` to the last (a zone without daylight saving: one ``STANDARD``)."""
    tz = ZoneInfo(zone)
    ys = sorted(set(years))
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone}"]
    changes = [c for y in range(ys[0] - 1, ys[-1] + 1) for c in _transitions(tz, y)] if ys else []
    if not changes:
        probe = datetime(ys[0] if ys else 2000, 1, 1, tzinfo=timezone.utc).astimezone(tz)
        off = _offset(probe.utcoffset())
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{off}", f"TZOFFSETTO:{off}",
                  f"TZNAME:{probe.tzname()}", "END:STANDARD"]
    for local, before, after, name, dst in changes:
        kind = "DAYLIGHT" if dst else "STANDARD"
        lines += [f"BEGIN:{kind}", f"DTSTART:{local:%Y%m%dT%H%M%S}", f"TZOFFSETFROM:{_offset(before)}",
                  f"TZOFFSETTO:{_offset(after)}", f"TZNAME:{name}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return lines
