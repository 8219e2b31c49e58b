"""Solutions of the generic routing model: routes with times, unserved visits, costs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

RawRoutes = Sequence[tuple[int, Sequence[int]]]
"""Visit orders per vehicle, ``[(vehicle, [visit, ...]), ...]``: what backends return."""

STATUSES: tuple[str, ...] = ("optimal", "feasible", "infeasible", "timeout", "error")
"""``optimal``/``feasible``: passes :meth:`Model.check` (optimal only when a backend
proved it); ``infeasible``: a solution is returned but breaks some rule, usually a
required visit left unserved (see ``message``); ``timeout``: no solution within the
limit; ``error``: every backend failed and nothing can be returned."""


@dataclass(frozen=True, slots=True)
class Route:
    """The route of one used vehicle.

    ``starts[k]`` is the service start of ``visits[k]``; ``departure`` and
    ``return_time`` are at the vehicle's start and end; ``duration`` is
    ``return_time - departure`` (waiting included); ``distance`` is in the
    distance matrix's units; ``break_start`` is when the vehicle's break starts
    (``None``: the route needs none).
    """

    vehicle: int
    visits: tuple[int, ...]
    starts: tuple[int, ...]
    departure: int
    return_time: int
    duration: int
    distance: int
    break_start: int | None = None


@dataclass(frozen=True, slots=True)
class Solution:
    """A solved (or attempted) routing model.

    Attributes
    ----------
    routes
        One route per used vehicle, sorted by vehicle index.
    unserved
        Visits not served, sorted. A group that is served by one member does
        not list its other members; a group with no member served lists all.
    objective
        :meth:`Model.evaluate` of this solution.
    breakdown
        The objective's parts: ``fixed``, ``time``, ``overtime``, ``distance``,
        ``service``, ``penalty`` (unserved optional), ``required_penalty``.
    status
        One of :data:`STATUSES`.
    lower_bound
        A proven lower bound on the objective, when a backend gives one.
    runtime
        Wall-clock seconds of the whole solve call (not compared by ``==``).
    backend
        Name of the backend whose routes these are.
    message
        What happened: fallbacks, watchdog kills, check findings (not compared).
    """

    routes: tuple[Route, ...]
    unserved: tuple[int, ...]
    objective: int
    breakdown: dict[str, int] = field(hash=False)
    status: str
    lower_bound: int | None = None
    runtime: float = field(default=0.0, compare=False)
    backend: str = ""
    message: str = field(default="", compare=False)

    @property
    def ok(self) -> bool:
        """Whether the solution passes the model's check (status optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    @property
    def served(self) -> tuple[int, ...]:
        """Served visits, sorted."""
        return tuple(sorted(c for r in self.routes for c in r.visits))

    def raw_routes(self) -> list[tuple[int, list[int]]]:
        """Visit orders per vehicle, the form backends take as a starting solution."""
        return [(r.vehicle, list(r.visits)) for r in self.routes]

    def route_of(self, visit: int) -> Route | None:
        """The route serving ``visit``, or ``None``."""
        for r in self.routes:
            if visit in r.visits:
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Solution":
        """Inverse of :meth:`to_dict`."""
        routes = tuple(
            Route(int(r["vehicle"]), tuple(r["visits"]), tuple(r["starts"]), int(r["departure"]),
                  int(r["return_time"]), int(r["duration"]), int(r["distance"]),
                  None if r.get("break_start") is None else int(r["break_start"]))
            for r in data["routes"]
        )
        return cls(routes, tuple(data["unserved"]), int(data["objective"]), dict(data["breakdown"]),
                   str(data["status"]), data.get("lower_bound"), float(data.get("runtime", 0.0)),
                   str(data.get("backend", "")), str(data.get("message", "")))

    def summary(self) -> str:
        """One line for logs."""
        n = sum(len(r.visits) for r in self.routes)
        return (f"{self.backend or '?'}: {self.status}, objective {self.objective}, {len(self.routes)} routes, "
                f"{n} visits served, {len(self.unserved)} unserved, {self.runtime:.1f} s")
