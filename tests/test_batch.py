"""Scenario batches: local process pool vs Ray, the CLI run/compare, scenario files and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from optimizer.studies.batch import prepare_scenario, run_batch
from optimizer.cli import app
from optimizer.errors import DataError
from optimizer.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]

TINY = {
    "name": "tiny",
    "description": "40 patients, 6 nurses in four Northeast/Midwest states",
    "data": {"synthetic": {"patients": 40, "nurses": 6, "seed": 11, "states": ["OH", "PA", "NY", "NJ"]}},
    "as_of": "2026-11-20",
    "horizon": {"start": "2026-11-23", "days": 7},
    "expansion": {"sites": {"per_state": 2, "clusters": 3}},
    "plans": [
        {"name": "hiring", "budget": 125000, "actions": ["hire"]},
        {"name": "licensing", "budget": 125000, "actions": ["license", "hai_cert", "chemo_cert"]},
    ],
    "simulation": {"weeks": 2, "seeds": 2, "respect_lead_times": False},
}


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("scen")
    f = d / "tiny.yaml"
    f.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def prepared(tiny_file):
    return prepare_scenario(tiny_file)


@pytest.mark.slow
def test_ray_batch_equals_local_batch(prepared) -> None:
    ray = pytest.importorskip("ray")
    local_weekly, local_totals = run_batch([prepared], workers=2)
    assert len(local_totals) == 3 * 2  # baseline + two plans, two seeds
    try:
        ray_weekly, ray_totals = run_batch([prepared], ray_address="local",
                                           ray_init={"num_cpus": 2, "include_dashboard": False})
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(local_totals, ray_totals)
    pd.testing.assert_frame_equal(local_weekly, ray_weekly)


def test_prepare_resolves_plans_within_budget(prepared) -> None:
    assert list(prepared.plans) == ["baseline", "hiring", "licensing"]
    assert prepared.plans["baseline"] == ()
    for name in ("hiring", "licensing"):
        info = prepared.plan_info[name]
        assert info["one_time_cost"] <= 125_000
        assert info["covered_share_after"] >= info["covered_share_before"]
    assert all(a.kind.value == "hire" for a in prepared.plans["hiring"])
    assert all(a.kind.value != "hire" for a in prepared.plans["licensing"])


def test_cli_run_then_compare(tiny_file, tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "runs"
    res = runner.invoke(app, ["scenario", "run", str(tiny_file), "--out", str(out), "--seeds", "2",
                              "--workers", "1"])
    assert res.exit_code == 0, res.output
    d = out / "tiny"
    for name in ("plans.csv", "weekly.csv", "totals.csv", "summary.csv", "summary.json", "scenario.yaml"):
        assert (d / name).exists(), name
    assert (d / "plans" / "hiring" / "recommendations.csv").exists()
    assert (d / "plans" / "licensing" / "recommendations.geojson").exists()
    totals = pd.read_csv(d / "totals.csv")
    assert sorted(set(totals.plan)) == ["baseline", "hiring", "licensing"] and set(totals.seed) == {0, 1}
    summary = json.loads((d / "summary.json").read_text())
    assert summary["verdict"]["winner"] in {"baseline", "hiring", "licensing"}
    cmp_dir = tmp_path / "cmp"
    res = runner.invoke(app, ["scenario", "compare", str(out), "--out", str(cmp_dir)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(cmp_dir / "compare.csv")
    assert list(table.plan) == ["baseline", "hiring", "licensing"]
    assert {"missed_or_late_mean", "missed_or_late_std", "missed_or_late_delta_vs_baseline",
            "drive_hours_per_refill_mean", "cost_per_refill_mean", "visit_utilization_mean"} <= set(table.columns)
    page = (cmp_dir / "compare.html").read_text()
    assert page.count("<svg") >= 5 and "<script" not in page and "http://cdn" not in page
    assert "beats" in page
    text = (cmp_dir / "compare.csv").read_text() + page
    for p in prepared_patient_ids(tiny_file):
        assert p not in text
    # a result folder found under the parent given is an input too: --out may not replace it
    res = runner.invoke(app, ["scenario", "compare", str(out), "--out", str(d)])
    assert res.exit_code == 2 and "is an input of this run" in res.output
    assert (d / "totals.csv").exists() and (d / "plans" / "hiring").exists()
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "totals.csv").write_text("a,b\n")  # not a result: located, exit 2, nothing written
    res = runner.invoke(app, ["scenario", "compare", str(fake), "--out", str(tmp_path / "cmp2")])
    assert res.exit_code == 2 and "not a readable scenario result" in res.output
    assert not (tmp_path / "cmp2").exists()


def prepared_patient_ids(tiny_file: Path) -> list[str]:
    from optimizer import api

    roster, _ = api.load_data(tiny_file)
    return [p.patient_id for p in roster.patients]


def test_cli_expand(tiny_file, tmp_path) -> None:
    out = tmp_path / "exp"
    res = CliRunner().invoke(app, ["expand", str(tiny_file), "--budget", "5000", "--out", str(out)])
    assert res.exit_code == 0, res.output
    recs = pd.read_csv(out / "recommendations.csv")
    assert recs.cost.sum() <= 5000
    layer = json.loads((out / "recommendations.geojson").read_text())
    assert layer["type"] == "FeatureCollection"
    # the ranked actions are drawn on the (de-identified) leadership map, one marker each
    out = tmp_path / "exp2"
    res = CliRunner().invoke(app, ["expand", str(tiny_file), "--budget", "500000", "--out", str(out)])
    assert res.exit_code == 0, res.output
    recs = pd.read_csv(out / "recommendations.csv")
    layer = json.loads((out / "recommendations.geojson").read_text())
    html = (out / "recommendations_map.html").read_text()
    markers = html.count('"className": "hai-recommendation-icon"')  # one divIcon per marker
    assert markers == len(layer["features"]) == len(recs) > 0
    roster, _ = __import__("optimizer.api", fromlist=["api"]).load_data(tiny_file)
    for p in roster.patients:
        assert p.patient_id not in html and f"{p.lat:.4f}" not in html


def test_shipped_scenarios_load_and_answer_the_brief() -> None:
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    scs = {load_scenario(f).name: load_scenario(f) for f in files}
    assert {"demo", "growth_southeast", "launch_nevada", "hiring_vs_licensing"} <= set(scs)
    hvl = scs["hiring_vs_licensing"]
    budgets = {p.name: p.budget for p in hvl.plans}
    assert budgets["hiring"] == budgets["licensing"] and hvl.simulation.seeds >= 5
    assert set(hvl.plans[0].actions) == {"hire"} and "hire" not in hvl.plans[1].actions
    assert scs["growth_southeast"].demand.growth == {"Southeast": 0.5}
    launch = scs["launch_nevada"].demand.new_states[0]
    from geodata.licensure import default_nlc_table

    assert default_nlc_table().implemented.get(launch.state) is None  # not in the compact
    assert scs["demo"].plan_specs()[0].budget == 150_000


def _bad(tmp_path: Path, doc: dict) -> DataError:
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_scenario(f)
    assert all(p.file == str(f) for p in err.value.problems)
    return err.value


def test_scenario_errors_name_file_and_key(tmp_path) -> None:
    base = {k: v for k, v in TINY.items() if k != "plans"}
    e = _bad(tmp_path, {**base, "plans": [{"name": "x", "budget": 1, "bogus": 2}]})
    assert "plans.0.bogus" in {p.column for p in e.problems}
    e = _bad(tmp_path, {**base, "demand": {"growth": {"XX": 0.5}}})
    assert any(p.column and p.column.startswith("demand.growth") for p in e.problems)
    e = _bad(tmp_path, {**base, "plans": [{"name": "h", "changes": [{"kind": "hire", "state": "NV"}]}]})
    assert any(p.column and p.column.startswith("plans.0.changes.0") for p in e.problems)
    e = _bad(tmp_path, {**base, "simulation": {"sick_rate": 2}})
    assert "simulation.sick_rate" in {p.column for p in e.problems}
    e = _bad(tmp_path, {**base, "plans": [{"name": "a", "budget": 1}, {"name": "a", "budget": 2}]})
    assert any("unique" in p.message for p in e.problems)
    e = _bad(tmp_path, {**base, "simulation": {"referral_rate": 1e12}})  # a runaway Poisson rate
    assert "simulation.referral_rate" in {p.column for p in e.problems}
    twice = {"state": "AK", "referrals_per_week": 1}
    e = _bad(tmp_path, {**base, "demand": {"new_states": [twice, twice]}})
    assert any(p.column == "demand.new_states" and "AK" in p.message for p in e.problems)


def test_a_missing_or_bad_license_terms_file_is_located(tmp_path) -> None:
    from optimizer.analysis.expansion.actions import load_license_terms

    for path in (tmp_path / "nope.csv", tmp_path):
        with pytest.raises(DataError, match="cannot read the license terms file"):
            load_license_terms(path)
    bad = tmp_path / "terms.csv"
    bad.write_text("state,fee,lead_weeks\nNY,nan,4\nCA,100,inf\n")
    with pytest.raises(DataError) as err:
        load_license_terms(bad)
    assert [p.row for p in err.value.problems] == [2, 3]


def test_plan_naming_a_missing_nurse_is_located(tmp_path) -> None:
    doc = {**TINY, "plans": [{"name": "p", "changes": [{"kind": "license", "nurse": "N999", "state": "NY"}]}]}
    f = tmp_path / "missing.yaml"
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(DataError) as err:
        prepare_scenario(f)
    (p,) = err.value.problems
    assert p.file == str(f) and p.column == "plans.0.changes.0.nurse" and "N999" in p.message


def test_unknown_keys_are_errors_at_every_level(tmp_path) -> None:
    """A misspelt key is an error naming the key and the nearest allowed one, never ignored (issue 12)."""
    e = _bad(tmp_path, {**TINY, "horizn": {"days": 3}, "report": {"title": "x"}})
    by_key = {p.column: p.message for p in e.problems}
    assert set(by_key) == {"horizn", "report"}
    assert "unknown key 'horizn'; did you mean 'horizon'?" in by_key["horizn"]
    assert "did you mean" not in by_key["report"] and "allowed: " in by_key["report"]
    e = _bad(tmp_path, {**TINY, "horizon": {"dayz": 3}})
    (p,) = e.problems
    assert p.column == "horizon.dayz" and "did you mean 'days'?" in p.message
    e = _bad(tmp_path, {**TINY, "plans": [{"name": "x", "budjet": 1, "budget": 2}]})
    assert "did you mean 'budget'?" in {p.column: p.message for p in e.problems}["plans.0.budjet"]
    e = _bad(tmp_path, {**TINY, "expansion": {"costs": {"license_by_state": {"CA": {"fee": 1, "lead_wks": 2}}}}})
    (p,) = [p for p in e.problems if "unknown key" in p.message]
    assert p.column == "expansion.costs.license_by_state.CA.lead_wks" and "did you mean 'lead_weeks'?" in p.message


def test_scenario_holidays_replace_the_default(tmp_path) -> None:
    f = tmp_path / "h.yaml"
    f.write_text(yaml.safe_dump({**TINY, "holidays": [{"date": "2026-12-24", "name": "Christmas Eve"}]}),
                 encoding="utf-8")
    (h,) = load_scenario(f).holiday_list()
    assert (str(h.date), h.name) == ("2026-12-24", "Christmas Eve")
    f.write_text(yaml.safe_dump({**TINY, "holidays": []}), encoding="utf-8")
    assert load_scenario(f).holiday_list() == ()
    f.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    assert load_scenario(f).holiday_list() is None


def test_a_tie_goes_to_the_cheaper_plan_and_then_to_the_baseline() -> None:
    from optimizer.studies.batch.results import verdict

    rows = [{"plan": p, "seed": s, "missed_refills": 7, "late_refills": 0, "cost_per_refill": 0.0}
            for p in ("baseline", "a", "b") for s in (0, 1)]
    info = {"baseline": {"one_time_cost": 0.0}, "a": {"one_time_cost": 124_000.0}, "b": {"one_time_cost": 500.0}}
    v = verdict(pd.DataFrame(rows), info, ["baseline", "a", "b"], "tie")
    assert v["ranking"] == ["baseline", "b", "a"]  # equal refills and cost per refill: nothing bought wins
    assert "b ties with a on missed or late refills" in v["text"] and "beats" not in v["text"]
    info["b"]["one_time_cost"] = 0.0
    rows += [{"plan": "c", "seed": s, "missed_refills": 6, "late_refills": 0, "cost_per_refill": 1.0} for s in (0, 1)]
    info["c"] = {"one_time_cost": 10.0}
    v = verdict(pd.DataFrame(rows), info, ["baseline", "a", "b", "c"], "win")
    assert v["winner"] == "c" and "c beats baseline" not in v["text"] and "c beats b by 1.0" in v["text"]


def test_two_files_of_one_scenario_name_are_refused_before_any_work(tiny_file, tmp_path, monkeypatch) -> None:
    """It was refused only after both scenarios' expansion MIPs had run."""
    import optimizer.studies.batch.results as results

    def no_work(*args, **kwargs):
        raise AssertionError("a scenario was prepared before the names were checked")

    monkeypatch.setattr(results, "prepare_scenario", no_work)
    twin = tmp_path / "twin.yaml"
    twin.write_text(yaml.safe_dump({**TINY, "description": "the same name, another file"}), encoding="utf-8")
    res = CliRunner().invoke(app, ["scenario", "run", str(tiny_file), str(twin), "--out", str(tmp_path / "runs")])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert len(line.splitlines()) == 1 and str(tiny_file) in line and str(twin) in line and "'tiny'" in line
    assert not (tmp_path / "runs").exists()


def test_api_scenarios_compare_and_verdict_say_what_each_argument_must_be(tiny_file, tmp_path) -> None:
    from optimizer import api
    from optimizer.errors import UsageError

    out = tmp_path / "runs"
    for call, needle in [(lambda: api.scenarios(str(tiny_file), out=out), "must be a list of paths"),
                         (lambda: api.scenarios([], out=out), "at least one path"),
                         (lambda: api.scenarios([tiny_file], out=out, workers="2"), "--workers must be a whole"),
                         (lambda: api.scenarios([tiny_file], out=out, seeds=0), "--seeds must be a whole"),
                         (lambda: api.compare(str(tmp_path), out=out), "must be a list of paths"),
                         (lambda: api.compare([], out=out), "at least one path"),
                         (lambda: api.scenario_verdict(tmp_path), "holds no verdict"),
                         (lambda: api.scenario_verdict(tiny_file), "is a file; give a folder")]:
        with pytest.raises(UsageError, match=needle):
            call()
    assert not out.exists()


def test_compare_refuses_a_result_folder_given_twice(tmp_path) -> None:
    """``scenario compare runs/tiny runs/tiny`` (or ``runs runs/tiny``) compared a scenario with itself."""
    from optimizer.studies.batch.compare import _result_dirs
    from optimizer.errors import UsageError

    run = tmp_path / "runs" / "tiny"
    run.mkdir(parents=True)
    (run / "totals.csv").write_text("plan\nbaseline\n")
    for dirs in ([run, run], [tmp_path / "runs", run], [run, tmp_path / "runs" / ".." / "runs" / "tiny"]):
        with pytest.raises(UsageError, match="is given twice"):
            _result_dirs(dirs)
    assert _result_dirs([tmp_path / "runs"]) == [run]
    res = CliRunner().invoke(app, ["scenario", "compare", str(run), str(run), "--out", str(tmp_path / "c")])
    assert res.exit_code == 2 and "is given twice" in res.stderr and not (tmp_path / "c").exists()


def test_a_scenario_starting_far_from_its_data_date_is_refused_before_any_work(tiny_file, tmp_path) -> None:
    """A scenario of a data folder with horizon.start 2099 was simulated with every refill overdue."""
    from optimizer.errors import UsageError
    from optimizer.studies.batch import run_scenarios

    data = tmp_path / "data"
    CliRunner().invoke(app, ["synth", str(data), "--patients", "4", "--nurses", "1", "--as-of", "2026-11-20"])
    late = tmp_path / "late.yaml"
    late.write_text(yaml.safe_dump({"name": "late", "data": {"dir": str(data)}, "as_of": "2026-11-20",
                                    "horizon": {"start": "2099-01-05", "days": 7}}), encoding="utf-8")
    with pytest.raises(UsageError, match=r"late.yaml: start 2099-01-05 .* after the data date 2026-11-20"):
        run_scenarios([tiny_file, late], out=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()
    res = CliRunner().invoke(app, ["expand", str(late), "--out", str(tmp_path / "e")])
    assert res.exit_code == 2 and "2099-01-05" in res.stderr and not (tmp_path / "e").exists()
