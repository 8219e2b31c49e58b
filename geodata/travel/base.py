"""The travel-provider interface: the result type and the protocol every provider follows.

The planner and the coverage code only ever see these two types; which provider
produced the numbers (great-circle model or road graph) is not their business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - shapely is imported where polygons are built
    from shapely.geometry import MultiPolygon, Polygon

#: A location as ``(lat, lon)`` degrees, WGS84.
LatLon: TypeAlias = tuple[float, float]


class UnreachableError(LookupError):
    """No route exists between two points (or one lies too far from the road graph)."""


class NetworkDisabledError(RuntimeError):
    """A download was needed but network access is not allowed (SPEC §7)."""


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Drive times and distances from every origin to every destination.

    Parameters
    ----------
    minutes
        float64 ``(n_orig, n_dest)`` drive minutes; ``nan`` where unreachable
        (never a silent 0 or inf).
    km
        float64 ``(n_orig, n_dest)`` driven kilometres; ``nan`` exactly where
        ``minutes`` is ``nan``.
    snap_km
        For road providers, the access-leg lengths (km, straight line from each
        point to its snapped graph node) of the origins and of the destinations;
        ``None`` for models without a graph.

    Notes
    -----
    The arrays are made read-only so a cached matrix cannot be altered by a
    caller by accident; copy them to modify. Compare matrices with
    ``np.array_equal(a.minutes, b.minutes, equal_nan=True)`` (no ``==``).
    """

    minutes: np.ndarray
    km: np.ndarray
    snap_km: tuple[np.ndarray, np.ndarray] | None = None

    def __post_init__(self) -> None:
        minutes = np.array(self.minutes, dtype=np.float64, copy=True)
        km = np.array(self.km, dtype=np.float64, copy=True)
        if minutes.ndim != 2 or minutes.shape != km.shape:
            raise ValueError(f"minutes {minutes.shape} and km {km.shape} must be equal 2-D shapes")
        if np.isinf(minutes).any() or np.isinf(km).any():
            raise ValueError("travel matrices hold nan, never inf, for unreachable pairs")
        if not np.array_equal(np.isnan(minutes), np.isnan(km)):
            raise ValueError("minutes and km must be nan at the same (unreachable) pairs")
        minutes.setflags(write=False)
        km.setflags(write=False)
        object.__setattr__(self, "minutes", minutes)
        object.__setattr__(self, "km", km)
        if self.snap_km is not None:
            so = np.array(self.snap_km[0], dtype=np.float64, copy=True)
            sd = np.array(self.snap_km[1], dtype=np.float64, copy=True)
            if so.shape != (minutes.shape[0],) or sd.shape != (minutes.shape[1],):
                raise ValueError("snap_km must hold one value per origin and per destination")
            so.setflags(write=False)
            sd.setflags(write=False)
            object.__setattr__(self, "snap_km", (so, sd))

    @property
    def reachable(self) -> np.ndarray:
        """Boolean ``(n_orig, n_dest)``: True where a route exists (within any cutoff asked for)."""
        return ~np.isnan(self.minutes)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_orig, n_dest)``."""
        return (int(self.minutes.shape[0]), int(self.minutes.shape[1]))


@runtime_checkable
class TravelProvider(Protocol):
    """What the planner and the coverage code need from a source of drive times."""

    name: str

    def matrix(
        self,
        origins: Sequence[LatLon],
        destinations: Sequence[LatLon] | None = None,
        *,
        max_minutes: float | None = None,
    ) -> TravelMatrix:
        """Drive minutes and km between points (``(lat, lon)``); ``destinations=None`` means the origins.

        Pairs farther than the optional ``max_minutes`` cutoff are reported unreachable (nan).
        """
        ...

    def route(self, a: LatLon, b: LatLon) -> list[LatLon]:
        """Polyline of ``(lat, lon)`` from ``a`` to ``b`` for maps."""
        ...

    def service_area(self, point: LatLon, minutes: float) -> Polygon | MultiPolygon:
        """Area reachable from ``point`` within ``minutes``, in lon/lat (EPSG:4326)."""
        ...

    def fingerprint(self) -> str:
        """Stable hash of everything the numbers depend on (parameters, graph), for caches."""
        ...
