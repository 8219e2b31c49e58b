"""The command line as a new planner meets it (issue 12 items 3-5, issue 10 items 4-5).

Every usage mistake: exit 2, one line on stderr, no traceback, nothing written, before any
solving; every option documented with its default; the danger (overdue refills, empty pumps)
printed first by ``validate`` and ``plan`` and counted in the on-time rate; the load report
on screen and in summary.json; ``template`` writes files that validate.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from optimizer import api
from optimizer.analysis.alarms import Alarm, headline
from optimizer.cli import _safe, app
from optimizer.errors import UsageError

DATA = Path(__file__).resolve().parent / "data"
GOOD = DATA / "good"
AS_OF = ["--as-of", "2026-11-20"]
runner = CliRunner()


def _one_line_usage_error(res, *needles: str) -> str:
    """Exit 2, exactly one line on stderr naming ``needles``, nothing on stdout, no traceback."""
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output and res.stdout == ""
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def afile(tmp_path: Path) -> Path:
    f = tmp_path / "afile"
    f.write_text("not a folder\n")
    return f


@pytest.mark.parametrize("args, needles", [
    (["--backend", "OR-Tools"], ("unknown backend 'OR-Tools'", "ortools, pyvrp, greedy", "did you mean 'ortools'")),
    (["--backend", "gurobi"], ("unknown backend 'gurobi'", "greedy")),
    (["--travel", "osrm"], ("unknown travel provider 'osrm'", "haversine, road")),
    (["--travel", "road"], ("--travel road needs", "--osm")),
    (["--travel", "road", "--osm", "missing.osm.pbf"], ("--osm file", "does not exist")),
    (["--time-limit", "0"], ("--time-limit must be a positive number",)),
    (["--time-limit", "nan"], ("--time-limit must be a positive number",)),
    (["--start", "11/23/2026"], ("--start '11/23/2026' is not a date", "YYYY-MM-DD")),
    (["--days", "40"], ("Invalid value for '--days'", "28")),  # the parser's own mistakes: one line too
    (["--bogus"], ("No such option: --bogus",)),
])
def test_plan_usage_mistakes_one_line_exit_2_nothing_written(tmp_path: Path, args: list[str],
                                                            needles: tuple[str, ...]) -> None:
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(GOOD), *AS_OF, "--out", str(out), *args])
    _one_line_usage_error(res, *needles)
    assert not out.exists()


def test_a_missing_argument_is_one_line_and_no_arguments_show_the_help() -> None:
    _one_line_usage_error(runner.invoke(app, ["check", str(GOOD)]), "Missing argument")
    res = runner.invoke(app, [])
    assert res.exit_code == 2 and "validate" in res.output and "Traceback" not in res.output


def test_names_are_case_insensitive() -> None:
    assert api.solver_options(backend="ORTOOLS").backend == "ortools"
    assert api.solver_options(backend="Greedy").backend == "greedy"
    assert api.travel_provider("Haversine").name == "haversine"
    with pytest.raises(UsageError, match="pyvrp"):
        api.solver_options(backend="vroom")


def test_out_under_a_file_and_unwritable_out_refused_before_loading(tmp_path: Path, afile: Path) -> None:
    _one_line_usage_error(runner.invoke(app, ["plan", str(GOOD), *AS_OF, "--out", str(afile / "plan")]),
                          "is a file, not a folder")
    # root ignores permission bits, but nothing can be created in /proc whoever runs the test
    _one_line_usage_error(runner.invoke(app, ["plan", str(GOOD), *AS_OF, "--out", "/proc/haiplan-test-out"]),
                          "nothing can be written in /proc")
    _one_line_usage_error(runner.invoke(app, ["validate", str(GOOD), *AS_OF, "--out", "/proc/haiplan-test-out"]),
                          "nothing can be written in /proc")


def test_missing_data_and_wrong_kind_paths(tmp_path: Path, afile: Path) -> None:
    missing = tmp_path / "no-such-data"
    for cmd in (["plan", str(missing), "--out", str(tmp_path / "p")], ["validate", str(missing)],
                ["coverage", str(missing), "--out", str(tmp_path / "c")]):
        _one_line_usage_error(runner.invoke(app, [*cmd, *AS_OF]), "does not exist")
    _one_line_usage_error(runner.invoke(app, ["check", str(GOOD), str(afile), *AS_OF]),
                          "plan folder", "is a file")
    _one_line_usage_error(runner.invoke(app, ["coverage", str(GOOD), *AS_OF, "--regions", str(tmp_path),
                                              "--out", str(tmp_path / "c")]), "--regions file", "is a folder")
    _one_line_usage_error(runner.invoke(app, ["scenario", "run", str(DATA)]), "scenario file", "is a folder")
    _one_line_usage_error(runner.invoke(app, ["scenario", "compare", str(missing), "--out", str(tmp_path / "x")]),
                          "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_the_console_entry_renders_a_usage_error_without_traceback(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "optimizer.cli", "plan", str(GOOD), *AS_OF, "--backend",
                          "OR-Tools", "--out", str(tmp_path / "p")], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stdout == "" and len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def _commands(group: object, prefix: str = ""):
    for name, cmd in group.commands.items():  # typer vendors click: duck-typed
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


def test_every_option_has_a_description_and_shows_its_default() -> None:
    missing = []
    commands = dict(_commands(typer.main.get_command(app)))
    assert {"plan", "validate", "check", "template", "coverage", "expand", "scenario run"} <= set(commands)
    for name, cmd in commands.items():
        for p in cmd.params:
            if p.name == "help":
                continue
            if not getattr(p, "help", None):
                missing.append(f"{name} {p.name}: no help")
            if p.param_type_name == "option" and not p.show_default and not p.required:
                missing.append(f"{name} {p.name}: default not shown")
    assert missing == []
    res = runner.invoke(app, ["plan", "--help"], env={"COLUMNS": "200"})
    from optimizer import settings
    assert f"default: (the scenario's, else {settings.SOLVER_BACKEND})" in res.output
    assert "ortools | pyvrp | greedy" in res.output


# --------------------------------------------------------------------------- the danger first


def test_headline_names_overdue_and_empty() -> None:
    d = dt.date(2026, 11, 22)
    alarms = [Alarm(f"P{i}", "PA", d, d, d + dt.timedelta(days=3), False) for i in range(5)]
    alarms.append(Alarm("P9", "PA", d, d, d, True))
    assert headline(alarms) == "6 refills overdue, 1 pump empty since 2026-11-22"
    assert headline([]) == ""


DANGER = "DANGER: 3 refills overdue, 2 pumps empty (the first since 2026-11-25)"


def test_validate_prints_the_danger_first_by_patient_and_date() -> None:
    res = runner.invoke(app, ["validate", str(GOOD), *AS_OF, "--start", "2026-11-26"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == DANGER
    assert lines[1].startswith("  P001 (OH): pump EMPTY since 2026-11-25")
    assert lines[2].startswith("  P003 (NY): pump EMPTY since 2026-11-25")
    assert lines[3].startswith("  P004 (OH): refill overdue (window closed 2026-11-24)")
    quiet = runner.invoke(app, ["validate", str(GOOD), *AS_OF, "--start", "2026-11-23"])
    assert "DANGER" not in quiet.stdout


def test_plan_prints_the_danger_first_and_the_on_time_rate_counts_it(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(GOOD), *AS_OF, "--start", "2026-11-26", "--backend", "greedy",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == DANGER
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overdue"] == {"refills_overdue": 3, "pumps_empty": 2, "first_pump_empty_since": "2026-11-25",
                                  "overdue_planned": summary["alarms_planned"]}
    assert summary["alarms_planned"] >= 1
    on_time = (summary["visits"] - summary["alarms_planned"]) / summary["refills_due"]
    assert summary["on_time_rate"] == pytest.approx(on_time, abs=1e-4) and summary["on_time_rate"] < 1
    assert f"(on-time {on_time:.1%})" in res.stdout
    # the result repeats the danger with what the plan does about each overdue refill
    after = res.stdout.split("Plan 2026-11-26")[0].splitlines()
    assert after.count(DANGER) == 2
    assert any(line.startswith("  P004 (OH)") and ("planned" in line or "NOT PLANNED" in line) for line in after)
    assert summary["load_report"]["assumed"]["patients.next_infusate"] == 5


def test_validate_warns_unknown_columns_and_lists_assumed_values(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(GOOD, data)
    text = (data / "patients.csv").read_text()
    (data / "patients.csv").write_text(text.replace("preferred_nurse_id", "prefered_nurse", 1))
    res = runner.invoke(app, ["validate", str(data), *AS_OF])
    assert res.exit_code == 0, res.output
    assert "column 'prefered_nurse': unknown column, ignored; did you mean 'preferred_nurse_id'?" in res.stdout
    assert "assumed: patients.next_infusate for 5 row(s)" in res.stdout


def test_template_writes_files_that_validate(tmp_path: Path) -> None:
    out = tmp_path / "tpl"
    res = runner.invoke(app, ["template", str(out), *AS_OF])
    assert res.exit_code == 0, res.output
    assert {"patients.csv", "nurses.csv", "time_off.csv", "roster.xlsx"} <= {p.name for p in out.iterdir()}
    for data in (out, out / "roster.xlsx"):
        res = runner.invoke(app, ["validate", str(data), *AS_OF])
        assert res.exit_code == 0, res.output
        assert "OK: 4 patients" in res.stdout and "DANGER" not in res.stdout
    again = runner.invoke(app, ["template", str(out), *AS_OF])
    assert again.exit_code == 2 and "Traceback" not in again.output


def test_scenario_holidays_reach_the_roster(tmp_path: Path) -> None:
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text(f"name: hol\ndata: {{dir: {GOOD}}}\nas_of: 2026-11-20\n"
                         "holidays:\n  - {date: 2026-11-24, name: Founders Day}\n")
    roster, sc = api.load_data(yaml_file)
    assert [(h.date, h.name) for h in roster.holidays] == [(dt.date(2026, 11, 24), "Founders Day")]
    plain, _ = api.load_data(GOOD, as_of=dt.date(2026, 11, 20))
    assert plain.holidays is None


def test_the_notebooks_use_only_the_api() -> None:
    """The notebooks call the same Python API as the CLI (issue 10 item 4): no other project import."""
    imports = []
    for nb in sorted((DATA.parent.parent / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                imports += [line.strip() for line in "".join(cell["source"]).splitlines()
                            if line.strip().startswith(("from optimizer", "import optimizer", "from geodata"))]
    assert imports, "no project import found: the test reads the notebooks wrongly"
    assert [i for i in imports if not i.startswith(("from optimizer import api", "from optimizer.api import"))] == []


def test_screen_text_from_input_cannot_drive_the_terminal() -> None:
    """Text from input files is hostile: control characters (terminal escapes) are shown as '?'."""
    assert _safe("P\x1b[2J003\x07 ok\n\tnext") == "P?[2J003? ok\n\tnext"


@pytest.mark.parametrize("args, needles", [
    (["synth", "{tmp}/s", "--patients", "3", "--nurses", "1", "--seed", "-1"], ("--seed",)),
    (["synth", "{tmp}/s", "--patients", "3", "--nurses", "1", "--states", "XX"], ("unknown state code(s): XX",)),
    (["synth", "{tmp}/s", "--patients", "3", "--nurses", "1", "--bbox", "10,10,11,11"], ("no populated place",)),
    (["synth", "{tmp}/s", "--patients", "3", "--nurses", "1", "--bbox", "-80,40,-81,41"], ("bad bbox",)),
    (["coverage", str(GOOD), "--out", "{tmp}/c", *AS_OF, "--tiles", "nope"], ("--tiles 'nope'",)),
    (["coverage", str(GOOD), "--out", "{tmp}/c", *AS_OF, "--cutoffs", "-5;10"], ("--cutoffs needs positive",)),
    (["coverage", str(GOOD), "--out", "{tmp}/c", *AS_OF, "--regions", str(GOOD / "patients.csv")],
     ("region table needs columns state,region",)),
    (["expand", str(GOOD), "--out", "{tmp}/e", *AS_OF, "--budget", "1000", "--target", "0.5"], ("not both",)),
    (["expand", str(GOOD), "--out", "{tmp}/e", *AS_OF, "--actions", "bogus"], ("unknown 'bogus'", "hire")),
    (["expand", str(GOOD), "--out", "{tmp}/e", *AS_OF, "--backend", "foo"], ("unknown MIP backend 'foo'",)),
    (["expand", str(GOOD), "--out", "{tmp}/e", *AS_OF, "--time-limit", "-1"], ("--time-limit must be",)),
    (["expand", str(GOOD), "--out", "{tmp}/e", *AS_OF, "--cutoff", "0"], ("--cutoff must be",)),
    (["expand", str(GOOD), "--out", "{tmp}/e", *AS_OF, "--budget", "inf"], ("--budget must be a finite",)),
    # a time limit past a day is a typo: 1e308 overflowed the MIP's milliseconds (exit 3) or planned for ever
    (["expand", str(GOOD), "--out", "{tmp}/e", *AS_OF, "--time-limit", "1e308"], ("--time-limit", "at most 86400")),
    (["plan", str(GOOD), "--out", "{tmp}/p", *AS_OF, "--time-limit", "1e308"], ("--time-limit (seconds)",
                                                                                 "at most 86400")),
    (["plan", str(GOOD), "--out", "{tmp}/p", *AS_OF, "--travel", "road", "--osm", str(GOOD / "patients.csv")],
     ("is no OSM extract",)),
])
def test_more_usage_mistakes_are_one_line_exit_2_and_write_nothing(tmp_path, args, needles):
    res = runner.invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args])
    _one_line_usage_error(res, *needles)
    assert not any(tmp_path.iterdir())


def test_a_scenario_of_synthetic_data_with_a_horizon_too_late_is_a_usage_error(tmp_path):
    scenario = tmp_path / "late.yaml"
    scenario.write_text("name: late\ndata: {synthetic: {patients: 5, nurses: 2, seed: 1}}\nas_of: 2026-11-22\n"
                        "horizon: {start: 2026-12-07, days: 7}\n")
    res = runner.invoke(app, ["plan", str(scenario), "--out", str(tmp_path / "o"), "--backend", "greedy"])
    _one_line_usage_error(res, "horizon.start", "2026-12-07")
    assert not (tmp_path / "o").exists()


def test_replan_and_check_refuse_what_is_no_plan_folder_in_one_line(tmp_path):
    plan = tmp_path / "plan"
    assert runner.invoke(app, ["plan", str(GOOD), "--out", str(plan), *AS_OF, "--backend", "greedy"]).exit_code == 0
    start = json.loads((plan / "summary.json").read_text())["horizon"]["start"]
    last = dt.date.fromisoformat(start) + dt.timedelta(days=13)
    res = runner.invoke(app, ["replan", str(GOOD), "--previous", str(GOOD), "--from", start, "--out", str(tmp_path / "r")])
    _one_line_usage_error(res, "is not a plan folder haiplan wrote")
    res = runner.invoke(app, ["replan", str(GOOD), "--previous", str(plan), "--from",
                              (last + dt.timedelta(days=1)).isoformat(), "--out", str(tmp_path / "r")])
    _one_line_usage_error(res, "after the previous plan's last day")
    bad = tmp_path / "bad"
    shutil.copytree(plan, bad)
    rows = (bad / "visits.csv").read_text().splitlines()
    header = rows[0].split(",")
    cells = rows[1].split(",")
    cells[header.index("date")] = "2026-13-45"
    (bad / "visits.csv").write_text("\n".join([rows[0], ",".join(cells), *rows[2:]]) + "\n")
    _one_line_usage_error(runner.invoke(app, ["check", str(GOOD), str(bad), *AS_OF]), "cannot be read as a plan")
    res = runner.invoke(app, ["replan", str(GOOD), "--previous", str(bad), "--from", start, "--out", str(tmp_path / "r")])
    # the previous plan is the re-plan's input: its damaged cells are located data problems, all of them
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert "visits.csv, row 2, column 'date'" in res.stderr and "Nothing was written." in res.stderr
    assert not (tmp_path / "r").exists()


def test_api_plan_says_what_each_argument_must_be():
    roster, _ = api.load_data(GOOD, as_of=dt.date(2026, 11, 20))
    for kwargs, needle in [({"roster": str(GOOD)}, "roster must be a Roster"),
                           ({"start": "23/11/2026"}, "is not a date"),
                           ({"days": 10**6}, "days must be a whole number from 1 to 28"),
                           ({"options": {"backend": "greedy"}}, "options must be SolverOptions")]:
        args = {"roster": roster, "start": dt.date(2026, 11, 23), **kwargs}
        with pytest.raises(UsageError, match=needle):
            api.plan(args.pop("roster"), **args)
    ok = api.plan(roster, start="2026-11-23", days=3, options=api.solver_options(None, backend="greedy"))
    assert ok.plan.horizon_start == dt.date(2026, 11, 23)  # an ISO text is read as the date


@pytest.mark.parametrize("start, needle", [("2099-01-05", "26344 days after the data date 2026-11-20"),
                                           ("2026-11-19", "1 day(s) before the data date 2026-11-20"),
                                           ("2026-11-28", "8 days after the data date 2026-11-20")])
def test_a_start_far_from_the_data_date_is_refused_before_any_work(tmp_path, start, needle):
    # it planned with every refill overdue ("min reserve days left: -26322") and wrote the folder
    out = tmp_path / "p"
    res = runner.invoke(app, ["plan", str(GOOD), *AS_OF, "--start", start, "--out", str(out), "--backend", "greedy"])
    _one_line_usage_error(res, needle, "--as-of", "--start")
    assert not out.exists()
    roster, _ = api.load_data(GOOD, as_of=dt.date(2026, 11, 20))
    with pytest.raises(UsageError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        api.plan(roster, start=start, days=3, options=api.solver_options(None, backend="greedy"), out=out)
    assert not out.exists()
    # a week after the data date is the last first day (the Monday after a Sunday's data)
    assert api.prepare(GOOD, as_of="2026-11-20", start="2026-11-27").horizon.start == dt.date(2026, 11, 27)


def test_api_planning_calls_say_what_each_argument_must_be(tmp_path):
    roster, _ = api.load_data(GOOD, as_of=dt.date(2026, 11, 20))
    greedy = api.solver_options(None, backend="greedy")
    result = api.plan(roster, start="2026-11-23", days=3, options=greedy)
    api.write_plan_folder(result, tmp_path / "plan", with_map=False)
    mon = dt.date(2026, 11, 23)
    calls = [
        (lambda: api.plan(roster, start=mon, provider="haversine"), "provider must be a travel provider"),
        (lambda: api.plan(roster, start=mon, rules={"late_days": 2}), "rules must be WindowRules"),
        (lambda: api.plan(roster, start=mon, progress="quiet"), "progress must be a function"),
        (lambda: api.make_problem(str(GOOD), api.horizon_for(None, start=mon)), "roster must be a Roster"),
        (lambda: api.make_problem(roster, mon), "horizon must be Horizon"),
        (lambda: api.replan(str(GOOD), tmp_path / "plan", start=mon), "roster must be a Roster"),
        (lambda: api.replan(roster, tmp_path / "plan", start="24/11/2026"), "is not a date"),
        (lambda: api.replan(roster, 5, start=mon), "previous must be a plan folder"),
        (lambda: api.replan(roster, tmp_path / "plan", start=mon, options={"backend": "greedy"}),
         "options must be SolverOptions"),
        (lambda: api.write_plan_folder("plan", tmp_path / "w"), "result must be PlanResult"),
        (lambda: api.write_plan_folder(result, tmp_path / "w", confirm_days=0), "confirm_days must be a whole"),
        (lambda: api.check(str(GOOD), tmp_path / "plan"), "roster must be a Roster"),
        (lambda: api.check(roster, tmp_path / "plan", provider="haversine"), "provider must be a travel provider"),
        (lambda: api.check(roster, tmp_path / "plan", rules="strict"), "rules must be WindowRules"),
        (lambda: api.check(roster, GOOD), "holds none of visits.csv"),
        (lambda: api.load_data(roster), "data must be a data folder"),
        (lambda: api.validate(GOOD, as_of=5), "--as-of 5 is not a date"),
        (lambda: api.validate(GOOD, as_of="2026-11-20", days=10**6), "--days must be a whole number from 1 to 28"),
        (lambda: api.validate(GOOD, as_of="2026-11-20", days=0), "--days must be a whole number from 1 to 28"),
        (lambda: api.prepare(GOOD, as_of="2026-11-20", time_limit="5"), "--time-limit must be a positive number"),
        (lambda: api.prepare(GOOD, as_of="2026-11-20", workers=10**6), "--workers must be a whole number"),
        (lambda: api.solver_options(None, backend=5), "backend must be a name"),
    ]
    for call, needle in calls:
        with pytest.raises(UsageError, match=needle):
            call()
    assert not (tmp_path / "w").exists()
    v = api.validate(GOOD, as_of="2026-11-20", start="2026-11-23", days=7)  # ISO texts are read as dates
    assert v.run.horizon == api.horizon_for(None, start=mon, days=7)


def test_replan_from_before_the_previous_plan_and_check_with_data_and_plan_swapped(tmp_path):
    plan = tmp_path / "plan"
    assert runner.invoke(app, ["plan", str(GOOD), "--out", str(plan), *AS_OF, "--backend", "greedy",
                               "--days", "3"]).exit_code == 0
    res = runner.invoke(app, ["replan", str(GOOD), "--previous", str(plan), "--from", "2026-11-20",
                              "--out", str(tmp_path / "r"), *AS_OF, "--backend", "greedy"])
    _one_line_usage_error(res, "before the previous plan's first day 2026-11-23", "2026-11-23..2026-11-25")
    assert not (tmp_path / "r").exists()
    res = runner.invoke(app, ["check", str(GOOD), str(GOOD), *AS_OF])  # a data folder given as the plan
    _one_line_usage_error(res, "holds none of visits.csv", "the data folder comes first")
    res = runner.invoke(app, ["check", str(plan), str(GOOD), *AS_OF])  # swapped: it listed missing tables
    _one_line_usage_error(res, f"DATA {str(plan)!r} is a plan folder", "give the data folder first")


def test_api_paths_scenarios_and_flags_of_the_wrong_kind_are_one_line_usage_errors(tmp_path):
    """A number where a path goes failed deep in pathlib (TypeError); overnight='no' planned overnight trips."""
    roster, sc = api.load_data(GOOD, as_of=dt.date(2026, 11, 20))
    mon = dt.date(2026, 11, 23)
    greedy = api.solver_options(None, backend="greedy")
    calls = [
        (lambda: api.plan(roster, start=mon, days=3, options=greedy, out=5), "out \\(the output folder\\) must be a path"),
        (lambda: api.plan(roster, start=mon, days=3, options=greedy, overnight="no"), "overnight must be bool"),
        (lambda: api.validate(GOOD, as_of="2026-11-20", out=5), "must be a path"),
        (lambda: api.prepare(GOOD, as_of="2026-11-20", osm=5), "--osm file must be a path"),
        (lambda: api.coverage(GOOD, out=tmp_path / "c", regions=5, backend=None), "--regions file must be a path"),
        (lambda: api.expand(GOOD, sites_file=5), "--sites file must be a path"),
        (lambda: api.expand(GOOD, progress="quiet"), "progress must be a function"),
        (lambda: api.scenarios([GOOD / "patients.csv"], out=5), "out must be a path"),
        (lambda: api.check_out(5), "must be a path"),
        (lambda: api.materialize(str(GOOD)), "scenario must be Scenario"),
        (lambda: api.provider_for("haversine"), "must be Scenario"),
        (lambda: api.solver_options("greedy"), "must be Scenario"),
    ]
    for call, needle in calls:
        with pytest.raises(UsageError, match=needle):
            call()
    assert not any(tmp_path.iterdir())
    assert api.next_monday("2026-11-20") == mon and api.solver_options(sc).backend  # a scenario is fine


def test_the_alarm_helpers_say_what_they_take():
    roster, _ = api.load_data(GOOD, as_of=dt.date(2026, 11, 20))
    horizon = api.horizon_for(None, start="2026-11-23", days=7)
    for call, needle in [(lambda: api.find_alarms(str(GOOD), horizon), "roster must be a Roster"),
                         (lambda: api.find_alarms(roster, "2026-11-23"), "horizon must be Horizon"),
                         (lambda: api.alarm_lines("P1"), "alarms must be a list of Alarm"),
                         (lambda: api.headline(None), "alarms must be a list of Alarm")]:
        with pytest.raises(UsageError, match=needle):
            call()
    assert api.headline(api.find_alarms(roster, horizon)) == headline(api.find_alarms(roster, horizon))


def test_api_plan_checks_the_fields_of_its_solver_options():
    """SolverOptions built by hand bypass solver_options(): a bogus backend was a KeyError, a text
    time limit a TypeError deep in the planner, a negative one planned anyway."""
    from optimizer.planning.planner import SolverOptions

    roster, _ = api.load_data(GOOD, as_of=dt.date(2026, 11, 20))
    for kwargs, needle in [({"backend": "bogus"}, "options.backend must be one of ortools, pyvrp, greedy"),
                           ({"time_limit": "5"}, "options.time_limit"), ({"time_limit": -1}, "options.time_limit"),
                           ({"workers": 0}, "options.workers"), ({"max_iterations": 0}, "options.max_iterations")]:
        with pytest.raises(UsageError, match=needle):
            api.plan(roster, start="2026-11-23", days=3, options=SolverOptions(**{"backend": "greedy", **kwargs}))


def test_replan_and_check_with_a_scenario_of_an_earlier_horizon_are_not_refused(tmp_path):
    """replan and check take their dates from the plan folder: a scenario's horizon.start before a
    later --as-of (the data of the day of the call-out) is no mistake for them."""
    scenario = tmp_path / "week.yaml"
    scenario.write_text(f"name: week\ndata: {{dir: {GOOD}}}\nas_of: 2026-11-20\n"
                        "horizon: {start: 2026-11-23, days: 5}\n")
    plan = tmp_path / "plan"
    assert runner.invoke(app, ["plan", str(scenario), "--out", str(plan), "--backend", "greedy"]).exit_code == 0
    later = ["--as-of", "2026-11-30"]  # a week on: the scenario's start is 7 days before it
    res = runner.invoke(app, ["replan", str(scenario), "--previous", str(plan), "--from", "2026-11-25",
                              "--out", str(tmp_path / "r"), "--backend", "greedy", *later])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["check", str(scenario), str(plan), *later])
    assert res.exit_code in (0, 1) and "Traceback" not in res.output, res.output
    _one_line_usage_error(runner.invoke(app, ["plan", str(scenario), "--out", str(tmp_path / "p2"), *later]),
                          "7 day(s) before the data date 2026-11-30")
