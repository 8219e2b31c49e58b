"""Cell parsers and the plausible range of every field (SPEC §7: every number has a range).

Each parser returns a value or raises ``ValueError`` with a message for the user.
:data:`RANGES` and :data:`DATE_RANGES` are the one place the allowed ranges live,
each with its reason, so the documentation can list them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from geodata.states import STATE_CODES
from optimizer.domain import WEEKDAY_NAMES

__all__ = [
    "Range", "DateRange", "RANGES", "DATE_RANGES", "MAX_ID_LENGTH", "MAX_SHIFT_HOURS", "MAX_TEXT_LENGTH",
    "DATE_FORMAT", "shown", "ranged", "check_date", "id_key", "id_lookalike",
    "parse_id", "parse_float", "parse_int", "parse_bool",
    "parse_date", "parse_text", "parse_hhmm", "parse_zip", "parse_state", "parse_weekdays",
]

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")
_ZIP = re.compile(r"^\d{5}$")
#: A number as a spreadsheet or a person writes it: ASCII digits, sign, decimal point, exponent.
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
#: Unicode categories refused in identifiers: controls, invisible formatting
#: (bidi overrides, zero-width), line/paragraph separators, surrogates, private use.
_BAD_ID_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
#: Invisible characters free text keeps: the zero-width non-joiner and joiner that Persian, Indic
#: scripts and emoji sequences need, and the left-to-right, right-to-left and Arabic letter marks of
#: right-to-left names and addresses. None reorders text as the bidi overrides do; tab and newline too.
_TEXT_KEEPS = frozenset("\t\n\u200c\u200d\u200e\u200f\u061c")

#: Longest patient or nurse id: ids end up in file names and page titles.
MAX_ID_LENGTH: int = 64
#: Longest shift (shift_end - shift_start): a longer one is a typo (e.g. 08:00-28:00 typed as 04:00).
MAX_SHIFT_HOURS: int = 16


@dataclass(frozen=True)
class Range:
    """Allowed closed interval of a numeric field, with its unit and the reason for it."""

    lo: float
    hi: float
    unit: str
    reason: str
    integer: bool = False
    decimals: int | None = None  # shown with this many decimals (coordinates: 2), else ``:g``

    def show(self, value: float) -> str:
        return f"{value:.{self.decimals}f}" if self.decimals is not None else f"{value:g}"

    def check(self, value: float) -> float:
        """``value`` when inside the range, else ``ValueError`` saying what is allowed."""
        if not self.lo <= value <= self.hi:
            raise ValueError(
                f"must be between {self.lo:g} and {self.hi:g} {self.unit}, "
                f"got {self.show(value)} ({self.reason})"
            )
        return value


@dataclass(frozen=True)
class DateRange:
    """Allowed dates relative to the data date (``as_of``), in days, with the reason."""

    days_before: int
    days_after: int
    reason: str


#: (table, column) -> allowed range. The one place these numbers live.
RANGES: dict[tuple[str, str], Range] = {
    ("patients", "lat"): Range(-90, 90, "degrees", "WGS84 latitude", decimals=2),
    ("patients", "lon"): Range(-180, 180, "degrees", "WGS84 longitude", decimals=2),
    ("patients", "reservoir_ml"): Range(
        10, 60, "mL", "HAI pump reservoirs hold 16-50 mL; the Intera 3000 about 30 mL"),
    ("patients", "flow_ml_per_day"): Range(
        0.1, 10, "mL/day", "HAI pumps run at about 0.5-3 mL/day; outside this is a typo or another unit"),
    ("patients", "last_fill_volume_ml"): Range(
        1, 60, "mL", "a refill puts the pump's reservoir volume, 16-50 mL, in it"),
    ("patients", "prescribed_interval_days"): Range(
        7, 90, "days", "refills come every 14 days on chemo or saline, up to about 8 weeks on glycerin",
        integer=True),
    ("patients", "visit_minutes"): Range(
        10, 480, "minutes", "the needle procedure takes about 10 minutes; no visit outlasts a shift",
        integer=True),
    ("nurses", "lat"): Range(-90, 90, "degrees", "WGS84 latitude", decimals=2),
    ("nurses", "lon"): Range(-180, 180, "degrees", "WGS84 longitude", decimals=2),
    ("nurses", "max_visits_per_day"): Range(
        1, 20, "visits", "home-infusion nurses make about 4-5 visits a day", integer=True),
    ("nurses", "max_drive_minutes_one_way"): Range(
        15, 600, "minutes", "a limit under 15 minutes reaches almost no one; 10 hours one way is no day trip",
        integer=True),
    ("nurses", "max_overtime_minutes"): Range(
        0, 240, "minutes", "more than 4 hours past the shift is not a plan a nurse can be asked for",
        integer=True),
    ("nurses", "hourly_cost"): Range(
        10, 500, "$/hour", "US RN pay with overhead runs about $35-120 an hour"),
    ("nurses", "break_minutes"): Range(
        0, 120, "minutes", "a meal break is 30-60 minutes", integer=True),
    ("partners", "lat"): Range(-90, 90, "degrees", "WGS84 latitude", decimals=2),
    ("partners", "lon"): Range(-180, 180, "degrees", "WGS84 longitude", decimals=2),
    ("partners", "radius_km"): Range(
        1, 1000, "km", "a team's area spans a town to a few states; beyond 1,000 km is a typo or miles"),
    ("partners", "cost_per_visit"): Range(
        0, 10000, "$/visit", "a home refill visit is priced in the hundreds of dollars"),
    ("partners", "lead_days"): Range(
        0, 365, "days", "a team starts within days or weeks; a year is a contract, not a lead time",
        integer=True),
}

#: (table, column) -> allowed dates around the data date.
DATE_RANGES: dict[tuple[str, str], DateRange] = {
    ("patients", "last_fill_date"): DateRange(
        730, 0, "a pump is refilled at least every 8 weeks; an older fill is stale data"),
    ("time_off", "date"): DateRange(730, 730, "time off is booked within two years of the data date"),
    ("patient_away", "start_date"): DateRange(
        730, 730, "an absence is recorded within two years of the data date"),
    ("patient_away", "end_date"): DateRange(
        730, 730, "an absence is recorded within two years of the data date"),
    ("confirmed_visits", "date"): DateRange(
        90, 365, "a confirmed visit is promised for the coming weeks; older ones are history"),
    ("holidays", "date"): DateRange(730, 1095, "a company calendar covers the years around the data date"),
}

#: Longest free text (names, addresses, notes): text reaches pages and spreadsheets.
MAX_TEXT_LENGTH: int = 500


def shown(text: str, *, limit: int = 40) -> str:
    """``text`` quoted for a message: ``repr`` (controls escaped), cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def ranged(table: str, column: str) -> Callable[[str], float | int]:
    """Parser of ``column`` of ``table`` that enforces its :data:`RANGES` entry."""
    rng = RANGES[(table, column)]
    coordinate = rng.decimals is not None

    def parse(text: str) -> float | int:
        value: float | int = (parse_int(text, quote=not coordinate) if rng.integer
                              else parse_float(text, quote=not coordinate))
        return rng.check(value)

    return parse


def check_date(value: dt.date, *, table: str, column: str, as_of: dt.date) -> dt.date:
    """``value`` when inside its :data:`DATE_RANGES` entry around ``as_of``, else ``ValueError``."""
    rng = DATE_RANGES[(table, column)]
    lo = _shifted(as_of, -rng.days_before)
    hi = _shifted(as_of, rng.days_after)
    if value > hi and rng.days_after == 0:
        raise ValueError(f"date {value} is in the future (data as of {as_of})")
    if not lo <= value <= hi:
        raise ValueError(f"date {value} must be between {lo} and {hi} (data as of {as_of}; {rng.reason})")
    return value


def _shifted(day: dt.date, days: int) -> dt.date:
    """``day + days``, held at the first or last representable date."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def id_key(text: str) -> str:
    """The id a (stripped) cell's text stands for: in Unicode NFC (``"N\u0303"`` and ``"Ñ"`` are one id).

    Every id of the input is compared in this form, both where it is defined and where it is
    referred to (a patient's ``preferred_nurse_id``, the nurse of a day off).
    """
    return unicodedata.normalize("NFC", text)


#: Cyrillic and Greek letters drawn like a Latin letter: "Р001" (Cyrillic Er) reads as "P001".
_LOOKALIKE = str.maketrans(
    "АВЕКМНОРСТХУаеорсухіІјЈѕЅԁԛԝҮӏ" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοινκ",
    "ABEKMHOPCTXYaeopcyxiIjJsSdqwYl" "ABEZHIKMNOPTYXoivk",
)


def id_lookalike(text: str) -> str:
    """What an id looks like on a page: NFKC (full-width ``Ｐ`` is ``P``) with Cyrillic and Greek letters
    that are drawn as Latin ones made Latin. Two ids with one look cannot be told apart by a reader."""
    return unicodedata.normalize("NFKC", text).translate(_LOOKALIKE)


def parse_id(text: str) -> str:
    """An identifier: at most :data:`MAX_ID_LENGTH` characters, no control or invisible characters,
    in Unicode NFC (``"N\u0303"`` and ``"Ñ"`` look alike and are one id, as a reader takes them)."""
    text = id_key(text)
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(f"is {len(text)} characters long; an id has at most {MAX_ID_LENGTH}")
    bad = next((c for c in text if unicodedata.category(c) in _BAD_ID_CATEGORIES), None)
    if bad is not None:
        raise ValueError(f"contains a control or invisible character (U+{ord(bad):04X}); ids are plain text")
    return text


def _number(text: str, *, what: str, kind: str) -> float:
    """``text`` as a finite float, written as a spreadsheet writes a number: ASCII digits, an optional
    sign, decimal point and exponent. Python's ``float`` also takes ``1_0`` (ten) and digits of other
    scripts (``'١٢'``, twelve); a cell like that is a typo or another program's format, never guessed."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a {kind}{what}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a {'finite number' if kind == 'number' else kind}{what}")
    if not _NUMBER.match(text.strip()):
        raise ValueError(f"not a {kind}{what} (write digits 0-9, an optional '.' and exponent)")
    return value


def parse_float(text: str, *, quote: bool = True) -> float:
    """A finite number; ``quote=False`` keeps the cell text out of the message (coordinates)."""
    return _number(text, what=f": {shown(text)}" if quote else "", kind="number")


def parse_int(text: str, *, quote: bool = True) -> int:
    """A whole number (``3`` or ``3.0``)."""
    what = f": {shown(text)}" if quote else ""
    value = _number(text, what=what, kind="whole number")
    if value != int(value):
        raise ValueError(f"not a whole number{what}")
    return int(value)


def parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(f"not a boolean (true/false): {shown(text)}")


#: The one date format of the input (SPEC §4 dates): ISO, so day and month are never guessed.
DATE_FORMAT: str = "YYYY-MM-DD"
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: The time of day that may follow a date (a spreadsheet or Parquet datetime, ``2026-12-01 10:15:00``).
_ISO_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$")


def parse_date(text: str) -> dt.date:
    """An ISO date ``YYYY-MM-DD`` (a spreadsheet datetime keeps its date).

    Day-first and month-first forms (``11/23/2026``, ``03/04/2026``) are refused, never
    guessed: ``03/04/2026`` is March 4 in the US and April 3 elsewhere. A datetime
    (``2026-12-01T10:00``, ``2026-12-01 10:00:00``) keeps its date; anything else after
    the date (``2026-12-01 tbc``) is refused, not dropped.
    """
    t = text.strip()
    if " " in t or "T" in t:  # a datetime from a spreadsheet: keep the date
        t, clock = re.split(r"[ T]", t, maxsplit=1)
        if _ISO_DATE.match(t) and not _ISO_CLOCK.match(clock.strip()):
            raise ValueError(f"not a date (use {DATE_FORMAT}, or a date and a time HH:MM): {shown(text)}")
    if _ISO_DATE.match(t):
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            raise ValueError(f"not a date on the calendar: {shown(text)} ({DATE_FORMAT})") from None
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", t):
        raise ValueError(f"not a date in {DATE_FORMAT} form: {shown(text)}; day and month order is not "
                         f"guessed, write it as {DATE_FORMAT}")
    raise ValueError(f"not a date (use {DATE_FORMAT}): {shown(text)}")


def parse_text(text: str) -> str:
    """Free text (names, addresses, notes): at most :data:`MAX_TEXT_LENGTH` characters, no controls.

    No invisible character either but those a script needs (:data:`_TEXT_KEEPS`: joiners, bidi marks).

    A line break is a newline whichever way the file wrote it (``\\r\\n`` inside a quoted cell of a
    CSV saved with Windows line ends, or an old Mac ``\\r``). Kept as written otherwise; every output
    escapes it for its medium (SPEC §7).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"is {len(text)} characters long; text has at most {MAX_TEXT_LENGTH}")
    bad = next((c for c in text if unicodedata.category(c) in _BAD_ID_CATEGORIES and c not in _TEXT_KEEPS), None)
    if bad is not None:
        raise ValueError(f"contains a control or invisible character (U+{ord(bad):04X})")
    return text


def parse_hhmm(text: str) -> dt.time:
    m = _HHMM.match(text.strip())
    if not m:
        raise ValueError(f"not a time HH:MM: {shown(text)}")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"not a time of day: {shown(text)}")
    return dt.time(hour, minute)


def parse_zip(text: str) -> str:
    t = text.strip()
    if re.fullmatch(r"\d{5}-\d{4}", t):
        t = t[:5]
    if re.fullmatch(r"\d{5}\.0", t):  # a ZIP read as a number by a spreadsheet
        t = t[:5]
    if re.fullmatch(r"\d{3,4}", t):  # leading zeros lost by a spreadsheet
        t = t.zfill(5)
    if not _ZIP.match(t):
        raise ValueError(f"not a 5-digit ZIP code: {shown(text)}")
    return t


def parse_state(text: str) -> str:
    """A 2-letter US state code (or DC), in any case."""
    code = text.strip().upper()
    if code not in STATE_CODES:
        raise ValueError(f"unknown state code {shown(text)} (2 letters, e.g. PA)")
    return code


def parse_weekdays(text: str) -> frozenset[int]:
    names = [p.strip() for p in text.split(";") if p.strip()]
    lookup = {n.lower(): i for i, n in enumerate(WEEKDAY_NAMES)}
    lookup |= {n.lower(): i for i, n in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))}
    days = set()
    for name in names:
        if name.lower() not in lookup:
            raise ValueError(f"unknown weekday {shown(name)} (use Mon;Tue;Wed;Thu;Fri;Sat;Sun)")
        days.add(lookup[name.lower()])
    if not days:
        raise ValueError("no workdays given")
    return frozenset(days)
