"""What the ``first`` flag (an overdue refill is the first stop of its route, issue 12 item 4)
costs the OR-Tools model: build time and search, with the flags on and off, on one part.

The part: a synthetic OH/PA roster (185 patients, 14 nurses, 15 % overdue, seed 3), 14 days,
every refill with a candidate in one routing model (:func:`optimizer.rules.objective.build_model`:
about 730 visit copies, 119 nurse-days). Build: the OR-Tools model (``_Built``), with and
without arc pruning, best of 3. Search: ``Model.solve`` for ``--seconds`` per backend, in-process;
"out of order" counts routes where an overdue visit follows another visit.

    python bench/overdue_first.py [--seconds 10] [--backends ortools pyvrp]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon
from optimizer.io import load_roster
from optimizer.planning.problem import build_problem
from optimizer.routing import Model
from optimizer.routing.check import first_out_of_order
from optimizer.routing.ortools_backend import _Built
from optimizer.rules.objective import build_model
from optimizer.studies import synth

AS_OF, START = dt.date(2026, 11, 20), dt.date(2026, 11, 23)


def part_model(out: Path) -> Model:
    """The routing model of the bench's part (see the module docstring)."""
    syn = synth.generate(185, 14, seed=3, states=["OH", "PA"], as_of=AS_OF, plan_start=START, overdue_share=0.15)
    synth.write(syn, out)
    problem = build_problem(load_roster(out, as_of=AS_OF), Horizon(START, 14), provider=HaversineProvider())
    cands = problem.candidates_by_refill()
    return build_model(problem, [j for j in range(len(problem.refills)) if j in cands]).model


def unflagged(model: Model) -> Model:
    """A copy of ``model`` with no visit flagged ``first``."""
    m = copy.deepcopy(model)
    m._visits = [replace(v, first=False) for v in m._visits]
    m._cache.clear()
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="search seconds per run (default 10)")
    ap.add_argument("--backends", nargs="*", default=["ortools", "pyvrp"], help="backends searched")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        m = part_model(Path(tmp))
    print(f"visits {m.num_visits} (flagged first {sum(v.first for v in m.visits)}), vehicles {m.num_vehicles}")
    models = {"on": m, "off": unflagged(m)}
    for prune in (True, False):
        for flags, mm in models.items():
            times = []
            for _ in range(3):
                mm._cache.clear()
                t = time.perf_counter()
                built = _Built(mm, prune_arcs=prune)
                times.append(time.perf_counter() - t)
            print(f"build prune_arcs={prune} flags {flags}: {min(times):.2f} s, "
                  f"visit arcs kept {built.arcs_kept:,} of {built.arcs_total:,}")
    for backend in args.backends:
        for flags, mm in models.items():
            sol = copy.deepcopy(mm).solve(backend, time_limit=args.seconds, watchdog=None, fallback=None)
            bad = sum(bool(first_out_of_order(m, r.visits)) for r in sol.routes)
            print(f"{backend} flags {flags}: ok {sol.ok}, objective {sol.objective:,}, served "
                  f"{sum(len(r.visits) for r in sol.routes)}, routes {len(sol.routes)}, out of order {bad}")


if __name__ == "__main__":
    main()
