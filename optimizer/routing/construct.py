"""A fast, solver-independent construction: sequential cheapest insertion.

Backends start from it when their own construction heuristics would be too
slow (OR-Tools' insertion heuristics ran for minutes past a 60 s limit on a
1,500-vehicle, 4,000-visit nurse × day model), and it is a baseline in its own
right. It honours every hard rule of the model (it checks each insertion with
:meth:`Model.schedule`), works item by item (a lone visit or a group of
alternatives) from the most constrained to the least, and inserts an optional
item only when that costs less than its penalty. A visit flagged ``first`` goes
only among the first visits at the front of a route, any other visit only after them.
:func:`reinsert` puts visits a route lost back where they fit best, the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .entities import Item

if TYPE_CHECKING:
    from .model import Model


__all__ = ["cheapest_insertion", "reinsert"]

Routes = list[tuple[int, list[int]]]


def cheapest_insertion(model: "Model", *, time_budget: float | None = None) -> Routes:
    """Visit orders per vehicle built by sequential cheapest insertion.

    Items are taken required first, then by fewest (visit, vehicle) options,
    then by earliest window close; each goes where it adds least to the
    objective. With ``time_budget`` (seconds), items not reached in time stay
    unserved.
    """
    t_end = None if time_budget is None else time.perf_counter() + time_budget
    build = _Insertion(model, [])
    for item in build.ordered(model.items()):
        if t_end is not None and time.perf_counter() > t_end:
            break
        build.place(item)
    return build.routes()


def reinsert(model: "Model", routes: Sequence[tuple[int, Sequence[int]]], visits: Sequence[int]) -> Routes:
    """``routes`` with the items of ``visits`` that no route serves inserted where they add least
    to the objective (an optional one only when that costs less than its penalty); those
    that fit nowhere stay unserved. Routes on unknown vehicles are returned as they are (the
    model's check reports them)."""
    known = [(int(v), vs) for v, vs in routes if 0 <= int(v) < model.num_vehicles]
    unknown = [(int(v), [int(c) for c in vs]) for v, vs in routes if not 0 <= int(v) < model.num_vehicles]
    build = _Insertion(model, known)
    served = {c for _, vs in routes for c in vs}
    wanted = set(int(c) for c in visits)
    todo = [it for it in model.items() if wanted.intersection(it.visits) and not served.intersection(it.visits)]
    for item in build.ordered(todo):
        build.place(item)
    return build.routes() + unknown


class _Insertion:
    """Routes under construction, with each one's cost and load."""

    def __init__(self, model: "Model", routes: Sequence[tuple[int, Sequence[int]]]) -> None:
        self.model = model
        self.fits = model.arrays().fits
        self.seqs: list[list[int]] = [[] for _ in model.vehicles]
        for v, vs in routes:
            self.seqs[int(v)] = [int(c) for c in vs]
        self.cost_of = [self.route_cost(v, seq) or 0 for v, seq in enumerate(self.seqs)]
        self.load = [sum(model.visits[c].demand for c in seq) for seq in self.seqs]

    def routes(self) -> Routes:
        return [(v, list(seq)) for v, seq in enumerate(self.seqs) if seq]

    def ordered(self, items: Sequence[Item]) -> list[Item]:
        """Required first, then by fewest (visit, vehicle) options, then by earliest window close."""
        visits = self.model.visits
        key = {id(it): (not it.required, int(sum(self.fits[c].sum() for c in it.visits)),
                        min(visits[c].tw_late for c in it.visits), i) for i, it in enumerate(items)}
        return sorted(items, key=lambda it: key[id(it)])

    def route_cost(self, v: int, seq: list[int]) -> int | None:
        if not seq:
            return 0
        s = self.model.schedule(v, seq)
        if not s.feasible:
            return None
        return sum(self.model.route_cost(v, seq, departure=s.departure, return_time=s.return_time).values())

    def place(self, item: Item) -> bool:
        """Insert ``item`` where it adds least, if anywhere and worth it; returns whether it was."""
        best = self._best(item)
        if best is None:
            return False
        delta, v, pos, c = best
        if not item.required and delta >= item.penalty:
            return False
        self.seqs[v].insert(pos, c)
        self.cost_of[v] += delta
        self.load[v] += self.model.visits[c].demand
        return True

    def _best(self, item: Item) -> tuple[int, int, int, int] | None:
        """(delta, vehicle, position, visit) of the cheapest feasible insertion of ``item``."""
        visits, vehicles = self.model.visits, self.model.vehicles
        best: tuple[int, int, int, int] | None = None
        for c in item.visits:
            vis = visits[c]
            for v in np.flatnonzero(self.fits[c]):
                v = int(v)
                veh, seq = vehicles[v], self.seqs[v]
                if veh.max_visits is not None and len(seq) >= veh.max_visits:
                    continue
                if veh.capacity is not None and self.load[v] + vis.demand > veh.capacity:
                    continue
                lead = next((i for i, x in enumerate(seq) if not visits[x].first), len(seq))
                for pos in (range(lead + 1) if vis.first else range(lead, len(seq) + 1)):
                    new = self.route_cost(v, seq[:pos] + [c] + seq[pos:])
                    if new is not None and (best is None or new - self.cost_of[v] < best[0]):
                        best = (new - self.cost_of[v], v, pos, c)
        return best
