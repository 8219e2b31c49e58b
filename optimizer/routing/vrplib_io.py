"""Read VRPLIB instances (SDVRPTW and plain VRPTW/CVRP) and their solutions into a :class:`Model`.

Scaling follows PyVRP's ``round_func="exact"``: Euclidean distances, time
windows, service times and duration limits are multiplied by 1000 and rounded
to the nearest integer, so best-known costs in ``.sol`` files (also ×1000)
are integers on the same scale. Travel time equals distance, and the objective
is the total distance (``cost_per_distance_unit=1``).

Location ``k`` of the model is node ``k + 1`` of the file (VRPLIB numbers from
1); the depot is location 0 and visit ``k`` is location ``k + 1``. Site
dependency (``VEHICLES_ALLOWED_CLIENTS_SECTION``, client node numbers per
vehicle) becomes each visit's ``allowed_vehicles``.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import vrplib

from .model import Model
from .solution import Solution

SCALE: int = 1000


def _exact(values: Any) -> np.ndarray:
    """PyVRP's ``round_func="exact"``: ×1000, rounded to nearest."""
    return np.round(SCALE * np.asarray(values, dtype=np.float64)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Instance:
    """A VRPLIB instance read into a model, with what the file says about it."""

    name: str
    model: Model
    num_clients: int
    num_vehicles: int


def read_instance(path: str | pathlib.Path) -> Instance:
    """Read a VRPLIB instance with one depot (location 0) into a :class:`Model`."""
    data = vrplib.read_instance(str(path))
    n = int(data["dimension"])
    depots = np.atleast_1d(data.get("depot", np.array([0])))
    if len(depots) != 1 or int(depots[0]) != 0:
        raise ValueError(f"{path}: only instances with a single depot at node 1 are supported")
    num_vehicles = int(data.get("vehicles", n - 1))
    coords = np.asarray(data["node_coord"], dtype=np.float64)
    dist = _exact(data["edge_weight"])
    np.fill_diagonal(dist, 0)
    service = data.get("service_time", 0)
    service = _exact(np.broadcast_to(service, (n,)).copy())
    service[0] = 0
    if "time_window" in data:
        tw = _exact(data["time_window"])
    else:
        tw = np.tile(np.array([0, 10**12], dtype=np.int64), (n, 1))
    demand = np.asarray(data.get("demand", np.zeros(n)), dtype=np.float64)
    capacity = np.broadcast_to(np.asarray(data.get("capacity", np.inf), dtype=np.float64), (num_vehicles,))
    if np.all(demand == np.round(demand)) and np.all((capacity == np.round(capacity)) | np.isinf(capacity)):
        dem_i = demand.astype(np.int64)
        cap_i = [None if np.isinf(c) else int(c) for c in capacity]
    else:  # fractional loads: scale both sides alike, as PyVRP does
        dem_i = _exact(demand)
        cap_i = [None if np.isinf(c) else int(np.round(SCALE * c)) for c in capacity]
    max_dur = data.get("vehicles_max_duration")
    max_dur_v = ([None] * num_vehicles if max_dur is None
                 else [int(x) for x in _exact(np.broadcast_to(max_dur, (num_vehicles,)))])
    allowed_by_vehicle: list[list[int]] | None = None
    if "vehicles_allowed_clients" in data:
        raw = data["vehicles_allowed_clients"]
        if len(raw) and np.isscalar(raw[0]):
            raw = [[x] for x in raw]
        allowed_by_vehicle = [[int(x) - 1 for x in row] for row in raw]
        if len(allowed_by_vehicle) != num_vehicles:
            raise ValueError(f"{path}: {len(allowed_by_vehicle)} allowed-client rows for {num_vehicles} vehicles")

    m = Model()
    for k in range(n):
        m.add_location(coords[k, 0], coords[k, 1], name=str(k + 1))
    m.set_matrices(dist)
    for v in range(num_vehicles):
        m.add_vehicle(start=0, end=0, tw_early=int(tw[0, 0]), tw_late=int(tw[0, 1]),
                      max_duration=max_dur_v[v], capacity=cap_i[v], cost_per_distance_unit=1.0,
                      name=f"vehicle {v + 1}")
    allowed_of: dict[int, list[int]] = {}
    if allowed_by_vehicle is not None:
        for v, locs in enumerate(allowed_by_vehicle):
            for loc in locs:
                allowed_of.setdefault(loc, []).append(v)
    for loc in range(1, n):
        m.add_visit(location=loc, tw_early=int(tw[loc, 0]), tw_late=int(tw[loc, 1]),
                    service=int(service[loc]), demand=int(dem_i[loc]),
                    allowed_vehicles=None if allowed_by_vehicle is None else allowed_of.get(loc, []),
                    name=str(loc + 1))
    return Instance(str(data.get("name", pathlib.Path(path).stem)), m, n - 1, num_vehicles)


def read_solution(path: str | pathlib.Path, model: Model) -> tuple[Solution, int | None]:
    """Read a VRPLIB ``.sol`` (route ``#i`` on vehicle ``i``) and return it timed and
    costed by ``model``, with the cost the file states (or ``None``)."""
    sol = vrplib.read_solution(str(path))
    routes = [(v, [int(loc) - 1 for loc in route]) for v, route in enumerate(sol["routes"]) if route]
    stated = sol.get("cost")
    return model.build_solution(routes, status="feasible", backend="file"), (
        None if stated is None else int(round(float(stated))))
