"""Choose, prune and rank the actions: the MIP's choice, then lazy-greedy marginal gains.

Any set of actions is evaluated exactly (:func:`optimizer.analysis.expansion.evaluate.evaluate`);
an action whose removal loses no coverage is dropped, and the rest are ranked by
each row's marginal gain given the rows above it. Complementary actions on one
nurse (e.g. a license that only pays off with a chemo certification) are ranked
as one bundle.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from optimizer.domain import Roster
from optimizer.analysis.expansion.actions import Action, ActionKind, Site, region_of
from optimizer.analysis.expansion.config import ExpansionSettings
from optimizer.analysis.expansion.evaluate import FLOW_SCALE, Evaluation, drive_saved, evaluate
from optimizer.analysis.expansion.mip import CoverageSolution, solve_coverage
from optimizer.analysis.expansion.model import ExpansionProblem, build_expansion
from optimizer.rules.windows import WindowRules

__all__ = ["ExpansionResult", "RECOMMENDATION_COLUMNS", "optimize", "recommend"]


@dataclass
class ExpansionResult:
    """The chosen actions, ranked, with before/after coverage and the solver's report."""

    problem: ExpansionProblem
    solution: CoverageSolution
    actions: list[Action]
    baseline: Evaluation
    after: Evaluation
    recommendations: pd.DataFrame
    by_state: pd.DataFrame
    mode: str
    budget: float | None
    target: float | None
    message: str = ""

    def summary(self) -> dict[str, Any]:
        """Key figures (JSON-ready)."""
        s = self.solution
        inst = self.problem.instance
        return {
            "mode": self.mode,
            "message": self.message,
            "budget": self.budget,
            "target_visits_per_week": self.target,
            "candidate_sites": len(self.problem.sites),
            "options": inst.n_options,
            "demand_points": inst.n_demand,
            "patients": self.baseline.n_patients,
            "pairs": inst.n_pairs,
            "actions": len(self.actions),
            "cost": round(sum(a.cost for a in self.actions), 2),
            "max_lead_weeks": max((a.lead_weeks for a in self.actions), default=0.0),
            "visits_per_week_total": round(self.baseline.total_weight, 3),
            "visits_per_week_covered_before": round(self.baseline.covered_weight, 3),
            "visits_per_week_covered_after": round(self.after.covered_weight, 3),
            "covered_share_before": round(self.baseline.covered_share, 4),
            "covered_share_after": round(self.after.covered_share, 4),
            "patients_covered_before": self.baseline.patients_covered,
            "patients_covered_after": self.after.patients_covered,
            "drive_hours_per_week_before": round(self.baseline.drive_hours_per_week, 2),
            "drive_hours_per_week_after": round(self.after.drive_hours_per_week, 2),
            "solver": {
                "backend": s.backend, "status": s.status, "formulation": s.formulation,
                "objective": None if math.isnan(s.objective) else round(s.objective, 6),
                "bound": None if math.isnan(s.bound) else round(s.bound, 6),
                "gap": None if not math.isfinite(s.gap) else round(s.gap, 6),
                "runtime_s": round(s.runtime_s, 3), "build_s": round(s.build_s, 3),
                "variables": s.n_variables, "constraints": s.n_constraints,
            },
        }


def _prune(problem: ExpansionProblem, chosen: set[int], base: frozenset[int]) -> set[int]:
    """Drop chosen options whose removal loses no coverage (most expensive first)."""
    current = evaluate(problem, base | chosen)
    for o in sorted(chosen, key=lambda o: (-problem.options[o].cost, problem.options[o].key)):
        trial = evaluate(problem, base | (chosen - {o}))
        if trial.covered_weight >= current.covered_weight - 1e-9:
            chosen = chosen - {o}
            current = trial
    return chosen


def _units(problem: ExpansionProblem, chosen: set[int]) -> list[tuple[int, ...]]:
    """Ranking units: single actions, plus same-nurse pairs (complements such as license + chemo)."""
    singles = [(o,) for o in sorted(chosen, key=lambda o: problem.options[o].key)]
    by_nurse: dict[str, list[int]] = defaultdict(list)
    for o in chosen:
        a = problem.options[o]
        if a.kind not in (ActionKind.HIRE, ActionKind.PARTNER):
            by_nurse[a.nurse_id].append(o)
    pairs = []
    for opts in by_nurse.values():
        opts = sorted(opts, key=lambda o: problem.options[o].key)
        pairs += [(a, b) for ai, a in enumerate(opts) for b in opts[ai + 1:]]
    return singles + pairs


def _rank(problem: ExpansionProblem, chosen: set[int], base: frozenset[int],
          baseline: Evaluation) -> list[tuple[tuple[int, ...], Evaluation, Evaluation]]:
    """Lazy-greedy order of ``chosen``: (unit, evaluation before it, evaluation after it)."""
    remaining = set(chosen)
    current = base
    cur_eval = baseline
    order: list[tuple[tuple[int, ...], Evaluation, Evaluation]] = []
    stale: dict[tuple[int, ...], float] = {}
    while remaining:
        units = [u for u in _units(problem, remaining)]
        singles = [u for u in units if len(u) == 1]
        heap = [(-stale.get(u, math.inf), problem.options[u[0]].key, u) for u in singles]
        heapq.heapify(heap)
        best: tuple[float, tuple[int, ...], Evaluation] | None = None
        while heap:
            neg, _, u = heapq.heappop(heap)
            if best is not None and -neg <= best[0] + 1e-12:
                break
            ev = evaluate(problem, current | set(u))
            gain = ev.covered_weight - cur_eval.covered_weight
            stale[u] = gain
            if best is None or gain > best[0] + 1e-12:
                best = (gain, u, ev)
        if best is None or best[0] <= 1e-9:  # no single helps alone: try complementary pairs
            pair_best: tuple[float, tuple[int, ...], Evaluation] | None = None
            for u in units:
                if len(u) != 2:
                    continue
                ev = evaluate(problem, current | set(u))
                gain = ev.covered_weight - cur_eval.covered_weight
                if pair_best is None or gain > pair_best[0] + 1e-12:
                    pair_best = (gain, u, ev)
            if pair_best is not None and pair_best[0] > 1e-9:
                best = pair_best
        assert best is not None
        gain, u, ev = best
        order.append((u, cur_eval, ev))
        remaining -= set(u)
        current = current | set(u)
        cur_eval = ev
        touched = {problem.options[o].nurse_id for o in u}  # complements live on the same nurse
        for k in list(stale):
            if set(k) & set(u) or any(problem.options[o].nurse_id in touched for o in k):
                del stale[k]
    return order


def _state_table(problem: ExpansionProblem, before: Evaluation, after: Evaluation) -> pd.DataFrame:
    dem = problem.demand
    rows = []
    full_b = before.served >= dem.weight - 0.5 / FLOW_SCALE
    full_a = after.served >= dem.weight - 0.5 / FLOW_SCALE
    pat_b = np.ones(dem.n_patients, bool)
    pat_a = np.ones(dem.n_patients, bool)
    np.logical_and.at(pat_b, dem.patient, full_b)
    np.logical_and.at(pat_a, dem.patient, full_a)
    pstate = np.empty(dem.n_patients, dtype=object)
    pstate[dem.patient] = dem.state
    for state in sorted(set(dem.state.tolist())):
        sel = dem.state == state
        psel = pstate == state
        tot = float(dem.weight[sel].sum())
        rows.append({
            "state": state, "region": region_of(state), "patients": int(psel.sum()),
            "visits_per_week": round(tot, 3),
            "covered_before": round(float(before.served[sel].sum()), 3),
            "covered_after": round(float(after.served[sel].sum()), 3),
            "covered_share_before": round(float(before.served[sel].sum()) / tot, 4) if tot else 1.0,
            "covered_share_after": round(float(after.served[sel].sum()) / tot, 4) if tot else 1.0,
            "patients_covered_before": int(pat_b[psel].sum()),
            "patients_covered_after": int(pat_a[psel].sum()),
            "drive_hours_per_week_before": round(float(before.drive[sel].sum()) / 60, 2),
            "drive_hours_per_week_after": round(float(after.drive[sel].sum()) / 60, 2),
        })
    return pd.DataFrame(rows, columns=[
        "state", "region", "patients", "visits_per_week", "covered_before", "covered_after",
        "covered_share_before", "covered_share_after", "patients_covered_before",
        "patients_covered_after", "drive_hours_per_week_before", "drive_hours_per_week_after"])


RECOMMENDATION_COLUMNS: tuple[str, ...] = (
    "rank", "action", "label", "nurse_id", "site", "state", "region", "cost", "lead_weeks",
    "visits_per_week_absorbed", "patients_covered", "drive_hours_saved_per_week",
    "visits_per_week_alone", "cumulative_cost", "cumulative_visits_per_week", "cumulative_covered_share",
    "bundle",
)


def optimize(
    problem: ExpansionProblem,
    *,
    budget: float | None = None,
    target: float | None = None,
    target_share: float | None = None,
    time_limit: float | None = None,
    relative_gap: float | None = None,
    backend: str | None = None,
    forced: Iterable[str] = (),
    forbidden: Iterable[str] = (),
) -> ExpansionResult:
    """Choose actions: maximise coverage under ``budget``, or reach a target at least cost.

    Parameters
    ----------
    problem
        From :func:`build_expansion`.
    budget
        Budget mode (USD).
    target, target_share
        Target mode: visits per week to cover, or that share of the total demand.
    time_limit, relative_gap, backend
        Override the settings' MIP options.
    forced, forbidden
        Action keys (:attr:`Action.key`) that must / must not be chosen.

    Returns
    -------
    ExpansionResult
        Pruned, ranked actions with marginal gains; before/after coverage by state.
    """
    if target_share is not None:
        if not 0 <= target_share <= 1:
            raise ValueError("target_share must be in [0, 1]")
        target = target_share * problem.total_weight()
    if (budget is None) == (target is None):
        raise ValueError("give exactly one of budget= and target= / target_share=")
    st = problem.settings
    fixed = _fixed(problem, forced, forbidden)
    sol = solve_coverage(
        problem.instance, budget=budget, target=target, capacitated=st.capacitated,
        linking=st.linking, backend=backend or st.backend,
        time_limit=st.time_limit if time_limit is None else time_limit,
        relative_gap=st.relative_gap if relative_gap is None else relative_gap,
        threads=st.threads, fixed=fixed,
    )
    base: frozenset[int] = frozenset()
    baseline = evaluate(problem, base)
    chosen = set(np.nonzero(sol.chosen)[0].tolist()) if sol.status in ("optimal", "feasible") else set()
    forced_set = {o for o, on in fixed.items() if on}
    free = _prune(problem, chosen - forced_set, base | frozenset(forced_set))
    chosen = free | forced_set
    ranked = _rank(problem, chosen, base, baseline)
    rows = _recommendation_rows(problem, ranked, base, baseline)
    after = ranked[-1][2] if ranked else baseline
    recs = pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS))
    actions = [problem.options[o] for unit, _, _ in ranked for o in unit]
    return ExpansionResult(
        problem=problem, solution=sol, actions=actions, baseline=baseline, after=after,
        recommendations=recs, by_state=_state_table(problem, baseline, after),
        mode="budget" if budget is not None else "target", budget=budget, target=target,
        message=_message(problem, sol, fixed, target),
    )


def _fixed(problem: ExpansionProblem, forced: Iterable[str], forbidden: Iterable[str]) -> dict[int, bool]:
    """Options forced on (``True``) or off (``False``) by action key; an unknown forced key is an error."""
    index = problem.option_index
    fixed: dict[int, bool] = {}
    for key in forced:
        if key not in index:
            raise KeyError(f"unknown action {key!r}")
        fixed[index[key]] = True
    for key in forbidden:
        if key in index:
            fixed[index[key]] = False
    return fixed


def _recommendation_rows(problem: ExpansionProblem, ranked: list[tuple[tuple[int, ...], Evaluation, Evaluation]],
                         base: frozenset[int], baseline: Evaluation) -> list[dict[str, Any]]:
    """One row per ranked action (a bundle's gains on its first row), columns :data:`RECOMMENDATION_COLUMNS`."""
    rows = []
    cum_cost = 0.0
    for rank, (unit, ev0, ev1) in enumerate(ranked, start=1):
        alone = evaluate(problem, base | set(unit)).covered_weight - baseline.covered_weight
        gain = ev1.covered_weight - ev0.covered_weight
        saved = drive_saved(ev0, ev1)
        for pos, o in enumerate(unit):
            a = problem.options[o]
            cum_cost += a.cost
            first = pos == 0
            rows.append({
                "rank": rank, "action": a.kind.value, "label": a.label, "nurse_id": a.nurse_id
                if a.kind not in (ActionKind.HIRE, ActionKind.PARTNER) else "",
                "site": f"{a.site.name}, {a.site.state}" if a.site else (
                    f"{a.partner.partner}, {a.state}" if a.partner else ""), "state": a.state,
                "region": region_of(a.state), "cost": round(a.cost, 2), "lead_weeks": a.lead_weeks,
                "visits_per_week_absorbed": round(gain, 4) if first else 0.0,
                "patients_covered": ev1.patients_covered - ev0.patients_covered if first else 0,
                "drive_hours_saved_per_week": round(saved, 2) + 0.0 if first else 0.0,
                "visits_per_week_alone": round(alone, 4) if first else 0.0,
                "cumulative_cost": round(cum_cost, 2),
                "cumulative_visits_per_week": round(ev1.covered_weight, 4),
                "cumulative_covered_share": round(ev1.covered_share, 4),
                "bundle": " + ".join(problem.options[x].key for x in unit) if len(unit) > 1 else "",
            })
    return rows


def _message(problem: ExpansionProblem, sol: CoverageSolution, fixed: dict[int, bool],
             target: float | None) -> str:
    """Why there is no solution (empty when the MIP found one)."""
    if sol.status in ("optimal", "feasible"):
        return ""
    best = evaluate(problem, set(range(problem.instance.n_options)) - {o for o, v in fixed.items() if not v})
    message = f"MIP {sol.status}"
    if target is not None and best.covered_weight < target - 1e-9:
        message = (f"target of {target:.2f} visits/week cannot be reached: every candidate action "
                   f"together covers {best.covered_weight:.2f} of {best.total_weight:.2f}")
    return message


def recommend(
    roster: Roster,
    *,
    budget: float | None = None,
    target_share: float | None = None,
    provider: Any = None,
    settings: ExpansionSettings | None = None,
    sites: Sequence[Site] | None = None,
    on: date | None = None,
    rules: WindowRules | None = None,
) -> ExpansionResult:
    """Build and solve an expansion study in one call (see :func:`build_expansion`, :func:`optimize`)."""
    problem = build_expansion(roster, provider=provider, settings=settings, sites=sites, on=on, rules=rules)
    return optimize(problem, budget=budget, target_share=target_share)
