"""A patient's arrival window on the nurse's clock, recomputed with ``zoneinfo`` (SPEC §5 routes).

A plan's times are the nurse's wall clock; a patient's ``earliest_arrival`` and ``latest_arrival``
are hers. Each place's zone is the world's (:func:`geodata.zones.zone_of`); the conversion is
the instant's own (no shift kept from the planner).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from geodata.zones import zone_of
from optimizer.domain import Nurse, Patient

__all__ = ["window_on_nurse_clock"]


def _on_clock(day: date, t: time, source: ZoneInfo, target: ZoneInfo) -> int:
    """Minutes since midnight of ``day`` on the ``target`` clock of ``t`` on ``day`` on the ``source`` clock."""
    x = datetime.combine(day, t, tzinfo=source).astimezone(target)
    return (x.date() - day).days * 1440 + x.hour * 60 + x.minute


def window_on_nurse_clock(n: Nurse, p: Patient, day: date) -> tuple[int, int]:
    """``p``'s arrival window on ``day`` (earliest, latest; minutes since midnight) on ``n``'s clock."""
    source = ZoneInfo(zone_of(p.state, p.lat, p.lon))
    target = ZoneInfo(zone_of(n.home_state, n.lat, n.lon))
    return _on_clock(day, p.earliest_arrival, source, target), _on_clock(day, p.latest_arrival, source, target)
