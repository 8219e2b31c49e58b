"""A plan a nurse can drive (issue 12 item 1): names, addresses, phones and notes reach the
nurse-facing files — visits.csv, the itineraries, plan.xlsx, the .ics — escaped, and the
.ics carries the nurse's time zone."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import icalendar
import openpyxl
import pytest

from tests.report._contacts import Contacts, contacts

STAMP = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def c() -> Contacts:
    return contacts()


@pytest.fixture(scope="module")
def folder(c: Contacts, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from optimizer import api

    out = tmp_path_factory.mktemp("contacts") / "plan"
    api.write_plan_folder(c.result, out)
    return out


def _visit_events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    """The visits of a nurse's calendar (not her breaks)."""
    return [e for e in cal.walk("VEVENT") if str(e["DESCRIPTION"]).startswith("Patient ")]


def test_visits_csv_carries_the_patient_and_nurse_columns(c: Contacts, folder: Path) -> None:
    with (folder / "visits.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(c.result.plan.visits) > 0
    for row in rows:
        p = c.roster.patient(row["patient_id"])
        n = c.roster.nurse(row["nurse_id"])
        assert (row["patient_name"], row["address"], row["phone"]) == (p.name, p.address, p.phone)
        assert row["notes"] == ("'" + p.notes if p.notes.startswith("=") else p.notes)  # never a live formula
        assert row["nurse_name"] == n.name


def test_itineraries_show_name_address_phone_notes_escaped(c: Contacts, folder: Path) -> None:
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = html[:html.index("<iframe")] + html[html.index("</iframe>"):]  # the page, not the map frame
    for v in c.result.plan.visits:
        p = c.roster.patient(v.patient_id)
        assert p.name in page and p.address in page and p.phone in page
        assert c.roster.nurse(v.nurse_id).name in page and c.roster.nurse(v.nurse_id).phone in page
    assert "onmouseover=alert(" not in page.replace("&lt;b onmouseover=alert(", "")  # markup only as text
    assert "&lt;b onmouseover=alert(" in page


def test_plan_xlsx_has_the_contacts_as_text(c: Contacts, folder: Path) -> None:
    wb = openpyxl.load_workbook(folder / "plan.xlsx")
    days = [ws for ws in wb.worksheets if ws.title[:4].isdigit()]
    seen: dict[str, dict[str, str]] = {}
    for ws in days:
        head = [cell.value for cell in ws[1]]
        for row in ws.iter_rows(min_row=2, values_only=True):
            seen[row[head.index("patient_id")]] = dict(zip(head, row))
    assert set(seen) == {v.patient_id for v in c.result.plan.visits}
    for pid, row in seen.items():
        p = c.roster.patient(pid)
        assert (row["patient_name"], row["address"], row["phone"], row["notes"]) == (
            p.name, p.address, p.phone, p.notes)
    for ws in days:  # a note beginning with "=" is a string, never a formula
        assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    nurses = wb["Nurses"]
    head = [cell.value for cell in nurses[1]]
    for row in nurses.iter_rows(min_row=2, values_only=True):
        n = c.roster.nurse(row[head.index("nurse_id")])
        assert (row[head.index("nurse_name")], row[head.index("email")]) == (n.name, n.email)


def test_ics_location_is_the_address_and_description_the_phone_and_notes(c: Contacts, folder: Path) -> None:
    files = sorted((folder / "ics").glob("*.ics"))
    assert files
    n_events = 0
    for f in files:
        cal = icalendar.Calendar.from_ical(f.read_bytes())
        for e in _visit_events(cal):
            pid = next(v.patient_id for v in c.result.plan.visits
                       if f"-{v.seq}-" in str(e["UID"]) and v.patient_id in str(e["DESCRIPTION"]))
            p = c.roster.patient(pid)
            assert str(e["LOCATION"]) == p.address
            desc = str(e["DESCRIPTION"])
            assert p.phone in desc and p.notes in desc and p.name in desc
            n_events += 1
    assert n_events == len(c.result.plan.visits)


def test_ics_without_an_address_falls_back_to_the_area(tmp_path: Path) -> None:
    from optimizer.report import export_ics
    from tests.report._demo import demo

    d = demo()  # no operational columns
    files = export_ics(d.result.plan, d.result.problem, tmp_path, stamp=STAMP)
    cal = icalendar.Calendar.from_ical(files[0].read_bytes())
    loc = [str(e["LOCATION"]) for e in _visit_events(cal)]
    assert loc and all("County" in x or x.startswith("near ") for x in loc)


@pytest.mark.parametrize("state, lat, lon, zone", [
    ("PA", 40.44, -79.99, "America/New_York"), ("FL", 30.42, -87.22, "America/Chicago"),
    ("FL", 25.76, -80.19, "America/New_York"), ("TX", 31.76, -106.49, "America/Denver"),
    ("TX", 29.76, -95.37, "America/Chicago"), ("IN", 41.59, -87.35, "America/Chicago"),
    ("IN", 39.77, -86.16, "America/Indiana/Indianapolis"), ("AZ", 33.45, -112.07, "America/Phoenix"),
    ("ID", 47.68, -116.78, "America/Los_Angeles"), ("ID", 43.62, -116.20, "America/Boise"),
    ("TN", 35.15, -90.05, "America/Chicago"), ("TN", 35.96, -83.92, "America/New_York"),
    ("KY", 37.0, -86.44, "America/Chicago"), ("KY", 38.25, -85.76, "America/New_York"),
    ("HI", 21.31, -157.86, "Pacific/Honolulu"), ("CA", 34.05, -118.24, "America/Los_Angeles"),
])
def test_nurse_zone_by_state_and_in_split_states_by_county_or_longitude(state: str, lat: float, lon: float,
                                                                        zone: str) -> None:
    from optimizer.report._tz import nurse_zone

    assert nurse_zone(state, lat, lon) == zone


def test_ics_times_are_the_nurse_s_local_time_with_a_vtimezone(c: Contacts, folder: Path) -> None:
    """Every event's start, read by icalendar with the file's VTIMEZONE, is the planned wall-clock
    time in the nurse's zone: the same instant as zoneinfo gives."""
    from zoneinfo import ZoneInfo

    from optimizer.report._tz import nurse_zone

    for f in (folder / "ics").glob("*.ics"):
        cal = icalendar.Calendar.from_ical(f.read_bytes())
        nid = str(cal["X-WR-CALNAME"]).removeprefix("HAI refills ")
        n = c.roster.nurse(nid)
        zone = nurse_zone(n.home_state, n.lat, n.lon)
        assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == [zone]
        for e in _visit_events(cal):
            start = e.decoded("DTSTART")
            v = next(v for v in c.result.plan.visits if v.nurse_id == nid and v.start == start.replace(tzinfo=None))
            assert start.utcoffset() == v.start.replace(tzinfo=ZoneInfo(zone)).utcoffset()
