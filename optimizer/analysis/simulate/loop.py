"""The closed loop: each week apply due actions, turn patients over, plan, and live the days.

:func:`simulate` drives a :class:`_Run`, which holds the simulated world
(patients with their true pumps, nurses, time off, pending actions) and does one
step per method, in the order of the module docstring of :mod:`optimizer.analysis.simulate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from geodata.travel import get_provider
from optimizer import settings as defaults
from optimizer.domain import Horizon, Infusate, Nurse, Patient, Roster, TimeOff, minutes_of
from optimizer.analysis.alternatives import WaysOut, way_out
from optimizer.analysis.expansion import Action, HireProfile, apply_actions
from optimizer.analysis.simulate.config import WEEKLY_COLUMNS, SimulationResult, SimulationSettings
from optimizer.analysis.simulate.events import PatientState, Referrals, base_visit_minutes, rng_for
from optimizer.analysis.simulate.totals import totals_of
from optimizer.planning.planner import SolverOptions
from optimizer.planning.solve import plan_roster
from optimizer.planning.plan import Plan
from optimizer.planning.replan import replan
from optimizer.rules.windows import WindowRules, after_refill

__all__ = ["simulate"]

#: Weekly columns rounded to 4 decimals in the result.
_ROUNDED = ("drive_hours", "drive_hours_per_refill", "work_hours", "overtime_hours", "visit_utilization",
            "time_utilization", "cost", "cost_per_refill", "clinic_cost", "clinic_patient_drive_hours",
            "partner_cost", "total_cost")


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
        Staffing actions (:class:`optimizer.analysis.expansion.Action`) taking effect after their lead time.
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
    st = settings or SimulationSettings()
    rules = rules or WindowRules()
    provider = provider or get_provider("haversine")
    opts = SolverOptions(backend=st.backend, time_limit=st.time_limit, max_iterations=st.max_iterations,
                         seed=seed, workers=st.workers)

    def plan(r: Roster, day: date, days: int, previous: Plan | None = None) -> Plan:
        if previous is None:
            return plan_roster(r, Horizon(day, days), provider=provider, rules=rules, options=opts)[0]
        return replan(r, previous, start=day, end=day + timedelta(days=days - 1), provider=provider, rules=rules,
                      options=opts, keep_before=False)[0]

    ways = WaysOut(nurses=(), partners=roster.partners, provider=provider, on=start)
    run = _Run(roster, start=start, settings=st, actions=actions, hire=hire or HireProfile(), rules=rules,
               seed=seed, plan=plan, ways=ways)
    rows = []
    for week in range(st.weeks):
        wk = run.week(week)
        rows.append(wk)
        if progress:
            progress(f"{label or 'run'} seed {seed} week {week + 1}: {wk['refills']} refills, "
                     f"{wk['late_refills']} late, {wk['missed_refills']} missed")
    weekly = pd.DataFrame(rows)
    totals = totals_of(weekly)
    weekly = weekly[list(WEEKLY_COLUMNS)]
    for col in _ROUNDED:
        weekly[col] = weekly[col].astype(float).round(4)
    return SimulationResult(weekly=weekly, totals=totals, seed=seed, label=label, settings=st,
                            actions=tuple(run.applied))


def moved_after_confirmed(plan: Plan, *, until: date) -> int:
    """Visits of the week (to ``until``) a re-plan moved to another nurse or day, or dropped, for a
    call-out or capacity; a visit cancelled because the refill was made meanwhile (``window_moved``)
    or the patient left is not a move, nor one kept on its nurse and day at another time (listed
    ``moved`` with the same nurse and date when its start moved by more than ±30 min)."""
    return sum(1 for c in plan.changes or () if c.change in ("moved", "dropped") and c.old_date is not None
               and c.old_date <= until and c.reason not in ("window_moved", "patient_inactive")
               and (c.old_nurse_id, c.old_date) != (c.new_nurse_id, c.new_date))


class _Run:
    """The simulated world of one run and its weekly steps."""

    def __init__(self, roster: Roster, *, start: date, settings: SimulationSettings, actions: Sequence[Action],
                 hire: HireProfile, rules: WindowRules, seed: int,
                 plan: Callable[[Roster, date, int, Plan | None], Plan], ways: WaysOut) -> None:
        st = self.st = settings
        self.start, self.hire, self.rules, self.seed, self.plan = start, hire, rules, seed, plan
        self.ways = ways  # decides and prices the way out of a missed refill (clinic or partner)
        self.pending = sorted(actions, key=lambda a: (_effective_week(a, st.respect_lead_times), a.key))
        self.referrals = Referrals(roster, rules)
        states_start: dict[str, int] = {}
        for p in roster.active_patients():
            states_start[p.state] = states_start.get(p.state, 0) + 1
        self.referral_rates = {s: n * st.referral_rate for s, n in states_start.items()}
        self.referral_rates.update({s.upper(): float(r) for s, r in st.referrals_by_state.items()})
        self.patients: dict[str, PatientState] = {}
        for p in sorted(roster.active_patients(), key=lambda p: p.patient_id):
            self.admit(p)
        self.nurses: list[Nurse] = list(roster.nurses)
        self.sick_rngs: dict[str, np.random.Generator] = {}
        self.time_off: set[TimeOff] = set(roster.time_off)
        self.applied: list[str] = []
        self.sim_end = start + timedelta(days=7 * st.weeks - 1)
        self.last_plan: Plan | None = None  # the plan in force at the end of the last week

    # ------------------------------------------------------------------ state

    def admit(self, p: Patient) -> None:
        """A patient joins: her pump's true flow this cycle and her own random streams."""
        st = self.st
        rr = rng_for(self.seed, "refill", p.patient_id)
        true = p.flow_ml_per_day * float(np.exp(rr.normal(0.0, st.flow_sigma))) if st.flow_sigma else p.flow_ml_per_day
        self.patients[p.patient_id] = PatientState(
            patient=p, base_flow=p.flow_ml_per_day, true_flow=true, base_visit=base_visit_minutes(p),
            refill_rng=rr, stay_rng=rng_for(self.seed, "stay", p.patient_id))

    def refill(self, ps: PatientState, day: date, wk: dict[str, Any]) -> None:
        """The pump is refilled on ``day``: measured flow recorded, cycle advanced per protocol."""
        st = self.st
        measured = replace(ps.patient, flow_ml_per_day=round(ps.true_flow, 4))
        newp = after_refill(measured, day, rules=self.rules)
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

    def roster(self) -> Roster:
        """What the planner sees now."""
        return Roster(patients=tuple(ps.patient for _, ps in sorted(self.patients.items())),
                      nurses=tuple(self.nurses), time_off=frozenset(self.time_off))

    def week_end(self, day: date) -> date:
        """Last day of the simulated week holding ``day`` (its visits were confirmed to patients)."""
        return day + timedelta(days=6 - (day - self.start).days % 7)

    # ------------------------------------------------------------------ the week

    def week(self, week: int) -> dict[str, Any]:
        """Simulate week ``week`` (0-based); return its row of the weekly table (plus ``_slots``, ``_shift_min``)."""
        wk: dict[str, Any] = dict.fromkeys(WEEKLY_COLUMNS, 0)
        week_start = self.start + timedelta(days=7 * week)
        wk["week"] = week + 1
        wk["week_start"] = week_start.isoformat()
        self.apply_due_actions(week)
        self.turnover(week, week_start, wk)
        sick = self.sick_days(week_start, wk)
        horizon_end = week_start + timedelta(days=self.st.plan_days - 1)
        last = self.last_plan
        reaches = last is not None and last.horizon_start + timedelta(days=last.horizon_days - 1) >= week_start
        current = self.plan(self.roster(), week_start, self.st.plan_days, last if reaches else None)
        done_since_plan: set[str] = set()  # refilled at the clinic after the plan was made
        wk["unplanned_at_planning"] = sum(
            1 for u in current.unassigned if u.window_end <= week_start + timedelta(days=6))
        counts = {"available": 0, "slots": 0, "shift_min": 0}
        for d in range(7):
            day = week_start + timedelta(days=d)
            if day > self.sim_end:
                break
            current, done_since_plan = self.live_day(day, current, done_since_plan, sick.get(day, set()),
                                                     horizon_end, wk, counts)
        self.last_plan = current
        wk["active_patients"] = len(self.patients)
        wk["nurses"] = len(self.nurses)
        wk["nurse_days_available"] = counts["available"]
        slots, shift_min = counts["slots"], counts["shift_min"]
        wk["visit_utilization"] = wk["refills"] / slots if slots else 0.0
        wk["time_utilization"] = wk["work_hours"] * 60 / shift_min if shift_min else 0.0
        wk["drive_hours_per_refill"] = wk["drive_hours"] / wk["refills"] if wk["refills"] else 0.0
        wk["cost_per_refill"] = wk["cost"] / wk["refills"] if wk["refills"] else 0.0
        wk["total_cost"] = wk["cost"] + wk["clinic_cost"] + wk["partner_cost"]
        wk["_slots"] = slots
        wk["_shift_min"] = shift_min
        return wk

    def apply_due_actions(self, week: int) -> None:
        """1. Staffing actions whose lead time has passed take effect."""
        due = [a for a in self.pending if _effective_week(a, self.st.respect_lead_times) <= week]
        if due:
            self.pending = [a for a in self.pending if a not in due]
            r = apply_actions(Roster(patients=(), nurses=tuple(self.nurses), partners=tuple(self.ways.partners)),
                              due, hire=self.hire)
            self.nurses = list(r.nurses)
            self.ways.partners = list(r.partners)  # a partner contract bought by a study
            self.applied += [a.key for a in due]

    def turnover(self, week: int, week_start: date, wk: dict[str, Any]) -> None:
        """2. Some patients leave the program; new referrals arrive by state."""
        for pid in sorted(self.patients):
            if self.patients[pid].stay_rng.random() < self.st.leave_rate:
                del self.patients[pid]
                wk["left"] += 1
        for state in sorted(self.referral_rates):
            rr = rng_for(self.seed, "referrals", state, week)
            for k in range(int(rr.poisson(self.referral_rates[state]))):
                pid = f"REF-{state}-{week + 1:02d}-{k + 1:02d}"
                newp = self.referrals.make(rr, state, pid, week_start)
                if newp is not None and pid not in self.patients:
                    self.admit(newp)
                    wk["new_referrals"] += 1

    def sick_days(self, week_start: date, wk: dict[str, Any]) -> dict[date, set[str]]:
        """3. The week's sick days (unknown to the planner until the morning)."""
        sick: dict[date, set[str]] = {}
        for n in self.nurses:
            rng = self.sick_rngs.setdefault(n.nurse_id, rng_for(self.seed, "sick", n.nurse_id))
            draws = rng.random(7)
            for d in range(7):
                day = week_start + timedelta(days=d)
                off = TimeOff(n.nurse_id, day) in self.time_off
                if n.works_on(day) and not off and draws[d] < self.st.sick_rate:
                    sick.setdefault(day, set()).add(n.nurse_id)
                    wk["sick_days"] += 1
        return sick

    def live_day(self, day: date, current: Any, done_since_plan: set[str], sick_today: set[str], horizon_end: date,
                 wk: dict[str, Any], counts: dict[str, int]) -> tuple[Any, set[str]]:
        """4. Live one day: re-plan if a nurse with visits calls in sick, make the visits, check the truth.

        Returns the plan in force and the patients refilled at the clinic since it was made.
        """
        if sick_today:
            for nid in sorted(sick_today):
                self.time_off.add(TimeOff(nid, day))
            if any(v.nurse_id in sick_today and v.date == day for v in current.visits):
                current = self.plan(self.roster(), day, max(1, (horizon_end - day).days + 1), current)
                done_since_plan = set()
                wk["replans"] += 1
                wk["moved_after_confirmed"] += moved_after_confirmed(current, until=self.week_end(day))
        for n in self.nurses:
            if n.works_on(day) and TimeOff(n.nurse_id, day) not in self.time_off:
                counts["available"] += 1
                counts["slots"] += n.max_visits_per_day
                counts["shift_min"] += minutes_of(n.shift_end) - minutes_of(n.shift_start)
        self.make_visits(day, current, done_since_plan, wk)
        for nd in (x for x in current.nurse_days if x.date == day):
            wk["nurse_days_used"] += 1
            wk["drive_hours"] += nd.drive_minutes / 60
            wk["work_hours"] += nd.work_minutes / 60
            wk["overtime_hours"] += nd.overtime_minutes / 60
            wk["cost"] += nd.cost
        # the truth at the end of the day: a pump that reaches its empty date with no
        # home visit is a missed refill, made that day by the cheapest way out (a partner
        # team or the nearest clinic, :func:`optimizer.analysis.alternatives.way_out`), charged
        for pid in sorted(self.patients):
            ps = self.patients[pid]
            if ps.true_window(self.rules).empty <= day:
                wk["missed_refills"] += 1
                self.charge_way_out(ps, wk)
                self.refill(ps, day, wk)
                done_since_plan.add(pid)
        return current, done_since_plan

    def charge_way_out(self, ps: PatientState, wk: dict[str, Any]) -> None:
        """A missed refill's path and price: a clinic refill costs its fee and the patient's drive (hours
        counted apart), a partner visit its price (issue 13 item 3)."""
        option = way_out(self.ways, ps.patient)
        if option.kind == "partner_team":
            wk["partner_refills"] += 1
            wk["partner_cost"] += option.extra_cost
            return
        wk["clinic_refills"] += 1
        wk["clinic_cost"] += option.extra_cost
        if math.isfinite(option.drive_minutes):
            wk["clinic_patient_drive_hours"] += 2 * option.drive_minutes / 60

    def make_visits(self, day: date, current: Any, done_since_plan: set[str], wk: dict[str, Any]) -> None:
        """Every planned visit of ``day`` is made, judged against the real window."""
        for v in (v for v in current.visits if v.date == day):
            ps = self.patients.get(v.patient_id)
            if ps is None or v.patient_id in done_since_plan:  # refilled at the clinic meanwhile
                wk["cancelled_visits"] += 1
                continue
            tw = ps.true_window(self.rules)
            reserve = (tw.empty - day).days
            wk["refills"] += 1
            if day > tw.end:
                wk["late_refills"] += 1
            if reserve <= defaults.LAST_RESERVE_DAYS:
                wk["last_reserve_day_visits"] += 1
            self.refill(ps, day, wk)
