"""`write_template`: example files of every table, as CSV and as one workbook, that load back (issue 12)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from optimizer.errors import DataError
from optimizer.io import TABLES, load_roster_with_report
from optimizer.io.schema import columns_of
from optimizer.io.template import WORKBOOK_NAME, write_template

AS_OF = dt.date(2026, 12, 10)


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2027, 6, 30)])
def test_template_files_validate_as_csv_and_as_workbook(tmp_path, as_of):
    written = write_template(tmp_path / "t", as_of=as_of)
    assert sorted(p.name for p in written) == sorted([f"{t}.csv" for t in TABLES] + [WORKBOOK_NAME])
    roster, report = load_roster_with_report(tmp_path / "t", as_of=as_of)
    assert report.warnings == []
    assert len(roster.patients) == 4 and len(roster.nurses) == 2
    assert roster.patient("P003").state == "PA" and report.assumed["patients.location_from_zip"] == 1
    cv = roster.confirmed_visits[0]
    assert cv.date.weekday() < 5 and as_of < cv.date <= as_of + dt.timedelta(days=14)
    assert roster.confirmed_visits and roster.patient_away and roster.holidays
    n2 = roster.nurse("N2")
    (part,) = [t for t in roster.time_off if t.nurse_id == "N2"]
    assert roster.working_intervals(n2, part.date) == ((450, 720), (900, 960))  # 07:30-12:00, 15:00-16:00
    assert roster.nurse("N1").email == "nurse.one@example.com"
    book, book_report = load_roster_with_report(tmp_path / "t" / WORKBOOK_NAME, as_of=as_of)
    assert book == roster and book_report == report


def test_template_uses_every_column_and_the_default_holidays(tmp_path):
    write_template(tmp_path, as_of=AS_OF)
    wb = openpyxl.load_workbook(tmp_path / WORKBOOK_NAME, read_only=True)
    for table in TABLES:
        header = next(wb[table].iter_rows(values_only=True))
        assert list(header) == list(columns_of(table)), table
        csv_header = (tmp_path / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert csv_header == ",".join(columns_of(table))
    holidays = (tmp_path / "holidays.csv").read_text(encoding="utf-8")
    assert "2026-12-25,Christmas Day" in holidays and "2027-01-01,New Year's Day" in holidays


def test_template_never_overwrites(tmp_path):
    (tmp_path / "patients.csv").write_text("mine\n", encoding="utf-8")
    with pytest.raises(DataError, match="already holds patients.csv"):
        write_template(tmp_path, as_of=AS_OF)
    assert (tmp_path / "patients.csv").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "nurses.csv").exists()
