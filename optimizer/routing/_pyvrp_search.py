"""PyVRP's iterated local search on :class:`~optimizer.routing._pyvrp_data.PyvrpData`, alone or as a portfolio.

:func:`ils` mirrors ``IteratedLocalSearch.run`` of PyVRP 0.13.4 (late-acceptance
hill climbing, PyVRP's penalty manager) so that new best solutions reach the
watchdog as incumbents. :func:`portfolio` runs it in ``workers`` processes at
once, one seed each (forked: the data is shared, nothing is pickled but the
answer), and keeps the best: with 2 cores, two seeds cost no more wall-clock
time than one.
"""

from __future__ import annotations

import multiprocessing
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pyvrp import CostEvaluator, IteratedLocalSearchParams, PenaltyManager, ProblemData, RandomNumberGenerator
from pyvrp import Solution as PSolution
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.RingBuffer import RingBuffer
from pyvrp.search import (
    NODE_OPERATORS,
    ROUTE_OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    compute_neighbours,
)

from optimizer._proc import die_with_parent

from ._pyvrp_crossover import Recombiner
from ._pyvrp_data import PyvrpData
from ._pyvrp_drop import Dropper
from ._pyvrp_exchange import Exchange
from .backends import Reporter

__all__ = ["SearchSpec", "RunResult", "ils", "portfolio"]

RESULT_GRACE_S: float = 2.0
"""How long past the deadline the portfolio waits for a helper's answer before killing it."""


@dataclass(frozen=True, slots=True)
class SearchSpec:
    """What one search run is asked to do (see :mod:`optimizer.routing.pyvrp_backend` for the options)."""

    deadline: float | None  # time.perf_counter() value; None: no wall-clock limit
    max_iterations: int | None
    seed: int
    num_neighbours: int
    history_length: int
    num_iters_no_improvement: int
    max_perturbations: int
    penalty_init: str  # "usable" | "pyvrp"
    penalty_updates: int  # registrations between penalty updates (PyVRP: 500)
    incumbent_every: float
    exchanges: int = 0  # times the runs of a portfolio swap their best (evenly spaced); 0: never
    crossover_every: int = 0  # a route-exchange child every this many iterations; 0: never
    crossover_pool: int = 8  # elite pool size for the crossover
    crossover_full: bool = True  # educate children by exhaustive local search (else perturbation + local search)
    crossover_max_routes: int = 0  # most donor routes per child; 0: up to half the donor's


@dataclass(frozen=True, slots=True)
class RunResult:
    """One run's best: routes as ``(vehicle type, client locations)``, its cost (inf if infeasible)."""

    routes: list[tuple[int, list[int]]]
    cost: float
    iterations: int
    seed: int
    penalty_caps: int = 0  # times PyVRP's penalty manager hit its cap (its PenaltyBoundWarning, counted not shown)


def _raw(sol: PSolution) -> list[tuple[int, list[int]]]:
    return [(int(r.vehicle_type()), [int(x) for x in r.visits()]) for r in sol.routes()]


def _penalty_manager(built: PyvrpData, spec: SearchSpec) -> PenaltyManager:
    assert built.data is not None
    params = replace(built.penalty_params, solutions_between_updates=max(1, spec.penalty_updates))
    if spec.penalty_init == "pyvrp":
        return PenaltyManager.init_from(built.data, params)
    return PenaltyManager(built.initial_penalties, params)


def ils(built: PyvrpData, spec: SearchSpec, report: Reporter, initial: PSolution | None = None,
        *, send_incumbents: bool = True, exchange: Exchange | None = None) -> RunResult:
    """One run of PyVRP's iterated local search until ``spec``'s deadline or iteration budget.

    Parameters
    ----------
    built
        The PyVRP data of the model.
    spec
        Limits, seed and parameters.
    report
        Gets a progress line and the best routes every ``spec.incumbent_every`` seconds.
    initial
        A starting solution; otherwise a random one improved by local search.
    send_incumbents
        Whether to report incumbents (helpers of a portfolio do not).
    exchange
        Swaps the best solution with the other runs of a portfolio at its epochs.

    Returns
    -------
    RunResult
        The best solution found (feasible if any was).
    """
    data = built.data
    assert data is not None
    rng = RandomNumberGenerator(seed=spec.seed % (2**32))
    neighbours = compute_neighbours(data, NeighbourhoodParams(num_neighbours=spec.num_neighbours))
    pert = PerturbationParams(min_perturbations=1, max_perturbations=max(1, spec.max_perturbations))
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(pert))
    for node_op in NODE_OPERATORS:
        if node_op.supports(data):
            ls.add_node_operator(node_op(data))
    for route_op in ROUTE_OPERATORS:
        if route_op.supports(data):
            ls.add_route_operator(route_op(data))
    pm = _penalty_manager(built, spec)
    drop = Dropper(data)
    init = initial if initial is not None else drop(
        ls(PSolution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True), pm.max_cost_evaluator())
    params = IteratedLocalSearchParams(num_iters_no_improvement=spec.num_iters_no_improvement,
                                       history_length=spec.history_length)
    if spec.max_iterations is not None:
        budget = int(spec.max_iterations)
        stop: Callable[[int], bool] = lambda it: it >= budget  # noqa: E731
    elif spec.deadline is not None:
        end = spec.deadline
        stop = lambda _it: time.perf_counter() >= end  # noqa: E731
    else:
        stop = lambda _it: False  # noqa: E731
    on_best = (lambda sol, cost: report.incumbent(built.routes_of(sol), cost)) if send_incumbents else None
    rec = None
    if spec.crossover_every > 0:
        rec = Recombiner(data, ls, seed=spec.seed, every=spec.crossover_every, pool_size=spec.crossover_pool,
                         full=spec.crossover_full,
                         max_moved=spec.crossover_max_routes or None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PenaltyBoundWarning)
        best, iters = _loop(data, pm, ls, init, params, stop, on_best, report, spec.incumbent_every, exchange, rec,
                            drop)
    caps = 0
    for w in caught:  # the cap is counted in the run's stats; any other warning goes on as it came
        if issubclass(w.category, PenaltyBoundWarning):
            caps += 1
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    zero = CostEvaluator([0] * data.num_load_dimensions, 0, 0)
    cost = float(zero.cost(best)) if best.is_feasible() else float("inf")
    return RunResult(_raw(best), cost, iters, spec.seed, caps)


def _loop(data: ProblemData, pm: PenaltyManager, search: LocalSearch, init: PSolution,
          params: IteratedLocalSearchParams, stop: Callable[[int], bool],
          on_best: Callable[[PSolution, int], None] | None, report: Reporter,
          every: float, exchange: Exchange | None = None,
          recombiner: Recombiner | None = None, drop: Dropper | None = None) -> tuple[PSolution, int]:
    """``IteratedLocalSearch.run`` of PyVRP 0.13.4, minus statistics, plus incumbents, exchanges, crossover and
    ``drop`` (:class:`~optimizer.routing._pyvrp_drop.Dropper`: grouped clients that break a route removed).

    With a ``recombiner``, its due iterations take a crossover child of the current
    solution as the candidate instead of a perturbation; the current solution and
    every new best are offered to its pool.
    """
    history: RingBuffer[PSolution] = RingBuffer(params.history_length)
    iters = iters_no_improvement = 0
    best = curr = init
    sent_at, pending = time.perf_counter(), False
    cost_eval = pm.cost_evaluator()
    while not stop(iters):
        iters += 1
        if iters_no_improvement == params.num_iters_no_improvement:
            history.clear()
            curr = best
            iters_no_improvement = 0
        if exchange is not None and exchange.due(iters) and (other := exchange.swap(best)) is not None:
            history.clear()  # continue from the portfolio's best
            best = curr = other
            iters_no_improvement = 0
            pending = True
        cost_eval = pm.cost_evaluator()
        if recombiner is not None and recombiner.due(iters):
            cand = recombiner.child(curr, cost_eval)
        else:
            cand = search(curr, cost_eval, exhaustive=False)
        if drop:
            cand = drop(cand, cost_eval)
        pm.register(cand)
        iters_no_improvement += 1
        if cost_eval.cost(cand) < cost_eval.cost(best):
            best = cand
            iters_no_improvement = 0
            pending = True
            if params.exhaustive_on_best:
                cand = search(cand, cost_eval, exhaustive=True)
                if cand.is_feasible():
                    best = cand
            if recombiner is not None:
                recombiner.offer(best, cost_eval.cost(best), iters, force=True)
        cand_cost = cost_eval.penalised_cost(cand)
        curr_cost = cost_eval.penalised_cost(curr)
        late_cost = cost_eval.penalised_cost(init)
        if (late := history.peek()) is not None:
            late_cost = cost_eval.penalised_cost(late)
        if cand_cost < late_cost or cand_cost < curr_cost:
            curr = cand
            curr_cost = cand_cost
        if curr_cost < late_cost or late is None:
            history.append(curr)
        else:
            history.skip()
        if recombiner is not None:
            recombiner.offer(curr, cost_eval.cost(curr), iters)
        now = time.perf_counter()
        if pending and now - sent_at >= every and best.is_feasible():
            if on_best is not None:
                on_best(best, int(cost_eval.cost(best)))
            report.progress(f"{iters} iterations, best cost {cost_eval.cost(best)}")
            sent_at, pending = now, False
    return best, iters


class _Quiet:
    """Reporter of a portfolio helper: says nothing."""

    def progress(self, message: str) -> None:
        pass

    def incumbent(self, routes: Any, cost: int | None = None) -> None:
        pass


def _helper(conn: Any, built: PyvrpData, spec: SearchSpec) -> None:
    die_with_parent()
    try:
        exchange = Exchange(built, [conn], hub=False, seed=spec.seed, exchanges=spec.exchanges,
                            deadline=spec.deadline, max_iterations=spec.max_iterations)
        res = ils(built, spec, _Quiet(), send_incumbents=False, exchange=exchange)
        conn.send(("ok", res))
    except BaseException as exc:  # the parent keeps its own answer
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def portfolio(built: PyvrpData, spec: SearchSpec, workers: int, report: Reporter,
              initial: PSolution | None = None) -> tuple[RunResult, list[RunResult], list[str]]:
    """Run :func:`ils` with seeds ``spec.seed``, ``spec.seed + 1``, … in ``workers`` processes; keep the best.

    This process runs the first seed (with ``initial`` and incumbents); helpers are
    forked, start from their own random solution, and are killed if their answer
    is later than :data:`RESULT_GRACE_S` past the deadline. Equal costs go to the
    lower seed, so with ``max_iterations`` the answer is deterministic.

    Returns
    -------
    (best, runs, failures)
        The best run, every run that answered (by seed), and what went wrong with
        helpers that did not.
    """
    ctx = multiprocessing.get_context("fork")
    helpers = []
    for k in range(1, max(1, workers)):
        mine, theirs = ctx.Pipe(duplex=True)
        sub = replace(spec, seed=spec.seed + k)
        proc = ctx.Process(target=_helper, args=(theirs, built, sub), daemon=True)
        proc.start()
        theirs.close()
        helpers.append((proc, mine))
    exchange = Exchange(built, [conn for _, conn in helpers], hub=True, seed=spec.seed, exchanges=spec.exchanges,
                        deadline=spec.deadline, max_iterations=spec.max_iterations)
    try:
        runs = [ils(built, spec, report, initial, exchange=exchange)]
    except BaseException:  # no helper may wait for a meeting that will not come
        for proc, conn in helpers:
            conn.close()
            proc.kill()
            proc.join(timeout=5)
        raise
    failures: list[str] = []
    for proc, conn in helpers:
        kind, payload = _answer(proc, conn, spec, exchange.finals.get(id(conn)))
        if kind == "ok":
            runs.append(payload)
        else:
            failures.append(payload)
    runs.sort(key=lambda r: r.seed)
    best = min(runs, key=lambda r: (r.cost, r.seed))
    return best, runs, failures


def _answer(proc: Any, conn: Any, spec: SearchSpec, early: tuple[str, Any] | None) -> tuple[str, Any]:
    """A helper's final ``("ok", RunResult)`` or ``("error", message)``; the helper is gone afterwards.

    Exchange offers still in the pipe are skipped. Waits up to :data:`RESULT_GRACE_S`
    past the deadline, or, with ``max_iterations`` (deterministic), for as long as it takes
    (the watchdog guards the whole call).
    """
    deterministic = spec.max_iterations is not None or spec.deadline is None
    try:
        while early is None:
            wait = None if deterministic or spec.deadline is None else max(
                0.0, spec.deadline + RESULT_GRACE_S - time.perf_counter())
            if not conn.poll(wait):
                return "error", "helper late; killed"
            msg = conn.recv()
            if msg[0] != "x":
                early = msg
        return early
    except (EOFError, OSError):
        return "error", f"helper died (exit code {proc.exitcode})"
    finally:
        conn.close()
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)
