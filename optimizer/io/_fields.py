"""Cell parsers: each returns a value or raises ``ValueError`` with a message for the user."""

from __future__ import annotations

import datetime as dt
import math
import re

from optimizer.domain import WEEKDAY_NAMES

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")
_ZIP = re.compile(r"^\d{5}$")


def parse_float(text: str, *, lo: float | None = None, hi: float | None = None,
                lo_open: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        op = ">" if lo_open else ">="
        raise ValueError(f"must be {op} {lo:g}, got {value:g}")
    if hi is not None and value > hi:
        raise ValueError(f"must be <= {hi:g}, got {value:g}")
    return value


def parse_int(text: str, *, lo: int | None = None, hi: int | None = None) -> int:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a whole number: {text!r}") from None
    if not math.isfinite(value) or value != int(value):
        raise ValueError(f"not a whole number: {text!r}")
    ivalue = int(value)
    if lo is not None and ivalue < lo:
        raise ValueError(f"must be >= {lo}, got {ivalue}")
    if hi is not None and ivalue > hi:
        raise ValueError(f"must be <= {hi}, got {ivalue}")
    return ivalue


def parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(f"not a boolean (true/false): {text!r}")


def parse_date(text: str) -> dt.date:
    t = text.strip()
    if " " in t or "T" in t:  # a datetime from a spreadsheet: keep the date
        t = t.replace("T", " ").split(" ")[0]
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        pass
    for fmt in ("%m/%d/%Y", "%m/%d/%y"):  # US spreadsheet style
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date (use YYYY-MM-DD): {text!r}")


def parse_hhmm(text: str) -> dt.time:
    m = _HHMM.match(text.strip())
    if not m:
        raise ValueError(f"not a time HH:MM: {text!r}")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"not a time of day: {text!r}")
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
        raise ValueError(f"not a 5-digit ZIP code: {text!r}")
    return t


def parse_weekdays(text: str) -> frozenset[int]:
    names = [p.strip() for p in text.split(";") if p.strip()]
    lookup = {n.lower(): i for i, n in enumerate(WEEKDAY_NAMES)}
    lookup |= {n.lower(): i for i, n in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))}
    days = set()
    for name in names:
        if name.lower() not in lookup:
            raise ValueError(f"unknown weekday {name!r} (use Mon;Tue;Wed;Thu;Fri;Sat;Sun)")
        days.add(lookup[name.lower()])
    if not days:
        raise ValueError("no workdays given")
    return frozenset(days)
