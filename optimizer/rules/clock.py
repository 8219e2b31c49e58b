"""Whose clock a time is on (SPEC §5 routes): a patient's arrival window is her own wall clock,
a nurse's shift, part-day time off and a plan's times are the nurse's.

A nurse in Boise (Mountain) visiting a patient in Baker City, Oregon (Pacific) may arrive
from the patient's 08:00, which is 09:00 on the nurse's clock; a nurse in Arizona (no daylight
saving) visiting Utah reads the same window an hour later once Utah's clocks go forward.
:func:`arrival_window` gives the patient's window on the nurse's clock of one day; the offset
is taken at noon of that day (visits are day work: a day of a clock change is the clock of its
working hours). Same zone: no shift at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from geodata.zones import zone_of
from optimizer.domain import Nurse, Patient, minutes_of

__all__ = ["arrival_window", "clock_shift", "nurse_zone_of", "patient_zone_of", "zone_shift", "zone_shifts"]


def nurse_zone_of(nurse: Nurse) -> str:
    """The nurse's zone: her home's."""
    return zone_of(nurse.home_state, nurse.lat, nurse.lon)


def patient_zone_of(patient: Patient) -> str:
    """The patient's zone: her home's."""
    return zone_of(patient.state, patient.lat, patient.lon)


@lru_cache(maxsize=65536)
def zone_shift(from_zone: str, to_zone: str, day: date) -> int:
    """Minutes to add to a wall-clock time in ``from_zone`` to read it in ``to_zone`` on ``day``."""
    if from_zone == to_zone:
        return 0
    noon = datetime.combine(day, time(12, 0))
    a = noon.replace(tzinfo=ZoneInfo(from_zone)).utcoffset()
    b = noon.replace(tzinfo=ZoneInfo(to_zone)).utcoffset()
    assert a is not None and b is not None
    return int((b - a).total_seconds() // 60)


def clock_shift(nurse: Nurse, patient: Patient, day: date) -> int:
    """Minutes to add to a time on ``patient``'s clock to read it on ``nurse``'s, on ``day``."""
    return zone_shift(patient_zone_of(patient), nurse_zone_of(nurse), day)


def zone_shifts(from_zone: str, to_zone: str, days: Iterable[date]) -> tuple[int, int]:
    """The least and the greatest :func:`zone_shift` over ``days`` (``(0, 0)`` when none)."""
    shifts = [zone_shift(from_zone, to_zone, d) for d in days] or [0]
    return min(shifts), max(shifts)


def arrival_window(nurse: Nurse, patient: Patient, day: date) -> tuple[int, int]:
    """``patient``'s arrival window (earliest, latest; minutes since midnight) on ``nurse``'s clock
    on ``day``."""
    s = clock_shift(nurse, patient, day)
    return minutes_of(patient.earliest_arrival) + s, minutes_of(patient.latest_arrival) + s
