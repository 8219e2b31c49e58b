"""Closed-loop simulation: plan a week, live it, re-plan (issue 6, item 3).

Each simulated week:

1. staffing actions whose lead time has passed take effect (hires join,
   licenses and certifications are granted);
2. some patients leave the program, new referrals arrive by state;
3. the planner plans the week (``plan_days`` from Monday) on what the planner
   knows: the recorded flow rates and the scheduled time off;
4. the days are lived one by one: a nurse may call in sick (then the rest of
   the week is re-planned from that morning without her), every planned visit
   is made, the pump's cycle advances per protocol
   (:func:`optimizer.windows.after_refill`), and a chemo-cycle patient may move
   to glycerin (a treatment pause);
5. the truth is checked every day: a pump's real flow rate varies from cycle to
   cycle (fever, pressure), so its real empty date differs from the planned one;
   the flow measured at each refill becomes the recorded rate (what the planner
   sees next).

Counted per week and in total: home refills made, late refills (made after the
real window closed), missed refills (the pump reached its real empty date with
no home visit: the patient is refilled at the clinic that day, the fallback, and
the cycle goes on), visits in the last reserve day (real reserve ≤ 1 day), drive
hours per refill, utilization (visits over visit slots, and work time over shift time of
the nurse-days available), overtime, cost per refill (nurse-day cost per SPEC §5).

Random events come from per-entity streams (a nurse's sick days, a patient's
flow and choices, a state's referrals) seeded from ``seed``, so two staffing
plans simulated with the same seed see the same events for the same people
(common random numbers): differences between them come from staffing, not luck.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from optimizer import settings as defaults
from optimizer.domain import Infusate, Nurse, Patient, Roster, TimeOff, minutes_of
from optimizer.expansion import Action, HireProfile, apply_actions
from optimizer.windows import RefillWindow, WindowRules, after_refill, refill_window

__all__ = [
    "NAMED_REGIONS",
    "grow_demand",
    "SimulationSettings",
    "SimulationResult",
    "simulate",
    "WEEKLY_COLUMNS",
    "TOTAL_COLUMNS",
    "summarize_runs",
]

#: Columns of the weekly table, in order.
WEEKLY_COLUMNS: tuple[str, ...] = (
    "week", "week_start", "active_patients", "nurses", "new_referrals", "left", "moved_to_glycerin",
    "sick_days", "replans", "refills", "late_refills", "missed_refills",
    "last_reserve_day_visits", "cancelled_visits", "unplanned_at_planning", "drive_hours", "drive_hours_per_refill",
    "work_hours", "overtime_hours", "nurse_days_available", "nurse_days_used", "visit_utilization",
    "time_utilization", "cost", "cost_per_refill",
)


@dataclass(frozen=True)
class SimulationSettings:
    """Every knob of a simulation.

    Parameters
    ----------
    weeks
        Weeks simulated (default 12).
    plan_days
        Days each weekly plan covers (7 = the week; more adds look-ahead).
    backend, time_limit, max_iterations, workers
        The planner's solver options; ``"greedy"`` (default) is fast and
        deterministic; ``"ortools"`` with ``max_iterations`` is deterministic too.
    sick_rate
        Probability that a nurse calls in sick on a given workday.
    referral_rate
        New referrals per active patient per week, in each state with patients
        (a state-level Poisson rate, fixed from the starting roster).
    referrals_by_state
        Expected referrals per week by state, replacing the rate above for
        those states (e.g. a new state being launched).
    leave_rate
        Probability that a patient leaves the program in a given week.
    glycerin_rate
        Probability that a patient on the chemo cycle moves to glycerin at a refill.
    flow_sigma
        Standard deviation of the log of the real/nominal flow-rate ratio, per cycle.
    respect_lead_times
        Actions take effect after their lead time (else from week 1).
    """

    weeks: int = 12
    plan_days: int = 7
    backend: str = "greedy"
    time_limit: float = 5.0
    max_iterations: int | None = None
    workers: int = 1
    sick_rate: float = 0.02
    referral_rate: float = 0.01
    referrals_by_state: Mapping[str, float] = field(default_factory=dict)
    leave_rate: float = 0.01
    glycerin_rate: float = 0.03
    flow_sigma: float = 0.05
    respect_lead_times: bool = True

    def __post_init__(self) -> None:
        if self.weeks < 1 or self.plan_days < 1:
            raise ValueError("weeks and plan_days must be >= 1")
        for name in ("sick_rate", "leave_rate", "glycerin_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a probability")
        if self.referral_rate < 0 or self.flow_sigma < 0:
            raise ValueError("referral_rate and flow_sigma must be >= 0")


@dataclass
class SimulationResult:
    """Weekly table and totals of one simulated run."""

    weekly: pd.DataFrame
    totals: dict[str, Any]
    seed: int
    label: str
    settings: SimulationSettings
    actions: tuple[str, ...] = ()


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _rng(seed: int, *parts: int | str) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence([seed & 0xFFFFFFFF] + [p if isinstance(p, int) else _crc(p) for p in parts]))


def _base_visit_minutes(p: Patient) -> int:
    return p.visit_minutes - (defaults.FLOXURIDINE_EXTRA_MINUTES if p.next_infusate.is_chemo else 0)


@dataclass
class _PatientState:
    patient: Patient  # what the planner knows
    base_flow: float
    true_flow: float
    base_visit: int
    refill_rng: np.random.Generator
    stay_rng: np.random.Generator

    _window: RefillWindow | None = None  # cache: changes only when the pump is refilled

    def true_window(self, rules: WindowRules) -> RefillWindow:
        """The real refill window (the real flow rate of this cycle)."""
        if self._window is None:
            self._window = refill_window(replace(self.patient, flow_ml_per_day=self.true_flow), rules=rules)
        return self._window


class _Referrals:
    """New patients for a state: near the starting roster's patients there, or its towns."""

    def __init__(self, roster: Roster, rules: WindowRules) -> None:
        self.by_state: dict[str, list[Patient]] = {}
        for p in sorted(roster.patients, key=lambda p: p.patient_id):
            self.by_state.setdefault(p.state, []).append(p)
        self.all = sorted(roster.patients, key=lambda p: p.patient_id)
        self.rules = rules
        self._towns: dict[str, Any] = {}

    def _towns_of(self, state: str) -> Any:
        if state not in self._towns:
            import geodata

            self._towns[state] = geodata.places(states=[state], min_population=5000)
        return self._towns[state]

    def make(self, rng: np.random.Generator, state: str, pid: str, day: date) -> Patient | None:
        local = self.by_state.get(state, [])
        pool = local or self.all
        if not pool:
            return None
        template = pool[int(rng.integers(len(pool)))]
        jitter = rng.normal(0.0, 0.04, size=2)  # about 4 km
        if local:
            lat, lon = template.lat + jitter[0], template.lon + jitter[1]
        else:
            towns = self._towns_of(state)
            if not len(towns):
                return None
            w = towns.population.to_numpy(dtype=float) ** 0.85
            j = int(rng.choice(len(towns), p=w / w.sum()))
            lat, lon = float(towns.lat.iloc[j]) + jitter[0], float(towns.lon.iloc[j]) + jitter[1]
        back = int(rng.integers(0, 7))
        base_visit = _base_visit_minutes(template)
        return Patient(
            patient_id=pid, lat=float(lat), lon=float(lon), state=state,
            flow_ml_per_day=template.flow_ml_per_day, last_fill_date=day - timedelta(days=back),
            last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE,
            reservoir_ml=template.reservoir_ml, last_fill_volume_ml=template.reservoir_ml,
            prescribed_interval_days=int(self.rules.prescribed_interval_days[Infusate.FLOXURIDINE]),
            visit_minutes=base_visit, earliest_arrival=template.earliest_arrival,
            latest_arrival=template.latest_arrival,
        )


#: Named groups of states usable as growth keys: the US Census regions and the
#: BEA "Southeast" region (AL AR FL GA KY LA MS NC SC TN VA WV).
NAMED_REGIONS: dict[str, tuple[str, ...]] = {
    "Northeast": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "Midwest": ("IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "South": ("DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS", "TN", "AR",
              "LA", "OK", "TX"),
    "West": ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"),
    "Southeast": ("AL", "AR", "FL", "GA", "KY", "LA", "MS", "NC", "SC", "TN", "VA", "WV"),
}


def grow_demand(
    roster: Roster,
    *,
    growth: Mapping[str, float] | None = None,
    new_states: Mapping[str, int] | None = None,
    seed: int = 0,
    rules: WindowRules | None = None,
) -> Roster:
    """The roster with more (or fewer) patients: growth by state or region, new states.

    Parameters
    ----------
    roster
        The starting roster.
    growth
        State code or :data:`NAMED_REGIONS` name → share of extra patients
        (``0.5``: +50 % of the state's active patients; negative shares remove
        patients). New patients live near the state's patients (a few km away)
        and copy their fill schedules, so refills keep spreading over the week.
    new_states
        State → patients at launch, placed in the state's towns (weighted by
        population) with the fill schedules of patients drawn from the roster.
    seed
        Seed of the draws (deterministic).
    rules
        Window rules.

    Returns
    -------
    Roster
        With ``GROW-…`` and ``NEW-…`` patients added (or patients removed).
    """
    rules = rules or WindowRules()
    by_state: dict[str, float] = {}
    for key, share in (growth or {}).items():
        for state in NAMED_REGIONS.get(key, (key,)):
            by_state[state] = by_state.get(state, 0.0) + float(share)
    patients = sorted(roster.patients, key=lambda p: p.patient_id)
    out = list(patients)
    referrals = _Referrals(roster, rules)
    for state in sorted(by_state):
        rng = _rng(seed, "growth", state)
        local = [p for p in patients if p.state == state and p.active]
        n = int(round(abs(by_state[state]) * len(local)))
        if by_state[state] < 0:
            drop = {local[int(i)].patient_id for i in rng.choice(len(local), size=min(n, len(local)), replace=False)}
            out = [p for p in out if p.patient_id not in drop]
            continue
        for k in range(n):
            t = local[int(rng.integers(len(local)))]
            j = rng.normal(0.0, 0.04, size=2)
            out.append(replace(t, patient_id=f"GROW-{state}-{k + 1:04d}", lat=t.lat + float(j[0]),
                               lon=t.lon + float(j[1]), preferred_nurse_id=None, zip=None))
    for state, count in sorted((new_states or {}).items()):
        rng = _rng(seed, "launch", state)
        for k in range(int(count)):
            p = referrals.make(rng, state, f"NEW-{state}-{k + 1:04d}", date.today())
            if p is None:
                break
            t = patients[int(rng.integers(len(patients)))] if patients else p
            out.append(replace(t, patient_id=p.patient_id, lat=p.lat, lon=p.lon, state=state,
                               preferred_nurse_id=None, zip=None, active=True))
    return Roster(patients=tuple(out), nurses=roster.nurses, time_off=roster.time_off)


def _effective_week(action: Action, respect: bool) -> int:
    return int(math.ceil(action.lead_weeks)) if respect else 0


def simulate(
    roster: Roster,
    *,
    start: date,
    settings: SimulationSettings | None = None,
    actions: Sequence[Action] = (),
    hire: HireProfile | None = None,
    provider: Any = None,
    rules: WindowRules | None = None,
    seed: int = 0,
    label: str = "",
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Simulate ``settings.weeks`` weeks from ``start`` (a Monday is natural).

    Parameters
    ----------
    roster
        The starting roster (patients, nurses, scheduled time off).
    start
        First simulated day.
    settings
        :class:`SimulationSettings`.
    actions
        Staffing actions (:class:`optimizer.expansion.Action`) taking effect after their lead time.
    hire
        Profile of hired nurses.
    provider
        Travel provider (haversine by default).
    rules
        Window rules.
    seed
        Seed of every random event.
    label
        Name of the run (e.g. ``"baseline"``).
    progress
        Called with a line per week.

    Returns
    -------
    SimulationResult
    """
    from optimizer.api import plan as plan_api, travel_provider
    from optimizer.planner import SolverOptions

    st = settings or SimulationSettings()
    rules = rules or WindowRules()
    provider = provider or travel_provider("haversine")
    hire = hire or HireProfile()
    opts = SolverOptions(backend=st.backend, time_limit=st.time_limit, max_iterations=st.max_iterations,
                         seed=seed, workers=st.workers)
    pending = sorted(actions, key=lambda a: (_effective_week(a, st.respect_lead_times), a.key))
    referrals = _Referrals(roster, rules)
    states_start: dict[str, int] = {}
    for p in roster.active_patients():
        states_start[p.state] = states_start.get(p.state, 0) + 1
    referral_rates = {s: n * st.referral_rate for s, n in states_start.items()}
    referral_rates.update({s.upper(): float(r) for s, r in st.referrals_by_state.items()})

    patients: dict[str, _PatientState] = {}

    def admit(p: Patient) -> None:
        rr = _rng(seed, "refill", p.patient_id)
        true = p.flow_ml_per_day * float(np.exp(rr.normal(0.0, st.flow_sigma))) if st.flow_sigma else p.flow_ml_per_day
        patients[p.patient_id] = _PatientState(
            patient=p, base_flow=p.flow_ml_per_day, true_flow=true, base_visit=_base_visit_minutes(p),
            refill_rng=rr, stay_rng=_rng(seed, "stay", p.patient_id))

    for p in sorted(roster.active_patients(), key=lambda p: p.patient_id):
        admit(p)
    nurses: list[Nurse] = list(roster.nurses)
    sick_rngs: dict[str, np.random.Generator] = {}
    time_off: set[TimeOff] = set(roster.time_off)
    rows: list[dict[str, Any]] = []
    applied: list[str] = []
    sim_end = start + timedelta(days=7 * st.weeks - 1)

    def refill(ps: _PatientState, day: date, wk: dict[str, Any]) -> None:
        """The pump is refilled on ``day``: measured flow recorded, cycle advanced per protocol."""
        measured = replace(ps.patient, flow_ml_per_day=round(ps.true_flow, 4))
        newp = after_refill(measured, day, rules=rules)
        to_glycerin = ps.refill_rng.random() < st.glycerin_rate
        if to_glycerin and newp.next_infusate in (Infusate.FLOXURIDINE, Infusate.HEPARINIZED_SALINE):
            newp = replace(newp, next_infusate=Infusate.GLYCERIN)
            wk["moved_to_glycerin"] += 1
        extra = defaults.FLOXURIDINE_EXTRA_MINUTES if newp.next_infusate.is_chemo else 0
        newp = replace(newp, visit_minutes=ps.base_visit + extra)
        noise = ps.refill_rng.normal(0.0, st.flow_sigma) if st.flow_sigma else 0.0
        ps.true_flow = ps.base_flow * float(np.exp(noise))
        ps.patient = newp
        ps._window = None

    def current_roster() -> Roster:
        return Roster(patients=tuple(ps.patient for _, ps in sorted(patients.items())),
                      nurses=tuple(nurses), time_off=frozenset(time_off))

    for week in range(st.weeks):
        wk = dict.fromkeys(WEEKLY_COLUMNS, 0)
        week_start = start + timedelta(days=7 * week)
        wk["week"] = week + 1
        wk["week_start"] = week_start.isoformat()
        # 1. staffing actions that take effect this week
        due = [a for a in pending if _effective_week(a, st.respect_lead_times) <= week]
        if due:
            pending = [a for a in pending if a not in due]
            r = apply_actions(Roster(patients=(), nurses=tuple(nurses)), due, hire=hire)
            nurses = list(r.nurses)
            applied += [a.key for a in due]
        # 2. leaving patients and new referrals
        for pid in sorted(patients):
            if patients[pid].stay_rng.random() < st.leave_rate:
                del patients[pid]
                wk["left"] += 1
        for state in sorted(referral_rates):
            rr = _rng(seed, "referrals", state, week)
            for k in range(int(rr.poisson(referral_rates[state]))):
                pid = f"REF-{state}-{week + 1:02d}-{k + 1:02d}"
                newp = referrals.make(rr, state, pid, week_start)
                if newp is not None and pid not in patients:
                    admit(newp)
                    wk["new_referrals"] += 1
        # 3. sick days of the week (unknown to the planner until the morning)
        sick: dict[date, set[str]] = {}
        for n in nurses:
            rng = sick_rngs.setdefault(n.nurse_id, _rng(seed, "sick", n.nurse_id))
            draws = rng.random(7)
            for d in range(7):
                day = week_start + timedelta(days=d)
                if n.works_on(day) and TimeOff(n.nurse_id, day) not in time_off and draws[d] < st.sick_rate:
                    sick.setdefault(day, set()).add(n.nurse_id)
                    wk["sick_days"] += 1
        # 4. plan the week, then live it day by day
        horizon_end = week_start + timedelta(days=st.plan_days - 1)
        result = plan_api(current_roster(), start=week_start, days=st.plan_days, provider=provider,
                          rules=rules, options=opts)
        current = result.plan
        done_since_plan: set[str] = set()  # refilled at the clinic after the plan was made
        wk["unplanned_at_planning"] = sum(
            1 for u in current.unassigned if u.window_end <= week_start + timedelta(days=6))
        nd_available = 0
        slots = 0
        shift_min = 0
        for d in range(7):
            day = week_start + timedelta(days=d)
            if day > sim_end:
                break
            sick_today = sick.get(day, set())
            if sick_today:
                for nid in sorted(sick_today):
                    time_off.add(TimeOff(nid, day))
                if any(v.nurse_id in sick_today and v.date == day for v in current.visits):
                    days_left = max(1, (horizon_end - day).days + 1)
                    current = plan_api(current_roster(), start=day, days=days_left, provider=provider,
                                       rules=rules, options=opts).plan
                    done_since_plan = set()
                    wk["replans"] += 1
            for n in nurses:
                if n.works_on(day) and TimeOff(n.nurse_id, day) not in time_off:
                    nd_available += 1
                    slots += n.max_visits_per_day
                    shift_min += minutes_of(n.shift_end) - minutes_of(n.shift_start)
            for v in (v for v in current.visits if v.date == day):
                ps = patients.get(v.patient_id)
                if ps is None or v.patient_id in done_since_plan:  # refilled at the clinic meanwhile
                    wk["cancelled_visits"] += 1
                    continue
                tw = ps.true_window(rules)
                reserve = (tw.empty - day).days
                wk["refills"] += 1
                if day > tw.end:
                    wk["late_refills"] += 1
                if reserve <= defaults.LAST_RESERVE_DAYS:
                    wk["last_reserve_day_visits"] += 1
                refill(ps, day, wk)
            for nd in (x for x in current.nurse_days if x.date == day):
                wk["nurse_days_used"] += 1
                wk["drive_hours"] += nd.drive_minutes / 60
                wk["work_hours"] += nd.work_minutes / 60
                wk["overtime_hours"] += nd.overtime_minutes / 60
                wk["cost"] += nd.cost
            # the truth at the end of the day: a pump that reaches its empty date with no
            # home visit is a missed refill, made at the clinic that day (the fallback)
            for pid in sorted(patients):
                ps = patients[pid]
                if ps.true_window(rules).empty <= day:
                    wk["missed_refills"] += 1
                    refill(ps, day, wk)
                    done_since_plan.add(pid)
        wk["active_patients"] = len(patients)
        wk["nurses"] = len(nurses)
        wk["nurse_days_available"] = nd_available
        wk["visit_utilization"] = wk["refills"] / slots if slots else 0.0
        wk["time_utilization"] = wk["work_hours"] * 60 / shift_min if shift_min else 0.0
        wk["drive_hours_per_refill"] = wk["drive_hours"] / wk["refills"] if wk["refills"] else 0.0
        wk["cost_per_refill"] = wk["cost"] / wk["refills"] if wk["refills"] else 0.0
        wk["_slots"] = slots
        wk["_shift_min"] = shift_min
        rows.append(wk)
        if progress:
            progress(f"{label or 'run'} seed {seed} week {week + 1}: {wk['refills']} refills, "
                     f"{wk['late_refills']} late, {wk['missed_refills']} missed")
    weekly = pd.DataFrame(rows)
    totals = _totals(weekly)
    weekly = weekly[list(WEEKLY_COLUMNS)]
    for col in ("drive_hours", "drive_hours_per_refill", "work_hours", "overtime_hours", "visit_utilization",
                "time_utilization", "cost", "cost_per_refill"):
        weekly[col] = weekly[col].astype(float).round(4)
    return SimulationResult(weekly=weekly, totals=totals, seed=seed, label=label, settings=st,
                            actions=tuple(applied))


#: Totals reported per run (sums, then ratios recomputed from the sums).
TOTAL_COLUMNS: tuple[str, ...] = (
    "refills", "late_refills", "missed_refills", "last_reserve_day_visits",
    "on_time_rate", "drive_hours", "drive_hours_per_refill", "overtime_hours", "visit_utilization",
    "time_utilization", "cost", "cost_per_refill", "new_referrals", "left", "sick_days", "replans",
    "active_patients_end", "nurses_end",
)


def _totals(weekly: pd.DataFrame) -> dict[str, Any]:
    s = weekly.sum(numeric_only=True)
    refills = int(s["refills"])
    out: dict[str, Any] = {
        "refills": refills,
        "late_refills": int(s["late_refills"]),
        "missed_refills": int(s["missed_refills"]),
        "last_reserve_day_visits": int(s["last_reserve_day_visits"]),
        "on_time_rate": round((refills - int(s["late_refills"])) / (refills + int(s["missed_refills"])), 4)
        if refills + int(s["missed_refills"]) else 1.0,
        "drive_hours": round(float(s["drive_hours"]), 2),
        "drive_hours_per_refill": round(float(s["drive_hours"]) / refills, 4) if refills else 0.0,
        "overtime_hours": round(float(s["overtime_hours"]), 2),
        "visit_utilization": round(refills / float(s["_slots"]), 4) if s["_slots"] else 0.0,
        "time_utilization": round(float(s["work_hours"]) * 60 / float(s["_shift_min"]), 4)
        if s["_shift_min"] else 0.0,
        "cost": round(float(s["cost"]), 2),
        "cost_per_refill": round(float(s["cost"]) / refills, 2) if refills else 0.0,
        "new_referrals": int(s["new_referrals"]),
        "left": int(s["left"]),
        "sick_days": int(s["sick_days"]),
        "replans": int(s["replans"]),
        "active_patients_end": int(weekly["active_patients"].iloc[-1]),
        "nurses_end": int(weekly["nurses"].iloc[-1]),
    }
    return out


def summarize_runs(totals: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Mean, standard deviation, min and max of each total over runs (seeds)."""
    df = pd.DataFrame(list(totals))
    cols = [c for c in TOTAL_COLUMNS if c in df.columns]
    if df.empty:
        return pd.DataFrame(columns=["metric", "mean", "std", "min", "max", "runs"])
    rows = [{"metric": c, "mean": float(df[c].mean()), "std": float(df[c].std(ddof=1)) if len(df) > 1 else 0.0,
             "min": float(df[c].min()), "max": float(df[c].max()), "runs": int(len(df))} for c in cols]
    return pd.DataFrame(rows)
