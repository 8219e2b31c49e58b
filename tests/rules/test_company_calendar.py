"""The default company calendar (SPEC §4 holidays) and a user's list replacing it."""

from __future__ import annotations

import datetime as dt

from optimizer.rules.company_calendar import Holiday, HolidayCalendar, default_holidays

D = dt.date


def test_default_holidays_are_the_six_of_the_spec_with_observed_days() -> None:
    days = {h.date: h.name for h in default_holidays([2026, 2027])}
    assert D(2026, 11, 26) in days  # Thanksgiving, fourth Thursday
    assert D(2026, 12, 25) in days and D(2027, 1, 1) in days
    assert D(2026, 7, 3) in days and D(2026, 7, 4) in days  # Saturday, observed Friday
    assert D(2027, 12, 24) in days  # Christmas 2027 is a Saturday: observed Friday
    assert D(2027, 12, 31) in days  # New Year 2028 is a Saturday: observed Friday 2027-12-31
    assert D(2026, 5, 25) in days and D(2026, 9, 7) in days  # Memorial Day, Labor Day
    # holidays the spec does not name are working days
    for other in (D(2026, 1, 19), D(2026, 2, 16), D(2026, 6, 19), D(2026, 10, 12), D(2026, 11, 11)):
        assert other not in days


def test_calendar_over_a_year_end_horizon() -> None:
    cal = HolidayCalendar.default(D(2026, 12, 21), D(2027, 1, 8))
    assert [h.date for h in cal.between(D(2026, 12, 21), D(2027, 1, 8))] == [D(2026, 12, 25), D(2027, 1, 1)]
    assert D(2026, 12, 24) not in cal and D(2026, 12, 25) in cal
    assert cal.name(D(2026, 12, 25)) == "Christmas Day"


def test_a_user_list_replaces_the_default() -> None:
    cal = HolidayCalendar.from_list([Holiday(D(2026, 12, 24), "Christmas Eve")])
    assert D(2026, 12, 24) in cal
    assert D(2026, 12, 25) not in cal  # replaced, not added to
    assert D(2026, 12, 25) not in HolidayCalendar.none()
