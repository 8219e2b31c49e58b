"""The array face of a routing model: numpy views by visit and vehicle, and pruning facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .entities import MAX_VALUE, Vehicle
from .timing import UNREACHABLE

if TYPE_CHECKING:
    from .model import Model

__all__ = ["ModelArrays", "as_int_matrix", "required_penalty_of", "INT64_MAX"]

INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True, slots=True)
class ModelArrays:
    """Numpy arrays of a model, in visit/vehicle index order, plus pruning facts.

    ``fits`` is the visit × vehicle matrix of pairs that can work at all: the
    vehicle is allowed, and a route with that visit alone meets every window,
    the maximum duration, capacity and reachability (optimistic about breaks and
    blocked time). A visit no vehicle fits is unservable whatever else happens.
    """

    duration: np.ndarray  # location × location
    distance: np.ndarray
    loc: np.ndarray  # per visit
    tw_early: np.ndarray
    tw_late: np.ndarray
    service: np.ndarray
    service_cost: np.ndarray
    demand: np.ndarray
    group: np.ndarray  # -1 when none
    v_start: np.ndarray  # per vehicle
    v_end: np.ndarray
    v_tw_early: np.ndarray
    v_tw_late: np.ndarray
    v_max_duration: np.ndarray  # int64 max when none
    v_max_visits: np.ndarray
    v_capacity: np.ndarray
    allowed: np.ndarray  # visit × vehicle bool (user eligibility)
    fits: np.ndarray  # visit × vehicle bool (eligibility and single-visit feasibility)
    v_solver_early: np.ndarray  # per vehicle: see solver_windows
    v_solver_late: np.ndarray
    first: np.ndarray  # per visit: bool, leads its route (Model.add_visit)

    @staticmethod
    def build(model: "Model") -> "ModelArrays":
        dur = model._duration
        dist = model._distance
        assert dur is not None and dist is not None
        visits, vehicles = model._visits, model._vehicles
        n, m = len(visits), len(vehicles)
        big = INT64_MAX
        loc = np.fromiter((v.location for v in visits), np.int64, n)
        twe = np.fromiter((v.tw_early for v in visits), np.int64, n)
        twl = np.fromiter((v.tw_late for v in visits), np.int64, n)
        svc = np.fromiter((v.service for v in visits), np.int64, n)
        scost = np.fromiter((v.service_cost for v in visits), np.int64, n)
        demand = np.fromiter((v.demand for v in visits), np.int64, n)
        group = np.fromiter((-1 if g is None else g for g in model._visit_group), np.int64, n)
        first = np.fromiter((v.first for v in visits), bool, n)
        vs = np.fromiter((v.start for v in vehicles), np.int64, m)
        ve = np.fromiter((v.end for v in vehicles), np.int64, m)
        vte = np.fromiter((v.tw_early for v in vehicles), np.int64, m)
        vtl = np.fromiter((v.tw_late for v in vehicles), np.int64, m)
        vmd = np.fromiter((big if v.max_duration is None else v.max_duration for v in vehicles), np.int64, m)
        vmv = np.fromiter((big if v.max_visits is None else v.max_visits for v in vehicles), np.int64, m)
        vcap = np.fromiter((big if v.capacity is None else v.capacity for v in vehicles), np.int64, m)
        allowed = np.ones((n, m), dtype=bool)
        for c, v in enumerate(visits):
            if v.allowed_vehicles is not None:
                allowed[c, :] = False
                allowed[c, list(v.allowed_vehicles)] = True
        # Single-visit routes, vectorised over visit × vehicle.
        out = dur[vs[None, :], loc[:, None]]  # n × m
        back = dur[loc[:, None], ve[None, :]]
        start = np.maximum(vte[None, :] + out, twe[:, None])
        ret = start + svc[:, None] + back
        fits = (
            allowed
            & (out < UNREACHABLE) & (back < UNREACHABLE)
            & (start <= twl[:, None])
            & (ret <= vtl[None, :])
            & (out + svc[:, None] + back <= vmd[None, :])
            & (vmv[None, :] >= 1)
            & (demand[:, None] <= vcap[None, :])
        )
        early, late = zip(*(_reserved(v) for v in vehicles)) if vehicles else ((), ())
        return ModelArrays(dur, dist, loc, twe, twl, svc, scost, demand, group, vs, ve, vte, vtl,
                           vmd, vmv, vcap, allowed, fits, np.array(early, np.int64), np.array(late, np.int64),
                           first)

    def solver_windows(self) -> tuple[np.ndarray, np.ndarray]:
        """Vehicle windows for backends that model neither breaks nor blocked time.

        A conservative reservation: a vehicle with blocked intervals keeps only
        its longest free stretch; one whose day can outlast its ``break_after``
        returns ``break_duration`` earlier. Routes found within these windows
        mostly take the break and avoid the blocked time; the few that do not
        are fitted by :func:`optimizer.routing.check.fit_routes`.
        """
        return self.v_solver_early, self.v_solver_late

    def servable(self) -> np.ndarray:
        """Visits at least one vehicle fits."""
        return self.fits.any(axis=1)

    def arc_possible(self, rows: np.ndarray, cols: np.ndarray, *, max_work: float = 4e10) -> np.ndarray:
        """Which arcs ``visit rows[i] -> visit cols[j]`` could ever be used.

        Pruned: unreachable arcs, arcs whose time windows cannot chain (the
        earliest end of the first plus travel is past the second's window),
        arcs between alternatives of one group, arcs from a visit without
        the ``first`` flag to one with it (first visits lead their route), and, when the work is cheap
        enough (``len(rows) * len(cols) * vehicles <= max_work``), arcs
        between visits no common vehicle fits.
        """
        lr, lc = self.loc[rows], self.loc[cols]
        travel = self.duration[np.ix_(lr, lc)]
        ok = travel < UNREACHABLE
        ok &= (self.tw_early[rows] + self.service[rows])[:, None] + travel <= self.tw_late[cols][None, :]
        gr, gc = self.group[rows], self.group[cols]
        ok &= ~((gr[:, None] == gc[None, :]) & (gr[:, None] >= 0))
        ok &= ~(~self.first[rows][:, None] & self.first[cols][None, :])
        fr, fc = self.fits[rows], self.fits[cols]
        # Vehicles with identical fit columns are merged before the product.
        both = np.concatenate([fr, fc], axis=0)
        _, first = np.unique(both.T, axis=0, return_index=True)
        cols_kept = np.sort(first)
        if len(rows) * len(cols) * len(cols_kept) <= max_work:
            a = fr[:, cols_kept].astype(np.float32)
            b = fc[:, cols_kept].astype(np.float32)
            ok &= (a @ b.T) > 0.5
        return ok



def as_int_matrix(a: Any, label: str, *, cap: bool = True) -> np.ndarray:
    """``a`` as a read-only, square int64 matrix of non-negative integers; ``ValueError`` otherwise.

    With ``cap`` (durations), a value at or above ``UNREACHABLE`` becomes ``UNREACHABLE``: a
    forbidden arc. Without it (distances, every unit of which is priced), a value above
    :data:`~optimizer.routing.entities.MAX_VALUE` is refused rather than changed.
    """
    arr = np.asarray(a)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{label} must be a square matrix, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{label} has non-finite values; use UNREACHABLE for forbidden arcs")
        if not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{label} must hold integers (scale and round first)")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{label} must be numeric, got {arr.dtype}")
    if (arr < 0).any():
        raise ValueError(f"{label} has negative values")
    if not cap and arr.size and arr.max() > MAX_VALUE:
        raise ValueError(f"{label} has values above 2**53 (the largest is {arr.max()})")
    arr = np.minimum(arr, UNREACHABLE if cap else MAX_VALUE).astype(np.int64)
    arr.flags.writeable = False
    return arr


def _reserved(v: Vehicle) -> tuple[int, int]:
    """``(tw_early, tw_late)`` of :meth:`ModelArrays.solver_windows` for one vehicle."""
    early, late = v.tw_early, v.tw_late
    if v.blocked:
        free, t = [], early
        for a, b in sorted(v.blocked):
            if a > t:
                free.append((t, min(a, late)))
            t = max(t, b)
        if t < late:
            free.append((t, late))
        free = [(a, b) for a, b in free if b > a]
        early, late = max(free, key=lambda ab: (ab[1] - ab[0], -ab[0])) if free else (early, early)
    if v.break_after is not None and v.break_duration > 0 and late - early > v.break_after:
        late = max(early, late - v.break_duration)
    return early, late


def required_penalty_of(model: "Model") -> int:
    """See :attr:`Model.required_penalty`."""
    a = model.arrays()
    big = 1
    for v in model.vehicles:
        span = v.tw_late - v.tw_early
        big += v.fixed_cost + v.cost_per_time * span
        if v.soft_end is not None:
            big += v.overtime_cost * max(0, v.tw_late - v.soft_end)
    # Distance: every visit arc at most once, plus a way out and back per vehicle.
    reach = a.duration < UNREACHABLE
    for rate in {v.cost_per_distance_unit for v in model.vehicles}:
        if rate:
            costs = model.arc_costs(rate)
            worst = int(np.where(reach, costs, 0).max(initial=0))
            big += worst * (len(model.visits) + 2 * len(model.vehicles))
    big += sum(v.service_cost for v in model.visits)
    big += sum(i.penalty for i in model.items() if not i.required)
    cap = (1 << 62) // (len(model.items()) + 2)
    return int(min(max(big, 10**6), cap))
