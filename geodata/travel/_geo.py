"""Spherical geometry and point-array helpers shared by the providers (private).

Everything here works on plain numpy arrays of ``(lat, lon)`` degrees, the
order every public travel API uses. Shapely geometries, in contrast, are built
in ``(lon, lat)`` order (x, y), as GeoJSON and EPSG:4326 maps expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: IUGG mean Earth radius (km); osmnx uses the same sphere (6,371,009 m) for edge lengths.
EARTH_RADIUS_KM: float = 6371.0088

#: Coordinates are identified in caches at 1e-6 degree (about 0.11 m).
KEY_RESOLUTION_DEG: float = 1e-6
_LAT_SPAN = 180_000_001  # quantised latitudes  0 .. 180e6
_LON_OFFSET = 180_000_000

FloatArray = NDArray[np.float64]


def as_points(points: Sequence[tuple[float, float]] | NDArray[np.floating], *, what: str = "points") -> FloatArray:
    """Return ``points`` as a validated ``(n, 2)`` float64 array of ``(lat, lon)``.

    Parameters
    ----------
    points
        A sequence of ``(lat, lon)`` pairs in degrees (WGS84), or an ``(n, 2)`` array.
    what
        Name used in error messages.

    Raises
    ------
    ValueError
        If the shape is wrong, a value is not finite, or a coordinate is out of range.
    """
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return np.empty((0, 2), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{what}: expected a sequence of (lat, lon) pairs, got shape {arr.shape}")
    bad = ~np.isfinite(arr).all(axis=1)
    bad |= np.abs(arr[:, 0]) > 90.0
    bad |= np.abs(arr[:, 1]) > 180.0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{what}: {int(bad.sum())} invalid coordinate(s), first at index {i}: ({arr[i, 0]:.2f}, {arr[i, 1]:.2f})"
            " (expected finite (lat, lon) degrees with |lat| <= 90 and |lon| <= 180)"
        )
    return arr


def haversine_km(lat1: NDArray, lon1: NDArray, lat2: NDArray, lon2: NDArray) -> FloatArray:
    """Great-circle distance (km) on the mean-radius sphere; numpy-broadcasting."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def pairwise_km(origins: FloatArray, destinations: FloatArray) -> FloatArray:
    """Great-circle distance (km) between every origin and every destination, ``(n, m)``."""
    return haversine_km(
        origins[:, 0:1], origins[:, 1:2], destinations[None, :, 0], destinations[None, :, 1]
    )


def unit_vectors(lat: NDArray, lon: NDArray) -> FloatArray:
    """Points on the unit sphere, ``(n, 3)``, for Euclidean nearest-neighbour search."""
    phi, lmb = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)])


def chord_to_km(chord: NDArray) -> FloatArray:
    """Great-circle distance (km) from a chord length on the unit sphere."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


def destination(lat: float, lon: float, bearings_deg: NDArray, dist_km: float) -> FloatArray:
    """Points reached from ``(lat, lon)`` along ``bearings_deg`` after ``dist_km``; ``(n, 2)`` lat/lon."""
    phi1, lmb1 = np.radians(lat), np.radians(lon)
    theta = np.radians(np.asarray(bearings_deg, dtype=np.float64))
    delta = dist_km / EARTH_RADIUS_KM
    sin_phi2 = np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(theta)
    phi2 = np.arcsin(np.clip(sin_phi2, -1.0, 1.0))
    lmb2 = lmb1 + np.arctan2(
        np.sin(theta) * np.sin(delta) * np.cos(phi1), np.cos(delta) - np.sin(phi1) * np.sin(phi2)
    )
    lon2 = (np.degrees(lmb2) + 540.0) % 360.0 - 180.0
    return np.column_stack([np.degrees(phi2), lon2])


def point_keys(points: FloatArray) -> NDArray[np.int64]:
    """One int64 key per point, equal for points that agree to 1e-6 degree."""
    lat_q = np.rint((points[:, 0] + 90.0) / KEY_RESOLUTION_DEG).astype(np.int64)
    lon_q = np.rint((points[:, 1] + 180.0) / KEY_RESOLUTION_DEG).astype(np.int64)
    return lon_q * _LAT_SPAN + lat_q


def origins_and_destinations(
    origins: Sequence[tuple[float, float]] | NDArray[np.floating],
    destinations: Sequence[tuple[float, float]] | NDArray[np.floating] | None,
) -> tuple[FloatArray, FloatArray]:
    """The validated arrays of a matrix request; ``destinations=None`` means the origins."""
    orig = as_points(origins, what="origins")
    return orig, orig if destinations is None else as_points(destinations, what="destinations")


#: Entries of one block of a blocked matrix computation (8 MiB per float64 temporary).
BLOCK_ENTRIES: int = 1 << 20


def row_blocks(n_rows: int, n_cols: int, *, entries: int | None = None) -> list[slice]:
    """Slices of ``range(n_rows)`` with at most ``entries`` (default :data:`BLOCK_ENTRIES`)
    matrix entries each, and at least one row."""
    step = max(1, (BLOCK_ENTRIES if entries is None else entries) // max(1, n_cols))
    return [slice(r, min(n_rows, r + step)) for r in range(0, n_rows, step)]


def same_points(orig: FloatArray, dest: FloatArray) -> NDArray[np.bool_]:
    """``(n_orig, n_dest)``: True where origin and destination are the same point (equal keys)."""
    return point_keys(orig)[:, None] == point_keys(dest)[None, :]


def drop_beyond(minutes: FloatArray, km: FloatArray, max_minutes: float | None) -> None:
    """Make pairs farther than ``max_minutes`` unreachable (nan in both matrices), in place.

    Nothing changes without a cutoff.
    """
    if max_minutes is None:
        return
    beyond = minutes > max_minutes
    minutes[beyond] = np.nan
    km[beyond] = np.nan


@dataclass(frozen=True, slots=True)
class LocalProjection:
    """Equirectangular projection around a point, in metres.

    It is affine in (lon, lat), so a polygon built in metres and mapped back is
    exactly the same region in degrees (containment is preserved); distances are
    accurate to well under 1 % within a few hundred kilometres of the centre.
    """

    lat0: float
    lon0: float

    @property
    def _kx(self) -> float:
        return float(np.radians(1.0) * EARTH_RADIUS_KM * 1000.0 * np.cos(np.radians(self.lat0)))

    @property
    def _ky(self) -> float:
        return float(np.radians(1.0) * EARTH_RADIUS_KM * 1000.0)

    def forward(self, lon: NDArray, lat: NDArray) -> tuple[FloatArray, FloatArray]:
        """(lon, lat) degrees → (x, y) metres."""
        return (np.asarray(lon) - self.lon0) * self._kx, (np.asarray(lat) - self.lat0) * self._ky

    def inverse_xy(self, xy: NDArray) -> FloatArray:
        """``(n, 2)`` metres → ``(n, 2)`` (lon, lat) degrees (for ``shapely.transform``)."""
        out = np.empty_like(xy, dtype=np.float64)
        out[:, 0] = xy[:, 0] / self._kx + self.lon0
        out[:, 1] = xy[:, 1] / self._ky + self.lat0
        return out
