"""Generic routing: a vehicle routing model that knows nothing of pumps, and its solvers.

>>> from optimizer.routing import Model, Solution, solve

Build a :class:`Model` (locations, matrices, vehicles, visits, groups of
alternatives), then ``model.solve("ortools" | "pyvrp", ...)``. Backends run in a
child process under a watchdog and fall back to each other (:mod:`.runner`);
the model times, costs and checks every solution itself (:meth:`Model.check`) with
the one route schedule and cost of :mod:`.timing`, which the domain calls too.
"""

from .backends import BACKENDS, FALLBACKS, BackendError, BackendResult, SolveRequest
from .model import UNREACHABLE, Group, Location, Model, Schedule, Vehicle, Visit
from .runner import auto_watchdog, solve
from .solution import STATUSES, Route, Solution
from .timing import Timing, route_cost, time_route

__all__ = [
    "BACKENDS",
    "FALLBACKS",
    "STATUSES",
    "UNREACHABLE",
    "BackendError",
    "BackendResult",
    "Group",
    "Location",
    "Model",
    "Route",
    "Schedule",
    "Solution",
    "SolveRequest",
    "Timing",
    "Vehicle",
    "Visit",
    "auto_watchdog",
    "route_cost",
    "solve",
    "time_route",
]
