"""Company holidays: days on which no refill visit is planned (SPEC §4 "holidays").

The default calendar is the six US holidays the spec names (New Year's Day, Memorial Day,
Independence Day, Labor Day, Thanksgiving, Christmas), computed by the ``holidays`` package
(the Open World Holidays Framework) for any year, with their observed weekdays: when a
holiday falls on a weekend, both the day itself and the weekday it is observed on are
company holidays. A ``holidays.csv`` (date, name) or a scenario's ``holidays:`` list
replaces the default entirely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import holidays as _holidays

from optimizer import settings

__all__ = ["Holiday", "HolidayCalendar", "default_holidays"]


@dataclass(frozen=True, slots=True, order=True)
class Holiday:
    """One company holiday."""

    date: dt.date
    name: str


def default_holidays(years: Iterable[int]) -> tuple[Holiday, ...]:
    """The spec's default company holidays in ``years``, observed dates included.

    Parameters
    ----------
    years
        Calendar years to cover (a horizon over New Year spans two).
    """
    wanted = settings.DEFAULT_HOLIDAY_NAMES
    us = _holidays.country_holidays("US", years=sorted(set(years)), observed=True, language="en_US")
    out = []
    for day, names in us.items():
        for name in names.split("; "):
            base = name.removesuffix(" (observed)")
            if base in wanted:
                out.append(Holiday(day, name))
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """The company holidays of a run: the default set, or a user's list that replaces it.

    Build with :meth:`default` or :meth:`from_list`; ask with ``date in calendar``.
    """

    days: Mapping[dt.date, str]
    source: str = "default"

    @classmethod
    def default(cls, start: dt.date, end: dt.date) -> HolidayCalendar:
        """The spec's default holidays between ``start`` and ``end`` (a year of slack each side)."""
        years = range(start.year - 1, end.year + 2)
        return cls({h.date: h.name for h in default_holidays(years)}, "default")

    @classmethod
    def from_list(cls, holidays: Iterable[Holiday], *, source: str = "holidays.csv") -> HolidayCalendar:
        """A user's holiday list (``holidays.csv`` or a scenario's ``holidays:``), replacing the default."""
        return cls({h.date: h.name for h in holidays}, source)

    @classmethod
    def of(cls, holidays: Iterable[Holiday] | None, start: dt.date, end: dt.date) -> HolidayCalendar:
        """The calendar of a run from ``start`` to ``end``: the user's list, or the default when None.

        ``holidays`` is what a roster carries (``Roster.holidays``, from ``holidays.csv``);
        an empty list means no company holidays at all.
        """
        return cls.default(start, end) if holidays is None else cls.from_list(holidays)

    @classmethod
    def none(cls) -> HolidayCalendar:
        """No company holidays at all (an explicit empty list)."""
        return cls({}, "none")

    def __contains__(self, day: object) -> bool:
        return day in self.days

    def name(self, day: dt.date) -> str | None:
        """The holiday's name on ``day``, or None on a working day."""
        return self.days.get(day)

    def between(self, start: dt.date, end: dt.date) -> list[Holiday]:
        """The holidays from ``start`` to ``end`` inclusive, in date order."""
        return sorted(Holiday(d, n) for d, n in self.days.items() if start <= d <= end)
