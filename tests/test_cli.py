"""The command line: exit codes, nothing written on bad input, refused --out folders, determinism,
interrupted runs."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.io.atomic import atomic_dir
from optimizer.io.outdir import MARKER, output_kind
from tests.conftest import sigint_default

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
EXPECTED = list(csv.DictReader((DATA / "bad" / "expected.csv").open()))
HAIPLAN = [sys.executable, "-m", "optimizer.cli"]
runner = CliRunner()


def digest(folder: Path) -> dict[str, str]:
    """Hash of every file under ``folder``; the folder must exist and hold files (a test can fail)."""
    assert folder.is_dir(), f"{folder} is not a folder"
    out = {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
           for p in sorted(folder.rglob("*")) if p.is_file()}
    assert out, f"{folder} holds no files"
    return out


def bad_dir(tmp_path: Path, name: str) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA / "good", d)
    table = next(e["table"] for e in EXPECTED if e["file"] == name)
    (d / f"{table}.csv").unlink()
    shutil.copy(DATA / "bad" / name, d / f"{table}{Path(name).suffix}")
    return d


@pytest.mark.parametrize("name", sorted({e["file"] for e in EXPECTED}))
def test_bad_file_exits_nonzero_names_location_writes_nothing(tmp_path, name):
    d = bad_dir(tmp_path, name)
    out = tmp_path / "out"
    with atomic_dir(out, kind="validate") as tmp:  # a previous run's folder: replaceable, must be kept
        (tmp / "previous.csv").write_text("kept\n")
    before = digest(out)
    res = runner.invoke(app, ["validate", str(d), "--as-of", "2026-11-20", "--out", str(out)])
    assert res.exit_code == 2, res.output
    for e in (e for e in EXPECTED if e["file"] == name):
        where = e["table"]
        if e["row"]:
            where = f"row {e['row']}"
        assert where in res.output
        if e["column"]:
            assert f"column '{e['column']}'" in res.output
    assert "Nothing was written" in res.output
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]  # no temp folder left


def test_validate_good_data_writes_tables(tmp_path):
    out = tmp_path / "summary"
    res = runner.invoke(app, ["validate", str(DATA / "good"), "--as-of", "2026-11-20",
                              "--start", "2026-11-23", "--days", "14", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "OK: 5 patients" in res.output
    assert {p.name for p in out.iterdir()} >= {"by_state.csv", "windows_per_day.csv", "alarms.csv", MARKER}
    assert output_kind(out) == "validate"


def test_synth_then_validate_and_same_seed_same_bytes(tmp_path):
    args = ["synth", "--patients", "1000", "--nurses", "120", "--seed", "7", "--as-of", "2026-11-20",
            "--plan-start", "2026-11-23"]
    a, b = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(app, args + [str(a)]).exit_code == 0
    assert runner.invoke(app, args + [str(b)]).exit_code == 0
    assert digest(a) == digest(b)
    res = runner.invoke(app, ["validate", str(a), "--as-of", "2026-11-20", "--start", "2026-11-23"])
    assert res.exit_code == 0, res.output
    assert "OK: 1000 patients" in res.output
    c = tmp_path / "c"
    res = runner.invoke(app, args[:-6] + ["--seed", "8", "--as-of", "2026-11-20", str(c)])
    assert res.exit_code == 0, res.output
    assert set(digest(c)) == set(digest(a)) and digest(c) != digest(a)


def _plan_args(data: Path, out: Path, *extra: str) -> list[str]:
    return ["plan", str(data), "--as-of", "2026-11-20", "--start", "2026-11-23", "--days", "14",
            "--out", str(out), *extra]


@pytest.mark.parametrize("backend", ["ortools", "pyvrp"])
def test_deterministic_mode_gives_identical_plan_files(tmp_path, backend):
    outs = []
    for k in range(2):
        out = tmp_path / f"plan{k}"
        res = runner.invoke(app, _plan_args(DATA / "good", out, "--iterations", "200", "--seed", "3",
                                            "--backend", backend))
        assert res.exit_code == 0, res.output
        outs.append(digest(out))
    assert outs[0] == outs[1]
    assert {"visits.csv", "nurse_days.csv", "unassigned.csv", "summary.json", "map.html"} <= set(outs[0])


def test_check_command_passes_on_plan_and_fails_on_corrupted(tmp_path):
    out = tmp_path / "plan"
    assert runner.invoke(app, _plan_args(DATA / "good", out, "--backend", "greedy")).exit_code == 0
    res = runner.invoke(app, ["check", str(DATA / "good"), str(out), "--as-of", "2026-11-20"])
    assert res.exit_code == 0 and "0 violation(s)" in res.output, res.output
    visits = pd.read_csv(out / "visits.csv", dtype=str)
    later = set(pd.read_csv(out / "deferred.csv", dtype=str).patient_id)  # their next fill hangs on this one
    single = (visits.patient_id.map(visits.patient_id.value_counts()) == 1) & ~visits.patient_id.isin(later)
    visits.drop(index=visits.index[single][0]).to_csv(out / "visits.csv", index=False)  # drop a visit
    res = runner.invoke(app, ["check", str(DATA / "good"), str(out), "--as-of", "2026-11-20"])
    assert res.exit_code == 1 and "[coverage]" in res.output


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_killed_mid_solve_leaves_previous_plan_intact(tmp_path, sig):
    data = tmp_path / "data"
    assert runner.invoke(app, ["synth", "--patients", "150", "--nurses", "20", "--seed", "1",
                               "--as-of", "2026-11-20", "--plan-start", "2026-11-23", str(data)]).exit_code == 0
    out = tmp_path / "plan"
    assert runner.invoke(app, _plan_args(data, out, "--backend", "greedy")).exit_code == 0
    before = digest(out)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(HAIPLAN + _plan_args(data, out, "--time-limit", "120"), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=sigint_default)
    deadline = time.time() + 120
    seen = []
    while time.time() < deadline:  # wait until the solver is running
        line = proc.stdout.readline()
        seen.append(line)
        if "independent part" in line:
            break
    time.sleep(2)
    assert proc.poll() is None, "".join(seen)
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "plan"]  # no temp folder or lock left


def _descendants(pid: int) -> set[int]:
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        for k in map(int, kids):
            if k not in out:
                out.add(k)
                todo.append(k)
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_workers_do_not_outlive_a_killed_planner(tmp_path):
    data = tmp_path / "data"
    assert runner.invoke(app, ["synth", "--patients", "200", "--nurses", "25", "--seed", "2",
                               "--as-of", "2026-11-20", "--plan-start", "2026-11-23", str(data)]).exit_code == 0
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(HAIPLAN + _plan_args(data, tmp_path / "plan", "--time-limit", "120", "--workers", "2"),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline, seen = time.time() + 120, []
    while time.time() < deadline:
        line = proc.stdout.readline()
        seen.append(line)
        if "round 1/" in line:
            break
    time.sleep(3)
    kids = _descendants(proc.pid)
    assert kids, "".join(seen)
    proc.kill()  # SIGKILL to the planner alone, not its process group
    proc.wait(timeout=30)
    time.sleep(3)
    alive = {k for k in kids if Path(f"/proc/{k}").exists()
             and "zombie" not in Path(f"/proc/{k}/status").read_text().lower()}
    assert not alive, f"{len(alive)} worker(s) outlived the planner"


# --------------------------------------------------------------------------- --out never destroys user files


def _tree(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (folders too, so a new empty folder is seen)."""
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(root.rglob("*"))}


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's folder: data/ (a roster), notes/notes.txt and some/file.txt; the current folder."""
    shutil.copytree(DATA / "good", tmp_path / "data")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "notes.txt").write_text("call the pharmacy\n")
    (tmp_path / "some").mkdir()
    (tmp_path / "some" / "file.txt").write_text("mine\n")
    (tmp_path / "tiny.yaml").write_text("name: tiny\ndata:\n  dir: data\nas_of: 2026-11-20\n")
    (tmp_path / "runs" / "tiny").mkdir(parents=True)
    (tmp_path / "runs" / "tiny" / "draft.md").write_text("my notes on the tiny study\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


PLAN = ["plan", "--as-of", "2026-11-20", "--start", "2026-11-23", "--days", "7", "--backend", "greedy"]
REFUSED = {
    "plan DATA --out DATA": (".", PLAN + ["data", "--out", "data"]),
    "plan --out . in the data folder": ("data", PLAN + [".", "--out", "."]),
    "plan data --out . beside it": (".", PLAN + ["data", "--out", "."]),
    "plan --out notes/": (".", PLAN + ["data", "--out", "notes/"]),
    "plan --out some/file.txt": (".", PLAN + ["data", "--out", "some/file.txt"]),
    "plan --out DATA/patients.csv": (".", PLAN + ["data", "--out", "data/patients.csv"]),
    "plan --out a table name in DATA": (".", PLAN + ["data", "--out", "data/time_off.parquet"]),
    "plan --out under a file": (".", PLAN + ["data", "--out", "some/file.txt/plan"]),
    "validate --out DATA": (".", ["validate", "data", "--as-of", "2026-11-20", "--out", "data"]),
    "validate --out notes": (".", ["validate", "data", "--as-of", "2026-11-20", "--out", "notes"]),
    "coverage --out DATA": (".", ["coverage", "data", "--as-of", "2026-11-20", "--out", "data"]),
    "expand --out notes": (".", ["expand", "data", "--as-of", "2026-11-20", "--out", "notes"]),
    "demo --out notes": (".", ["demo", "--out", "notes"]),
    "synth over notes": (".", ["synth", "notes", "--patients", "5", "--nurses", "2"]),
    "synth --force over notes": (".", ["synth", "notes", "--patients", "5", "--nurses", "2", "--force"]),
    "synth over a roster": (".", ["synth", "data", "--patients", "5", "--nurses", "2"]),
    "scenario run over a folder of notes": (".", ["scenario", "run", "tiny.yaml", "--out", "runs"]),
    "scenario compare --out its input": (".", ["scenario", "compare", "runs", "--out", "runs"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_out_that_would_destroy_user_files_is_refused(workspace: Path, monkeypatch: pytest.MonkeyPatch,
                                                       case: str) -> None:
    cwd, args = REFUSED[case]
    monkeypatch.chdir(workspace / cwd)
    before = _tree(workspace)
    started = time.monotonic()
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: output folder"), res.output
    assert "Nothing was written" in lines[0]
    assert _tree(workspace) == before  # byte-identical, nothing added or removed
    assert time.monotonic() - started < 30  # refused before any planning


def test_plan_replaces_its_own_folder_and_synth_force_replaces_a_roster(workspace: Path) -> None:
    for _ in range(2):
        res = runner.invoke(app, PLAN + ["data", "--out", "out/plan"])
        assert res.exit_code == 0, res.output
    assert output_kind(workspace / "out" / "plan") == "plan"
    assert sorted(p.name for p in (workspace / "out").iterdir()) == ["plan"]  # no temp or lock left
    args = ["synth", "roster", "--patients", "5", "--nurses", "2", "--as-of", "2026-11-20"]
    assert runner.invoke(app, args).exit_code == 0
    first = digest(workspace / "roster")
    res = runner.invoke(app, args + ["--seed", "1"])
    assert res.exit_code == 2 and "--force" in res.output
    assert digest(workspace / "roster") == first
    res = runner.invoke(app, args + ["--seed", "1", "--force"])
    assert res.exit_code == 0, res.output
    assert digest(workspace / "roster") != first and output_kind(workspace / "roster") == "roster"
    res = runner.invoke(app, PLAN + ["data", "--out", "roster"])  # a roster is input data: never a plan's
    assert res.exit_code == 2 and "roster" in res.output


def test_python_api_refuses_before_solving_and_before_writing(workspace: Path) -> None:
    import datetime as dt

    from optimizer import api
    from optimizer.io.outdir import OutputFolderError

    roster, _ = api.load_data("data", as_of=dt.date(2026, 11, 20))
    before = _tree(workspace)
    opts = api.SolverOptions(backend="greedy")
    for out in ("data", "data/nurses.csv", ".", "notes"):
        with pytest.raises(OutputFolderError):
            api.plan(roster, start=dt.date(2026, 11, 23), days=7, options=opts, out=out)
    result = api.plan(roster, start=dt.date(2026, 11, 23), days=7, options=opts, out="out/plan")
    for out in ("data", "notes", "some/file.txt"):
        with pytest.raises(OutputFolderError):
            api.write_plan_folder(result, out)
    assert _tree(workspace) == before
    api.write_plan_folder(result, "out/plan")
    assert output_kind(workspace / "out" / "plan") == "plan"


def test_check_previous_checks_a_replan_against_the_plan_it_replaced(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA / "good", data)
    old, new = tmp_path / "old", tmp_path / "new"
    assert runner.invoke(app, _plan_args(data, old, "--backend", "greedy")).exit_code == 0
    visits = pd.read_csv(old / "visits.csv", dtype=str)
    later = visits[visits.date >= "2026-11-26"]
    nurse, day = later.groupby(["nurse_id", "date"]).size().idxmax()  # her busiest day: she calls out
    with (data / "time_off.csv").open("a") as fh:
        fh.write(f"{nurse},{day}\n")
    res = runner.invoke(app, ["replan", str(data), "--previous", str(old), "--from", "2026-11-26", "--out", str(new),
                              "--backend", "greedy", "--as-of", "2026-11-20"])
    assert res.exit_code == 0, res.output
    check = ["check", str(data), str(new), "--previous", str(old), "--as-of", "2026-11-20"]
    res = runner.invoke(app, check)
    assert res.exit_code == 0 and "0 violation(s)" in res.output, res.output
    pid = later.patient_id.iloc[0]
    had = set(visits.date[visits.patient_id == pid]) | set(pd.read_csv(new / "visits.csv", dtype=str).query(
        "patient_id == @pid").date)
    never = next(d for d in sorted(set(later.date)) if d not in had)
    with (new / "changes.csv").open("a", newline="") as fh:  # a visit the previous plan never had, dropped
        csv.writer(fh).writerow([pid, "dropped", nurse, never, "", "", "nurse_off"])
    assert runner.invoke(app, check[:3] + ["--as-of", "2026-11-20"]).exit_code == 0  # not seen without it
    res = runner.invoke(app, check)
    assert res.exit_code == 1 and "[change_previous]" in res.output, res.output
    res = runner.invoke(app, ["check", str(data), str(old), "--previous", str(old), "--as-of", "2026-11-20"])
    assert res.exit_code == 2 and "no re-plan" in res.output and len(res.output.strip().splitlines()) == 1, res.output
