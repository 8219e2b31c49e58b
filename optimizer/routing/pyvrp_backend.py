"""PyVRP backend, written against PyVRP 0.13.4 (pinned; 0.14.1 hung on SDVRPTW here).

Mapping of the generic model:

* depots: the distinct vehicle start/end locations; clients: the servable
  visits (visits no vehicle fits alone are left out and reported unserved);
* eligibility: 0.13.4 has no per-client vehicle list, so, as PyVRP's own VRPLIB
  reader does for site-dependent instances, vehicles get *profiles* whose
  distance matrix forbids the other clients with ``MAX_VALUE`` (shared where
  allowed sets agree on what the vehicles can make in time, see
  :func:`~optimizer.routing._pyvrp_data.shared_profiles`); vehicles with identical attributes share a
  vehicle type. Forbidden arcs are only priced, not impossible: any solution
  that still uses one is caught by :meth:`Model.check`;
* the profile "distance" matrix is the arc *cost*: rounded distance cost plus
  the ``service_cost`` of the from-client (``unit_distance_cost = 1``);
* optional visits: ``required=False`` with ``prize = penalty`` (compressed above a
  route-cost scale, :func:`~optimizer.routing._pyvrp_data.compress`); groups:
  mutually exclusive ``ClientGroup`` (members optional, group ``required`` as
  given; an optional group's members each get ``prize = penalty``, which is
  the group penalty up to a constant);
* breaks and blocked intervals: PyVRP has none; each vehicle works within
  :meth:`ModelArrays.solver_windows` (its longest free stretch, and
  ``break_duration`` less when its day can outlast ``break_after``), and the
  runner fits what still breaks them (:func:`~optimizer.routing.check.fit_routes`);
* ``max_visits`` and ``capacity``: load dimensions; ``max_duration``:
  ``shift_duration`` (+ ``max_overtime``); ``cost_per_time``:
  ``unit_duration_cost``;
* overtime: PyVRP 0.13.4 charges overtime on route *duration* beyond
  ``shift_duration``, not on the return time beyond a clock time. It is mapped
  with ``shift_duration = soft_end - tw_early``, exact when the route departs at
  ``tw_early`` and an under-estimate when it departs later; the objective
  reported is always the model's own (:meth:`Model.evaluate`).

Search: PyVRP's iterated local search (:mod:`optimizer.routing._pyvrp_search`), one
run for the whole time limit, in ``workers`` processes at once with their own seeds
(a portfolio; the best is kept). New best solutions reach the watchdog as
incumbents. ``max_iterations`` gives a deterministic run (equal seeds, equal
routes); otherwise the time limit applies.

Eligibility profiles are shared between vehicles that agree wherever they can
make a visit in time, and prizes and visit costs above a route-cost scale are
compressed before PyVRP sees them (:mod:`optimizer.routing._pyvrp_data`).

Penalties: ``penalty_init="usable"`` (default) starts PyVRP's penalty manager from
averages over usable arcs (``PenaltyManager.init_from`` counts forbidden
``MAX_VALUE`` arcs, which puts every penalty at its cap); ``"pyvrp"`` uses
``init_from``. The cap is at least 4 × the largest (compressed) prize, and
unreachable arcs get a duration just past the horizon instead of ``MAX_VALUE``
(so penalty × time warp cannot overflow).

Options (``options={"pyvrp": {...}}``): ``num_neighbours`` (50),
``max_matrix_bytes`` (4e9: refuse models whose profile matrices would need
more memory; the watchdog then falls back), ``incumbent_every`` (2.0 s),
``num_iters_no_improvement`` (10000: restart from the best after this many
iterations without improvement), ``history_length`` (100: late-acceptance history;
PyVRP's 300 suits longer runs: at 10,000 iterations on PR12B/PR13A/PR14B, seeds 1-2,
100 gave 4.16 % mean gap against 5.41 % for 300, better on all six pairs),
``max_perturbations`` (25), ``penalty_init`` (``"usable"``), ``penalty_updates`` (50:
candidates between penalty updates; PyVRP 0.13.4 has 500, too slow a ramp for a minute of search), ``compress_power``
(:data:`~optimizer.routing._pyvrp_data.COMPRESS_POWER`; 1 turns compression off),
``workers`` (:data:`optimizer.settings.SOLVER_WORKERS`, the machine's cores: processes in the portfolio;
the planner, which solves its parts in that many processes already, asks for 1), ``restarts`` (1: independent runs one
after another, sharing the limit), ``exchanges`` (meetings of the portfolio's runs,
evenly spaced over the limit or the iteration budget, where every run whose best is
worse continues from the best of all, :mod:`optimizer.routing._pyvrp_exchange`),
``crossover_every`` (0: off; else every this many iterations the candidate is a
route-exchange child of the current solution and an elite-pool member, educated by
local search, :mod:`optimizer.routing._pyvrp_crossover`), ``crossover_pool`` (8: elite
pool size), ``crossover_full`` (True: exhaustive local search on each child; False: the
usual perturbation and local search from the perturbed and unrouted clients, about the
cost of an ordinary iteration), ``crossover_max_routes`` (0: a child takes up to half
the donor's routes; else at most this many). The crossover is off by default: at 30,000
iterations on PR12B/PR13A/PR14B (seeds 1-3) every 20 light with at most 3 routes gave
2.98 % mean gap against 3.20 %, within seed noise, for about 6 % more CPU
(bench/RESULTS_sdvrptw.md).
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from optimizer import settings

from ._pyvrp_data import COMPRESS_POWER, PyvrpData
from ._pyvrp_search import RunResult, SearchSpec, portfolio
from .backends import BackendResult, Reporter, SolveRequest
from .check import cut_to_rules
from .construct import reinsert

if TYPE_CHECKING:
    from .model import Model

__all__ = ["solve", "DEFAULTS", "TESTED_VERSION"]

TESTED_VERSION = "0.13.4"

DEFAULTS: dict[str, Any] = {
    "num_neighbours": 50,
    "max_matrix_bytes": 4e9,
    "incumbent_every": 2.0,
    "num_iters_no_improvement": 10_000,
    "history_length": 100,
    "max_perturbations": 25,
    "penalty_init": "usable",
    "penalty_updates": 50,
    "compress_power": COMPRESS_POWER,
    "workers": settings.SOLVER_WORKERS,
    "restarts": 1,
    "exchanges": 0,
    "crossover_every": 0,
    "crossover_pool": 8,
    "crossover_full": True,
    "crossover_max_routes": 0,
}

_Built = PyvrpData  # the name before the data module was split off


def solve(model: "Model", request: SolveRequest, report: Reporter) -> BackendResult:
    """Build PyVRP ``ProblemData`` for ``model`` and run its iterated local search.

    Parameters
    ----------
    model
        The routing model.
    request
        Limits, seed, warm start and ``options`` (see the module docstring).
    report
        Progress lines and incumbents.

    Returns
    -------
    BackendResult
        The best routes found; ``stats`` has the build and search seconds, iterations,
        vehicle types, profiles, for several runs each run's cost, and ``penalty_caps``: the times
        PyVRP's penalty manager hit its cap (its ``PenaltyBoundWarning``, counted here, not printed).
    """
    t0 = time.perf_counter() - _startup_s(request.time_limit)
    opts = {**DEFAULTS, **request.options}
    unknown = set(opts) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown pyvrp options {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    if opts["penalty_init"] not in ("usable", "pyvrp"):
        raise ValueError(f"penalty_init must be 'usable' or 'pyvrp', got {opts['penalty_init']!r}")
    version = importlib.metadata.version("pyvrp")
    note = "" if version == TESTED_VERSION else f"PyVRP {version} is not the tested {TESTED_VERSION}"
    built = PyvrpData(model, max_matrix_bytes=float(opts["max_matrix_bytes"]),
                      compress_power=float(opts["compress_power"]))
    if built.data is None:
        return BackendResult([], "feasible", message="nothing servable", stats={"build_s": _r(t0)})
    data = built.data
    build_s = time.perf_counter() - t0
    report.progress(f"data built in {build_s:.1f} s: {data.num_clients} clients, {data.num_vehicle_types} "
                    f"vehicle types, {data.num_profiles} profiles")
    t_search = time.perf_counter()
    best, runs, failures = _search(built, request, opts, report, t0)
    stats: dict[str, Any] = {
        "build_s": round(build_s, 2), "search_s": round(time.perf_counter() - t_search, 2),
        "iterations": sum(r.iterations for r in runs), "vehicle_types": data.num_vehicle_types,
        "profiles": data.num_profiles}
    caps = sum(r.penalty_caps for r in runs)
    if caps:
        stats["penalty_caps"] = caps  # PyVRP's PenaltyBoundWarning, counted (an infeasible search at its cap)
    if len(runs) > 1:
        stats["run_costs"] = "/".join("inf" if r.cost == float("inf") else str(int(r.cost)) for r in runs)
    if failures:
        note = "; ".join([note, *failures] if note else failures)
    routes = built.routes_of_raw(best.routes)
    if best.cost == float("inf"):
        routes, cut = cut_to_rules(model, routes)
        routes = reinsert(model, routes, cut) if cut else routes
        note = (note + "; " if note else "") + (f"PyVRP found no feasible solution: its penalised best, with "
                                                f"{len(cut)} visits cut where it broke a rule, re-inserted where "
                                                f"they fit")
    return BackendResult(routes, "feasible", message=note, stats=stats)


def _search(built: PyvrpData, request: SolveRequest, opts: dict[str, Any], report: Reporter,
            t0: float) -> tuple[RunResult, list[RunResult], list[str]]:
    """``restarts`` portfolios one after another, each of ``workers`` runs; the best of all."""
    runs_n = max(1, int(opts["restarts"]))
    workers = max(1, int(opts["workers"]))
    deadline = None if request.time_limit is None else t0 + request.time_limit
    all_runs: list[RunResult] = []
    failures: list[str] = []
    best: RunResult | None = None
    for r in range(runs_n):
        iters = None
        if request.max_iterations is not None:
            total = int(request.max_iterations)
            iters = total // runs_n + (1 if r < total % runs_n else 0)
        end = None if deadline is None else time.perf_counter() + (deadline - time.perf_counter()) / (runs_n - r)
        spec = SearchSpec(deadline=end, max_iterations=iters, seed=int(request.seed) + r * workers,
                          num_neighbours=int(opts["num_neighbours"]), history_length=int(opts["history_length"]),
                          num_iters_no_improvement=int(opts["num_iters_no_improvement"]),
                          max_perturbations=int(opts["max_perturbations"]), penalty_init=str(opts["penalty_init"]),
                          penalty_updates=int(opts["penalty_updates"]),
                          incumbent_every=float(opts["incumbent_every"]), exchanges=int(opts["exchanges"]),
                          crossover_every=int(opts["crossover_every"]), crossover_pool=int(opts["crossover_pool"]),
                          crossover_full=bool(opts["crossover_full"]),
                          crossover_max_routes=int(opts["crossover_max_routes"]))
        init = built.initial_solution(request.initial) if request.initial and r == 0 else None
        run_best, runs, fails = portfolio(built, spec, workers, report, init)
        all_runs += runs
        failures += fails
        if best is None or run_best.cost < best.cost:
            best = run_best
            if runs_n > 1 and run_best.cost < float("inf"):
                report.incumbent(built.routes_of_raw(run_best.routes), int(run_best.cost))
    assert best is not None
    return best, all_runs, failures


def _startup_s(time_limit: float | None) -> float:
    """Seconds the watchdog's worker process took to start (interpreter and imports), else 0.

    The time limit covers the whole backend call as the caller sees it; under load the
    worker's imports alone took 5 s here. Read from ``/proc`` (Linux), at most half the limit.
    """
    main = sys.modules.get("__main__")
    if time_limit is None or getattr(getattr(main, "__spec__", None), "name", "") != "optimizer.routing._worker":
        return 0.0
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        age = uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
    return min(max(0.0, age), time_limit / 2)


def _r(t0: float) -> float:
    return round(time.perf_counter() - t0, 2)
