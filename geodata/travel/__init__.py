"""Travel times for planning and coverage: one interface, two providers, a disk cache.

- :class:`HaversineProvider` — the embedded national default (great circle ×
  circuity, speed by distance band; calibrated on real road graphs).
- :class:`RoadProvider` — real road networks from OpenStreetMap with osmnx and
  scipy's sparse Dijkstra.
- :class:`MatrixCache` — matrices on disk; re-runs compute only new rows/columns.

Points are ``(lat, lon)`` everywhere; polygons are shapely geometries in lon/lat.
"""

from geodata.travel.base import (
    LatLon,
    NetworkDisabledError,
    TravelMatrix,
    TravelPairs,
    TravelProvider,
    UnreachableError,
)
from geodata.travel._geo import haversine_km
from geodata.travel._osm import PBF_SUFFIXES, XML_SUFFIXES
from geodata.travel.cache import CacheStats, MatrixCache, default_cache_dir
from geodata.travel.haversine import HaversineProvider
from geodata.travel.registry import PROVIDERS, get_provider
from geodata.travel.road import RoadProvider
from geodata.travel.settings import HaversineSettings, RoadSettings

#: File name endings of the OSM extracts :class:`RoadProvider` reads (binary PBF, then XML).
OSM_SUFFIXES: tuple[str, ...] = PBF_SUFFIXES + XML_SUFFIXES

__all__ = [
    "CacheStats",
    "HaversineProvider",
    "HaversineSettings",
    "LatLon",
    "MatrixCache",
    "NetworkDisabledError",
    "OSM_SUFFIXES",
    "PROVIDERS",
    "RoadProvider",
    "RoadSettings",
    "TravelMatrix",
    "TravelPairs",
    "TravelProvider",
    "haversine_km",
    "UnreachableError",
    "default_cache_dir",
    "get_provider",
]
