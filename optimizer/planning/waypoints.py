"""Trips of more than one night, and nights at a waypoint (issue 13 item 1).

A patient farther than one day's drive from every nurse who may make her refill cannot be made
on a trip of one night lodging at her home: the drive out alone, or the drive home after the
visit, does not fit a working day. A *chain* of nights of one nurse on consecutive working days
(:class:`optimizer.planning._trip_state.Trip`) does: the days before the visit drive out, each
ending at the lodging that gets her farthest towards the patient within the day; the visit day
starts there; the days after drive home the same way. A night is at the patient's home or at a
*waypoint*: the home of another patient of the problem, or a lodging town
(:mod:`optimizer.planning.towns`; real places the travel model routes to and from) that lies on the way (its great-circle detour at most :data:`WAYPOINT_DETOUR` of
the direct line from the day's start to its goal and of the one from home to the patient). Each day keeps its own visits where they fit (else the farthest go to other
days, as on a trip of one night); every night is priced and every day's labour counted by the
one schedule. A chain never spans a day the nurse does not work (a weekend, a holiday, time
off): her days must be consecutive calendar days.

The chains tried are the shortest that can cover the drive (out and back, with the visit, in
whole working days) and one day longer, with the visit on each day of the chain, up to
:data:`MAX_NIGHTS` nights.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from optimizer.domain import Nurse, minutes_of
from optimizer.planning._trip_state import (Days, Ends, Move, Trip, TripState, day_units, fit_day, may_make,
                                            rehome_all, with_trips)
from optimizer.planning.problem import PlanningProblem

__all__ = ["MAX_NIGHTS", "WAYPOINT_DETOUR", "WAYPOINTS_TRIED", "chain_options", "relodge_options", "day_budget",
           "lodgings_on_the_way"]

#: Nights of one trip at most.
MAX_NIGHTS: int = 3
#: A waypoint lies on the way from a to b when |aX| + |Xb| <= this × |ab| (great circle).
WAYPOINT_DETOUR: float = 1.25
#: Lodgings tried per night of a chain (the farthest along first).
WAYPOINTS_TRIED: int = 6
_EARTH_KM = 6371.0
_PLACES: list[tuple[object, "_Places"]] = []


class _Places:
    """The problem's candidate lodgings (patient homes, then lodging towns) as location indices and
    radians, with the nurses' homes after them (a trip's ends, never a lodging)."""

    def __init__(self, problem: PlanningProblem) -> None:
        pairs = sorted((loc, pid) for pid, loc in problem.patient_location.items())
        pts = [(problem.roster.patient(pid).lat, problem.roster.patient(pid).lon) for _, pid in pairs]
        pts += [(t.lat, t.lon) for t in problem.towns]
        pts += [(n.lat, n.lon) for n in problem.roster.nurses]
        towns = [problem.town_base + i for i in range(len(problem.towns))]
        self.locs = np.array([loc for loc, _ in pairs] + towns + [problem.nurse_location[n.nurse_id]
                                                                  for n in problem.roster.nurses], dtype=np.int64)
        rad = np.radians(np.array(pts, dtype=float).reshape(-1, 2))
        self.lat, self.lon = rad[:, 0], rad[:, 1]
        self.index = {int(loc): i for i, loc in enumerate(self.locs.tolist())}
        self.lodgings = len(pairs) + len(towns)  # the first ``lodgings`` places may be lodged at

    def km(self, i: int, upto: int | None = None) -> np.ndarray:
        """Great-circle km from place ``i`` to every candidate lodging (with ``upto``: to the first
        ``upto`` places, nurse homes after the lodgings)."""
        n = self.lodgings if upto is None else upto
        lat, lon = self.lat[:n], self.lon[:n]
        a = (np.sin((lat - self.lat[i]) / 2) ** 2
             + np.cos(self.lat[i]) * np.cos(lat) * np.sin((lon - self.lon[i]) / 2) ** 2)
        return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))

    def _between(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Whether each candidate lodging lies on the way from location ``a`` to ``b``, and its km to ``b``."""
        ia, ib = self.index[a], self.index[b]
        from_a, to_b = self.km(ia), self.km(ib)
        direct = float(self.km(ia, upto=len(self.locs))[ib])
        return from_a + to_b <= WAYPOINT_DETOUR * direct + 1.0, to_b

    def on_the_way(self, a: int, b: int, *, home: int, patient: int) -> list[int]:
        """Candidate lodgings on the way from location ``a`` to ``b`` and from ``home`` to ``patient``
        (the trip's), the nearest ``b`` first."""
        ok, to_b = self._between(a, b)
        if (a, b) not in ((home, patient), (patient, home)):
            ok &= self._between(home, patient)[0]
        idx = np.flatnonzero(ok)
        idx = idx[np.argsort(to_b[idx], kind="stable")]
        return [int(x) for x in self.locs[idx].tolist()]


def _places(problem: PlanningProblem) -> _Places:
    """The candidate lodgings of ``problem`` (built once per problem's locations)."""
    for key, places in _PLACES:
        if key is problem.patient_location:
            return places
    places = _Places(problem)
    _PLACES[:] = [(problem.patient_location, places)]
    return places


def day_budget(nurse: Nurse) -> int:
    """Minutes a working day can drive at most: shift, overtime, less the break."""
    return (minutes_of(nurse.shift_end) + nurse.max_overtime_minutes - minutes_of(nurse.shift_start)
            - nurse.break_minutes)


def _run(state: TripState, nurse_id: str, k: int, reach: int) -> list[int]:
    """Nurse-days of ``nurse_id`` on consecutive calendar days around day ``k`` (at most ``reach``
    either side), none of them a day of a trip yet."""
    day = state.problem.nurse_days[k].day
    out = [k]
    for step in (-1, 1):
        for n in range(1, reach + 1):
            kk = state.day_of.get((nurse_id, day + timedelta(days=step * n)))
            if kk is None or not state.free(kk):
                break
            if step < 0:
                out.insert(0, kk)
            else:
                out.append(kk)
    return out


def chain_options(state: TripState, j: int, nurse: Nurse, k: int) -> list[Move]:
    """Trips of one to :data:`MAX_NIGHTS` nights through waypoints that make refill ``j`` on the
    nurse's day ``k`` (module docs); ``k`` must be free of trips."""
    problem = state.problem
    if not state.free(k):
        return []
    home = problem.nurse_location[nurse.nurse_id]
    ploc = problem.patient_location[problem.refills[j].patient_id]
    drive = problem.travel(home, ploc)[0]
    if drive != drive:
        return []
    need = max(2, math.ceil((2 * drive + problem.refills[j].patient.visit_minutes) / day_budget(nurse)))
    run = _run(state, nurse.nurse_id, k, need)
    pos = run.index(k)
    out = []
    for length in range(need, min(need + 1, MAX_NIGHTS + 1, len(run)) + 1):
        for s in range(max(0, pos - length + 1), min(pos, len(run) - length) + 1):
            move = _chain(state, j, nurse, run[s:s + length], pos - s)
            if move is not None:
                out.append(move)
    return out


def _lodgings(state: TripState, nurse: Nurse, a: int, b: int, patient_id: str, *,
              budget: float | None = None) -> list[int]:
    """Where a day from location ``a`` may end on the way to ``b`` (on a trip to ``patient_id``): patient
    homes and lodging towns on the way within ``budget`` minutes' drive of ``a`` (a day's,
    :func:`day_budget`, when ``None``), the farthest along first (:data:`WAYPOINTS_TRIED`)."""
    problem = state.problem
    budget = day_budget(nurse) if budget is None else budget
    out: list[int] = []
    if budget <= 0:
        return out
    home, ploc = problem.nurse_location[nurse.nurse_id], problem.patient_location[patient_id]
    for x in _places(problem).on_the_way(a, b, home=home, patient=ploc):
        m = problem.travel(a, x)[0]
        if m == m and m <= budget:
            out.append(x)
            if len(out) == WAYPOINTS_TRIED:
                break
    return out


def _chain(state: TripState, j: int, nurse: Nurse, days: list[int], q: int) -> Move | None:
    """Refill ``j`` on ``days[q]`` of a chain of nights on ``days`` (consecutive working days), each
    night at the first lodging that lets its day fit: towards the patient before the visit, towards
    home from it; the visits taken off a day go to other days (:func:`rehome`)."""
    problem = state.problem
    home = problem.nurse_location[nurse.nurse_id]
    ploc = problem.patient_location[problem.refills[j].patient_id]
    routes: Days = {}
    nights: list[Trip] = []
    offs: list[tuple[int, list[int]]] = []
    prev: int | None = None
    for i, k in enumerate(days):
        pid = problem.refills[j].patient_id
        if i == len(days) - 1:
            ends: list[int | None] = [None]
        elif i == q:  # the visit day ends on the way home: from the patient's, within what the drive to
            # her and the visit leave of the day, else from the day's start, else at her home
            start = home if prev is None else prev
            left = day_budget(nurse) - problem.travel(start, ploc)[0] - problem.refills[j].patient.visit_minutes
            ends = list(dict.fromkeys([*_lodgings(state, nurse, ploc, home, pid, budget=left if left == left else 0),
                                       *_lodgings(state, nurse, start, home, pid), ploc]))
        else:
            ends = list(_lodgings(state, nurse, home if prev is None else prev, ploc if i < q else home, pid))
        here = None
        for end in ends:
            if i == q and not may_make(problem, nurse, j, k, [x for x in (prev, end) if x is not None]):
                continue
            far = end if end is not None else (prev if prev is not None else ploc)
            here = fit_day(state, k, state.order(k), j if i == q else None, (prev, end), far)
            if here is not None:
                break
        if here is None:
            return None
        routes[k] = (here[0], here[1])
        offs.append((k, here[2]))
        if end is not None:
            nights.append(Trip(nurse.nurse_id, k, days[i + 1], end))
        prev = end
    rest = rehome_all(state, offs, set(days))
    if rest is None:
        return None
    new = sum(day_units(problem, k, order, sched) for k, (order, sched) in routes.items()) + rest[0]
    return new - sum(state.units(k) for k in days), {**rest[1], **routes}, tuple(nights)


def _reachable(state: TripState, k: int, order: list[int], ends: Ends) -> tuple[list[int], list[int]]:
    """``order``'s refills within reach on day ``k`` from home or its ``ends``, and the others."""
    problem = state.problem
    nurse = problem.nurse_days[k].nurse
    lodgings = [x for x in ends if x is not None]
    keep = [x for x in order if may_make(problem, nurse, x, k, lodgings)]
    return keep, [x for x in order if x not in keep]


def relodge_options(state: TripState, j: int) -> list[Move]:
    """Refill ``j`` on a day of a night already made, the night moved to a lodging that reaches it: the
    patient's home or a waypoint between the old lodging and it. Both days of the night keep their
    visits within reach and where they fit; the others go to other days (:func:`rehome`)."""
    problem = state.problem
    r = problem.refills[j]
    ploc = problem.patient_location[r.patient_id]
    out = []
    for t in list(state.trips):
        nurse = problem.nurse_days[t.out_day].nurse
        days = [k for k in (t.out_day, t.back_day) if problem.nurse_days[k].day in r.days]
        gap = problem.travel(t.lodging, ploc)[0]
        if not days or not gap == gap or gap > 2 * nurse.max_drive_minutes_one_way or t.lodging == ploc:
            continue
        way = _places(problem).on_the_way(t.lodging, ploc, home=problem.nurse_location[nurse.nurse_id],
                                          patient=ploc)
        for lodging in dict.fromkeys([ploc, *way[:: max(1, len(way) // WAYPOINTS_TRIED)]]):
            night = Trip(t.nurse_id, t.out_day, t.back_day, lodging)
            view = with_trips(state, [x for x in state.trips if x is not t] + [night])
            for k in days:
                move = _relodged(view, j, k, night)
                if move is not None:
                    out.append((move[0] - state.units(t.out_day) - state.units(t.back_day), move[1], (night,)))
    return out


def lodgings_on_the_way(state: TripState, nurse: Nurse, a: int, b: int, patient_id: str) -> list[int]:
    """Where a day of pure driving from location ``a`` toward ``b`` may end (a trip to ``patient_id``):
    patient homes and lodging towns on the way within a day's drive, the farthest along first."""
    return _lodgings(state, nurse, a, b, patient_id)


def _relodged(view: TripState, j: int, k: int, night: Trip) -> tuple[int, Days] | None:
    """The two days of ``night`` (moved) in ``view``, ``j`` on day ``k``: their objective units (with the
    days their dropped visits go to) and routes, or ``None``."""
    problem = view.problem
    if not may_make(problem, problem.nurse_days[k].nurse, j, k, [x for x in view.ends(k) if x is not None]):
        return None
    routes: Days = {}
    off: list[tuple[int, list[int]]] = []
    for kk in (night.out_day, night.back_day):
        ends = view.ends(kk)
        keep, gone = _reachable(view, kk, view.order(kk), ends)
        here = fit_day(view, kk, keep, j if kk == k else None, ends, night.lodging)
        if here is None:
            return None
        routes[kk] = (here[0], here[1])
        off.append((kk, gone + here[2]))
    rest = rehome_all(view, off, {night.out_day, night.back_day})
    if rest is None:
        return None
    return rest[0] + sum(day_units(problem, kk, o, s) for kk, (o, s) in routes.items()), {**rest[1], **routes}
