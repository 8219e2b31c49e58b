"""The embedded national default: great-circle distance × circuity, speed by distance band.

See :class:`~geodata.travel.settings.HaversineSettings` for the model.

Instant and offline; its parameters are fitted to real road graphs
(``bench/travel_calibrate.py``). Every pair is reachable (nothing is known of
water or borders), so ``TravelMatrix.reachable`` is all True unless a cutoff
is asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from typing import TYPE_CHECKING

import numpy as np

from geodata.travel._geo import (as_points, destination, drop_beyond, origins_and_destinations, pairwise_km,
                                 same_points)
from geodata.travel.base import LatLon, TravelMatrix
from geodata.travel.settings import HaversineSettings

if TYPE_CHECKING:  # pragma: no cover
    from shapely.geometry import Polygon

_FINGERPRINT_VERSION = "haversine-1"


def _edges(settings: HaversineSettings) -> np.ndarray:
    return np.array((0.0,) + settings.band_limits_km + (np.inf,))


def band_overlaps(gc_km: np.ndarray, settings: HaversineSettings) -> np.ndarray:
    """Great-circle km falling in each band, shape ``gc_km.shape + (n_bands,)``.

    Road km and minutes are this design matrix times per-band circuity and
    per-band pace; the calibration fits both with it.
    """
    edges = _edges(settings)
    d = np.asarray(gc_km, dtype=np.float64)[..., None]
    return np.clip(d - edges[:-1], 0.0, np.diff(edges))


def road_km_for_gc(gc_km: np.ndarray, settings: HaversineSettings) -> np.ndarray:
    """Modelled road km for great-circle distances (km)."""
    return band_overlaps(gc_km, settings) @ np.array(settings.band_circuity)


def _paces(settings: HaversineSettings) -> np.ndarray:
    """Minutes per great-circle km in each band."""
    return 60.0 * np.array(settings.band_circuity) / np.array(settings.band_speeds_kmh)


def minutes_for_gc(gc_km: np.ndarray, settings: HaversineSettings) -> np.ndarray:
    """Modelled drive minutes for great-circle distances (km)."""
    return band_overlaps(gc_km, settings) @ _paces(settings)


def gc_km_for_minutes(minutes: float, settings: HaversineSettings) -> float:
    """Inverse of :func:`minutes_for_gc`: great-circle km covered in ``minutes``."""
    if minutes <= 0:
        return 0.0
    edges, paces = _edges(settings), _paces(settings)
    spent = 0.0
    for lo, hi, pace in zip(edges[:-1], edges[1:], paces):
        band_minutes = (hi - lo) * pace
        if spent + band_minutes >= minutes:
            return float(lo + (minutes - spent) / pace)
        spent += band_minutes
    raise AssertionError("unreachable: the last band is unbounded")  # pragma: no cover


class HaversineProvider:
    """Great-circle travel model (see :class:`~geodata.travel.settings.HaversineSettings`).

    Parameters
    ----------
    settings
        Model parameters; the calibrated defaults when omitted.
    """

    name: str = "haversine"

    def __init__(self, settings: HaversineSettings | None = None) -> None:
        self.settings = settings if settings is not None else HaversineSettings()

    def __repr__(self) -> str:
        return f"HaversineProvider({self.settings!r})"

    def matrix(
        self,
        origins: Sequence[LatLon],
        destinations: Sequence[LatLon] | None = None,
        *,
        max_minutes: float | None = None,
    ) -> TravelMatrix:
        """Modelled drive minutes and road km between every origin and destination.

        Parameters
        ----------
        origins, destinations
            ``(lat, lon)`` points; ``destinations=None`` means the origins.
        max_minutes
            Optional cutoff: pairs beyond it are reported unreachable (nan).
        """
        orig, dest = origins_and_destinations(origins, destinations)
        gc = pairwise_km(orig, dest)
        gc[same_points(orig, dest)] = 0.0
        road_km = road_km_for_gc(gc, self.settings)
        minutes = minutes_for_gc(gc, self.settings)
        drop_beyond(minutes, road_km, max_minutes)
        return TravelMatrix(minutes=minutes, km=road_km, snap_km=None)

    def route(self, a: LatLon, b: LatLon) -> list[LatLon]:
        """The straight segment ``[a, b]`` (the model knows no roads)."""
        pts = as_points([a, b], what="route end points")
        return [(float(pts[0, 0]), float(pts[0, 1])), (float(pts[1, 0]), float(pts[1, 1]))]

    def service_area(self, point: LatLon, minutes: float, *, vertices: int = 72) -> Polygon:
        """Circle (on the sphere) of the great-circle radius reachable in ``minutes``.

        Parameters
        ----------
        point
            ``(lat, lon)`` centre.
        minutes
            Drive-time budget.
        vertices
            Number of polygon vertices.

        Returns
        -------
        Polygon
            In lon/lat (EPSG:4326); empty when ``minutes <= 0``.
        """
        from shapely.geometry import Polygon

        (lat, lon), = as_points([point], what="service-area point")
        radius_km = gc_km_for_minutes(float(minutes), self.settings)
        if radius_km <= 0:
            return Polygon()
        ring = destination(lat, lon, np.linspace(0.0, 360.0, vertices, endpoint=False), radius_km)
        return Polygon(ring[:, ::-1])

    def fingerprint(self) -> str:
        """Hash of the model version and parameters."""
        payload = f"{_FINGERPRINT_VERSION}|{self.settings.to_json()}".encode()
        return hashlib.sha256(payload).hexdigest()[:32]
