"""Exact coverage of any set of actions by min-cost max-flow (visits absorbed, then least drive).

This is how the chosen actions are pruned (an action that adds nothing is
dropped) and ranked (:mod:`optimizer.analysis.expansion.rank`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.analysis.expansion.mip import CoverageInstance
from optimizer.analysis.expansion.model import ExpansionProblem

__all__ = ["Evaluation", "evaluate", "FLOW_SCALE", "drive_saved"]

FLOW_SCALE = 12_000  # integer flow units per visit/week (1/2, 1/4, 1/6 exact)


@dataclass
class Evaluation:
    """Coverage of one set of actions, by min-cost max-flow.

    ``served`` is visits/week served per demand point; ``drive`` the round-trip
    drive minutes per week spent on them (least total among maximal flows).
    """

    chosen: frozenset[int]
    served: NDArray[np.float64]
    drive: NDArray[np.float64]
    covered_weight: float
    total_weight: float
    patients_covered: int
    n_patients: int
    drive_hours_per_week: float

    @property
    def covered_share(self) -> float:
        return self.covered_weight / self.total_weight if self.total_weight else 1.0

    def avg_round_trip(self) -> NDArray[np.float64]:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.served > 0, self.drive / np.maximum(self.served, 1e-12), np.nan)


def _full_requirements(inst: CoverageInstance) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per requirement entry: its pair and its option (server opening included)."""
    counts = np.diff(inst.req_ptr)
    pair_of = np.repeat(np.arange(inst.n_pairs), counts)
    opts = inst.req_idx.copy()
    opener = inst.server_open[inst.pair_server]
    has = opener >= 0
    pair_of = np.concatenate([pair_of, np.nonzero(has)[0]])
    opts = np.concatenate([opts, opener[has]])
    return pair_of.astype(np.int64), opts.astype(np.int64)


def evaluate(problem: ExpansionProblem, chosen: Iterable[int]) -> Evaluation:
    """Visits per week the nurses absorb (and the drive it takes) with options ``chosen``."""
    from ortools.graph.python import min_cost_flow

    inst = problem.instance
    chosen = frozenset(int(o) for o in chosen)
    mask = np.zeros(inst.n_options, dtype=bool)
    if chosen:
        mask[list(chosen)] = True
    pair_of, opts = _full_requirements(inst)
    missing = np.bincount(pair_of, weights=~mask[opts], minlength=inst.n_pairs) if len(pair_of) \
        else np.zeros(inst.n_pairs)
    active = np.nonzero(missing == 0)[0]
    n, m = inst.n_demand, inst.n_servers
    w_int = np.rint(inst.weights * FLOW_SCALE).astype(np.int64)
    total = int(w_int.sum())
    cap = np.where(np.isfinite(inst.server_capacity),
                   np.rint(np.nan_to_num(inst.server_capacity, posinf=0) * FLOW_SCALE), total)
    cap = np.minimum(cap, total).astype(np.int64)
    opened = np.array([inst.server_open[k] < 0 or mask[inst.server_open[k]] for k in range(m)], dtype=bool)
    cap[~opened] = 0
    src, sink = n + m, n + m + 1
    d_nodes = np.arange(n)
    s_nodes = n + np.arange(m)
    pd_ = inst.pair_demand[active]
    ps_ = inst.pair_server[active]
    rt_cost = np.rint(problem.pair_minutes[active] * 2 * 10).astype(np.int64)  # tenths of a minute
    tails = np.concatenate([np.full(n, src), pd_, s_nodes]).astype(np.int32)
    heads = np.concatenate([d_nodes, n + ps_, np.full(m, sink)]).astype(np.int32)
    caps = np.concatenate([w_int, w_int[pd_], cap]).astype(np.int64)
    costs_ = np.concatenate([np.zeros(n, np.int64), rt_cost, np.zeros(m, np.int64)])
    served = np.zeros(n)
    drive = np.zeros(n)
    if total > 0 and len(active):
        smcf = min_cost_flow.SimpleMinCostFlow()
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs_)
        supplies = np.zeros(n + m + 2, dtype=np.int64)
        supplies[src], supplies[sink] = total, -total
        smcf.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supplies)
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:  # pragma: no cover - integral data always solves
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flows = smcf.flows(arcs)
        pf = flows[n:n + len(active)].astype(np.float64)
        np.add.at(served, pd_, pf / FLOW_SCALE)
        np.add.at(drive, pd_, pf / FLOW_SCALE * problem.pair_minutes[active] * 2)
    dem = problem.demand
    full = served >= dem.weight - 0.5 / FLOW_SCALE
    per_patient = np.ones(dem.n_patients, dtype=bool)
    np.logical_and.at(per_patient, dem.patient, full)
    return Evaluation(
        chosen=chosen, served=served, drive=drive, covered_weight=float(served.sum()),
        total_weight=float(dem.weight.sum()), patients_covered=int(per_patient.sum()),
        n_patients=dem.n_patients, drive_hours_per_week=float(drive.sum() / 60),
    )


def drive_saved(before: Evaluation, after: Evaluation) -> float:
    """Hours per week of round-trip driving saved on demand served in both (can be < 0)."""
    a0, a1 = before.avg_round_trip(), after.avg_round_trip()
    both = (before.served > 0) & (after.served > 0)
    common = np.minimum(before.served, after.served)
    return float(np.sum(common[both] * (a0[both] - a1[both])) / 60)
