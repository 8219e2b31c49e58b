"""Coverage analytics and capacity versus demand (SPEC §2, leadership's job).

Two questions, answered from the same domain rules as the planner
(:mod:`optimizer.rules.windows`, :mod:`optimizer.rules.eligibility`):

**Who can reach whom?** (:func:`analyze_coverage`) For every active patient, the
nurses *eligible by license and certification* and how many of them live within
each drive-time cutoff (default 60 / 120 / 180 / 240 min), then per state and per
county: patients, the share covered at each cutoff, licensed nurses, patients
with exactly one nurse able to serve them (single point of failure) and patients
with none.

* License is judged on the data date (``as_of``), as :func:`~optimizer.rules.eligibility.may_practice`.
* Certification is judged over the patient's *cycle*: a patient alternating
  floxuridine and heparinized saline needs a chemo-certified nurse every other
  visit, so only chemo-certified nurses cover her; glycerin and saline patients
  need HAI certification only.
* "Single point of failure" and "no nurse" use the planner's own reach rule: a
  nurse counts when the one-way drive is within *her* ``max_drive_minutes_one_way``
  (SPEC §5). The cutoff columns ignore that personal limit and only ask "is a
  nurse within N minutes", which is what a coverage map shows.

**Will there be enough nurse-days?** (:func:`capacity_vs_demand`) Over the next
8 weeks (7-day blocks from ``start``): the refill visits due, projected from
each patient's refill windows and protocol cycle with
:func:`~optimizer.rules.windows.project_refills` (each refill on its due date, or the
last day of its window when that is earlier; an overdue refill counts in week 1),
against nurse capacity = available workdays (workdays minus time off) ×
``max_visits_per_day``.

Capacity allocation rule (documented because utilization depends on it):

1. Each week is a transport problem: every nurse supplies her weekly capacity,
   every due visit needs one unit, and a nurse may serve a visit only if she may
   practice in the patient's state that week, is certified for that visit's
   infusate and lives within her drive limit of the patient. A **maximum flow
   of minimum total drive time** (OR-Tools min-cost flow) assigns capacity to
   visits, so a visit is counted *short* only when no assignment of the nurses'
   capacity could serve it (ties between states are broken by shorter drives).
2. Capacity a nurse spends on a state's visits is allocated to that state.
3. Capacity she has left over is split among the states of the visits she was
   eligible for that week, in proportion to their number; with none, it goes
   to her home state.

So a state's capacity is what its eligible nurses could give it and its
utilization is ``demand / capacity``. A state-week's ``status`` is ``short``
when visits that some nurse is eligible for cannot all be served (a capacity
shortage: hire or move nurse-days), else ``no_nurse`` when some visits have no
eligible nurse at all that week (a coverage gap: license, certify or hire
there; counted in ``no_nurse_visits``), else ``tight`` when utilization reaches
``tight_at`` (default 85 %), else ``ok``. This is nominal capacity: it ignores how many visits fit in a
day's drive, so a ``short`` flag is certain and an ``ok`` one is optimistic.
Regions (US Census regions by default, :data:`CENSUS_REGIONS`) sum their states.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

import geodata
from optimizer.domain import Infusate, Nurse, Patient, Roster
from optimizer.rules.eligibility import is_certified_for, may_practice, within_reach
from optimizer.rules.windows import RefillWindow, WindowRules, after_refill, project_refills, refill_window

__all__ = [
    "DEFAULT_CUTOFFS",
    "CENSUS_REGIONS",
    "CoverageResult",
    "CapacityResult",
    "LeadershipView",
    "analyze_coverage",
    "capacity_vs_demand",
    "projected_visits",
    "load_regions",
]

#: Drive-time cutoffs (minutes) of the coverage tables.
DEFAULT_CUTOFFS: tuple[int, ...] = (60, 120, 180, 240)

#: US Census Bureau regions (state → region), the default grouping of the
#: capacity tables. Replace with :func:`load_regions` (CSV ``state,region``).
CENSUS_REGIONS: dict[str, str] = {
    **dict.fromkeys(["CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"], "Northeast"),
    **dict.fromkeys(["IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"],
                    "Midwest"),
    **dict.fromkeys(["DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS",
                     "TN", "AR", "LA", "OK", "TX"], "South"),
    **dict.fromkeys(["AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR",
                     "WA"], "West"),
}


def load_regions(path: str) -> dict[str, str]:
    """Read a user region table: CSV with columns ``state,region``.

    Parameters
    ----------
    path
        CSV file; states not listed fall back to their Census region.

    Returns
    -------
    dict of str to str
        State code → region name.
    """
    df = pd.read_csv(path, dtype=str)
    missing = {"state", "region"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: region table needs columns state,region (missing {sorted(missing)})")
    return {**CENSUS_REGIONS, **{s.strip().upper(): r.strip() for s, r in zip(df.state, df.region)}}


# --------------------------------------------------------------------------- helpers


def cycle_infusates(patient: Patient) -> tuple[Infusate, ...]:
    """The fills a patient will receive in her cycle (next fill, then the one after)."""
    nxt = patient.next_infusate
    return (nxt, nxt.next_by_protocol()) if nxt.next_by_protocol() is not nxt else (nxt,)


def _certified_for_cycle(nurse: Nurse, patient: Patient) -> bool:
    return all(is_certified_for(nurse, f) for f in cycle_infusates(patient))


def _drive_minutes(roster_nurses: Sequence[Nurse], patients: Sequence[Patient], provider: Any) -> np.ndarray:
    """Nurse-home → patient drive minutes, ``(n_nurses, n_patients)``, nan = unreachable."""
    if not roster_nurses or not patients:
        return np.zeros((len(roster_nurses), len(patients)))
    tm = provider.matrix([(n.lat, n.lon) for n in roster_nurses], [(p.lat, p.lon) for p in patients])
    return np.asarray(tm.minutes, dtype=float)


class _LicenseCache:
    """``may_practice`` memoised by (nurse index, state, date)."""

    def __init__(self, nurses: Sequence[Nurse]) -> None:
        self._nurses = nurses
        self._memo: dict[tuple[int, str, date], bool] = {}

    def __call__(self, i: int, state: str, on: date) -> bool:
        key = (i, state, on)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = may_practice(self._nurses[i], state, on=on)
        return hit


def _county_names() -> dict[str, tuple[str, str]]:
    """County FIPS → (county name, state)."""
    g = geodata.counties_gdf()
    return {f: (c, s) for f, c, s in zip(g["fips"], g["county"], g["state"])}


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class LeadershipView:
    """What the leadership map may show: aggregates only, no patient id or location.

    Built by :meth:`CoverageResult.leadership_view`; the map functions take this
    type, so patient-level rows never reach them (de-identified by construction).

    Attributes
    ----------
    as_of
        Data date.
    cutoffs
        Drive-time cutoffs of the share columns.
    by_state
        Per-state table (no patient-level column).
    by_county
        Per-county table: ``county_fips, county, state, patients_band, patients_shown,
        covered_<c>min`` (shares blank where the county has fewer than
        ``small_cell`` patients), ``single_nurse_patients``, ``no_nurse_patients``
        (blank likewise), ``any_single_nurse``, ``any_no_nurse`` (flags, always shown).
    nurses
        Staff positions rounded to ``digits`` decimals, with ``nurse_id``,
        ``home_state``, ``chemo_certified``, ``licensed_states``.
    small_cell
        Counts below this are shown as a band (``"1–4"``), never exactly.
    totals
        National counts (patients, nurses, shares).
    """

    as_of: date
    cutoffs: tuple[int, ...]
    by_state: pd.DataFrame
    by_county: pd.DataFrame
    nurses: pd.DataFrame
    small_cell: int
    totals: dict[str, float]


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of every active patient, and its state and county aggregates.

    Attributes
    ----------
    as_of
        The data date (licenses are judged on it).
    cutoffs
        Drive-time cutoffs in minutes.
    patients
        One row per active patient (identified: internal use only).
    by_state, by_county
        Aggregates (see :func:`analyze_coverage`).
    nurses
        One row per nurse: exact home, states she may practice in, patients she can serve.
    """

    as_of: date
    cutoffs: tuple[int, ...]
    patients: pd.DataFrame
    by_state: pd.DataFrame
    by_county: pd.DataFrame
    nurses: pd.DataFrame

    def leadership_view(self, *, digits: int = 2, small_cell: int = 5) -> LeadershipView:
        """The de-identified aggregates the leadership map is drawn from.

        Parameters
        ----------
        digits
            Decimals kept of nurse home coordinates (2 ≈ 1 km).
        small_cell
            County counts below this are banded and their shares withheld.

        Returns
        -------
        LeadershipView
        """
        county = self.by_county.copy()
        small = county["patients"] < small_cell
        # flags stay visible for every county (they say less than the counts they replace)
        county["any_single_nurse"] = county["single_nurse_patients"] > 0
        county["any_no_nurse"] = county["no_nurse_patients"] > 0
        county["patients_band"] = [
            f"1–{small_cell - 1}" if s else str(int(n)) for s, n in zip(small, county["patients"])
        ]
        # exact counts only for cells at or above the threshold; banded cells show the band floor
        county["patients_shown"] = np.where(small, 1, county["patients"]).astype(int)
        withheld = [f"covered_{c}min" for c in self.cutoffs] + [
            "single_nurse_patients", "no_nurse_patients", "median_nearest_minutes"]
        for col in withheld:
            county[col] = county[col].astype(float).where(~small)
        county = county.drop(columns=["patients"])
        nurses = self.nurses[["nurse_id", "home_state", "chemo_certified", "licensed_states"]].copy()
        nurses["lat"] = self.nurses["lat"].round(digits)
        nurses["lon"] = self.nurses["lon"].round(digits)
        n = len(self.patients)
        totals: dict[str, float] = {"patients": float(n), "nurses": float(len(self.nurses)),
                                    "states": float((self.by_state["patients"] > 0).sum())}
        for c in self.cutoffs:
            totals[f"covered_{c}min"] = float(self.patients[f"within_{c}min"].gt(0).mean()) if n else math.nan
        totals["single_nurse_patients"] = float(self.patients["single_nurse"].sum())
        totals["no_nurse_patients"] = float(self.patients["no_nurse"].sum())
        return LeadershipView(as_of=self.as_of, cutoffs=self.cutoffs, by_state=self.by_state.copy(),
                              by_county=county, nurses=nurses, small_cell=small_cell, totals=totals)


def analyze_coverage(
    roster: Roster,
    *,
    provider: Any,
    as_of: date,
    cutoffs: Sequence[int] = DEFAULT_CUTOFFS,
    regions: Mapping[str, str] | None = None,
) -> CoverageResult:
    """Eligible nurses within drive-time cutoffs, per patient, state and county.

    Parameters
    ----------
    roster
        Patients (active ones only are counted) and nurses.
    provider
        Travel provider (``matrix(origins, destinations)``); nan = unreachable.
    as_of
        Data date; licenses are judged on it.
    cutoffs
        Drive-time cutoffs in minutes, ascending.
    regions
        State → region (default :data:`CENSUS_REGIONS`).

    Returns
    -------
    CoverageResult
        ``patients``: ``patient_id, state, region, county_fips, county, needs_chemo,
        licensed_nurses, eligible_nurses, nearest_minutes, within_<c>min…,
        reachable_nurses, single_nurse, no_nurse, gap, nurse_ids``.
        ``by_state``: ``state, state_name, region, patients, chemo_patients,
        covered_<c>min…, licensed_nurses, chemo_licensed_nurses, nurses_based,
        single_nurse_patients, no_nurse_patients, median_nearest_minutes``.
        ``by_county``: ``county_fips, county, state, patients, covered_<c>min…,
        single_nurse_patients, no_nurse_patients, median_nearest_minutes``.
    """
    regions = dict(regions or CENSUS_REGIONS)
    cutoffs = tuple(sorted(int(c) for c in cutoffs))
    nurses = list(roster.nurses)
    patients = list(roster.active_patients())
    minutes = _drive_minutes(nurses, patients, provider)
    lic = _LicenseCache(nurses)
    fips = geodata.counties_of([p.lat for p in patients], [p.lon for p in patients]) if patients else []
    names = _county_names()

    rows: list[dict[str, Any]] = []
    serves = np.zeros((len(nurses), len(patients)), dtype=bool)  # reachable under §5
    for j, p in enumerate(patients):
        licensed = [i for i in range(len(nurses)) if lic(i, p.state, as_of) and nurses[i].hai_certified]
        eligible = [i for i in licensed if _certified_for_cycle(nurses[i], p)]
        mins = minutes[eligible, j] if eligible else np.zeros(0)
        finite = mins[~np.isnan(mins)]
        reach = [i for i in eligible if within_reach(nurses[i], minutes[i, j])]
        serves[reach, j] = True
        row: dict[str, Any] = {
            "patient_id": p.patient_id,
            "state": p.state,
            "region": regions.get(p.state, "Other"),
            "county_fips": fips[j] or "",
            "county": names.get(fips[j] or "", ("", ""))[0],
            "needs_chemo": any(f.is_chemo for f in cycle_infusates(p)),
            "licensed_nurses": len(licensed),
            "eligible_nurses": len(eligible),
            "nearest_minutes": round(float(finite.min()), 1) if finite.size else math.nan,
        }
        for c in cutoffs:
            row[f"within_{c}min"] = int((finite <= c).sum())
        row["reachable_nurses"] = len(reach)
        row["single_nurse"] = len(reach) == 1
        row["no_nurse"] = len(reach) == 0
        row["gap"] = ("no_licensed_nurse" if not licensed else "no_certified_nurse" if not eligible
                      else "out_of_reach" if not reach else "")
        row["nurse_ids"] = ";".join(nurses[i].nurse_id for i in reach)
        rows.append(row)
    pcols = (["patient_id", "state", "region", "county_fips", "county", "needs_chemo", "licensed_nurses",
              "eligible_nurses", "nearest_minutes"] + [f"within_{c}min" for c in cutoffs]
             + ["reachable_nurses", "single_nurse", "no_nurse", "gap", "nurse_ids"])
    pat = pd.DataFrame(rows, columns=pcols)

    def aggregate(g: pd.DataFrame) -> dict[str, Any]:
        out: dict[str, Any] = {"patients": len(g), "chemo_patients": int(g["needs_chemo"].sum())}
        for c in cutoffs:
            out[f"covered_{c}min"] = round(float(g[f"within_{c}min"].gt(0).mean()), 4) if len(g) else math.nan
        out["single_nurse_patients"] = int(g["single_nurse"].sum())
        out["no_nurse_patients"] = int(g["no_nurse"].sum())
        med = g["nearest_minutes"].median()
        out["median_nearest_minutes"] = round(float(med), 1) if med == med else math.nan
        return out

    # ---- by state: states with patients or with nurses licensed there
    states = sorted(set(pat["state"]) | {n.home_state for n in nurses}
                    | {s for s in geodata.STATE_CODES if any(lic(i, s, as_of) for i in range(len(nurses)))})
    srows = []
    for s in states:
        g = pat[pat["state"] == s]
        lic_n = [i for i in range(len(nurses)) if nurses[i].hai_certified and lic(i, s, as_of)]
        srows.append({
            "state": s, "state_name": geodata.STATE_NAMES.get(s, s), "region": regions.get(s, "Other"),
            **aggregate(g),
            "licensed_nurses": len(lic_n),
            "chemo_licensed_nurses": sum(1 for i in lic_n if nurses[i].chemo_certified),
            "nurses_based": sum(1 for n in nurses if n.home_state == s),
        })
    share_cols = [f"covered_{c}min" for c in cutoffs]
    scols = (["state", "state_name", "region", "patients", "chemo_patients"] + share_cols
             + ["licensed_nurses", "chemo_licensed_nurses", "nurses_based", "single_nurse_patients",
                "no_nurse_patients", "median_nearest_minutes"])
    by_state = pd.DataFrame(srows, columns=scols)

    # ---- by county: counties with patients
    crows = []
    for f, g in pat.groupby("county_fips", sort=True):
        county, st = names.get(f, ("(unknown)", g["state"].iloc[0]))
        agg = aggregate(g)
        agg.pop("chemo_patients")
        crows.append({"county_fips": f, "county": county, "state": st, **agg})
    ccols = (["county_fips", "county", "state", "patients"] + share_cols
             + ["single_nurse_patients", "no_nurse_patients", "median_nearest_minutes"])
    by_county = pd.DataFrame(crows, columns=ccols)

    nrows = []
    for i, n in enumerate(nurses):
        may = sorted(s for s in geodata.STATE_CODES if lic(i, s, as_of))
        nrows.append({
            "nurse_id": n.nurse_id, "home_state": n.home_state, "lat": n.lat, "lon": n.lon,
            "hai_certified": n.hai_certified, "chemo_certified": n.chemo_certified,
            "licensed_states": ";".join(may), "max_drive_minutes_one_way": n.max_drive_minutes_one_way,
            "patients_reachable": int(serves[i].sum()),
            "sole_nurse_of": int(serves[i][serves.sum(axis=0) == 1].sum()) if len(patients) else 0,
        })
    nurse_df = pd.DataFrame(nrows, columns=["nurse_id", "home_state", "lat", "lon", "hai_certified",
                                            "chemo_certified", "licensed_states",
                                            "max_drive_minutes_one_way", "patients_reachable",
                                            "sole_nurse_of"])
    return CoverageResult(as_of=as_of, cutoffs=cutoffs, patients=pat, by_state=by_state,
                          by_county=by_county, nurses=nurse_df)


# --------------------------------------------------------------------------- capacity


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
    from ortools.graph.python import min_cost_flow

    regions = dict(regions or CENSUS_REGIONS)
    rules = rules or WindowRules()
    end = start + timedelta(days=7 * weeks - 1)
    nurses = list(roster.nurses)
    patients = list(roster.active_patients())
    minutes = _drive_minutes(nurses, patients, provider)
    lic = _LicenseCache(nurses)

    week_rows = []
    for k in range(weeks):
        ws = start + timedelta(days=7 * k)
        iso = ws.isocalendar()
        week_rows.append({"week": f"{iso.year}-W{iso.week:02d}", "week_start": ws,
                          "week_end": ws + timedelta(days=6)})
    week_df = pd.DataFrame(week_rows, columns=["week", "week_start", "week_end"])

    # demand: (week, patient index, infusate)
    visits: list[tuple[int, int, Infusate, date, bool]] = []
    for j, p in enumerate(patients):
        for day, w, overdue in projected_visits(p, start=start, end=end, rules=rules):
            visits.append(((day - start).days // 7, j, w.next_infusate, day, overdue))
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
        cap = np.array([sum(roster.available(n, d) for d in days) * n.max_visits_per_day for n in nurses],
                       dtype=np.int64)
        workdays = [sum(roster.available(n, d) for d in days) for n in nurses]
        vis = by_week.get(k, [])
        # arcs: source(0) -> nurse(1..N) -> visit(N+1..N+V) -> sink(N+V+1)
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
        served = np.zeros(V, dtype=bool)
        servable = np.zeros(V, dtype=bool)  # some nurse is eligible for it this week
        for _, _, v in edge_of:
            servable[v] = True
        used = np.zeros(N, dtype=np.int64)
        alloc: dict[str, float] = defaultdict(float)
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
                    served[v] = True
                    used[i] += 1
                    alloc[patients[vis[v][0]].state] += 1.0
        for i, n in enumerate(nurses):
            left = float(cap[i] - used[i])
            if left > 0:
                counts: dict[str, int] = defaultdict(int)
                for v in elig[i]:
                    counts[patients[vis[v][0]].state] += 1
                tot = sum(counts.values())
                if tot:
                    for s, c in counts.items():
                        alloc[s] += left * c / tot
                else:
                    alloc[n.home_state] += left
            nurse_rows.append({"week": week_rows[k]["week"], "nurse_id": n.nurse_id,
                               "home_state": n.home_state, "workdays": workdays[i],
                               "capacity_visits": int(cap[i]), "assigned_visits": int(used[i])})
        demand: dict[str, int] = defaultdict(int)
        chemo: dict[str, int] = defaultdict(int)
        short: dict[str, int] = defaultdict(int)
        no_nurse: dict[str, int] = defaultdict(int)
        for v, (j, f) in enumerate(vis):
            s = patients[j].state
            demand[s] += 1
            chemo[s] += int(f.is_chemo)
            short[s] += int(servable[v] and not served[v])
            no_nurse[s] += int(not servable[v])
        for s in sorted(set(demand) | set(alloc)):
            d, c = demand.get(s, 0), round(alloc.get(s, 0.0), 2)
            state_rows.append({
                **week_rows[k], "state": s, "region": regions.get(s, "Other"),
                "demand_visits": d, "chemo_visits": chemo.get(s, 0), "capacity_visits": c,
                "served_visits": d - short.get(s, 0) - no_nurse.get(s, 0),
                "short_visits": short.get(s, 0), "no_nurse_visits": no_nurse.get(s, 0),
                "utilization": round(d / c, 3) if c > 0 else (math.inf if d else math.nan),
                "status": _status(d, c, short.get(s, 0), no_nurse.get(s, 0), tight_at),
            })
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
