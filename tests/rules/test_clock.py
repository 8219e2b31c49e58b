"""Whose clock a time is on (SPEC §5 routes): the patient's arrival window read on the nurse's clock."""

from __future__ import annotations

import datetime as dt

import pytest

from optimizer.rules.clock import arrival_window, clock_shift
from tests.conftest import make_nurse, make_patient

BOISE = make_nurse(lat=43.615, lon=-116.202, home_state="ID", state_licenses=frozenset({"OR"}))  # Mountain
BAKER_CITY = make_patient(lat=44.7749, lon=-117.8344, state="OR")  # Pacific
ONTARIO_OR = make_patient(lat=44.0266, lon=-116.9629, state="OR")  # Malheur county: Mountain
PAGE_AZ = make_nurse(lat=36.9147, lon=-111.4558, home_state="AZ")  # no daylight saving
KANAB_UT = make_patient(lat=37.0475, lon=-112.5263, state="UT")  # Mountain with daylight saving
EVANSVILLE = make_nurse(lat=37.9716, lon=-87.5711, home_state="IN")  # Central
LOUISVILLE = make_patient(lat=38.2527, lon=-85.7585, state="KY")  # Eastern


@pytest.mark.parametrize("nurse, patient, day, shift", [
    (BOISE, BAKER_CITY, dt.date(2026, 12, 7), 60),  # the patient's 08:00 is the nurse's 09:00
    (BOISE, ONTARIO_OR, dt.date(2026, 12, 7), 0),  # Oregon, but on Mountain time
    (PAGE_AZ, KANAB_UT, dt.date(2027, 3, 12), 0),  # Friday before the change: both on MST
    (PAGE_AZ, KANAB_UT, dt.date(2027, 3, 15), -60),  # Monday after: Utah an hour ahead
    (PAGE_AZ, KANAB_UT, dt.date(2026, 10, 30), -60),  # before the fall back of 2026-11-01
    (PAGE_AZ, KANAB_UT, dt.date(2026, 11, 2), 0),
    (EVANSVILLE, LOUISVILLE, dt.date(2026, 12, 7), -60),
    (make_nurse(), make_patient(), dt.date(2027, 3, 14), 0),  # same zone: never shifted
])
def test_clock_shift_between_zones_and_over_daylight_saving(nurse, patient, day, shift):
    assert clock_shift(nurse, patient, day) == shift


def test_arrival_window_on_the_nurse_s_clock():
    lo, hi = arrival_window(BOISE, BAKER_CITY, dt.date(2026, 12, 7))
    assert (lo, hi) == (8 * 60 + 60, 17 * 60 + 60)
