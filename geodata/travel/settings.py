"""Parameters of the travel providers, each with its source.

``HaversineSettings`` defaults are the values fitted by ``bench/travel_calibrate.py``
against real road graphs (stored in the generated ``_calibration`` module);
``RoadSettings`` defaults are typical US posted limits and modelling choices.
Both are frozen dataclasses: derive variants with ``dataclasses.replace``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from geodata.travel._calibration import CALIBRATION

#: Whether a provider may download road data when the caller does not say (``allow_network=None``).
#: Off: nothing goes over the network unless configured (SPEC §7). Read at call time, so
#: ``geodata.travel.settings.ALLOW_NETWORK = True`` turns downloads on for the whole process.
ALLOW_NETWORK: bool = False

#: OSM ``highway`` classes of the default drivable network (SPEC §8, issue 4).
DRIVE_CLASSES: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service",
)
#: Major roads only, for state- and region-scale graphs (local streets become access legs).
MAJOR_CLASSES: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link",
)
#: Network name → highway classes kept.
NETWORKS: Mapping[str, tuple[str, ...]] = MappingProxyType({"drive": DRIVE_CLASSES, "major": MAJOR_CLASSES})

#: Free-flow speed (km/h) by OSM highway class where a way has no ``maxspeed`` tag.
#: Source: typical US posted limits — interstates 65 mph, US/state highways 55 mph,
#: arterials 45 mph, collectors 40/35 mph, residential 25 mph (the common statutory
#: urban default), parking aisles/driveways 15 mph, living streets 10 mph; ramps at
#: their usual advisory speeds. Ways that carry ``maxspeed`` keep their own value.
US_HIGHWAY_SPEEDS_KMH: Mapping[str, float] = MappingProxyType({
    "motorway": 105.0, "motorway_link": 72.0,
    "trunk": 89.0, "trunk_link": 64.0,
    "primary": 72.0, "primary_link": 56.0,
    "secondary": 64.0, "secondary_link": 48.0,
    "tertiary": 56.0, "tertiary_link": 48.0,
    "unclassified": 48.0, "residential": 40.0,
    "living_street": 16.0, "service": 24.0,
})


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items())}
    if isinstance(obj, (tuple, list)):
        return [_jsonable(v) for v in obj]
    return obj


@dataclass(frozen=True)
class HaversineSettings:
    """Great-circle model with circuity and speed by distance band.

    A trip's great-circle distance is cut into bands like tax brackets: its
    first ``band_limits_km[0]`` km fall in band 0, the stretch up to
    ``band_limits_km[1]`` in band 1, and so on (the last band is open). In band
    ``b`` each great-circle km becomes ``band_circuity[b]`` road km, driven at
    ``band_speeds_kmh[b]``. Road km and minutes are therefore continuous and
    increasing in distance; short urban legs are slow and winding, long
    interstate legs fast and straight.

    Parameters
    ----------
    band_limits_km
        Increasing upper limits (great-circle km) of all bands but the last.
    band_circuity
        Road km per great-circle km in each band (>= 1).
    band_speeds_kmh
        Average driving speed (road km per hour) in each band.
    fitted_bands
        Which bands were fitted to road graphs (the others keep sourced priors).
    source
        Where the values come from (not part of the fingerprint).

    Notes
    -----
    Defaults: ``bench/travel_calibrate.py`` fits the bands the real extracts
    cover (pairs up to ~45 km); longer bands keep priors: circuity 1.20 for
    40–100 km (Ballou, Rahardja & Sakai 2002, US road-network circuity factor)
    and 1.15 beyond, where trips follow interstates; speeds of 90 and 105 km/h
    (US rural interstate limits of 65–75 mph, less ramps and towns).
    """

    band_limits_km: tuple[float, ...] = tuple(CALIBRATION["band_limits_km"])
    band_circuity: tuple[float, ...] = tuple(CALIBRATION["band_circuity"])
    band_speeds_kmh: tuple[float, ...] = tuple(CALIBRATION["band_speeds_kmh"])
    fitted_bands: tuple[bool, ...] = tuple(CALIBRATION["fitted_bands"])
    source: str = str(CALIBRATION["source"])

    def __post_init__(self) -> None:
        limits = tuple(map(float, self.band_limits_km))
        circuity = tuple(map(float, self.band_circuity))
        speeds = tuple(map(float, self.band_speeds_kmh))
        fitted = tuple(map(bool, self.fitted_bands)) or (False,) * len(speeds)
        object.__setattr__(self, "band_limits_km", limits)
        object.__setattr__(self, "band_circuity", circuity)
        object.__setattr__(self, "band_speeds_kmh", speeds)
        object.__setattr__(self, "fitted_bands", fitted)
        n = len(limits) + 1
        if len(speeds) != n or len(circuity) != n or len(fitted) != n:
            raise ValueError("band_circuity, band_speeds_kmh and fitted_bands need one value per band "
                             f"(len(band_limits_km) + 1 = {n})")
        if any(b <= a for a, b in zip((0.0,) + limits, limits)):
            raise ValueError(f"band_limits_km must be positive and increasing, got {limits}")
        if any(not c >= 1.0 for c in circuity):
            raise ValueError(f"circuity must be >= 1 (roads are never shorter than the great circle), got {circuity}")
        if any(not v > 0 for v in speeds):
            raise ValueError(f"band speeds must be positive, got {speeds}")

    @property
    def n_bands(self) -> int:
        """Number of distance bands."""
        return len(self.band_speeds_kmh)

    def to_json(self) -> str:
        """Canonical JSON of the parameters that change the numbers (for fingerprints)."""
        return json.dumps(_jsonable({
            "band_limits_km": self.band_limits_km,
            "band_circuity": self.band_circuity,
            "band_speeds_kmh": self.band_speeds_kmh,
        }), sort_keys=True)


@dataclass(frozen=True)
class RoadSettings:
    """Road-graph provider parameters.

    Parameters
    ----------
    network
        ``"drive"`` (every drivable class, for city- and county-scale graphs) or
        ``"major"`` (motorway to tertiary, for state-scale graphs; local streets
        are then covered by the access leg).
    highway_speeds_kmh
        Speed by highway class for ways without ``maxspeed`` (osmnx ``hwy_speeds``).
    fallback_speed_kmh
        Speed for classes absent from ``highway_speeds_kmh`` that no way of the
        graph tags (osmnx ``fallback``): 25 mph, the common US urban default.
    respect_oneway
        Honour ``oneway`` tags; ``False`` makes every street two-way (osmnx
        ``bidirectional=True``).
    access_speed_kmh
        Speed of the straight access leg between a point and its snapped node
        (driveways, parking, the unmapped last metres). ``None``: 20 km/h for
        ``drive`` (about a 15 mph parking-lot speed on a path ~30 % longer than
        the straight line), 40 km/h for ``major`` (local streets, 25 mph).
    max_snap_km
        A point farther than this from every graph node is outside the graph's
        area: its pairs are unreachable (nan), not given a long invented leg.
    service_area_method
        ``"hull"`` (concave hull of the reached nodes) or ``"edges"`` (buffered
        reached edges).
    hull_ratio
        ``shapely.concave_hull`` ratio (0 = tightest, 1 = convex hull).
    buffer_m
        Buffer (m) around the hull or the reached edges.
    hole_radius_m
        Radius (m) of the hole cut around every node *not* reached inside the
        polygon (shrunk to half the distance to the nearest reached node), so a
        service area never claims a node beyond the cutoff.
    chunk_megabytes
        Memory budget of one block of Dijkstra rows (sources × nodes × 8 bytes).
    """

    network: str = "drive"
    highway_speeds_kmh: Mapping[str, float] = field(default_factory=lambda: US_HIGHWAY_SPEEDS_KMH)
    fallback_speed_kmh: float = 40.0
    respect_oneway: bool = True
    access_speed_kmh: float | None = None
    max_snap_km: float = 10.0
    service_area_method: str = "hull"
    hull_ratio: float = 0.2
    buffer_m: float = 60.0
    hole_radius_m: float = 60.0
    chunk_megabytes: float = 256.0

    def __post_init__(self) -> None:
        if self.network not in NETWORKS:
            raise ValueError(f"network must be one of {sorted(NETWORKS)}, got {self.network!r}")
        if self.service_area_method not in ("hull", "edges"):
            raise ValueError(f"service_area_method must be 'hull' or 'edges', got {self.service_area_method!r}")
        # a plain dict (copied): picklable, so providers can go to worker processes
        object.__setattr__(self, "highway_speeds_kmh", {str(k): float(v) for k, v in self.highway_speeds_kmh.items()})
        if self.access_speed_kmh is None:
            object.__setattr__(self, "access_speed_kmh", 20.0 if self.network == "drive" else 40.0)
        for name in ("fallback_speed_kmh", "access_speed_kmh", "max_snap_km", "chunk_megabytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def highway_classes(self) -> tuple[str, ...]:
        """OSM highway classes kept in the graph."""
        return NETWORKS[self.network]

    def graph_json(self) -> str:
        """Canonical JSON of the parameters that change the built graph."""
        return json.dumps(_jsonable({
            "network": self.network,
            "classes": self.highway_classes,
            "highway_speeds_kmh": dict(self.highway_speeds_kmh),
            "fallback_speed_kmh": self.fallback_speed_kmh,
            "respect_oneway": self.respect_oneway,
        }), sort_keys=True)

    def routing_json(self) -> str:
        """Canonical JSON of the parameters that change matrices (graph ones included)."""
        return json.dumps(_jsonable({
            "graph": self.graph_json(),
            "access_speed_kmh": self.access_speed_kmh,
            "max_snap_km": self.max_snap_km,
        }), sort_keys=True)
