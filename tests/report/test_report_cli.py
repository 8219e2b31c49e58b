"""`haiplan coverage` on the demo: leadership/ (de-identified) and operations/ (internal) folders."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from optimizer import api
from optimizer.cli import app
from optimizer.io.outdir import MARKER, output_kind
from optimizer.report._assets import external_resources

LEADERSHIP = {"coverage_by_state.csv", "coverage_by_county.csv", "capacity_by_state.csv",
              "capacity_by_region.csv", "leadership_map.html", "summary.json"}
OPERATIONS = {"coverage_patients.csv", "coverage_by_county.csv", "coverage_nurses.csv",
              "capacity_nurses.csv", "operations_map.html"}


def test_haiplan_coverage_on_the_demo(tmp_path: Path) -> None:
    out = tmp_path / "coverage"
    res = CliRunner().invoke(app, ["coverage", "--out", str(out), "--backend", "greedy"])
    assert res.exit_code == 0, res.output
    assert {p.name for p in out.iterdir()} == {"leadership", "operations", MARKER}
    assert output_kind(out) == "coverage"
    assert {p.name for p in (out / "leadership").iterdir()} == LEADERSHIP
    assert {p.name for p in (out / "operations").iterdir()} == OPERATIONS
    st = pd.read_csv(out / "leadership" / "coverage_by_state.csv")
    assert {"covered_60min", "covered_240min", "licensed_nurses", "single_nurse_patients",
            "no_nurse_patients"} <= set(st.columns)
    reg = pd.read_csv(out / "leadership" / "capacity_by_region.csv")
    assert reg["week"].nunique() == 8 and "All" in set(reg["region"])
    assert set(reg["status"]) <= {"ok", "tight", "short", "no_nurse"}
    summary = json.loads((out / "leadership" / "summary.json").read_text())
    assert summary["weeks"] == 8 and summary["cutoffs_min"] == [60, 120, 180, 240]
    for page in ("leadership/leadership_map.html", "operations/operations_map.html"):
        assert external_resources((out / page).read_text()) == []
    assert "Capacity vs demand" in res.output

    # leadership/ carries no patient id and no exact home coordinate; operations/ does
    roster, _ = api.load_data(None)
    ids = [p.patient_id for p in roster.patients]
    coords = [f"{p.lat:.4f}" for p in roster.patients]
    ops = (out / "operations" / "coverage_patients.csv").read_text()
    active = [p.patient_id for p in roster.active_patients()]
    assert active and all(i in ops for i in active)
    county = pd.read_csv(out / "leadership" / "coverage_by_county.csv")
    assert "patients" not in county.columns and "patients_band" in county.columns
    for f in sorted((out / "leadership").iterdir()):
        text = f.read_text(encoding="utf-8")
        leaked = [i for i in ids if i in text]
        assert not leaked, f"{f.name} names patients {leaked[:3]}"
        assert not [c for c in coords if c in text], f"{f.name} holds exact home coordinates"
