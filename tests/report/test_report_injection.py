"""Exports of a roster whose ids are attacks: no live formula, no lost or crashing calendar file.

Issue 9 items 4 and 5: CSV and Excel cells from data that a spreadsheet would
evaluate are written as text; calendar file names are safe, bounded and never
shared by two nurses.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import icalendar
import openpyxl
import pytest

from optimizer.report import export_ics
from tests.report._demo import demo
from tests.report._hostile import FORMULA_PROBES, NURSE_PROBES, PATIENT_PROBES, Hostile, hostile

STAMP = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def h(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return hostile(str(tmp_path_factory.mktemp("hostile")))


@pytest.fixture(scope="module")
def plan_dir(h: Hostile, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from optimizer import api

    return api.write_plan_folder(h.result, tmp_path_factory.mktemp("out") / "plan")


def _visits(cal: icalendar.Calendar) -> int:
    """Visit events of a calendar (a nurse-day's break is an event too)."""
    return sum(1 for e in cal.walk("VEVENT") if str(e["DESCRIPTION"]).startswith("Patient "))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_roster_probes_reach_the_plan(h: Hostile) -> None:
    plan = h.result.plan
    shown = {v.patient_id for v in plan.visits} | {u.patient_id for u in plan.unassigned}
    assert set(PATIENT_PROBES) <= shown
    assert plan.unassigned and plan.visits
    assert any(v.patient_id in FORMULA_PROBES for v in plan.visits)
    assert any(u.patient_id in FORMULA_PROBES for u in plan.unassigned)


def test_plan_csvs_write_formula_probes_as_quoted_text(h: Hostile, plan_dir: Path) -> None:
    plan = h.result.plan
    visits, unassigned = _csv(plan_dir / "visits.csv"), _csv(plan_dir / "unassigned.csv")
    cells = [c for row in visits + unassigned for c in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c.startswith("-") and not c[1:].replace(".", "").isdigit()]
    for u in plan.unassigned:  # every id is there, neutralised exactly when risky
        want = "'" + u.patient_id if u.patient_id[:1] in "=+-@'" else u.patient_id
        assert want in {r["patient_id"] for r in unassigned}
    want = {("'" + v.nurse_id if v.nurse_id[:1] in "=+-@'" else v.nurse_id) for v in plan.visits}
    assert {r["nurse_id"] for r in visits} == want
    # negative numbers stay numbers: a reserve-days column never gets a quote
    assert all(not r["reserve_days_left"].startswith("'") for r in visits)


def test_validate_reads_the_neutralised_plan_back(h: Hostile, plan_dir: Path) -> None:
    from optimizer import api

    assert [str(v) for v in api.check(h.roster, plan_dir, provider=h.provider)] == []


def test_plan_xlsx_has_no_formula_and_keeps_ids_intact(h: Hostile, plan_dir: Path) -> None:
    plan = h.result.plan
    wb = openpyxl.load_workbook(plan_dir / "plan.xlsx")
    values, formulas = set(), []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    formulas.append((ws.title, c.coordinate, c.value))
                if isinstance(c.value, str):
                    values.add(c.value)
                    if c.value[:1] in ("=", "+", "-", "@"):
                        assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate)
    assert formulas == []
    ids = {v.patient_id for v in plan.visits} | {u.patient_id for u in plan.unassigned}
    ids |= {v.nurse_id for v in plan.visits}
    assert ids <= values  # intact text, no quote added inside the workbook
    assert "'=HYPERLINK" not in "".join(values)


def test_every_nurse_gets_its_own_calendar(h: Hostile, plan_dir: Path) -> None:
    plan = h.result.plan
    nurses = {v.nurse_id for v in plan.visits}
    files = sorted((plan_dir / "ics").glob("*.ics"))
    assert len(files) == len(nurses)
    names = {}
    for f in files:
        cal = icalendar.Calendar.from_ical(f.read_bytes())
        names[str(cal["X-WR-CALNAME"])] = _visits(cal)
        assert all(c.isalnum() or c in "._-" for c in f.stem) and len(f.name) <= 64
    assert names == {f"HAI refills {n}": sum(v.nurse_id == n for v in plan.visits) for n in nurses}


def _renamed(plan, names: dict[str, str]):
    """The demo plan with some nurses given other ids (the writer reads nurses only from visits)."""
    return dataclasses.replace(plan, visits=[dataclasses.replace(v, nurse_id=names.get(v.nurse_id, v.nurse_id))
                                             for v in plan.visits])


def test_ics_n_slash_4_and_n_underscore_4_get_two_files(tmp_path: Path) -> None:
    d = demo()
    first, second = sorted({v.nurse_id for v in d.result.plan.visits})[:2]
    plan = _renamed(d.result.plan, {first: "N/4", second: "N_4"})
    files = export_ics(plan, d.result.problem, tmp_path / "ics", stamp=STAMP)
    assert len(files) == len({v.nurse_id for v in plan.visits}) == len(set(files))
    cals = {str(icalendar.Calendar.from_ical(f.read_bytes())["X-WR-CALNAME"]): f for f in files}
    assert cals["HAI refills N_4"].name == "N_4.ics"
    assert cals["HAI refills N/4"].name.startswith("N_4-") and cals["HAI refills N/4"].exists()
    for nid, f in (("N/4", cals["HAI refills N/4"]), ("N_4", cals["HAI refills N_4"])):
        events = [e for e in icalendar.Calendar.from_ical(f.read_bytes()).walk("VEVENT")
                  if str(e["DESCRIPTION"]).startswith("Patient ")]
        assert len(events) == sum(v.nurse_id == nid for v in plan.visits)


def test_ics_100k_character_nurse_id_does_not_crash(tmp_path: Path) -> None:
    d = demo()
    first = sorted({v.nurse_id for v in d.result.plan.visits})[0]
    huge = "N" + "é/" * 50_000
    plan = _renamed(d.result.plan, {first: huge})
    files = export_ics(plan, d.result.problem, tmp_path / "ics", stamp=STAMP)
    others = {v.nurse_id for v in plan.visits} - {huge}
    mine = [f for f in files if f.stem not in others]
    assert len(mine) == 1 and len(mine[0].name) <= 64
    cal = icalendar.Calendar.from_ical(mine[0].read_bytes())
    assert str(cal["X-WR-CALNAME"]) == f"HAI refills {huge}"
    assert _visits(cal) == sum(v.nurse_id == huge for v in plan.visits)
    assert all(len(line) <= 75 for line in mine[0].read_bytes().split(b"\r\n"))


def test_nurse_probe_ids_are_accepted_by_the_loader(h: Hostile) -> None:
    assert {n.nurse_id for n in h.roster.nurses} == set(NURSE_PROBES)


def test_coverage_csvs_neutralise_formula_ids(h: Hostile, tmp_path: Path) -> None:
    from optimizer.report import write_coverage

    start = h.result.plan.horizon_start
    out = write_coverage(h.roster, tmp_path / "coverage", provider=h.provider, as_of=start, start=start, weeks=2)
    files = sorted(Path(out).rglob("*.csv"))
    cells = [c for f in files for row in _csv(f) for c in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    patients = next(f for f in files if f.name == "coverage_patients.csv")
    ids = {r["patient_id"] for r in _csv(patients)}
    assert {"'" + p for p in FORMULA_PROBES if p in PATIENT_PROBES} <= ids
    nurse_ids = {c for f in files if "nurse" in f.name for r in _csv(f) for c in [r.get("nurse_id", "")]}
    assert "'=N+1" in nurse_ids and "=N+1" not in nurse_ids


def test_template_syntax_in_ids_is_written_as_text(h: Hostile, plan_dir: Path) -> None:
    """Ids holding Jinja syntax reach report.html and map.html as text, never evaluated."""
    import html

    pages = {name: (plan_dir / name).read_text(encoding="utf-8") for name in ("report.html", "map.html")}
    for name, page in pages.items():
        assert "P49" not in page and "N49" not in page, name
    assert "N{{7*7}}" in html.unescape(pages["report.html"])
