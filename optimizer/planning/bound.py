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
them, so a plan with trips may come below the drive bound by the legs from its lodgings.

Cost: one block of travel times per nurse, over the refills she may make (a few hundred
at most), read through the problem's lazy travel table.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from typing import TYPE_CHECKING

from optimizer.planning.problem import PlanningProblem
from optimizer.rules.objective import matrix_minutes

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.planning.plan import Plan

__all__ = ["LowerBound", "min_incoming_legs", "lower_bound", "plan_bound"]


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

    def as_dict(self) -> dict[str, object]:
        """The fields, with the basis in words (for ``summary.json``)."""
        return {**asdict(self), "basis": "placeable: refills with a candidate nurse-day; drive: sum over the "
                                         "placed refills of the shortest possible incoming leg"}


def _by_nurse(problem: PlanningProblem) -> dict[str, list[tuple[int, int]]]:
    """``nurse_id -> [(refill, day index), …]`` of the problem's candidates."""
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for c in problem.candidates:
        nd = problem.nurse_days[c.nurse_day]
        out[nd.nurse.nurse_id].append((c.refill, nd.index))
    return out


def min_incoming_legs(problem: PlanningProblem) -> tuple[np.ndarray, np.ndarray]:
    """Each refill's shortest possible incoming leg, in whole minutes and in km.

    Parameters
    ----------
    problem
        The planning problem; its travel table is read one nurse's block at a time.

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
    days = problem.horizon.days
    for nurse_id, pairs in _by_nurse(problem).items():
        arr = np.asarray(pairs, dtype=np.int64)
        refills, inv = np.unique(arr[:, 0], return_inverse=True)
        works = np.zeros((len(refills), days), dtype=np.int64)
        works[inv.ravel(), arr[:, 1]] = 1
        share = (works @ works.T) > 0  # the two refills have a candidate day of this nurse in common
        np.fill_diagonal(share, False)
        locs = np.array([problem.patient_location[problem.refills[j].patient_id] for j in refills], dtype=np.int64)
        home = np.array([problem.nurse_location[nurse_id]], dtype=np.int64)
        for view, best in ((problem.minutes, best_m), (problem.km, best_k)):
            from_home = np.asarray(view[np.ix_(home, locs)], dtype=float)[0]
            between = np.asarray(view[np.ix_(locs, locs)], dtype=float)  # [from, to]
            from_patient = np.where(share, np.nan_to_num(between, nan=np.inf), np.inf).min(axis=0)
            leg = np.minimum(np.nan_to_num(from_home, nan=np.inf), from_patient)
            np.minimum.at(best, refills, leg)
    finite = np.isfinite(best_m)
    minutes = np.full(n, np.inf)
    minutes[finite] = matrix_minutes(best_m[finite]).astype(float)
    return minutes, best_k


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
