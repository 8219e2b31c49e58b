"""The leadership map holds no patient identifier and no patient coordinate (SPEC §7)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from optimizer.report import leadership_map
from tests.report._demo import demo


@pytest.fixture(scope="module")
def lead_html() -> str:
    d = demo()
    return leadership_map(d.coverage.leadership_view(), provider=d.provider, cutoff=120).html()


def _coordinate_strings(value: float) -> set[str]:
    """Every way a coordinate could be written with 3 or more decimals."""
    out = {repr(value), str(value)}
    for digits in range(3, 9):
        s = f"{value:.{digits}f}"
        out.add(s)
        out.add(s.rstrip("0"))
    return {s for s in out if "." in s and len(s.split(".")[1]) >= 3}


def test_no_patient_id_in_the_leadership_map(lead_html: str) -> None:
    ids = [p.patient_id for p in demo().roster.patients]
    assert len(ids) >= 100
    leaked = [pid for pid in ids if pid in lead_html]
    assert leaked == []


def test_no_patient_coordinate_in_the_leadership_map(lead_html: str) -> None:
    leaked = []
    for p in demo().roster.patients:
        for s in _coordinate_strings(p.lat) | _coordinate_strings(p.lon):
            if s in lead_html:
                leaked.append((p.patient_id, s))
    assert leaked == []


def test_every_map_coordinate_is_rounded_to_two_decimals(lead_html: str) -> None:
    """The map's own data (GeoJSON, markers) carries no coordinate finer than ~1 km."""
    body = lead_html[lead_html.index("<body>"):]
    fine = re.findall(r"\[\s*-?\d{1,3}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}\s*\]", body)
    assert fine == [], fine[:5]
    assert re.search(r"\[\s*-?\d{1,3}\.\d{1,2}\s*,\s*-?\d{1,3}\.\d{1,2}\s*\]", body)  # it has points


def test_the_scanner_finds_leaks_in_the_internal_operations_map() -> None:
    """The same scan on the (internal) operations map finds ids and coordinates: it is not vacuous."""
    from optimizer.report import operations_map

    d = demo()
    ops = operations_map(d.result.plan, d.result.problem, provider=d.provider).html()
    v = d.result.plan.visits[0]
    p = d.roster.patient(v.patient_id)
    assert v.patient_id in ops
    assert any(s in ops for s in _coordinate_strings(p.lat))


def test_the_map_takes_only_aggregates() -> None:
    d = demo()
    view = d.coverage.leadership_view()
    for table in (view.by_state, view.by_county, view.nurses):
        assert "patient_id" not in table.columns and "nurse_ids" not in table.columns
    assert not {"lat", "lon"} & set(view.by_county.columns)
    with pytest.raises(TypeError):
        leadership_map(d.coverage.patients, provider=d.provider)  # patient rows are refused
    with pytest.raises(TypeError):
        leadership_map(pd.DataFrame(), provider=d.provider)


def test_small_counties_are_banded(lead_html: str) -> None:
    view = demo().coverage.leadership_view()
    small = view.by_county[view.by_county["patients_band"] == f"1–{view.small_cell - 1}"]
    assert len(small) > 0 and small["covered_120min"].isna().all()
    assert "details withheld" in lead_html


def test_a_state_of_few_patients_keeps_its_count_and_withholds_what_describes_them() -> None:
    from optimizer.analysis.coverage.leadership import leadership_view

    cov = demo().coverage
    st = cov.by_state.copy()
    lone = st.index[st["patients"] > 0][0]
    st.loc[lone, "patients"] = 1  # a state of one patient: its median minutes would be hers
    view = leadership_view(as_of=cov.as_of, cutoffs=cov.cutoffs, patients=cov.patients, by_state=st,
                           by_county=cov.by_county, nurses=cov.nurses)
    row = view.by_state.loc[lone]
    assert row["patients"] == 1
    for col in ["median_nearest_minutes", "single_nurse_patients", "no_nurse_patients",
                *(f"covered_{c}min" for c in cov.cutoffs)]:
        assert pd.isna(row[col]), col
    big = view.by_state[view.by_state["patients"] >= view.small_cell]
    assert len(big) and big["covered_120min"].notna().all()
    assert "hai-state-cov" in leadership_map(view, provider=demo().provider, cutoff=120).html()  # drawn, "–" shown


# --------------------------------------------------------------------------- operational columns


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every output of a roster whose patients and nurses have names, addresses, phones, notes and
    emails: the coverage folder, the recommendations map, the plan folder, and the log lines of it all."""
    from optimizer import api
    from optimizer.analysis.expansion import recommend
    from optimizer.report import write_coverage
    from tests.report._contacts import contacts

    c = contacts()
    d = demo()
    root = tmp_path_factory.mktemp("deid")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    log = logging.getLogger()
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        start = c.result.plan.horizon_start
        write_coverage(c.roster, root / "coverage", provider=d.provider, as_of=start, start=start, weeks=2,
                       plan_result=c.result)
        expansion = recommend(c.roster, budget=20_000, provider=d.provider, on=start)
        api._recommendations_map(expansion, root / "recommendations_map.html")
        api.write_plan_folder(c.result, root / "plan")
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
    return {"root": root, "logs": "\n".join(f"{r.name} {r.getMessage()}" for r in records),
            "actions": len(expansion.recommendations)}


def _leaks(text: str) -> list[str]:
    from tests.report._contacts import MARKERS

    return [kind for kind, marker in MARKERS.items() if marker in text]


def test_leadership_outputs_hold_no_name_address_phone_note_or_email(outputs: dict[str, Any]) -> None:
    root: Path = outputs["root"]
    files = sorted((root / "coverage" / "leadership").rglob("*.*"))
    assert {f.name for f in files} >= {"leadership_map.html", "summary.json", "coverage_by_county.csv"}
    files += [root / "recommendations_map.html", root / "plan" / "summary.json"]
    leaked = {f.name: _leaks(f.read_text(encoding="utf-8")) for f in files}
    assert {k: v for k, v in leaked.items() if v} == {}
    assert "Recommended actions" in (root / "recommendations_map.html").read_text(encoding="utf-8")


def test_logs_hold_no_operational_value(outputs: dict[str, Any]) -> None:
    assert _leaks(outputs["logs"]) == []


def test_the_scan_finds_the_values_where_they_belong(outputs: dict[str, Any]) -> None:
    """Not vacuous: the nurse-facing files do hold every kind of value."""
    plan = outputs["root"] / "plan"
    found = set(_leaks((plan / "visits.csv").read_text(encoding="utf-8")))
    found |= set(_leaks((plan / "report.html").read_text(encoding="utf-8")))
    found |= {k for f in (plan / "ics").glob("*.ics") for k in _leaks(f.read_text(encoding="utf-8"))}
    wb = openpyxl.load_workbook(plan / "plan.xlsx")
    found |= set(_leaks(" ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                                 for c in row)))  # the nurses' emails are on the Nurses sheet
    from tests.report._contacts import MARKERS

    assert found == set(MARKERS)
