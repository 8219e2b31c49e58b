"""Generic (capacitated) maximal-coverage MIP over plain arrays; knows nothing of nurses.

A *demand point* ``i`` has a weight (refill visits per week). A *server* ``k``
(a nurse, existing or one that may be hired) has a capacity in the same units
and, if it does not exist yet, an *opening option*. A *pair* ``(i, k)`` lists the
demand a server could serve (within the drive-time cutoff) and the options that
must be bought for it to be allowed (a license in the demand's state, a
certification). Options have a cost.

Two formulations (SPEC §8: coverage models are MIPs that LP relaxations solve
well, so a MIP solver is used, never CP-SAT):

* uncapacitated — ``cov_i <= sum of the activators of i`` where an activator is
  ``y_o`` for a pair needing one option, or an auxiliary ``u_R <= y_o (o in R)``
  shared by every pair needing the same set ``R``; with hires only this is the
  classic maximal covering location problem (Church & ReVelle 1974);
* capacitated — assignment fractions ``x_p`` with ``sum_k x_ik <= 1``,
  ``sum_i w_i x_ik <= cap_k * y_open(k)`` and linking ``x_p <= y_o`` (strong) or,
  per (server, option), ``sum w_i x_p <= M y_o`` (aggregated, fewer rows).

Modes: maximise covered weight under a budget, or minimise the cost of reaching
a covered-weight target. The model is built as an ``MPModelProto`` and solved by
OR-Tools' linear solver (``pywraplp``: SCIP, HiGHS or CBC); the result carries
the best bound and the relative gap.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import linear_solver_pb2, pywraplp

__all__ = ["CoverageInstance", "CoverageSolution", "solve_coverage", "MIP_BACKENDS"]

#: Names accepted for ``backend`` (pywraplp solver ids).
MIP_BACKENDS: dict[str, str] = {
    "scip": "SCIP",
    "highs": "HIGHS",
    "cbc": "CBC",
}

_STATUS = {
    pywraplp.Solver.OPTIMAL: "optimal",
    pywraplp.Solver.FEASIBLE: "feasible",
    pywraplp.Solver.INFEASIBLE: "infeasible",
    pywraplp.Solver.UNBOUNDED: "unbounded",
    pywraplp.Solver.ABNORMAL: "abnormal",
    pywraplp.Solver.MODEL_INVALID: "model_invalid",
    pywraplp.Solver.NOT_SOLVED: "not_solved",
}


@dataclass(frozen=True)
class CoverageInstance:
    """A coverage instance as arrays (see the module docstring).

    Parameters
    ----------
    weights
        ``(n_demand,)`` demand weights, >= 0.
    option_cost
        ``(n_options,)`` cost of each option, >= 0.
    server_open
        ``(n_servers,)`` index of the option that opens the server, ``-1`` when it exists.
    server_capacity
        ``(n_servers,)`` capacity in weight units; ``inf`` for none.
    pair_demand, pair_server
        ``(n_pairs,)`` the demand point and server of each allowed pair.
    req_ptr, req_idx
        CSR lists of the options each pair needs besides its server's opening:
        pair ``p`` needs ``req_idx[req_ptr[p]:req_ptr[p + 1]]``.
    """

    weights: NDArray[np.float64]
    option_cost: NDArray[np.float64]
    server_open: NDArray[np.int64]
    server_capacity: NDArray[np.float64]
    pair_demand: NDArray[np.int64]
    pair_server: NDArray[np.int64]
    req_ptr: NDArray[np.int64]
    req_idx: NDArray[np.int64]

    def __post_init__(self) -> None:
        n_pairs = len(self.pair_demand)
        if len(self.pair_server) != n_pairs or len(self.req_ptr) != n_pairs + 1:
            raise ValueError("pair arrays and req_ptr must agree in length")
        if len(self.server_open) != len(self.server_capacity):
            raise ValueError("server_open and server_capacity must agree in length")
        if n_pairs and (self.pair_demand.max() >= len(self.weights) or self.pair_demand.min() < 0):
            raise ValueError("pair_demand out of range")
        if n_pairs and (self.pair_server.max() >= len(self.server_open) or self.pair_server.min() < 0):
            raise ValueError("pair_server out of range")
        if len(self.req_idx) and (self.req_idx.max() >= len(self.option_cost) or self.req_idx.min() < 0):
            raise ValueError("req_idx out of range")
        if (self.server_open >= len(self.option_cost)).any():
            raise ValueError("server_open out of range")
        if (np.asarray(self.weights) < 0).any() or (np.asarray(self.option_cost) < 0).any():
            raise ValueError("weights and costs must be >= 0")

    @property
    def n_demand(self) -> int:
        return len(self.weights)

    @property
    def n_options(self) -> int:
        return len(self.option_cost)

    @property
    def n_servers(self) -> int:
        return len(self.server_open)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_demand)

    def pair_requirements(self, p: int) -> tuple[int, ...]:
        """Every option pair ``p`` needs, its server's opening included, sorted."""
        req = set(int(o) for o in self.req_idx[self.req_ptr[p]:self.req_ptr[p + 1]])
        opener = int(self.server_open[self.pair_server[p]])
        if opener >= 0:
            req.add(opener)
        return tuple(sorted(req))

    @classmethod
    def from_lists(
        cls,
        *,
        weights: list[float] | NDArray[np.float64],
        option_cost: list[float] | NDArray[np.float64],
        server_open: list[int] | NDArray[np.int64],
        server_capacity: list[float] | NDArray[np.float64],
        pairs: list[tuple[int, int, tuple[int, ...]]],
    ) -> "CoverageInstance":
        """Build from a list of ``(demand, server, required options)`` pairs."""
        ptr = [0]
        idx: list[int] = []
        for _, _, req in pairs:
            idx.extend(req)
            ptr.append(len(idx))
        return cls(
            weights=np.asarray(weights, dtype=np.float64),
            option_cost=np.asarray(option_cost, dtype=np.float64),
            server_open=np.asarray(server_open, dtype=np.int64),
            server_capacity=np.asarray(server_capacity, dtype=np.float64),
            pair_demand=np.asarray([p[0] for p in pairs], dtype=np.int64),
            pair_server=np.asarray([p[1] for p in pairs], dtype=np.int64),
            req_ptr=np.asarray(ptr, dtype=np.int64),
            req_idx=np.asarray(idx, dtype=np.int64),
        )


@dataclass
class CoverageSolution:
    """What the MIP chose, with the solver's own account of quality.

    ``objective`` is the covered weight (budget mode) or the cost (target mode);
    ``bound`` the solver's best bound on it; ``gap`` the relative gap
    ``|objective - bound| / max(|objective|, 1e-9)`` (0 when proven optimal).
    """

    status: str
    mode: Literal["budget", "target"]
    objective: float
    bound: float
    gap: float
    covered_weight: float
    cost: float
    chosen: NDArray[np.bool_]
    demand_covered: NDArray[np.float64]  # (n_demand,) covered fraction
    pair_flow: NDArray[np.float64] | None  # (n_pairs,) fraction of demand served (capacitated)
    runtime_s: float
    build_s: float
    n_variables: int
    n_constraints: int
    backend: str
    formulation: str
    info: dict = field(default_factory=dict)


def _add_var(model: linear_solver_pb2.MPModelProto, lb: float, ub: float, obj: float,
             integer: bool) -> int:
    v = model.variable.add()
    v.lower_bound = lb
    v.upper_bound = ub
    v.objective_coefficient = obj
    v.is_integer = integer
    return len(model.variable) - 1


def _add_row(model: linear_solver_pb2.MPModelProto, idx: list[int] | NDArray[np.int64],
             coef: list[float] | NDArray[np.float64], lb: float, ub: float) -> None:
    c = model.constraint.add()
    c.var_index.extend(int(i) for i in idx)
    c.coefficient.extend(float(a) for a in coef)
    c.lower_bound = lb
    c.upper_bound = ub


def solve_coverage(
    inst: CoverageInstance,
    *,
    budget: float | None = None,
    target: float | None = None,
    capacitated: bool = True,
    linking: Literal["strong", "aggregated"] = "strong",
    backend: str = "scip",
    time_limit: float = 60.0,
    relative_gap: float = 1e-4,
    threads: int = 1,
    fixed: dict[int, bool] | None = None,
) -> CoverageSolution:
    """Solve a coverage instance.

    Parameters
    ----------
    inst
        The instance.
    budget
        Budget mode: maximise covered weight with total option cost <= ``budget``.
    target
        Target mode: minimise cost subject to covered weight >= ``target``
        (give exactly one of ``budget`` and ``target``).
    capacitated
        Respect server capacities (assignment formulation); ``False`` ignores them
        (covering formulation, much smaller).
    linking
        Capacitated only: ``"strong"`` ``x_p <= y_o`` per pair and option (tight
        LP), or ``"aggregated"`` one row per (server, option) (fewer rows).
    backend
        ``"scip"``, ``"highs"`` or ``"cbc"`` (OR-Tools ``pywraplp``).
    time_limit
        Seconds.
    relative_gap
        Stop when the relative gap is at most this.
    threads
        Solver threads (where the backend uses them).
    fixed
        Options forced on (``True``) or off (``False``).

    Returns
    -------
    CoverageSolution
    """
    if (budget is None) == (target is None):
        raise ValueError("give exactly one of budget= and target=")
    solver_id = MIP_BACKENDS.get(backend.lower())
    if solver_id is None:
        raise ValueError(f"unknown MIP backend {backend!r}; choose from {sorted(MIP_BACKENDS)}")
    t0 = time.perf_counter()
    mode: Literal["budget", "target"] = "budget" if budget is not None else "target"
    w = np.asarray(inst.weights, dtype=np.float64)
    model = linear_solver_pb2.MPModelProto()
    model.maximize = mode == "budget"
    y = _option_vars(model, inst, mode=mode, fixed=fixed or {})
    reqs = [inst.pair_requirements(p) for p in range(inst.n_pairs)]
    if capacitated:
        form = _assignment_rows(model, inst, y, reqs, w, mode=mode, linking=linking)
    else:
        form = _covering_rows(model, inst, y, reqs, w, mode=mode)
    if mode == "budget":
        costed = [o for o in range(inst.n_options) if inst.option_cost[o] > 0]
        _add_row(model, [y[o] for o in costed], [float(inst.option_cost[o]) for o in costed],
                 -math.inf, float(budget))  # type: ignore[arg-type]
    else:
        need = float(target) - form.const_cover  # type: ignore[arg-type]
        _add_row(model, form.cover_idx, form.cover_w, need, math.inf)
    build_s = time.perf_counter() - t0
    run = _run_solver(model, solver_id, time_limit=time_limit, relative_gap=relative_gap, threads=threads)
    n_vars, n_cons = len(model.variable), len(model.constraint)
    if run.status not in ("optimal", "feasible"):
        return CoverageSolution(
            status=run.status, mode=mode, objective=math.nan, bound=math.nan, gap=math.inf,
            covered_weight=math.nan, cost=math.nan, chosen=np.zeros(inst.n_options, bool),
            demand_covered=np.zeros(inst.n_demand), pair_flow=None, runtime_s=run.runtime, build_s=build_s,
            n_variables=n_vars, n_constraints=n_cons, backend=backend.lower(), formulation=form.name)
    values = run.values
    chosen = values[np.asarray(y, dtype=np.int64)] > 0.5 if y else np.zeros(0, bool)
    objective, bound, status = run.objective, run.bound, run.status
    if mode == "budget":
        objective += form.const_cover
        bound += form.const_cover
    if status == "optimal":
        bound = objective if not math.isfinite(bound) else bound
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if math.isfinite(bound) else math.inf
    if status == "optimal" and gap > 1e-6:
        status = "feasible"  # stopped at the relative-gap tolerance: not proven optimal
    flow, covered = form.coverage(inst, values)
    cost = float(inst.option_cost[chosen].sum()) if len(chosen) else 0.0
    return CoverageSolution(
        status=status, mode=mode, objective=objective, bound=bound, gap=gap,
        covered_weight=float((covered * w).sum()), cost=cost, chosen=chosen,
        demand_covered=covered, pair_flow=flow, runtime_s=run.runtime, build_s=build_s,
        n_variables=n_vars, n_constraints=n_cons, backend=backend.lower(), formulation=form.name,
    )


def _option_vars(model: linear_solver_pb2.MPModelProto, inst: CoverageInstance, *,
                 mode: Literal["budget", "target"], fixed: dict[int, bool]) -> list[int]:
    """One binary ``y_o`` per option (priced in target mode; fixed ones have equal bounds)."""
    y = []
    for o in range(inst.n_options):
        lb, ub = 0.0, 1.0
        if o in fixed:
            lb = ub = 1.0 if fixed[o] else 0.0
        y.append(_add_var(model, lb, ub, float(inst.option_cost[o]) if mode == "target" else 0.0, True))
    return y


@dataclass
class _Formulation:
    """What a formulation built: the covered-weight expression and how to read coverage back."""

    name: str
    const_cover: float  # weight covered whatever is chosen (uncapacitated, pairs needing nothing)
    cover_idx: list[int]
    cover_w: list[float]
    pair_var: list[int] = field(default_factory=list)  # capacitated: x_p per pair
    free: NDArray[np.bool_] | None = None  # uncapacitated: demand covered for free
    cov_demands: list[int] = field(default_factory=list)  # uncapacitated: demand of each cover_idx

    def coverage(self, inst: CoverageInstance,
                 values: NDArray[np.float64]) -> tuple[NDArray[np.float64] | None, NDArray[np.float64]]:
        """Pair flows (capacitated, else ``None``) and covered fraction per demand point."""
        covered = np.zeros(inst.n_demand)
        if self.free is None:
            flow = np.clip(values[np.asarray(self.pair_var, dtype=np.int64)], 0.0, 1.0) if self.pair_var \
                else np.zeros(0)
            np.add.at(covered, inst.pair_demand, flow)
            return flow, np.minimum(covered, 1.0)
        covered[self.free] = 1.0
        covered[self.cov_demands] = np.clip(values[np.asarray(self.cover_idx, dtype=np.int64)], 0, 1)
        return None, covered


def _covering_rows(model: linear_solver_pb2.MPModelProto, inst: CoverageInstance, y: list[int],
                   reqs: list[tuple[int, ...]], w: NDArray[np.float64], *,
                   mode: Literal["budget", "target"]) -> _Formulation:
    """Uncapacitated: ``cov_i <= sum of activators``, one auxiliary per shared multi-option requirement."""
    n_demand = inst.n_demand
    free = np.zeros(n_demand, dtype=bool)
    activators: list[set[tuple[int, ...]]] = [set() for _ in range(n_demand)]
    for p, req in enumerate(reqs):
        i = int(inst.pair_demand[p])
        if not req:
            free[i] = True
        else:
            activators[i].add(req)
    aux: dict[tuple[int, ...], int] = {}
    form = _Formulation(name="uncapacitated covering", const_cover=float(w[free].sum()), cover_idx=[], cover_w=[],
                        free=free)
    for i in range(n_demand):
        if free[i] or not activators[i] or w[i] == 0:
            continue
        terms = []
        for req in sorted(activators[i]):
            if len(req) == 1:
                terms.append(y[req[0]])
            else:
                if req not in aux:
                    u = _add_var(model, 0.0, 1.0, 0.0, False)
                    for o in req:
                        _add_row(model, [u, y[o]], [1.0, -1.0], -math.inf, 0.0)
                    aux[req] = u
                terms.append(aux[req])
        c = _add_var(model, 0.0, 1.0, float(w[i]) if mode == "budget" else 0.0, False)
        _add_row(model, [c] + terms, [1.0] + [-1.0] * len(terms), -math.inf, 0.0)
        form.cover_idx.append(c)
        form.cover_w.append(float(w[i]))
        form.cov_demands.append(i)
    return form


def _assignment_rows(model: linear_solver_pb2.MPModelProto, inst: CoverageInstance, y: list[int],
                     reqs: list[tuple[int, ...]], w: NDArray[np.float64], *,
                     mode: Literal["budget", "target"], linking: Literal["strong", "aggregated"]) -> _Formulation:
    """Capacitated: assignment fractions, one row per demand and per loaded server, and the linking rows."""
    n_demand = inst.n_demand
    pair_var = [
        _add_var(model, 0.0, 1.0, float(w[inst.pair_demand[p]]) if mode == "budget" else 0.0, False)
        for p in range(inst.n_pairs)
    ]
    order = np.argsort(inst.pair_demand, kind="stable")
    bounds = np.searchsorted(inst.pair_demand[order], np.arange(n_demand + 1))
    for i in range(n_demand):
        ps = order[bounds[i]:bounds[i + 1]]
        if len(ps) > 1:
            _add_row(model, [pair_var[p] for p in ps], [1.0] * len(ps), -math.inf, 1.0)
    by_server = np.argsort(inst.pair_server, kind="stable")
    sb = np.searchsorted(inst.pair_server[by_server], np.arange(inst.n_servers + 1))
    for k in range(inst.n_servers):
        ps = by_server[sb[k]:sb[k + 1]]
        if len(ps):
            _server_rows(model, inst, y, reqs, w, pair_var, k, ps, linking=linking)
    if linking == "strong":
        for p, req in enumerate(reqs):
            for o in req:
                _add_row(model, [pair_var[p], y[o]], [1.0, -1.0], -math.inf, 0.0)
    return _Formulation(name=f"capacitated assignment ({linking} linking)", const_cover=0.0, cover_idx=pair_var,
                        cover_w=[float(w[inst.pair_demand[p]]) for p in range(inst.n_pairs)], pair_var=pair_var)


def _server_rows(model: linear_solver_pb2.MPModelProto, inst: CoverageInstance, y: list[int],
                 reqs: list[tuple[int, ...]], w: NDArray[np.float64], pair_var: list[int], k: int,
                 ps: NDArray[np.int64], *, linking: Literal["strong", "aggregated"]) -> None:
    """Server ``k``'s capacity row (only when it binds) and, aggregated, its per-option linking rows."""
    cap = float(inst.server_capacity[k])
    load = float(w[inst.pair_demand[ps]].sum())
    opener = int(inst.server_open[k])
    if math.isfinite(cap) and cap < load:
        idx = [pair_var[p] for p in ps]
        coef = [float(w[inst.pair_demand[p]]) for p in ps]
        if opener >= 0:
            _add_row(model, idx + [y[opener]], coef + [-cap], -math.inf, 0.0)
        else:
            _add_row(model, idx, coef, -math.inf, cap)
    if linking == "aggregated":
        groups: dict[int, list[int]] = {}
        for p in ps:
            for o in reqs[p]:
                groups.setdefault(o, []).append(int(p))
        for o, gp in sorted(groups.items()):
            coef = [float(w[inst.pair_demand[p]]) for p in gp]
            big = min(sum(coef), cap if math.isfinite(cap) else math.inf)
            _add_row(model, [pair_var[p] for p in gp] + [y[o]], coef + [-big], -math.inf, 0.0)


@dataclass
class _Run:
    status: str
    runtime: float
    values: NDArray[np.float64]
    objective: float
    bound: float


def _run_solver(model: linear_solver_pb2.MPModelProto, solver_id: str, *, time_limit: float,
                relative_gap: float, threads: int) -> _Run:
    """Load ``model`` into OR-Tools' ``pywraplp`` and solve it; values only when a solution exists.

    A model without variables (no patient, no option) is answered here: HiGHS returns an unknown
    status (99) for it and writes an error line to stderr.
    """
    if not model.variable:
        holds = all(c.lower_bound <= 0.0 <= c.upper_bound for c in model.constraint)
        offset = float(model.objective_offset)
        return _Run(status="optimal" if holds else "infeasible", runtime=0.0, values=np.zeros(0),
                    objective=offset if holds else math.nan, bound=offset if holds else math.nan)
    solver = pywraplp.Solver.CreateSolver(solver_id)
    if solver is None:  # pragma: no cover - depends on the OR-Tools build
        raise RuntimeError(f"OR-Tools was built without the {solver_id} backend")
    err = solver.LoadModelFromProto(model)
    if err:  # pragma: no cover - a bug in the builder
        raise RuntimeError(f"invalid coverage model: {err}")
    solver.SuppressOutput()
    if solver_id == "HIGHS":  # SuppressOutput leaves HiGHS's banner on stdout; its own flag does not
        solver.SetSolverSpecificParametersAsString("output_flag=false")
    solver.SetTimeLimit(int(max(time_limit, 0.01) * 1000))
    if threads > 1:
        solver.SetNumThreads(threads)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, relative_gap)
    t1 = time.perf_counter()
    status_code = solver.Solve(params)
    runtime = time.perf_counter() - t1
    status = _STATUS.get(status_code, str(status_code))
    if status not in ("optimal", "feasible"):
        return _Run(status=status, runtime=runtime, values=np.zeros(0), objective=math.nan, bound=math.nan)
    response = linear_solver_pb2.MPSolutionResponse()
    solver.FillSolutionResponseProto(response)
    return _Run(status=status, runtime=runtime, values=np.asarray(response.variable_value, dtype=np.float64),
                objective=float(solver.Objective().Value()), bound=float(solver.Objective().BestBound()))
