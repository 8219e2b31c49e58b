"""`haiplan coverage` on the demo writes the tables and both maps."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.report._assets import external_resources


def test_haiplan_coverage_on_the_demo(tmp_path: Path) -> None:
    out = tmp_path / "coverage"
    res = CliRunner().invoke(app, ["coverage", "--out", str(out), "--backend", "greedy"])
    assert res.exit_code == 0, res.output
    for name in ("coverage_by_state.csv", "coverage_by_county.csv", "coverage_patients.csv",
                 "coverage_nurses.csv", "capacity_by_state.csv", "capacity_by_region.csv",
                 "capacity_nurses.csv", "leadership_map.html", "operations_map.html", "summary.json"):
        assert (out / name).exists(), name
    st = pd.read_csv(out / "coverage_by_state.csv")
    assert {"covered_60min", "covered_240min", "licensed_nurses", "single_nurse_patients",
            "no_nurse_patients"} <= set(st.columns)
    reg = pd.read_csv(out / "capacity_by_region.csv")
    assert reg["week"].nunique() == 8 and "All" in set(reg["region"])
    assert set(reg["status"]) <= {"ok", "tight", "short", "no_nurse"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weeks"] == 8 and summary["cutoffs_min"] == [60, 120, 180, 240]
    for page in ("leadership_map.html", "operations_map.html"):
        assert external_resources((out / page).read_text()) == []
    assert "Capacity vs demand" in res.output
