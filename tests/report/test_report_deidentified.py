"""The leadership map holds no patient identifier and no patient coordinate (SPEC §7)."""

from __future__ import annotations

import re

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
