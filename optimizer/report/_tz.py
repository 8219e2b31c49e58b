"""A nurse's time zone, and its iCalendar ``VTIMEZONE`` block (RFC 5545 §3.6.5).

Plan times are the nurse's own wall clock. The zone comes from the nurse's home
state (the ``us`` package's ``time_zones``); in the states that two zones split,
from the home's county or longitude (:data:`SPLIT_STATES`, after the federal time
zone boundaries, 49 CFR part 71). Offsets and daylight-saving dates come from
``zoneinfo`` (the ``tzdata`` package where the system has no zone database).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from geodata.zones import SPLIT_STATES, zone_of

__all__ = ["nurse_zone", "vtimezone", "SPLIT_STATES"]

#: A nurse's zone is her home's (:func:`geodata.zones.zone_of`).
nurse_zone = zone_of


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
