"""The planning problem: refill windows × eligibility × nurse-days, before any routing.

This is the layer between the domain and the generic routing model. It decides
which refills are due in the horizon, on which (nurse, day) pairs each may be
made, and, for those that can be made nowhere, the reason (SPEC §5), layer by
layer: window closed, no licensed nurse, no certified nurse, out of reach, no
capacity in the window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from optimizer.domain import Horizon, Nurse, Patient, Roster, minutes_of
from optimizer.eligibility import Reason, may_practice
from optimizer.windows import RefillWindow, WindowRules, refill_window

__all__ = ["Refill", "NurseDay", "Candidate", "PlanningProblem", "build_problem"]


@dataclass(frozen=True, slots=True)
class Refill:
    """A refill due in the horizon (or overdue: ``overdue`` is True)."""

    patient: Patient
    window: RefillWindow
    overdue: bool
    days: tuple[date, ...]  # dates of the horizon on which it may be made
    deferrable: bool = False  # the window runs past the horizon: the next plan can still make it

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
        refills.append(Refill(p, w, overdue, days, deferrable=not overdue and w.end > horizon.end))

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

    candidates, unplannable = _candidates(roster, horizon, refills, nurse_days, minutes,
                                          nurse_location, patient_location)
    return PlanningProblem(
        roster=roster, horizon=horizon, rules=rules, refills=refills, nurse_days=nurse_days,
        candidates=candidates, unplannable=unplannable, minutes=minutes, km=km,
        nurse_location=nurse_location, patient_location=patient_location, later=later,
        provider_name=getattr(provider, "name", type(provider).__name__),
    )


def _license_matrix(roster: Roster, states: list[str], horizon: Horizon) -> np.ndarray:
    """``lic[n, s, d]``: nurse n may practice in states[s] on horizon day d.

    Compact membership only changes on implementation dates, so it is computed
    once per stretch of days between such dates.
    """
    from geodata.licensure import active_nlc_table

    days = horizon.dates()
    breaks = sorted({d for d in active_nlc_table().implemented.values()
                     if d is not None and horizon.start < d <= horizon.end})
    lic = np.zeros((len(roster.nurses), len(states), len(days)), dtype=bool)
    starts = [horizon.start, *breaks]
    ends = [*breaks, horizon.end + timedelta(days=1)]
    for a, b in zip(starts, ends):
        i0, i1 = horizon.index(a), horizon.index(b)
        for n, nurse in enumerate(roster.nurses):
            for s, state in enumerate(states):
                if may_practice(nurse, state, on=a):
                    lic[n, s, i0:i1] = True
    return lic


def _candidates(roster, horizon, refills, nurse_days, minutes, nurse_location, patient_location):
    """Candidate (refill, nurse-day) pairs and, for refills with none, the reason (vectorised)."""
    N, J, D = len(roster.nurses), len(refills), horizon.days
    unplannable: dict[str, tuple[Reason, str]] = {}
    if J == 0:
        return [], unplannable
    states = sorted({r.patient.state for r in refills})
    s_idx = np.array([states.index(r.patient.state) for r in refills])
    lic = _license_matrix(roster, states, horizon) if N else np.zeros((0, len(states), D), bool)
    daymask = np.zeros((J, D), dtype=bool)
    for j, r in enumerate(refills):
        for d in r.days:
            daymask[j, horizon.index(d)] = True
    # licensed on some day of the refill's days (or the horizon start when it has none)
    lic_pj = lic[:, s_idx, :]  # N x J x D
    any_day = np.where(daymask.any(axis=1), 0, 1).astype(bool)  # refills with no days: use day 0
    lic_days = lic_pj & (daymask[None, :, :] | (any_day[None, :, None] & (np.arange(D) == 0)))
    licensed = lic_days.any(axis=2)  # N x J
    chemo = np.array([r.patient.next_infusate.is_chemo for r in refills])
    hai = np.array([n.hai_certified for n in roster.nurses], dtype=bool)
    chemo_ok = np.array([n.chemo_certified for n in roster.nurses], dtype=bool)
    certified = licensed & hai[:, None] & (chemo_ok[:, None] | ~chemo[None, :])
    nl = np.array([nurse_location[n.nurse_id] for n in roster.nurses], dtype=int)
    pl = np.array([patient_location[r.patient_id] for r in refills], dtype=int)
    out_m = minutes[np.ix_(nl, pl)] if N else np.zeros((0, J))
    back_m = minutes[np.ix_(pl, nl)].T if N else np.zeros((0, J))
    with np.errstate(invalid="ignore"):
        max_drive = np.array([n.max_drive_minutes_one_way for n in roster.nurses], float)
        shift_s = np.array([minutes_of(n.shift_start) for n in roster.nurses], float)
        limit = np.array([minutes_of(n.shift_end) + n.max_overtime_minutes for n in roster.nurses], float)
        ea = np.array([minutes_of(r.patient.earliest_arrival) for r in refills], float)
        la = np.array([minutes_of(r.patient.latest_arrival) for r in refills], float)
        vm = np.array([r.patient.visit_minutes for r in refills], float)
        out_c, back_c = np.ceil(out_m - 1e-6), np.ceil(back_m - 1e-6)  # whole-minute legs
        start = np.maximum(shift_s[:, None] + out_c, ea[None, :])
        fits = (start <= la[None, :]) & (start + vm[None, :] + back_c <= limit[:, None])
        reach = certified & (out_m <= max_drive[:, None]) & fits & ~np.isnan(out_m) & ~np.isnan(back_m)
    candidates: list[Candidate] = []
    nd_nurse = {n.nurse_id: i for i, n in enumerate(roster.nurses)}
    for k, nd in enumerate(nurse_days):
        n, d = nd_nurse[nd.nurse.nurse_id], nd.index
        js = np.nonzero(reach[n] & daymask[:, d] & lic_pj[n, :, d])[0]
        candidates.extend(Candidate(int(j), k) for j in js)
    candidates.sort(key=lambda c: (c.refill, c.nurse_day))
    has = np.zeros(J, dtype=bool)
    for c in candidates:
        has[c.refill] = True
    n_lic, n_cert, n_reach = licensed.sum(axis=0), certified.sum(axis=0), reach.sum(axis=0)
    for j, r in enumerate(refills):
        if has[j]:
            continue
        p = r.patient
        if r.overdue:
            unplannable[p.patient_id] = (Reason.WINDOW_CLOSED, (
                f"window closed {r.window.end} before the horizon; no eligible nurse can reach "
                "the patient in the horizon"))
        elif n_lic[j] == 0:
            unplannable[p.patient_id] = (Reason.NO_LICENSED_NURSE, f"no nurse may practice in {p.state}")
        elif n_cert[j] == 0:
            need = "chemo (floxuridine)" if p.next_infusate.is_chemo else "HAI"
            unplannable[p.patient_id] = (Reason.NO_CERTIFIED_NURSE,
                                         f"{n_lic[j]} licensed nurse(s), none {need}-certified")
        elif n_reach[j] == 0:
            unplannable[p.patient_id] = (Reason.OUT_OF_REACH, (
                f"{n_cert[j]} licensed and certified nurse(s), none within their drive limit "
                "and shift of the patient"))
        else:
            unplannable[p.patient_id] = (Reason.NO_CAPACITY_IN_WINDOW, (
                f"{n_reach[j]} eligible nurse(s), none working on the window days "
                f"{r.window.start}..{r.window.end}"))
    return candidates, unplannable
