"""Plan report, Excel workbook and per-nurse iCalendar files."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from optimizer.report import export_excel, export_ics, plan_report, write_plan_extras
from optimizer.report.exports import _fold
from tests.report._demo import demo


@pytest.fixture(scope="module")
def extras(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan")
    write_plan_extras(demo().result, out)
    return out


def test_write_plan_extras_writes_report_excel_and_ics(extras: Path) -> None:
    plan = demo().result.plan
    assert (extras / "report.html").stat().st_size > 100_000
    assert (extras / "plan.xlsx").exists()
    nurses = {v.nurse_id for v in plan.visits}
    assert {p.stem for p in (extras / "ics").glob("*.ics")} == nurses


def test_excel_has_a_sheet_per_day_and_a_nurse_summary(extras: Path) -> None:
    plan = demo().result.plan
    wb = openpyxl.load_workbook(extras / "plan.xlsx", read_only=True)
    days = sorted({v.date for v in plan.visits})
    assert wb.sheetnames == ["Summary", "Nurses"] + [f"{d:%Y-%m-%d %a}" for d in days] + ["Unassigned"]
    rows = sum(wb[f"{d:%Y-%m-%d %a}"].max_row - 1 for d in days)
    assert rows == len(plan.visits)
    header = [c.value for c in next(wb["Nurses"].iter_rows(max_row=1))]
    visits_col = header.index("visits")
    per_nurse = {r[0]: r[visits_col] for r in wb["Nurses"].iter_rows(min_row=2, values_only=True)}
    assert per_nurse == dict(Counter(v.nurse_id for v in plan.visits))
    assert wb["Unassigned"].max_row - 1 == len(plan.unassigned)
    day_header = [c.value for c in next(wb[f"{days[0]:%Y-%m-%d %a}"].iter_rows(max_row=1))]
    assert {"nurse_id", "stop", "area", "arrival", "infusate", "reserve_days_left"} <= set(day_header)
    assert "lat" not in day_header and "lon" not in day_header


def test_ics_one_event_per_visit_and_valid_lines(extras: Path) -> None:
    plan = demo().result.plan
    per_nurse = Counter(v.nurse_id for v in plan.visits)
    for path in (extras / "ics").glob("*.ics"):
        raw = path.read_bytes()
        assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
        lines = raw.split(b"\r\n")
        assert all(len(line) <= 75 for line in lines)
        breaks = sum(1 for d in plan.nurse_days if d.nurse_id == path.stem and d.break_start is not None)
        stays = sum(1 for d in plan.nurse_days if d.nurse_id == path.stem and d.lodging_cost > 0)
        # a visit each, a break a long day, a night away on an overnight trip
        assert raw.count(b"BEGIN:VEVENT") == per_nurse[path.stem] + breaks + stays
        text = raw.decode()
        p = demo().roster.patient(next(v.patient_id for v in plan.visits if v.nurse_id == path.stem))
        assert f"{p.lat:.3f}" not in text and f"{p.lon:.3f}" not in text  # areas, never coordinates


def test_ics_parses_with_icalendar(extras: Path) -> None:
    import icalendar  # a dev dependency: the test runs, never skips
    plan = demo().result.plan
    nid = sorted({v.nurse_id for v in plan.visits})[0]
    cal = icalendar.Calendar.from_ical((extras / "ics" / f"{nid}.ics").read_bytes())
    events = [e for e in cal.walk("VEVENT") if not str(e["SUMMARY"]).startswith("Overnight")]
    first = min((v for v in plan.visits if v.nurse_id == nid), key=lambda v: (v.date, v.seq))
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert starts[0].replace(tzinfo=None) == first.start  # the nurse's wall clock ...
    assert str(starts[0].tzinfo) == str(cal["X-WR-TIMEZONE"])  # ... in the nurse's zone
    assert all(str(e["LOCATION"]) for e in events if not str(e["SUMMARY"]).startswith("Break"))


def test_fold_keeps_utf8_sequences_whole() -> None:
    line = "DESCRIPTION:" + "é" * 80
    folded = _fold(line)
    assert all(len(p.encode()) <= 75 for p in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_export_functions_standalone(tmp_path: Path) -> None:
    d = demo()
    assert export_excel(d.result.plan, d.result.problem, tmp_path / "x.xlsx").exists()
    files = export_ics(d.result.plan, d.result.problem, tmp_path / "ics",
                       stamp=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    again = export_ics(d.result.plan, d.result.problem, tmp_path / "ics2",
                       stamp=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in again]  # reproducible


def test_plan_report_content() -> None:
    d = demo()
    plan = d.result.plan
    html = plan_report(plan, d.result.problem, provider=d.provider, map_html="<p>map</p>").html
    assert 'id="kpis"' in html and "on-time rate" in html
    assert html.count('class="nurse"') == len({v.nurse_id for v in plan.visits})
    for v in plan.visits[:20]:
        assert v.patient_id in html
    for u in plan.unassigned:
        assert u.patient_id in html
    reasons = {str(u.reason).replace("_", " ") for u in plan.unassigned}
    assert all(r in html for r in reasons)
    assert 'srcdoc="&lt;p&gt;map&lt;/p&gt;"' in html
    assert "@media print" in html and "break-before:page" in html
