"""Example input files a new user can start from (issue 12 item 2): every table as CSV, and one workbook.

The examples are dated relative to the data date so they always validate (every refill falls due
in the two weeks after the next Monday, the confirmed visit inside its patient's window), use
every column of :mod:`optimizer.io.schema`, and are fictional (no real patient).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from optimizer.errors import DataError, Problem
from optimizer.io.schema import TABLES, columns_of
from optimizer.rules.company_calendar import HolidayCalendar

__all__ = ["write_template", "template_rows", "WORKBOOK_NAME"]

#: The workbook holding one sheet per table.
WORKBOOK_NAME = "roster.xlsx"


def _patients(day) -> list[dict[str, str]]:
    return [
        dict(patient_id="P001", lat="39.9612", lon="-82.9988", state="OH", name="Pat Example",
             address="100 Example Ave, Columbus, OH 43215", phone="614-555-0100", notes="ring twice",
             flow_ml_per_day="2.0", last_fill_date=day(-4), last_fill_infusate="heparinized_saline",
             last_fill_volume_ml="30", preferred_nurse_id="N1", active="true"),
        dict(patient_id="P002", lat="41.4993", lon="-81.6944", flow_ml_per_day="1.8", last_fill_date=day(-3),
             last_fill_infusate="floxuridine", next_infusate="heparinized_saline", prescribed_interval_days="14",
             visit_minutes="75", earliest_arrival="09:00", latest_arrival="15:00"),
        dict(patient_id="P003", zip="15213", flow_ml_per_day="0.8", last_fill_date=day(-30),
             last_fill_infusate="glycerin", reservoir_ml="30", prescribed_interval_days="42"),
        dict(patient_id="P004", lat="42.0970", lon="-79.2353", state="NY", flow_ml_per_day="2.1",
             last_fill_date=day(-5), last_fill_infusate="saline", preferred_nurse_id="N2"),
    ]


def _nurses() -> list[dict[str, str]]:
    return [
        dict(nurse_id="N1", lat="39.98", lon="-83.02", home_state="OH", name="Nurse One", phone="614-555-0199",
             email="nurse.one@example.com", multistate_license="true", hai_certified="true",
             chemo_certified="true", workdays="Mon;Tue;Wed;Thu;Fri", shift_start="08:00", shift_end="18:00",
             max_visits_per_day="5", max_drive_minutes_one_way="240", max_overtime_minutes="60",
             hourly_cost="55", break_minutes="30"),
        dict(nurse_id="N2", zip="15217", multistate_license="true", state_licenses="NY", chemo_certified="false",
             workdays="Mon;Wed;Fri", shift_start="07:30", shift_end="16:00", break_minutes="45"),
    ]


def template_rows(as_of: dt.date) -> dict[str, list[dict[str, str]]]:
    """The example rows of every table, dated around ``as_of``."""
    cal = HolidayCalendar.default(as_of, as_of + dt.timedelta(days=365))

    def day(offset: int) -> str:
        return (as_of + dt.timedelta(days=offset)).isoformat()

    def workday(offset: int, weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)) -> str:
        """The first working day (one of ``weekdays``, no holiday) from ``as_of + offset`` on."""
        d = as_of + dt.timedelta(days=offset)
        while d.weekday() not in weekdays or d in cal:
            d += dt.timedelta(days=1)
        return d.isoformat()

    return {
        "patients": _patients(day),
        "nurses": _nurses(),
        "time_off": [dict(nurse_id="N1", date=workday(6)),
                     dict(nurse_id="N2", date=workday(2, (0, 2, 4)), start="12:00", end="15:00")],
        "patient_away": [dict(patient_id="P004", start_date=day(20), end_date=day(27), note="family visit")],
        "confirmed_visits": [dict(patient_id="P001", nurse_id="N1", date=workday(9), start="10:00")],
        "holidays": [dict(date=h.date.isoformat(), name=h.name)
                     for h in cal.between(as_of, as_of + dt.timedelta(days=365))],
        "partners": [dict(partner="Keystone Infusion", state="PA", county="42003", cost_per_visit="350",
                          lead_days="3", chemo_certified="true"),
                     dict(partner="Lake Erie Home Care", state="NY", lat="42.10", lon="-79.24", radius_km="80",
                          cost_per_visit="300", lead_days="5")],
    }


def write_template(out: Path, *, as_of: dt.date | None = None) -> list[Path]:
    """Write example input files into ``out``: ``<table>.csv`` for every table and one workbook.

    Parameters
    ----------
    out
        Folder to write (created if missing). Files already there are never overwritten.
    as_of
        The data date the examples are dated around (default: today); load them with the same date.

    Returns
    -------
    list of Path
        The files written: the CSVs, then ``roster.xlsx`` (one sheet per table).

    Raises
    ------
    DataError
        ``out`` is a file, or already holds one of the files.
    """
    import openpyxl

    out = Path(out)
    as_of = as_of or dt.date.today()
    names = [f"{t}.csv" for t in TABLES] + [WORKBOOK_NAME]
    if out.exists() and not out.is_dir():
        raise DataError([Problem(str(out), None, None, "is a file; give a folder for the template")])
    clash = [n for n in names if (out / n).exists()]
    if clash:
        raise DataError([Problem(str(out), None, None, f"already holds {', '.join(clash)}; nothing written")])
    out.mkdir(parents=True, exist_ok=True)
    rows = template_rows(as_of)
    book = openpyxl.Workbook()
    book.remove(book.active)
    written = []
    for table, records in rows.items():
        columns = [c for c in columns_of(table) if any(c in r for r in records)]
        path = out / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        written.append(path)
        sheet = book.create_sheet(table)
        sheet.append(columns)
        for record in records:  # every cell as text: ZIPs keep their zeros, ids stay ids
            sheet.append([record.get(c, "") for c in columns])
            for cell in sheet[sheet.max_row]:
                cell.number_format = "@"
    book.save(out / WORKBOOK_NAME)
    return written + [out / WORKBOOK_NAME]
