"""Capacity versus demand, week by week: projected refill visits against nurse-days (a min-cost flow).

See :mod:`optimizer.analysis.coverage` for the allocation rule.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from optimizer.analysis.coverage.reach import _drive_minutes, _LicenseCache
from optimizer.analysis.coverage.regions import CENSUS_REGIONS
from optimizer.domain import Infusate, Nurse, Patient, Roster
from optimizer.rules.eligibility import is_certified_for, within_reach
from optimizer.rules.windows import RefillWindow, WindowRules, after_refill, project_refills, refill_window

__all__ = ["CapacityResult", "capacity_vs_demand", "projected_visits"]

#: A projected visit: (week index, patient index, infusate, day, overdue).
_Visit = tuple[int, int, Infusate, date, bool]


@dataclass(frozen=True)
class CapacityResult:
    """Capacity versus demand, week by week.

    Attributes
    ----------
    weeks
        ``week, week_start, week_end`` (ISO label of the block's first day).
    by_state
        ``week, week_start, week_end, state, region, demand_visits, chemo_visits,
        capacity_visits, served_visits, short_visits, no_nurse_visits, utilization,
        status`` (``short`` / ``no_nurse`` / ``tight`` / ``ok``).
    by_region
        The same summed by region, plus an ``All`` row per week.
    nurses
        ``week, nurse_id, home_state, workdays, capacity_visits, assigned_visits``.
    visits
        Every projected visit: ``patient_id, state, region, day, week, infusate, overdue``
        (identified: internal use only).
    """

    weeks: pd.DataFrame
    by_state: pd.DataFrame
    by_region: pd.DataFrame
    nurses: pd.DataFrame
    visits: pd.DataFrame

    def short(self, level: str = "state") -> pd.DataFrame:
        """The rows flagged ``short`` (``level`` = ``"state"`` or ``"region"``)."""
        df = self.by_state if level == "state" else self.by_region
        return df[df["status"] == "short"].reset_index(drop=True)


def projected_visits(
    patient: Patient, *, start: date, end: date, rules: WindowRules | None = None
) -> list[tuple[date, RefillWindow, bool]]:
    """Refill visits of ``patient`` from ``start`` to ``end`` (inclusive), projected by protocol.

    Each refill happens on its due date, or its window's last day when earlier
    (:func:`~optimizer.rules.windows.project_refills`). A refill whose day falls before
    ``start`` is overdue: it is counted on ``start`` and the cycle goes on from there.

    Returns
    -------
    list of (day, window, overdue)
    """
    rules = rules or WindowRules()
    first = refill_window(patient, rules=rules)
    out: list[tuple[date, RefillWindow, bool]] = []
    current = patient
    if min(first.due, first.end) < start:
        out.append((start, first, True))
        current = after_refill(patient, start, rules=rules)
    for w in project_refills(current, until=end, rules=rules):
        day = min(w.due, w.end)
        if day > end:
            break
        out.append((max(day, start), w, day < start))
    return out


def _status(demand: float, capacity: float, short: float, no_nurse: float, tight_at: float) -> str:
    """``short`` (eligible nurses, not enough capacity) > ``no_nurse`` (nobody eligible) > ``tight`` > ``ok``."""
    if short > 0:
        return "short"
    if no_nurse > 0:
        return "no_nurse"
    if capacity > 0 and demand / capacity >= tight_at:
        return "tight"
    return "ok"


def _week_rows(start: date, weeks: int) -> list[dict[str, Any]]:
    """``week`` (ISO label), ``week_start``, ``week_end`` of each 7-day block from ``start``."""
    week_rows = []
    for k in range(weeks):
        ws = start + timedelta(days=7 * k)
        iso = ws.isocalendar()
        week_rows.append({"week": f"{iso.year}-W{iso.week:02d}", "week_start": ws,
                          "week_end": ws + timedelta(days=6)})
    return week_rows


def _demand(patients: Sequence[Patient], start: date, end: date, rules: WindowRules) -> list[_Visit]:
    """Every projected visit from ``start`` to ``end``: (week index, patient index, infusate, day, overdue)."""
    visits: list[_Visit] = []
    for j, p in enumerate(patients):
        for day, w, overdue in projected_visits(p, start=start, end=end, rules=rules):
            visits.append(((day - start).days // 7, j, w.next_infusate, day, overdue))
    return visits


@dataclass
class _WeekFlow:
    """The outcome of one week's transport problem (see the module docstring of the package)."""

    served: np.ndarray  # visit v was assigned a nurse
    servable: np.ndarray  # some nurse is eligible for visit v this week
    used: np.ndarray  # visits assigned to nurse i
    elig: list[list[int]]  # visits each nurse could serve
    alloc: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # capacity per state


def _week_flow(nurses: Sequence[Nurse], patients: Sequence[Patient], vis: Sequence[tuple[int, Infusate]],
               cap: np.ndarray, minutes: np.ndarray, lic: _LicenseCache, ws: date) -> _WeekFlow:
    """Maximum flow of minimum drive time from nurses' capacity to the week's visits.

    Arcs: source(0) → nurse(1..N) → visit(N+1..N+V) → sink(N+V+1); a nurse → visit
    arc exists when she may practice in the patient's state on ``ws``, is certified
    for the infusate and lives within her drive limit of the patient.
    """
    from ortools.graph.python import min_cost_flow

    N, V = len(nurses), len(vis)
    src, sink = 0, N + V + 1
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    elig: list[list[int]] = [[] for _ in range(N)]  # visits each nurse could serve
    for i in range(N):
        tails.append(src); heads.append(1 + i); caps.append(int(cap[i])); costs.append(0)
    edge_of: list[tuple[int, int, int]] = []  # (arc position, nurse, visit) of nurse->visit arcs
    for v, (j, f) in enumerate(vis):
        p = patients[j]
        for i, n in enumerate(nurses):
            if (lic(i, p.state, ws) and is_certified_for(n, f) and within_reach(n, minutes[i, j])):
                edge_of.append((len(tails), i, v))
                tails.append(1 + i); heads.append(1 + N + v); caps.append(1)
                costs.append(int(round(minutes[i, j])))
                elig[i].append(v)
        tails.append(1 + N + v); heads.append(sink); caps.append(1); costs.append(0)
    out = _WeekFlow(served=np.zeros(V, dtype=bool), servable=np.zeros(V, dtype=bool),
                    used=np.zeros(N, dtype=np.int64), elig=elig)
    for _, _, v in edge_of:
        out.servable[v] = True
    if V and edge_of:
        smcf = min_cost_flow.SimpleMinCostFlow()
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(
            np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32),
            np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64))
        total = int(cap.sum())
        smcf.set_node_supply(src, total)
        smcf.set_node_supply(sink, -total)
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:  # pragma: no cover - the network is always feasible
            raise RuntimeError(f"capacity flow failed: {status}")
        flows = smcf.flows(arcs)
        for pos, i, v in edge_of:
            if flows[pos] > 0:
                out.served[v] = True
                out.used[i] += 1
                out.alloc[patients[vis[v][0]].state] += 1.0
    return out


def _spread_leftover(flow: _WeekFlow, nurses: Sequence[Nurse], patients: Sequence[Patient],
                     vis: Sequence[tuple[int, Infusate]], cap: np.ndarray) -> None:
    """Split each nurse's unused capacity among the states of the visits she was eligible for (else home)."""
    for i, n in enumerate(nurses):
        left = float(cap[i] - flow.used[i])
        if left > 0:
            counts: dict[str, int] = defaultdict(int)
            for v in flow.elig[i]:
                counts[patients[vis[v][0]].state] += 1
            tot = sum(counts.values())
            if tot:
                for s, c in counts.items():
                    flow.alloc[s] += left * c / tot
            else:
                flow.alloc[n.home_state] += left


def _state_rows(week: Mapping[str, Any], flow: _WeekFlow, patients: Sequence[Patient],
                vis: Sequence[tuple[int, Infusate]], regions: Mapping[str, str],
                tight_at: float) -> list[dict[str, Any]]:
    """One week's rows of the state table: demand, capacity allocated, short and no-nurse visits, status."""
    demand: dict[str, int] = defaultdict(int)
    chemo: dict[str, int] = defaultdict(int)
    short: dict[str, int] = defaultdict(int)
    no_nurse: dict[str, int] = defaultdict(int)
    for v, (j, f) in enumerate(vis):
        s = patients[j].state
        demand[s] += 1
        chemo[s] += int(f.is_chemo)
        short[s] += int(flow.servable[v] and not flow.served[v])
        no_nurse[s] += int(not flow.servable[v])
    rows = []
    for s in sorted(set(demand) | set(flow.alloc)):
        d, c = demand.get(s, 0), round(flow.alloc.get(s, 0.0), 2)
        rows.append({
            **week, "state": s, "region": regions.get(s, "Other"),
            "demand_visits": d, "chemo_visits": chemo.get(s, 0), "capacity_visits": c,
            "served_visits": d - short.get(s, 0) - no_nurse.get(s, 0),
            "short_visits": short.get(s, 0), "no_nurse_visits": no_nurse.get(s, 0),
            "utilization": round(d / c, 3) if c > 0 else (math.inf if d else math.nan),
            "status": _status(d, c, short.get(s, 0), no_nurse.get(s, 0), tight_at),
        })
    return rows


def capacity_vs_demand(
    roster: Roster,
    *,
    start: date,
    provider: Any,
    weeks: int = 8,
    rules: WindowRules | None = None,
    regions: Mapping[str, str] | None = None,
    tight_at: float = 0.85,
) -> CapacityResult:
    """Refill visits due per week and state against nurse capacity (see the module docstring).

    Parameters
    ----------
    roster
        Patients, nurses and time off.
    start
        First day of week 1 (a Monday gives ISO weeks).
    provider
        Travel provider, for the reach rule and the drive-time tie-break.
    weeks
        Number of 7-day blocks (default 8).
    rules
        Window rules (SPEC §5 defaults).
    regions
        State → region (default :data:`CENSUS_REGIONS`).
    tight_at
        Utilization at or above which a state-week is ``tight``.

    Returns
    -------
    CapacityResult
    """
    regions = dict(regions or CENSUS_REGIONS)
    rules = rules or WindowRules()
    end = start + timedelta(days=7 * weeks - 1)
    nurses = list(roster.nurses)
    patients = list(roster.active_patients())
    minutes = _drive_minutes(nurses, patients, provider)
    lic = _LicenseCache(nurses)
    week_rows = _week_rows(start, weeks)
    week_df = pd.DataFrame(week_rows, columns=["week", "week_start", "week_end"])
    visits = _demand(patients, start, end, rules)
    visit_df = pd.DataFrame(
        [(patients[j].patient_id, patients[j].state, regions.get(patients[j].state, "Other"), day,
          week_rows[k]["week"], f.value, od) for k, j, f, day, od in visits],
        columns=["patient_id", "state", "region", "day", "week", "infusate", "overdue"])
    by_week: dict[int, list[tuple[int, Infusate]]] = defaultdict(list)
    for k, j, f, _, _ in visits:
        by_week[k].append((j, f))

    state_rows: list[dict[str, Any]] = []
    nurse_rows: list[dict[str, Any]] = []
    for k in range(weeks):
        ws = week_rows[k]["week_start"]
        days = [ws + timedelta(days=d) for d in range(7)]
        workdays = [sum(roster.available(n, d) for d in days) for n in nurses]
        cap = np.array([w * n.max_visits_per_day for w, n in zip(workdays, nurses)], dtype=np.int64)
        vis = by_week.get(k, [])
        flow = _week_flow(nurses, patients, vis, cap, minutes, lic, ws)
        _spread_leftover(flow, nurses, patients, vis, cap)
        nurse_rows += [{"week": week_rows[k]["week"], "nurse_id": n.nurse_id, "home_state": n.home_state,
                        "workdays": workdays[i], "capacity_visits": int(cap[i]),
                        "assigned_visits": int(flow.used[i])} for i, n in enumerate(nurses)]
        state_rows += _state_rows(week_rows[k], flow, patients, vis, regions, tight_at)
    cols = ["week", "week_start", "week_end", "state", "region", "demand_visits", "chemo_visits",
            "capacity_visits", "served_visits", "short_visits", "no_nurse_visits", "utilization",
            "status"]
    by_state = pd.DataFrame(state_rows, columns=cols)
    by_region = _by_region(by_state, tight_at)
    nurse_df = pd.DataFrame(nurse_rows, columns=["week", "nurse_id", "home_state", "workdays",
                                                 "capacity_visits", "assigned_visits"])
    return CapacityResult(weeks=week_df, by_state=by_state, by_region=by_region, nurses=nurse_df,
                          visits=visit_df)


def _by_region(by_state: pd.DataFrame, tight_at: float) -> pd.DataFrame:
    """Sum the state rows per region and week, with an ``All`` row per week."""
    cols = ["week", "week_start", "week_end", "region", "states", "demand_visits", "chemo_visits",
            "capacity_visits", "served_visits", "short_visits", "no_nurse_visits", "utilization",
            "status"]
    if by_state.empty:
        return pd.DataFrame(columns=cols)
    num = ["demand_visits", "chemo_visits", "capacity_visits", "served_visits", "short_visits",
           "no_nurse_visits"]
    keys = ["week", "week_start", "week_end"]
    reg = by_state.groupby(keys + ["region"], sort=True).agg(
        states=("state", lambda s: ";".join(sorted(s))), **{c: (c, "sum") for c in num}).reset_index()
    tot = by_state.groupby(keys, sort=True).agg(
        states=("state", "nunique"), **{c: (c, "sum") for c in num}).reset_index()
    tot["region"] = "All"
    tot["states"] = tot["states"].astype(str)
    out = pd.concat([reg, tot], ignore_index=True)
    out["capacity_visits"] = out["capacity_visits"].round(2)
    out["utilization"] = [round(d / c, 3) if c > 0 else (math.inf if d else math.nan)
                          for d, c in zip(out["demand_visits"], out["capacity_visits"])]
    out["status"] = [_status(d, c, s, u, tight_at) for d, c, s, u in
                     zip(out["demand_visits"], out["capacity_visits"], out["short_visits"],
                         out["no_nurse_visits"])]
    out["_all"] = out["region"] == "All"
    out = out.sort_values(["week_start", "_all", "region"]).drop(columns="_all").reset_index(drop=True)
    return out[cols]
