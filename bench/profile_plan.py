"""Where the wall time of ``haiplan plan`` goes beyond the solver's limit (issue 14 item 4).

Runs the CLI's ``plan`` in this process under cProfile on ``bench/memory.py``'s synthetic
roster (seed 1, 14 days from 2026-12-07) and prints the wall time of each stage (problem
build, planning, later fills, plan folder with map and report) and the functions with the
most cumulative time. Part solves run in forked workers: in this process they show as
waiting (``concurrent.futures``), which is the solver's limit, not overhead.

    python bench/profile_plan.py --patients 5000 --nurses 625 --time-limit 60
    python bench/profile_plan.py --patients 5000 --nurses 625 --backend greedy --top 40
    python bench/profile_plan.py --patients 5000 --nurses 625 --greedy-routes   # greedy_routes alone
    python bench/profile_plan.py --patients 5000 --nurses 625 --time-limit 30 --cpu  # CPU, not wall

``--cpu`` profiles the process's CPU time (``time.process_time``): on a machine shared with other
jobs the wall-time profile grows with their load, the CPU one much less. Run it against another
checkout with ``PYTHONPATH=DIR python -P bench/profile_plan.py ...`` (the script imports the
``optimizer`` it finds first).

``--greedy-routes`` builds the planning problem (untimed) and times
:func:`optimizer.planning.greedy.greedy_routes` on it, once without and once under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import load_avg, machine_info  # noqa: E402
from memory import AS_OF, START, _roster  # noqa: E402

#: functions whose cumulative time is reported as a stage (substring of ``file:line(name)``)
STAGES = {
    "load and check inputs": "inputs.py", "problem (windows, eligibility)": "(build_problem)",
    "planner (greedy start, parts, merge)": "(plan_problem)", "lower bound": "(plan_bound)",
    "final plan's lower bound": "(final_plan_bound)",
    "later fills": "(with_later_fills)", "overnight trips": "(with_overnight_trips)",
    "plan folder (csv, map, report)": "(write_plan_folder)", "  alternatives": "(alternatives_for)",
    "  map.html": "(operations_map)", "  report.html": "(write_plan_extras)", "alarms": "(find_alarms)",
    "greedy_routes (main process, all calls)": "(greedy_routes)",
    "schedule_order (main process, all calls)": "(schedule_order)",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=5000)
    ap.add_argument("--nurses", type=int, default=625)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--backend", default=None)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--rosters", type=Path, default=Path(tempfile.gettempdir()) / "haiplan-memory-bench")
    ap.add_argument("--save", type=Path, default=None, help="write the raw profile here (pstats)")
    ap.add_argument("--greedy-routes", action="store_true", help="time greedy_routes alone on the built problem")
    ap.add_argument("--cpu", action="store_true",
                    help="profile this process's CPU time, not wall time (a shared machine: waits and other "
                         "jobs' time drop out; the part solves in forked workers are not counted then)")
    args = ap.parse_args()
    from optimizer.cli import app

    here = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    args.rosters.mkdir(parents=True, exist_ok=True)
    data = _roster(args.rosters, args.patients, args.nurses, env=here)
    print(f"# {machine_info()}")
    if args.greedy_routes:
        _greedy_routes(data, args.top)
        return
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["haiplan", "plan", str(data), "--start", START, "--days", "14", "--as-of", AS_OF,
                "--time-limit", str(args.time_limit), "--out", str(Path(tmp) / "plan")]
        if args.backend:
            argv += ["--backend", args.backend]
        sys.argv = argv
        prof = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
        load0, t0, c0 = load_avg(), time.perf_counter(), time.process_time()
        prof.enable()
        try:
            app()
        except SystemExit:
            pass
        prof.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"# wall {wall:.1f} s, CPU of this process {cpu:.1f} s (limit {args.time_limit:g} s); load 1-min "
          f"{load0[0]:.1f} before, {load_avg()[0]:.1f} after; stages below in {'CPU' if args.cpu else 'wall'} s")
    stats = pstats.Stats(prof)
    if args.save:
        stats.dump_stats(str(args.save))
    cum = {f"{Path(f).name}:{line}({name})": ct for (f, line, name), (_, _, _, ct, _) in stats.stats.items()}
    for stage, key in STAGES.items():
        hits = [v for k, v in cum.items() if key in k and (key != "inputs.py" or "(prepare)" in k)]
        print(f"{stage:40s} {max(hits, default=0.0):8.1f} s")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(args.top)
    print(buf.getvalue())


def _greedy_routes(data: Path, top: int) -> None:
    """Wall time of ``greedy_routes`` on the roster's problem (14 days from START), then its profile."""
    import datetime as dt

    from optimizer import api
    from optimizer.domain import Horizon
    from optimizer.io.roster import load_roster
    from optimizer.planning.greedy import greedy_routes

    roster = load_roster(data, as_of=dt.date.fromisoformat(AS_OF))
    problem = api.make_problem(roster, Horizon(dt.date.fromisoformat(START), 14))
    print(f"# {len(problem.refills)} refills, {len(problem.nurse_days)} nurse-days, "
          f"{len(problem.candidates)} candidates")
    prof = cProfile.Profile()
    for profiled in (False, True):
        load0, t0 = load_avg(), time.perf_counter()
        if profiled:
            prof.enable()
        routes = greedy_routes(problem)
        if profiled:
            prof.disable()
        print(f"greedy_routes{' (cProfile)' if profiled else ''} {time.perf_counter() - t0:.1f} s, "
              f"{sum(len(o) for o, _ in routes.values())} visits; load 1-min {load0[0]:.1f} before, "
              f"{load_avg()[0]:.1f} after")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    print(buf.getvalue())


if __name__ == "__main__":
    main()
