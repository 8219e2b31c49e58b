"""Who may make which refill on which nurse-day: the vectorised face of :mod:`optimizer.rules.eligibility`.

SPEC §5 layer by layer: license (on the refill's days), certification, reach (the
one-way drive within the nurse's limit, and a visit alone fitting her shift and
the patient's arrival window), then a working day in the window; a window wholly inside an absence of the patient is
``patient_away``. Reach is found
as a sparse list of (nurse, patient) pairs within the largest drive limit
(:func:`geodata.travel.base.pairs_within`), so memory grows with the candidate
pairs, never with nurses × patients or patients × patients. Counts per refill
(licensed, certified nurses) come from refills grouped by state, days and fill,
for the reason of every refill that has no candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from geodata.licensure import active_nlc_table
from geodata.travel.base import pairs_within, pairwise
from optimizer import settings
from optimizer.domain import Horizon, Infusate, Roster, minutes_of
from optimizer.rules.clock import nurse_zone_of, patient_zone_of, zone_shifts
from optimizer.rules.eligibility import Reason, may_practice
from optimizer.rules.windows import glycerin_days

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.planning.problem import NurseDay, Refill

__all__ = ["Eligibility", "assess", "license_matrix", "away_detail"]


@dataclass(frozen=True)
class Eligibility:
    """Candidate (refill, nurse-day) pairs, sorted, and the reason of each refill without one.

    Attributes
    ----------
    refill, nurse_day
        int64 arrays: refill ``refill[i]`` may be made on nurse-day ``nurse_day[i]``.
    unplannable
        ``patient_id -> (reason, detail)`` for refills with no candidate.
    reach_pairs
        Number of (nurse, refill) pairs licensed, certified and within reach.
    """

    refill: np.ndarray
    nurse_day: np.ndarray
    unplannable: dict[str, tuple[Reason, str]]
    reach_pairs: int = 0


def license_matrix(roster: Roster, states: list[str], horizon: Horizon) -> np.ndarray:
    """``lic[n, s, d]``: nurse n may practice in ``states[s]`` on horizon day d.

    Compact membership only changes on implementation dates, so it is computed
    once per stretch of days between such dates.
    """
    breaks = sorted({d for d in active_nlc_table().implemented.values()
                     if d is not None and horizon.start < d <= horizon.end})
    lic = np.zeros((len(roster.nurses), len(states), horizon.days), dtype=bool)
    starts = [horizon.start, *breaks]
    ends = [*breaks, horizon.end + timedelta(days=1)]
    for a, b in zip(starts, ends):
        i0, i1 = horizon.index(a), horizon.index(b)
        for n, nurse in enumerate(roster.nurses):
            for s, state in enumerate(states):
                if may_practice(nurse, state, on=a):
                    lic[n, s, i0:i1] = True
    return lic


def _layer_counts(lic: np.ndarray, s_idx: np.ndarray, lic_days: np.ndarray, chemo: np.ndarray,
                  hai: np.ndarray, chemo_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Licensed and certified nurses per refill, computed once per (state, days, fill) group."""
    key = np.column_stack([s_idx, chemo, lic_days]).astype(np.int64)
    groups, inverse = np.unique(key, axis=0, return_inverse=True)
    n_lic_g = np.zeros(len(groups), dtype=np.int64)
    n_cert_g = np.zeros(len(groups), dtype=np.int64)
    for g, row in enumerate(groups):
        licensed = (lic[:, row[0], :] & row[2:].astype(bool)[None, :]).any(axis=1)
        certified = licensed & hai & (chemo_ok | ~bool(row[1]))
        n_lic_g[g], n_cert_g[g] = licensed.sum(), certified.sum()
    inverse = np.asarray(inverse).ravel()
    return n_lic_g[inverse], n_cert_g[inverse]


@dataclass(frozen=True)
class _Arrays:
    """Per-nurse and per-refill arrays of the eligibility layers."""

    lic: np.ndarray  # (N, S, D) nurse may practice in state s on day d
    s_idx: np.ndarray  # (J,) state of each refill
    daymask: np.ndarray  # (J, D) the refill's days
    lic_days: np.ndarray  # (J, D) days on which the license is looked at
    chemo: np.ndarray  # (J,) floxuridine fill
    hai: np.ndarray  # (N,)
    chemo_ok: np.ndarray  # (N,)
    nd_of: np.ndarray  # (N, D) nurse-day index, -1 where the nurse does not work


@dataclass(frozen=True)
class _Clocks:
    """Time zones of nurses and refills (indices into the zones seen), and the least and the
    greatest clock shift (minutes, patient's clock to nurse's) over the horizon of each pair of zones."""

    nurse_zone: np.ndarray  # (N,)
    patient_zone: np.ndarray  # (J,)
    least: np.ndarray  # (Z, Z): [patient zone, nurse zone]
    most: np.ndarray


def _clocks(roster: Roster, refills: list[Refill], horizon: Horizon) -> _Clocks:
    """:class:`_Clocks` of the roster's nurses and ``refills`` (:mod:`optimizer.rules.clock`)."""
    nz = [nurse_zone_of(n) for n in roster.nurses]
    pz = [patient_zone_of(r.patient) for r in refills]
    zones = sorted(set(nz) | set(pz))
    at = {z: i for i, z in enumerate(zones)}
    days = list(horizon.dates())
    least = np.zeros((len(zones), len(zones)))
    most = np.zeros((len(zones), len(zones)))
    for a, za in enumerate(zones):
        for b, zb in enumerate(zones):
            least[a, b], most[a, b] = zone_shifts(za, zb, days)
    return _Clocks(np.array([at[z] for z in nz], dtype=np.int64), np.array([at[z] for z in pz], dtype=np.int64),
                   least, most)


def _reach(roster: Roster, refills: list[Refill], a: _Arrays, nurses: slice, p_pts: np.ndarray,
           provider, clocks: _Clocks) -> tuple[np.ndarray, np.ndarray]:
    """(nurse, refill) index arrays, for the nurses of ``nurses``, of pairs licensed, certified
    and within reach (drive limit, and a visit alone fitting shift and arrival window, the window
    read on the nurse's clock: shifted by the least and the greatest shift of the horizon)."""
    block = roster.nurses[nurses]
    max_drive = np.array([n.max_drive_minutes_one_way for n in block], float)
    n_pts = np.array([(n.lat, n.lon) for n in block], float).reshape(-1, 2)
    fwd = pairs_within(provider, n_pts, p_pts, max_minutes=float(max_drive.max()))
    n, j, out_m = fwd.origin, fwd.destination, fwd.minutes
    g = n + nurses.start
    ok = (out_m <= max_drive[n]) & a.hai[g] & (a.chemo_ok[g] | ~a.chemo[j])
    n, j, out_m = n[ok], j[ok], out_m[ok]
    g = n + nurses.start
    ok = (a.lic[g, a.s_idx[j], :] & a.lic_days[j]).any(axis=1)
    n, j, out_m = n[ok], j[ok], out_m[ok]
    back_m, _ = pairwise(provider, p_pts[j], n_pts[n])
    shift_s = np.array([minutes_of(x.shift_start) for x in block], float)
    limit = np.array([minutes_of(x.shift_end) + x.max_overtime_minutes for x in block], float)
    ea = np.array([minutes_of(r.patient.earliest_arrival) for r in refills], float)
    la = np.array([minutes_of(r.patient.latest_arrival) for r in refills], float)
    nz = clocks.nurse_zone[n + nurses.start]
    ea_n = ea[j] + clocks.least[clocks.patient_zone[j], nz]
    la_n = la[j] + clocks.most[clocks.patient_zone[j], nz]
    vm = np.array([r.patient.visit_minutes for r in refills], float)
    brk = np.array([x.break_minutes for x in block], float)
    with np.errstate(invalid="ignore"):
        out_c, back_c = np.ceil(out_m - 1e-6), np.ceil(back_m - 1e-6)  # whole-minute legs
        # a day of one visit longer than BREAK_AFTER_WORK_MINUTES takes the break at the door,
        # before the visit (waiting may absorb it) or after it (SPEC §5 routes)
        b = np.where(out_c + vm[j] + back_c > settings.BREAK_AFTER_WORK_MINUTES, brk[n], 0.0)
        start = np.maximum(shift_s[n] + out_c, ea_n)
        after = (start <= la_n) & (start + vm[j] + b + back_c <= limit[n])
        start_b = np.maximum(shift_s[n] + out_c + b, ea_n)
        before = (start_b <= la_n) & (start_b + vm[j] + back_c <= limit[n])
        fits = (after | before) & ~np.isnan(back_m)
    return n[fits] + nurses.start, j[fits]


def _arrays(roster: Roster, horizon: Horizon, refills: list[Refill], nurse_days: list[NurseDay]) -> _Arrays:
    N, J, D = len(roster.nurses), len(refills), horizon.days
    states = sorted({r.patient.state for r in refills})
    s_idx = np.array([states.index(r.patient.state) for r in refills], dtype=np.int64)
    daymask = np.zeros((J, D), dtype=bool)
    for j, r in enumerate(refills):
        for d in r.days:
            daymask[j, horizon.index(d)] = True
    lic_days = daymask.copy()  # licensed on some day of the refill's days (the horizon start when none)
    lic_days[~daymask.any(axis=1), 0] = True
    nd_of = np.full((N, D), -1, dtype=np.int64)
    nurse_index = {n.nurse_id: i for i, n in enumerate(roster.nurses)}
    for k, nd in enumerate(nurse_days):
        nd_of[nurse_index[nd.nurse.nurse_id], nd.index] = k
    return _Arrays(
        lic=license_matrix(roster, states, horizon), s_idx=s_idx, daymask=daymask, lic_days=lic_days,
        chemo=np.array([r.patient.next_infusate.is_chemo for r in refills], dtype=bool),
        hai=np.array([n.hai_certified for n in roster.nurses], dtype=bool),
        chemo_ok=np.array([n.chemo_certified for n in roster.nurses], dtype=bool), nd_of=nd_of)


def assess(roster: Roster, horizon: Horizon, refills: list[Refill], nurse_days: list[NurseDay], *,
           provider, with_candidates: bool = True, nurse_block: int = 256) -> Eligibility:
    """Candidates and reasons for ``refills`` on ``nurse_days`` (see the module docstring).

    Parameters
    ----------
    provider
        A travel provider; its sparse face (``pairs_within``) is used when it has one.
    with_candidates
        Keep the candidate pairs (the planner's); without, only the reasons are
        computed (``haiplan validate``), and memory stays that of one block.
    nurse_block
        Nurses whose reach is computed together.
    """
    N, J = len(roster.nurses), len(refills)
    empty = np.empty(0, dtype=np.int64)
    if J == 0:
        return Eligibility(empty, empty, {})
    a = _arrays(roster, horizon, refills, nurse_days)
    n_lic, n_cert = _layer_counts(a.lic, a.s_idx, a.lic_days, a.chemo, a.hai, a.chemo_ok)
    p_pts = np.array([(r.patient.lat, r.patient.lon) for r in refills], float)
    clocks = _clocks(roster, refills, horizon)
    n_reach = np.zeros(J, dtype=np.int64)
    has = np.zeros(J, dtype=bool)
    found_j: list[np.ndarray] = []
    found_k: list[np.ndarray] = []
    for b0 in range(0, N, nurse_block):
        pn, pj = _reach(roster, refills, a, slice(b0, min(N, b0 + nurse_block)), p_pts, provider, clocks)
        n_reach += np.bincount(pj, minlength=J)
        ok = a.daymask[pj] & a.lic[pn, a.s_idx[pj], :] & (a.nd_of[pn] >= 0)
        p, d = np.nonzero(ok)
        has[pj[p]] = True
        if with_candidates:
            found_j.append(pj[p])
            found_k.append(a.nd_of[pn[p], d])
    cand_j = np.concatenate(found_j) if found_j else empty
    cand_k = np.concatenate(found_k) if found_k else empty
    order = np.lexsort((cand_k, cand_j))
    unplannable = {refills[j].patient_id: _reason(refills[j], int(n_lic[j]), int(n_cert[j]), int(n_reach[j]))
                   for j in np.flatnonzero(~has)}
    return Eligibility(cand_j[order], cand_k[order], unplannable, reach_pairs=int(n_reach.sum()))


def away_detail(r: Refill) -> str:
    """Why a refill whose window lies inside an absence cannot be made, and the option (SPEC §4)."""
    assert r.absence is not None
    first, last = r.absence
    p = r.patient
    days = glycerin_days(p)
    lasts = f"a glycerin-filled pump lasts about {days // 7} weeks" if days >= 14 else f"it lasts {days} days"
    if p.next_infusate is Infusate.GLYCERIN:
        option = f"a glycerin fill before the trip, ahead of its window ({lasts})"
    elif p.next_infusate is Infusate.FLOXURIDINE:
        option = f"a glycerin fill before the trip in place of this floxuridine fill, if the oncologist agrees ({lasts})"
    else:
        option = f"a glycerin fill before the trip ({lasts})"
    return (f"window {r.window.start}..{r.window.end} lies inside the patient's absence {first}..{last}, "
            f"with no day of it before departure; option: {option}")


def _reason(r: Refill, n_lic: int, n_cert: int, n_reach: int) -> tuple[Reason, str]:
    """The first failing layer for a refill without a candidate, with its detail."""
    p = r.patient
    if r.absence is not None:
        return Reason.PATIENT_AWAY, away_detail(r)
    if r.overdue:
        return Reason.WINDOW_CLOSED, (f"window closed {r.window.end} before the horizon; no eligible nurse "
                                      "can reach the patient in the horizon")
    if n_lic == 0:
        return Reason.NO_LICENSED_NURSE, f"no nurse may practice in {p.state}"
    if n_cert == 0:
        need = "chemo (floxuridine)" if p.next_infusate.is_chemo else "HAI"
        return Reason.NO_CERTIFIED_NURSE, f"{n_lic} licensed nurse(s), none {need}-certified"
    if n_reach == 0:
        return Reason.OUT_OF_REACH, (f"{n_cert} licensed and certified nurse(s), none within their drive "
                                     "limit and shift of the patient")
    return Reason.NO_CAPACITY_IN_WINDOW, f"{n_reach} eligible nurse(s), none working on {_window_days(r)}"


def _window_days(r: Refill) -> str:
    """The days a refill could use, as a detail names them: its window's days in the horizon, with the
    window when it reaches outside the horizon (days before it are no help, however many nurses work them)."""
    w, days = r.window, r.days
    if not days or (days[0], days[-1]) == (w.start, w.end):
        return f"the window days {w.start}..{w.end}"
    span = f"{days[0]}" if days[0] == days[-1] else f"{days[0]}..{days[-1]}"
    return f"the window's days in the horizon, {span} (window {w.start}..{w.end})"
