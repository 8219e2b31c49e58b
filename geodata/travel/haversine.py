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

from geodata.travel._geo import (EARTH_RADIUS_KM, as_points, destination, drop_beyond, haversine_km,
                                 origins_and_destinations, pairwise_km, point_keys, row_blocks, unit_vectors)
from geodata.travel.base import LatLon, TravelMatrix, TravelPairs
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


def _banded(gc_km: np.ndarray, settings: HaversineSettings, rates: np.ndarray) -> np.ndarray:
    """``band_overlaps(gc_km) @ rates`` without the band axis: one pass per band over ``gc_km``'s shape."""
    d = np.asarray(gc_km, dtype=np.float64)
    edges = _edges(settings)
    out = np.zeros(d.shape, dtype=np.float64)
    tmp = np.empty(d.shape, dtype=np.float64)
    for lo, width, rate in zip(edges[:-1], np.diff(edges), rates):
        np.subtract(d, lo, out=tmp)
        np.clip(tmp, 0.0, width, out=tmp)
        tmp *= rate
        out += tmp
    return out


def road_km_for_gc(gc_km: np.ndarray, settings: HaversineSettings) -> np.ndarray:
    """Modelled road km for great-circle distances (km)."""
    return _banded(gc_km, settings, np.array(settings.band_circuity, dtype=np.float64))


def _paces(settings: HaversineSettings) -> np.ndarray:
    """Minutes per great-circle km in each band."""
    return 60.0 * np.array(settings.band_circuity) / np.array(settings.band_speeds_kmh)


def minutes_for_gc(gc_km: np.ndarray, settings: HaversineSettings) -> np.ndarray:
    """Modelled drive minutes for great-circle distances (km)."""
    return _banded(gc_km, settings, _paces(settings))


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
        minutes = np.empty((orig.shape[0], dest.shape[0]), dtype=np.float64)
        road_km = np.empty_like(minutes)
        o_keys, d_keys = point_keys(orig), point_keys(dest)
        for rows in row_blocks(orig.shape[0], dest.shape[0]):  # temporaries stay block-sized
            gc = pairwise_km(orig[rows], dest)
            gc[o_keys[rows, None] == d_keys[None, :]] = 0.0
            minutes[rows] = minutes_for_gc(gc, self.settings)
            road_km[rows] = road_km_for_gc(gc, self.settings)
        drop_beyond(minutes, road_km, max_minutes)
        return TravelMatrix(minutes=minutes, km=road_km, snap_km=None, owned=True)

    def pairwise(
        self, origins: Sequence[LatLon], destinations: Sequence[LatLon]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and road km from ``origins[k]`` to ``destinations[k]`` for every ``k`` (1-D arrays).

        The same numbers as :meth:`matrix` gives for those pairs, without the matrix.
        """
        orig = as_points(origins, what="origins")
        dest = as_points(destinations, what="destinations")
        if orig.shape != dest.shape:
            raise ValueError(f"pairwise: {orig.shape[0]} origins but {dest.shape[0]} destinations")
        gc = haversine_km(orig[:, 0], orig[:, 1], dest[:, 0], dest[:, 1])
        gc[point_keys(orig) == point_keys(dest)] = 0.0
        return minutes_for_gc(gc, self.settings), road_km_for_gc(gc, self.settings)

    def pairs_within(
        self,
        origins: Sequence[LatLon],
        destinations: Sequence[LatLon],
        *,
        max_minutes: float,
        block: int = 256,
    ) -> TravelPairs:
        """Every (origin, destination) pair within ``max_minutes``: the reachable part of
        ``matrix(origins, destinations, max_minutes=max_minutes)`` as a sparse list.

        A k-d tree on the unit sphere finds the destinations within the great-circle
        radius that ``max_minutes`` covers, ``block`` origins at a time, so memory
        grows with the pairs found, never with ``len(origins) × len(destinations)``.
        """
        from scipy.spatial import cKDTree

        orig, dest = origins_and_destinations(origins, destinations)
        radius_km = gc_km_for_minutes(float(max_minutes), self.settings)
        if orig.shape[0] == 0 or dest.shape[0] == 0 or max_minutes < 0:
            return TravelPairs.empty()
        # chord of the radius, a hair wider: the exact filter on minutes follows
        chord = 2.0 * np.sin(min(np.pi / 2, radius_km / (2.0 * EARTH_RADIUS_KM))) * (1 + 1e-9) + 1e-12
        tree = cKDTree(unit_vectors(dest[:, 0], dest[:, 1]))
        parts: list[TravelPairs] = []
        for start in range(0, orig.shape[0], block):
            sub = orig[start:start + block]
            near = cKDTree(unit_vectors(sub[:, 0], sub[:, 1])).sparse_distance_matrix(
                tree, chord, output_type="ndarray")
            i, j = near["i"].astype(np.int64), near["j"].astype(np.int64)
            minutes, km = self.pairwise(sub[i], dest[j])
            keep = minutes <= max_minutes
            parts.append(TravelPairs(i[keep] + start, j[keep], minutes[keep], km[keep]))
        return TravelPairs.concat(parts)

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
