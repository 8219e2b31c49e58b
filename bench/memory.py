"""Peak memory and wall time of `haiplan validate` and `haiplan plan` at national scale (issue 9).

Each command runs as a child process; a sampler adds up the resident memory of the
whole process tree (the CLI and every worker or solver child) every ``--interval``
seconds and keeps the peak. Two figures per run: the sum of RSS (pages shared by
forked workers are counted once per process, so an upper bound) and the sum of PSS
(shared pages split between the processes that map them: the memory the tree
really holds). A run whose tree passes ``--kill-above`` GiB is stopped and reported
as such (the old code reached the kernel's OOM killer on 50,000 patients).

Run it against another checkout of the code (e.g. the commit before the fix) with
``--code DIR``: the child gets ``PYTHONPATH=DIR`` and the same interpreter::

    git worktree add /tmp/wt-before b0a2613
    python bench/memory.py --code /tmp/wt-before --label before --kill-above 12
    python bench/memory.py --label after

The machine is shared: the load average is printed with every figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_avg, machine_info  # noqa: E402

AS_OF = "2026-12-07"
START = "2026-12-07"
GIB = 2**30

#: (name, command, patients, nurses, extra arguments)
CASES: dict[str, tuple[str, int, int, tuple[str, ...]]] = {
    "validate-10k": ("validate", 10_000, 1_200, ()),
    "validate-50k": ("validate", 50_000, 6_000, ()),
    "plan-5k": ("plan", 5_000, 625, ("--time-limit", "60")),
    # issue 14 item 4: 10,000 patients / 1,250 nurses end to end (target ≤ 8 min, ≤ 4 GiB)
    "plan-10k": ("plan", 10_000, 1_250, ("--time-limit", "60")),
    # the same end to end with the defaults (SOLVER_TIME_LIMIT_S, backend): what issue 14 item 4's targets hold for
    "plan-5k-default": ("plan", 5_000, 625, ()),
    "plan-10k-default": ("plan", 10_000, 1_250, ()),
    # the planner's own memory, without solver children: problem, greedy, plan folder
    "plan-5k-greedy": ("plan", 5_000, 625, ("--backend", "greedy")),
}


@dataclass(frozen=True)
class Run:
    """One measured command."""

    case: str
    label: str
    exit_code: int | None
    wall_s: float
    peak_rss: int
    peak_pss: int
    processes: int
    load_before: tuple[float, float, float] | None
    load_after: tuple[float, float, float] | None
    killed: bool
    at_peak: tuple[str, ...] = ()
    main_peak: int = 0  # the main process's own peak RSS (kernel high-water mark, ru_maxrss)


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sample(procs: list[psutil.Process]) -> tuple[int, int, list[str]]:
    """Summed RSS and PSS of ``procs``, and one line per process (PSS, RSS, command tail)."""
    rss = pss_total = 0
    lines = []
    for p in procs:
        try:
            full = p.memory_full_info()
            tail = " ".join(p.cmdline()[-3:])[-60:]
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        rss += full.rss
        pss_total += getattr(full, "pss", 0)
        lines.append(f"pid {p.pid}: PSS {getattr(full, 'pss', 0) / GIB:.2f} GiB, RSS {full.rss / GIB:.2f} GiB, {tail}")
    return rss, pss_total, lines


def measure(argv: list[str], *, env: dict[str, str], interval: float, kill_above: float | None,
            case: str, label: str) -> Run:
    """Run ``argv`` and sample the peak memory of its process tree until it exits.

    Parameters
    ----------
    argv
        The child's command line.
    env
        Its environment.
    interval
        Seconds between samples.
    kill_above
        Stop the tree when its summed RSS passes this many GiB (None: never).
    case, label
        Names carried into the result.
    """
    load_before = load_avg()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        root = psutil.Process(child.pid)
        peak_rss = peak_pss = most = 0
        killed = False
        at_peak: list[str] = []
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:  # exited: the kernel's high-water mark of the main process catches short peaks
                exit_code = os.waitstatus_to_exitcode(status)
                main_peak = usage.ru_maxrss * 1024
                break
            procs = _tree(root)
            most = max(most, len(procs))
            rss, pss, lines = _sample(procs)
            if pss > peak_pss:
                at_peak = [f"{time.perf_counter() - t0:.0f} s", *lines]
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            if kill_above is not None and rss > kill_above * GIB and not killed:
                for p in reversed(procs):
                    try:
                        p.kill()
                    except psutil.NoSuchProcess:
                        pass
                killed = True
            time.sleep(interval)
        child.returncode = exit_code
        wall = time.perf_counter() - t0
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
    if exit_code != 0 and not killed:
        print(f"  {case} ({label}) exit {exit_code}: {' | '.join(tail)}", file=sys.stderr)
    return Run(case, label, exit_code, wall, max(peak_rss, main_peak), max(peak_pss, 0), most, load_before,
               load_avg(), killed, tuple(at_peak), main_peak)


def _roster(root: Path, patients: int, nurses: int, *, env: dict[str, str]) -> Path:
    """The synthetic roster of this size (seed 1), generated once."""
    out = root / f"roster-{patients}-{nurses}"
    if not (out / "patients.csv").exists():
        subprocess.run(_cli("synth", str(out), "--patients", str(patients), "--nurses", str(nurses),
                            "--seed", "1", "--as-of", AS_OF), env=env, check=True,
                       stdout=subprocess.DEVNULL)
    return out


def _cli(*args: str) -> list[str]:
    # -P: the working directory is not put on sys.path, so PYTHONPATH (--code) decides which code runs
    return [sys.executable, "-P", "-c", "import sys; from optimizer.cli import app; sys.argv[0] = 'haiplan'; app()",
            *args]


def _fmt_load(load: tuple[float, float, float] | None) -> str:
    return "–" if load is None else f"{load[0]:.1f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="+", default=["validate-10k", "validate-50k", "plan-5k"], choices=list(CASES))
    ap.add_argument("--code", type=Path, default=None, help="checkout to run (PYTHONPATH); default this one")
    ap.add_argument("--label", default="after")
    ap.add_argument("--rosters", type=Path, default=Path(tempfile.gettempdir()) / "haiplan-memory-bench")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--kill-above", type=float, default=None, help="GiB of summed RSS")
    ap.add_argument("--detail", action="store_true", help="print the processes at the PSS peak")
    args = ap.parse_args(argv)

    env = dict(os.environ)
    code = (args.code or Path(__file__).resolve().parents[1]).resolve()
    env["PYTHONPATH"] = str(code)
    args.rosters.mkdir(parents=True, exist_ok=True)
    here = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    print(f"# {machine_info()}")
    print(f"# psutil {psutil.__version__}, {platform.platform()}; code {code}; shared machine: other "
          "jobs ran on it, so load is printed per run")
    print("| case | code | patients | nurses | exit | wall s | peak RSS GiB (sum) | peak PSS GiB (sum) "
          "| main process peak GiB | processes | load 1-min before / after |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|")
    for case in args.cases:
        command, patients, nurses, extra = CASES[case]
        data = _roster(args.rosters, patients, nurses, env=here)
        with tempfile.TemporaryDirectory() as tmp:
            cli = [command, str(data), "--start", START, "--days", "14", "--as-of", AS_OF, *extra]
            if command == "plan":
                cli += ["--out", str(Path(tmp) / "plan")]
            run = measure(_cli(*cli), env=env, interval=args.interval, kill_above=args.kill_above,
                          case=case, label=args.label)
        status = f"killed above {args.kill_above} GiB" if run.killed else str(run.exit_code)
        print(f"| {case} | {args.label} | {patients:,} | {nurses:,} | {status} | {run.wall_s:.1f} "
              f"| {run.peak_rss / GIB:.2f} | {run.peak_pss / GIB:.2f} | {run.main_peak / GIB:.2f} | {run.processes} "
              f"| {_fmt_load(run.load_before)} / {_fmt_load(run.load_after)} |", flush=True)
        if args.detail:
            print("\n".join(f"#   {line}" for line in run.at_peak), flush=True)


if __name__ == "__main__":
    main()
