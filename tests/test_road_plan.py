"""Planning on real road times (issue 4 item 7): a roster inside the Columbus extract,
planned with ``--travel road --osm``, checked by ``haiplan check`` with 0 violations."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app

OSM = Path(__file__).resolve().parents[1].parent / "shared" / "osm" / "columbus-oh.osm.pbf"
BBOX = "-83.245,39.859,-82.788,40.112"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.osm,
    pytest.mark.skipif(not OSM.exists(), reason=f"{OSM} is absent (the shared US extracts; CI has them)"),
    pytest.mark.skipif(shutil.which("osmium") is None, reason="osmium-tool is not installed (.ci/run installs it)"),
]
runner = CliRunner()


def test_plan_with_road_times_in_columbus_validates(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIPLAN_CACHE_DIR", str(tmp_path / "cache"))
    data, out = tmp_path / "data", tmp_path / "plan"
    res = runner.invoke(app, ["synth", "--patients", "40", "--nurses", "6", "--seed", "5", "--states", "OH",
                              "--as-of", "2026-11-20", "--plan-start", "2026-11-23", f"--bbox={BBOX}", str(data)])
    assert res.exit_code == 0, res.output
    common = ["--as-of", "2026-11-20", "--travel", "road", "--osm", str(OSM)]
    res = runner.invoke(app, ["plan", str(data), "--start", "2026-11-23", "--days", "7", "--out", str(out),
                              "--time-limit", "5", *common])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["travel_provider"] == "road" and summary["visits"] >= 10
    res = runner.invoke(app, ["check", str(data), str(out), *common])
    assert res.exit_code == 0 and "0 violation(s)" in res.output, res.output
    # the map draws legs along roads: polylines with many vertices, not straight segments
    html = (out / "map.html").read_text()
    lines = re.findall(r"L\.polyline\(\s*(\[\[.*?\]\])", html, flags=re.S)
    assert lines and max(ln.count("[") for ln in lines) > 20
