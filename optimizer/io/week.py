"""Load the week's commitments (SPEC §4): time off, patients away, confirmed visits, holidays.

Each loader checks its rows against the patients and nurses already read (ids known even
when their rows have other problems) and records every problem, located.
"""

from __future__ import annotations

import datetime as dt

from optimizer.domain import ConfirmedVisit, PatientAway, TimeOff
from optimizer.errors import ProblemCollector
from optimizer.io import _fields as F
from optimizer.io._rows import Row, dated, known_id, rows_of
from optimizer.io._table import RawTable
from optimizer.io.load_report import LoadReport
from optimizer.rules.company_calendar import Holiday

__all__ = ["load_time_off", "load_patient_away", "load_confirmed_visits", "load_holidays"]

DEFAULT_HOLIDAY_NAME = "company holiday"


def _times(row: Row) -> tuple[dt.time | None, dt.time | None]:
    """Optional ``start``/``end`` of a time-off row: both or neither, end after start."""
    start = row.get("start", F.parse_hhmm)
    end = row.get("end", F.parse_hhmm)
    if row.text("start") and not row.text("end"):
        row.fail("end", "part-day time off needs an end (or leave start empty for the whole day)")
    elif row.text("end") and not row.text("start"):
        row.fail("start", "part-day time off needs a start (or leave end empty for the whole day)")
    elif start is not None and end is not None and end <= start:
        row.fail("end", f"end {end:%H:%M} is not after start {start:%H:%M}")
    return start, end  # type: ignore[return-value]


def load_time_off(table: RawTable, *, as_of: dt.date, nurse_ids: set[str] | None, errors: ProblemCollector,
                  report: LoadReport | None = None) -> list[TimeOff]:
    """Whole-day and part-day time off (``start``/``end`` empty = the whole day)."""
    out: list[TimeOff] = []
    for row in rows_of(table, "time_off", errors, report):
        nid = known_id(row, "nurse_id", nurse_ids, table="nurses")
        day = row.get("date", dated("time_off", "date", as_of), required=True)
        start, end = _times(row)
        if row.ok:
            out.append(TimeOff(nid, day, start, end))  # type: ignore[arg-type]
    return out


def load_patient_away(table: RawTable, *, as_of: dt.date, patient_ids: set[str] | None,
                      errors: ProblemCollector, report: LoadReport | None = None) -> list[PatientAway]:
    """Absences of patients, ``start_date`` to ``end_date`` inclusive."""
    out: list[PatientAway] = []
    for row in rows_of(table, "patient_away", errors, report):
        pid = known_id(row, "patient_id", patient_ids, table="patients")
        start = row.get("start_date", dated("patient_away", "start_date", as_of), required=True)
        end = row.get("end_date", dated("patient_away", "end_date", as_of), required=True)
        note = row.get("note", F.parse_text)
        if start is not None and end is not None and end < start:  # type: ignore[operator]
            row.fail("end_date", f"end_date {end} is before start_date {start}")
        if row.ok:
            out.append(PatientAway(pid, start, end, note))  # type: ignore[arg-type]
    return sorted(out, key=lambda a: (a.patient_id, a.start_date))


def load_confirmed_visits(table: RawTable, *, as_of: dt.date, patient_ids: set[str] | None,
                          nurse_ids: set[str] | None, errors: ProblemCollector,
                          report: LoadReport | None = None) -> list[ConfirmedVisit]:
    """Visits already promised: at most one per patient and day."""
    out: list[ConfirmedVisit] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for row in rows_of(table, "confirmed_visits", errors, report):
        pid = known_id(row, "patient_id", patient_ids, table="patients")
        nid = known_id(row, "nurse_id", nurse_ids, table="nurses")
        day = row.get("date", dated("confirmed_visits", "date", as_of), required=True)
        start = row.get("start", F.parse_hhmm)
        if pid is not None and day is not None:
            first = seen.setdefault((pid, day), row.number)  # type: ignore[arg-type]
            if first != row.number:
                row.fail("date", f"patient {pid!r} already has a confirmed visit on {day} (row {first})")
        if row.ok:
            out.append(ConfirmedVisit(pid, nid, day, start))  # type: ignore[arg-type]
    return sorted(out, key=lambda v: (v.date, v.nurse_id, v.patient_id))


def load_holidays(table: RawTable, *, as_of: dt.date, errors: ProblemCollector,
                  report: LoadReport | None = None) -> list[Holiday]:
    """The company's holiday list (replaces the default calendar); one row per date."""
    out: list[Holiday] = []
    seen: dict[dt.date, int] = {}
    for row in rows_of(table, "holidays", errors, report):
        day = row.get("date", dated("holidays", "date", as_of), required=True)
        name = row.get("name", F.parse_text, DEFAULT_HOLIDAY_NAME)
        if day is not None:
            first = seen.setdefault(day, row.number)  # type: ignore[arg-type]
            if first != row.number:
                row.fail("date", f"date {day} is listed twice (first on row {first})")
        if row.ok:
            out.append(Holiday(day, str(name)))  # type: ignore[arg-type]
    return sorted(out)
