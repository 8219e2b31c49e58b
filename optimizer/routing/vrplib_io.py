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

Before parsing, the layout of the file is checked (:func:`check_layout`): a section
with rows missing (a truncated file), a node or vehicle listed twice or out of
order, a value that is no number, an allowed client that is no client, or a time
window section missing from a ``...TW`` type is a ``ValueError`` naming the file,
the line and the section, rather than a misaligned model or an error deep in the parser.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import vrplib
from vrplib.parse import parse_vrplib

from .model import Model
from .solution import Solution

SCALE: int = 1000

NODE_SECTIONS: dict[str, int] = {"NODE_COORD_SECTION": 3, "DEMAND_SECTION": 2, "SERVICE_TIME_SECTION": 2,
                                 "TIME_WINDOW_SECTION": 3}
"""Sections with one row per node, numbered 1 to DIMENSION, and their least number of columns."""

VEHICLE_SECTIONS: dict[str, int] = {"CAPACITY_SECTION": 2, "VEHICLES_ALLOWED_CLIENTS_SECTION": 1,
                                    "VEHICLES_MAX_DURATION_SECTION": 2}
"""Sections with one row per vehicle, numbered 1 to VEHICLES, and their least number of columns."""


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


def check_layout(path: str | pathlib.Path, text: str) -> None:
    """Raise ``ValueError`` at the first line where ``text`` (the file at ``path``) breaks the layout.

    Checked: ``DIMENSION`` is given; the rows of each per-node and per-vehicle section
    (:data:`NODE_SECTIONS`, :data:`VEHICLE_SECTIONS`) are numbered 1, 2, ... without a gap
    or a repeat, as many as there are nodes or vehicles, with enough numeric columns; the
    allowed clients of a vehicle are client nodes, each once; a type with time windows
    (``...TW``) has a ``TIME_WINDOW_SECTION``.
    """
    specs: dict[str, str] = {}
    sections: dict[str, tuple[int, list[tuple[int, list[str]]]]] = {}
    current: list[tuple[int, list[str]]] | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("EOF"):
            break
        if "_SECTION" in line:
            name = line.strip(" :")
            if name in sections:
                raise ValueError(f"{path}:{no}: {name} appears twice (first at line {sections[name][0]})")
            current = []
            sections[name] = (no, current)
        elif current is None and ":" in line:
            key, _, value = line.partition(":")
            specs[key.strip().upper()] = value.strip()
        elif current is not None:
            current.append((no, line.split()))
    if "DIMENSION" not in specs:
        raise ValueError(f"{path}: no DIMENSION specification (empty or not a VRPLIB instance?)")
    counts = {"node": _count(path, specs, "DIMENSION"), "vehicle": _count(path, specs, "VEHICLES")}
    for name, (start, rows) in sections.items():
        kind, width = (("node", NODE_SECTIONS[name]) if name in NODE_SECTIONS
                       else ("vehicle", VEHICLE_SECTIONS[name]) if name in VEHICLE_SECTIONS else ("", 0))
        if not kind or counts[kind] is None:
            continue
        for k, (no, cells) in enumerate(rows, start=1):
            bad = next((c for c in cells if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", c)), None)
            if bad is not None:
                raise ValueError(f"{path}:{no}: {name}: {bad!r} is not a number")
            if len(cells) < width or int(float(cells[0])) != k:
                seen = next((n for n, c in rows[:k - 1] if c[0] == cells[0]), None)
                why = f"lists {kind} {cells[0]} twice (first at line {seen})" if seen else (
                    f"expected the row of {kind} {k} with at least {width} columns, got {' '.join(cells)!r}")
                raise ValueError(f"{path}:{no}: {name} {why}")
            if name == "VEHICLES_ALLOWED_CLIENTS_SECTION":
                _check_clients(f"{path}:{no}: {name}: vehicle {k}", cells[1:], counts["node"])
        if len(rows) != counts[kind]:
            where = rows[-1][0] if rows else start
            raise ValueError(f"{path}:{where}: {name} has {len(rows)} rows for {counts[kind]} {kind}s "
                             f"(truncated, or a count that does not match?)")
    if specs.get("TYPE", "").upper().endswith("TW") and "TIME_WINDOW_SECTION" not in sections:
        raise ValueError(f"{path}: TYPE {specs['TYPE']} has time windows but no TIME_WINDOW_SECTION")


def _count(path: str | pathlib.Path, specs: dict[str, str], key: str) -> int | None:
    """The integer specification ``key`` (``None`` when absent); ``ValueError`` when it is no count."""
    if key not in specs:
        return None
    if not specs[key].isdigit():
        raise ValueError(f"{path}: {key} must be a whole number, got {specs[key]!r}")
    return int(specs[key])


def _check_clients(where: str, cells: list[str], nodes: int | None) -> None:
    """Each allowed client once, and a client node (2 to ``nodes``)."""
    seen: set[str] = set()
    for c in cells:
        if c in seen:
            raise ValueError(f"{where} lists client {c} twice")
        seen.add(c)
        if nodes is not None and not 2 <= int(float(c)) <= nodes:
            raise ValueError(f"{where} lists node {c}, not a client (2 to {nodes})")


def read_instance(path: str | pathlib.Path) -> Instance:
    """Read a VRPLIB instance with one depot (location 0) into a :class:`Model`.

    Raises
    ------
    ValueError
        The file breaks the layout (:func:`check_layout`: file, line and section named)
        or the parser rejects it (file named).
    """
    text = pathlib.Path(path).read_text()
    check_layout(path, text)
    try:
        data = parse_vrplib(text)
    except (ValueError, KeyError, IndexError, TypeError, RuntimeError) as exc:
        raise ValueError(f"{path}: {type(exc).__name__}: {exc}") from exc
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
