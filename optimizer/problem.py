"""The planning problem: refill windows × eligibility × nurse-days, before any routing.

This is the layer between the domain and the generic routing model. It decides
which refills are due in the horizon, on which (nurse, day) pairs each may be
made, and, for those that can be made nowhere, the reason (SPEC §5), layer by
layer: window closed, no licensed nurse, no certified nurse, out of reach, no
capacity in the window.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from optimizer.domain import Horizon, Nurse, Patient, Roster, minutes_of
from optimizer.eligibility import Reason, is_certified_for, may_practice, within_reach
from optimizer.windows import RefillWindow, WindowRules, refill_window

__all__ = ["Refill", "NurseDay", "Candidate", "PlanningProblem", "build_problem"]


@dataclass(frozen=True, slots=True)
class Refill:
    """A refill due in the horizon (or overdue: ``overdue`` is True)."""

    patient: Patient
    window: RefillWindow
    overdue: bool
    days: tuple[date, ...]  # dates of the horizon on which it may be made

    @property
    def patient_id(self) -> str:
        return self.patient.patient_id


@dataclass(frozen=True, slots=True)
class NurseDay:
    """One nurse on one working day of the horizon: a vehicle of the routing model."""

    nurse: Nurse
    day: date
    index: int  # day index in the horizon


@dataclass(frozen=True, slots=True)
class Candidate:
    """Refill ``refill`` may be made by nurse-day ``nurse_day`` (indices into the problem)."""

    refill: int
    nurse_day: int


@dataclass
class PlanningProblem:
    """Everything the solvers and the validator need, with travel times precomputed.

    Locations are indexed nurses first (their homes), then patients of ``refills``.
    ``minutes``/``km`` are the provider's matrices over those locations (nan = unreachable).
    """

    roster: Roster
    horizon: Horizon
    rules: WindowRules
    refills: list[Refill]
    nurse_days: list[NurseDay]
    candidates: list[Candidate]
    unplannable: dict[str, tuple[Reason, str]]  # patient_id -> (reason, detail)
    minutes: np.ndarray
    km: np.ndarray
    nurse_location: dict[str, int]
    patient_location: dict[str, int]
    later: list[RefillWindow] = field(default_factory=list)  # windows opening after the horizon
    provider_name: str = ""

    def candidates_by_refill(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for c in self.candidates:
            out[c.refill].append(c.nurse_day)
        return out

    def travel(self, a: int, b: int) -> tuple[float, float]:
        return float(self.minutes[a, b]), float(self.km[a, b])


def _single_visit_fits(nurse: Nurse, patient: Patient, out_min: float, back_min: float) -> bool:
    """A route home → patient → home fits the shift (with overtime) and the arrival window."""
    if math.isnan(out_min) or math.isnan(back_min):
        return False
    earliest_start = max(minutes_of(nurse.shift_start) + out_min, minutes_of(patient.earliest_arrival))
    if earliest_start > minutes_of(patient.latest_arrival):
        return False
    back = earliest_start + patient.visit_minutes + back_min
    return back <= minutes_of(nurse.shift_end) + nurse.max_overtime_minutes


def build_problem(
    roster: Roster,
    horizon: Horizon,
    *,
    provider,
    rules: WindowRules | None = None,
) -> PlanningProblem:
    """Windows, nurse-days, candidates and reasons for ``roster`` over ``horizon``.

    Parameters
    ----------
    provider
        A travel provider (``geodata.travel``): ``matrix(origins, destinations)``.
    rules
        Window rules; defaults per SPEC §5.
    """
    rules = rules or WindowRules()
    refills: list[Refill] = []
    later: list[RefillWindow] = []
    for p in roster.active_patients():
        w = refill_window(p, rules=rules)
        if w.opens_after(horizon):
            later.append(w)
            continue
        overdue = w.closed_before(horizon)
        if overdue:  # an alarm: the most urgent of all, any day of the horizon
            days = tuple(horizon.dates())
        elif w.is_empty_window:  # the pump runs dry before the window opens: its last safe day
            days = (w.end,) if w.end in horizon else ()
        else:
            days = tuple(w.days_in(horizon))
        refills.append(Refill(p, w, overdue, days))

    nurse_days = [
        NurseDay(n, d, horizon.index(d))
        for n in roster.nurses for d in horizon.dates() if roster.available(n, d)
    ]
    nurse_location = {n.nurse_id: i for i, n in enumerate(roster.nurses)}
    patient_location = {r.patient_id: len(roster.nurses) + j for j, r in enumerate(refills)}
    points = [(n.lat, n.lon) for n in roster.nurses] + [(r.patient.lat, r.patient.lon) for r in refills]
    if points:
        tm = provider.matrix(points, points)
        minutes, km = np.asarray(tm.minutes, float), np.asarray(tm.km, float)
    else:
        minutes = km = np.zeros((0, 0))

    by_nurse_days: dict[str, list[int]] = defaultdict(list)
    for k, nd in enumerate(nurse_days):
        by_nurse_days[nd.nurse.nurse_id].append(k)
    # license by (nurse, state): the horizon days on which she may practice there
    licensed_days: dict[tuple[int, str], frozenset[date]] = {}
    all_days = horizon.dates()

    def lic(i: int, state: str) -> frozenset[date]:
        key = (i, state)
        if key not in licensed_days:
            n = roster.nurses[i]
            licensed_days[key] = frozenset(d for d in all_days if may_practice(n, state, on=d))
        return licensed_days[key]

    nurse_locs = np.array([nurse_location[n.nurse_id] for n in roster.nurses], dtype=int)
    candidates: list[Candidate] = []
    unplannable: dict[str, tuple[Reason, str]] = {}
    for j, r in enumerate(refills):
        p = r.patient
        ploc = patient_location[p.patient_id]
        out_v = minutes[nurse_locs, ploc] if len(nurse_locs) else np.zeros(0)
        back_v = minutes[ploc, nurse_locs] if len(nurse_locs) else np.zeros(0)
        licensed = certified = reachable = 0
        found = False
        day_set = set(r.days)
        for i, n in enumerate(roster.nurses):
            days_ok = lic(i, p.state)
            if not days_ok:
                continue
            licensed += 1
            if not is_certified_for(n, p.next_infusate):
                continue
            certified += 1
            if not (within_reach(n, out_v[i]) and _single_visit_fits(n, p, out_v[i], back_v[i])):
                continue
            reachable += 1
            for k in by_nurse_days[n.nurse_id]:
                d = nurse_days[k].day
                if d in day_set and d in days_ok:
                    candidates.append(Candidate(j, k))
                    found = True
        if found:
            continue
        if r.overdue:
            unplannable[p.patient_id] = (Reason.WINDOW_CLOSED, (
                f"window closed {r.window.end} before the horizon; no eligible nurse can reach "
                "the patient in the horizon"))
        elif licensed == 0:
            unplannable[p.patient_id] = (Reason.NO_LICENSED_NURSE,
                                         f"no nurse may practice in {p.state}")
        elif certified == 0:
            need = "chemo (floxuridine)" if p.next_infusate.is_chemo else "HAI"
            unplannable[p.patient_id] = (Reason.NO_CERTIFIED_NURSE,
                                         f"{licensed} licensed nurse(s), none {need}-certified")
        elif reachable == 0:
            unplannable[p.patient_id] = (Reason.OUT_OF_REACH, (
                f"{certified} licensed and certified nurse(s), none within their drive limit "
                "and shift of the patient"))
        else:
            unplannable[p.patient_id] = (Reason.NO_CAPACITY_IN_WINDOW, (
                f"{reachable} eligible nurse(s), none working on the window days "
                f"{r.window.start}..{r.window.end}"))
    return PlanningProblem(
        roster=roster, horizon=horizon, rules=rules, refills=refills, nurse_days=nurse_days,
        candidates=candidates, unplannable=unplannable, minutes=minutes, km=km,
        nurse_location=nurse_location, patient_location=patient_location, later=later,
        provider_name=getattr(provider, "name", type(provider).__name__),
    )
