"""Cheap valid bounds on what any plan of a planning problem can reach (SPEC §6 ``lower_bound``).

Two numbers that need no search:

* **refills placeable** — the refills that have at least one candidate nurse-day: no plan
  places more (an upper bound on refills placed);
* **drive** — every visit is reached by exactly one leg, from its nurse's home (or lodging)
  or from the visit before it on the same nurse-day. So the drive of a plan is at least the
  sum, over the refills it places, of each refill's shortest *possible* incoming leg: from
  the home of a nurse with a candidate nurse-day for it, or from the patient of another
  refill that shares a candidate nurse-day with it (same nurse, same day). Return legs are
  left out, so the bound is below any plan's drive; with whole-minute legs
  (:func:`optimizer.rules.objective.leg_minutes`) the minutes bound is in the same units
  as the plan's ``drive_minutes``.

The bound holds for plans whose stops are the problem's refills. A plan with later fills
(:mod:`optimizer.planning.fills`) also visits patients that are not refills of the
first-fill problem; its drive restricted to the first fills is at least the bound as long
as travel times obey the triangle inequality (a great-circle model whose speed rises with
the leg's length, or shortest paths on a road graph), and so is its whole drive. The
predecessors are those of day trips: an overnight trip's lodging (issue 13) is not among
them, so a plan with trips may come below that drive bound by the legs from its lodgings,
and place refills with no day-trip candidate. :func:`final_plan_bound` is the bound written
for the final plan (``optimizer.api.plan``, after later fills and trips): valid for it, its
``scope`` says so; :func:`lower_bound`'s ``scope`` says it bounds day trips only.

Cost: the pairs of refills that share a candidate nurse-day come from one sparse product
(refills × nurse-days), and each distinct leg is read once from the problem's lazy travel
table (at 5,000 patients a block per nurse took half a minute).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
from scipy import sparse

from typing import TYPE_CHECKING

from optimizer.planning.problem import PlanningProblem
from optimizer.rules.objective import matrix_minutes

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.planning.plan import Plan

__all__ = ["LowerBound", "min_incoming_legs", "lower_bound", "plan_bound", "final_plan_bound"]

#: What :func:`lower_bound` bounds (``summary.json`` ``lower_bound.scope``).
SCOPE_DAY_TRIPS = "day trips of the problem's refills (before later fills and overnight trips)"
#: What :func:`final_plan_bound` bounds.
SCOPE_FINAL = ("the final plan: every fill it holds, day trips and overnight trips (placeable: refills with a "
               "candidate nurse-day or placed on a trip's day; drive: a day starting at a lodging may reach "
               "its first visit at no drive)")


@dataclass(frozen=True)
class LowerBound:
    """Bounds of a problem, and the drive bound of one set of placed refills.

    Attributes
    ----------
    refills_due
        Refills of the problem.
    refills_placeable
        Refills with at least one candidate nurse-day: an upper bound on refills placed.
    placed
        Refills the drive bound is for.
    drive_minutes
        Lower bound on the drive minutes (whole-minute legs) of any plan placing them.
    drive_km
        Lower bound on the drive km of any plan placing them.
    """

    refills_due: int
    refills_placeable: int
    placed: int
    drive_minutes: int
    drive_km: float
    scope: str = SCOPE_DAY_TRIPS

    def as_dict(self) -> dict[str, object]:
        """The fields, with the basis in words (for ``summary.json``)."""
        return {**asdict(self), "basis": "placeable: refills with a candidate nurse-day; drive: sum over the "
                                         "placed refills of the shortest possible incoming leg"}


def _travel(problem: PlanningProblem, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minutes and km of the legs ``a[i] → b[i]`` (location indices), read once for both."""
    if problem.table is not None:
        return problem.table.gather(a, b)
    return np.asarray(problem.minutes[a, b], dtype=float), np.asarray(problem.km[a, b], dtype=float)


def min_incoming_legs(problem: PlanningProblem, pairs: tuple[np.ndarray, np.ndarray] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Each refill's shortest possible incoming leg, in whole minutes and in km.

    Parameters
    ----------
    problem
        The planning problem; its travel table is read once, for the distinct legs that
        can occur (home → refill on a candidate nurse-day, refill → refill sharing one).
    pairs
        ``(refills, nurse_days)`` arrays of the candidate pairs; the problem's candidates when ``None``.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(minutes, km)`` per refill index: the least over the homes of nurses with a
        candidate nurse-day for it and over the patients of refills sharing one of its
        candidate nurse-days. Minutes and km are minimised separately (each is a valid
        bound on its own). ``inf`` for a refill without candidates.
    """
    n = len(problem.refills)
    best_m = np.full(n, np.inf)
    best_k = np.full(n, np.inf)
    if pairs is None:
        cands = problem.candidates
        pairs = (np.fromiter((c.refill for c in cands), dtype=np.int64, count=len(cands)),
                 np.fromiter((c.nurse_day for c in cands), dtype=np.int64, count=len(cands)))
    cj, ck = (np.asarray(a, dtype=np.int64) for a in pairs)
    if not cj.size or not n:
        return best_m, best_k
    loc = np.array([problem.patient_location[r.patient_id] for r in problem.refills], dtype=np.int64)
    home_of = np.array([problem.nurse_location[nd.nurse.nurse_id] for nd in problem.nurse_days], dtype=np.int64)
    legs = [np.unique(np.column_stack([home_of[ck], cj]), axis=0)]  # (from location, to refill)
    on = sparse.csr_matrix((np.ones(len(cj), dtype=np.int32), (cj, ck)), shape=(n, len(problem.nurse_days)))
    share = (on @ on.T).tocoo()  # refills with a candidate nurse-day in common
    off = share.row != share.col
    legs.append(np.column_stack([loc[share.row[off]], share.col[off]]))
    for pair in legs:
        minutes, km = _travel(problem, pair[:, 0], loc[pair[:, 1]])
        np.minimum.at(best_m, pair[:, 1], np.nan_to_num(minutes, nan=np.inf))
        np.minimum.at(best_k, pair[:, 1], np.nan_to_num(km, nan=np.inf))
    finite = np.isfinite(best_m)
    out = np.full(n, np.inf)
    out[finite] = matrix_minutes(best_m[finite]).astype(float)
    return out, best_k


def lower_bound(problem: PlanningProblem, placed: Iterable[int] | None = None) -> LowerBound:
    """The bounds of ``problem`` (module docstring) and the drive bound of ``placed``.

    Parameters
    ----------
    problem
        The planning problem.
    placed
        Refill indices a plan places; ``None``: every placeable refill.

    Returns
    -------
    LowerBound
        Refills placeable, and lower bounds on drive minutes and km of any plan placing ``placed``.
    """
    minutes, km = min_incoming_legs(problem)
    placeable = np.flatnonzero(np.isfinite(minutes))
    chosen = placeable if placed is None else np.asarray(sorted(set(placed)), dtype=np.int64)
    chosen = chosen[np.isfinite(minutes[chosen])] if chosen.size else chosen
    return LowerBound(refills_due=len(problem.refills), refills_placeable=int(placeable.size),
                      placed=int(chosen.size), drive_minutes=int(minutes[chosen].sum()) if chosen.size else 0,
                      drive_km=math.floor(float(km[chosen].sum()) * 1000) / 1000 if chosen.size else 0.0)


def plan_bound(problem: PlanningProblem, plan: Plan) -> LowerBound:
    """:func:`lower_bound` of the refills of ``problem`` that ``plan`` places.

    Parameters
    ----------
    problem
        The problem ``plan`` was made for (its refills are matched by patient and fill number;
        visits of later fills, not refills of ``problem``, are left out).
    plan
        The plan.

    Returns
    -------
    LowerBound
        The bounds, the drive bound for the placed refills of ``problem``.
    """
    index = {(r.patient_id, r.fill_no): j for j, r in enumerate(problem.refills)}
    placed = [index[key] for key in ((v.patient_id, v.fill_no) for v in plan.visits) if key in index]
    return lower_bound(problem, placed)


def final_plan_bound(problem: PlanningProblem, plan: Plan) -> LowerBound:
    """The bounds for the final plan (later fills and overnight trips included), valid for it.

    A trip places refills that have no candidate nurse-day of a day trip, and a day that
    starts at a lodging reaches its first visit from there. So the candidate pairs are the
    problem's and the (refill, nurse-day) of every placed visit (a trip's day makes it
    eligible from the lodging), and the incoming legs are the least over the homes of the
    nurses with such a pair and the patients sharing one (:func:`min_incoming_legs`). A
    lodging is some patient's home, possibly the first visit's own: on each day that starts
    away (the nurse's day before ends away) one visit may come at no drive, so the largest
    leg bound of that day's visits is taken off (minutes and km each).

    Parameters
    ----------
    problem
        The problem the final plan was made on (later fills and trip candidates included).
    plan
        The final plan; visits on days outside the problem (a re-plan's days before its
        horizon) and of no refill of the problem are left out.

    Returns
    -------
    LowerBound
        With ``scope`` :data:`SCOPE_FINAL`: placeable ≥ the refills placed, drive ≤ the plan's.
    """
    j_of = {(r.patient_id, r.fill_no): j for j, r in enumerate(problem.refills)}
    k_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
    placed = [(j_of.get((v.patient_id, v.fill_no)), k_of.get((v.nurse_id, v.date))) for v in plan.visits]
    placed = [(j, k) for j, k in placed if j is not None and k is not None]
    pj = np.array([j for j, _ in placed], dtype=np.int64)
    pk = np.array([k for _, k in placed], dtype=np.int64)
    cands = problem.candidates
    cj = np.concatenate([np.fromiter((c.refill for c in cands), dtype=np.int64, count=len(cands)), pj])
    ck = np.concatenate([np.fromiter((c.nurse_day for c in cands), dtype=np.int64, count=len(cands)), pk])
    uniq = np.unique(np.column_stack([cj, ck]), axis=0) if cj.size else np.zeros((0, 2), dtype=np.int64)
    minutes, km = min_incoming_legs(problem, (uniq[:, 0], uniq[:, 1]))
    away = {(d.nurse_id, d.date + timedelta(days=1)) for d in plan.nurse_days if d.ends_away}
    by_day: dict[int, list[int]] = {}
    for j, k in dict.fromkeys(placed):
        by_day.setdefault(k, []).append(j)
    total_m = total_k = 0.0
    for k, js in by_day.items():
        m, d = minutes[js], km[js]
        lodged = (problem.nurse_days[k].nurse.nurse_id, problem.nurse_days[k].day) in away
        total_m += m.sum() - (m.max() if lodged else 0.0)
        total_k += d.sum() - (d.max() if lodged else 0.0)
    return LowerBound(refills_due=len(problem.refills), refills_placeable=int(np.isfinite(minutes).sum()),
                      placed=len({j for j, _ in placed}), drive_minutes=int(total_m),
                      drive_km=math.floor(total_k * 1000) / 1000, scope=SCOPE_FINAL)
