"""The command line: exit codes, nothing written on bad input, determinism, interrupted runs."""

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

import pytest
from typer.testing import CliRunner

from optimizer.cli import app

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
EXPECTED = list(csv.DictReader((DATA / "bad" / "expected.csv").open()))
HAIPLAN = [sys.executable, "-m", "optimizer.cli"]
runner = CliRunner()


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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
    out.mkdir()
    (out / "previous.csv").write_text("kept\n")
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
    assert {p.name for p in out.iterdir()} >= {"by_state.csv", "windows_per_day.csv", "alarms.csv"}


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
    runner.invoke(app, args[:-6] + ["--seed", "8", "--as-of", "2026-11-20", str(c)])
    assert digest(c) != digest(a)


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
    visits = (out / "visits.csv").read_text().splitlines()
    (out / "visits.csv").write_text("\n".join(visits[:1] + visits[2:]) + "\n")  # drop a visit
    res = runner.invoke(app, ["check", str(DATA / "good"), str(out), "--as-of", "2026-11-20"])
    assert res.exit_code == 1 and "[coverage]" in res.output


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
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
                            start_new_session=True)
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
