"""The plan summary printed by ``haiplan plan`` says what the folder holds, on tiny rosters."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app

runner = CliRunner()
NURSES = "nurse_id,lat,lon,home_state,multistate_license,chemo_certified\nN1,39.99,-83.02,OH,true,true\n"
HEADER = "patient_id,lat,lon,state,flow_ml_per_day,last_fill_date,last_fill_infusate\n"


def _plan(tmp_path: Path, patients: str) -> str:
    data = tmp_path / "data"
    data.mkdir()
    (data / "patients.csv").write_text(HEADER + patients, encoding="utf-8")
    (data / "nurses.csv").write_text(NURSES, encoding="utf-8")
    res = runner.invoke(app, ["plan", str(data), "--start", "2026-12-07", "--days", "7", "--as-of", "2026-12-07",
                              "--out", str(tmp_path / "plan"), "--backend", "greedy", "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    return res.output


def test_a_plan_with_no_visit_prints_no_none(tmp_path):
    # a glycerin pump filled on the data date: nothing is due in the week
    out = _plan(tmp_path, "P1,39.96,-83.0,OH,2.0,2026-12-07,glycerin\n")
    assert "0 visits of 0 refills due" in out
    assert "None" not in out, out


def test_the_summary_counts_the_refills_deferred_to_the_next_plan(tmp_path):
    # saline filled 12-01: window Sat 12-12 .. Wed 12-16; in the horizon only the weekend she does not work
    out = _plan(tmp_path, "P1,39.96,-83.0,OH,2.0,2026-12-01,heparinized_saline\n")
    assert (tmp_path / "plan" / "deferred.csv").read_text(encoding="utf-8").count("\n") == 2  # header + P1
    assert "0 visits of 0 refills due" in out and "deferred to the next plan: 1" in out, out


def test_coverage_prints_a_small_states_withheld_figures_as_withheld_not_nan(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "patients.csv").write_text(HEADER + "P1,39.96,-83.0,OH,2.0,2026-12-01,heparinized_saline\n",
                                       encoding="utf-8")
    (data / "nurses.csv").write_text(NURSES, encoding="utf-8")
    res = runner.invoke(app, ["coverage", str(data), "--as-of", "2026-12-07", "--out", str(tmp_path / "cov"),
                              "--backend", "none", "--weeks", "1"])
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.output and "nan" not in res.output, res.output
    assert "-: withheld for a state with under 5 patients" in res.output, res.output
