"""Wall time of the operations map (``map.html``) of a synthetic plan, by stage.

Builds (or reuses, pickled in ``--cache``) a greedy plan of ``--patients`` patients,
then times ``operations_map(...)`` (building the folium tree), ``.save`` (rendering
the HTML) and a second map in the same process (as ``report.html`` draws it), and
prints the machine, the load average, the map's element count and the seconds::

    python bench/map_bench.py --patients 2000 --nurses 250
    python bench/map_bench.py --patients 5000 --nurses 625 --profile 25

The machine is shared: the load average is printed with every figure.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pickle
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _machine import load_avg, machine_info  # noqa: E402

START = "2026-12-07"


def _plan(patients: int, nurses: int, seed: int, cache: Path):
    """The greedy plan result of a synthetic roster, pickled for the next run."""
    pkl = cache / f"plan-{patients}-{nurses}-{seed}.pkl"
    if pkl.exists():
        with open(pkl, "rb") as f:
            return pickle.load(f)
    from optimizer import api

    roster_dir = cache / f"roster-{patients}-{nurses}-{seed}"
    if not roster_dir.exists():
        subprocess.run([str(Path(sys.executable).parent / "haiplan"), "synth", str(roster_dir), "--patients",
                        str(patients), "--nurses", str(nurses), "--seed", str(seed), "--as-of", START,
                        "--plan-start", START], check=True)
    roster, _ = api.load_data(roster_dir, as_of=dt.date.fromisoformat(START))
    t = time.perf_counter()
    r = api.plan(roster, start=dt.date.fromisoformat(START), options=api.SolverOptions(backend="greedy"),
                 overnight=False)
    print(f"plan (greedy): {time.perf_counter() - t:.1f} s", flush=True)
    with open(pkl, "wb") as f:
        pickle.dump(r, f)
    return r


def main() -> None:
    """Time the operations map of one synthetic plan."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=2000)
    ap.add_argument("--nurses", type=int, default=250)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "haiplan-map-bench")
    ap.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cumulative)")
    a = ap.parse_args()
    a.cache.mkdir(parents=True, exist_ok=True)
    r = _plan(a.patients, a.nurses, a.seed, a.cache)
    from optimizer.report.maps import operations_map

    prof = cProfile.Profile() if a.profile else None
    load0 = load_avg()
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    m = operations_map(r.plan, r.problem, provider=r.provider)
    t1 = time.perf_counter()
    out = a.cache / f"map-{a.patients}.html"
    m.save(str(out))
    t2 = time.perf_counter()
    if prof:
        prof.disable()
    nd = len(r.plan.nurse_days)
    print(machine_info())
    print(f"{a.patients} patients, {a.nurses} nurses: {len(r.plan.visits)} visits, {nd} nurse-days, "
          f"{len(r.plan.unassigned)} unassigned; folium elements {sum(1 for _ in _walk(m))}")
    print(f"operations_map build {t1 - t0:.1f} s, save {t2 - t1:.1f} s, total {t2 - t0:.1f} s; "
          f"{os.path.getsize(out) / 2**20:.1f} MiB; load {load0} -> {load_avg()}")
    t3 = time.perf_counter()  # report.html draws the same map again in the same process
    operations_map(r.plan, r.problem, provider=r.provider).html()
    print(f"second map in the same process (as report.html): {time.perf_counter() - t3:.1f} s")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(a.profile)


def _walk(el):
    """Every element of a folium tree."""
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk(child)


if __name__ == "__main__":
    main()
