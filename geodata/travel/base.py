"""The travel-provider interface: the result type and the protocol every provider follows.

The planner and the coverage code only ever see these two types; which provider
produced the numbers (great-circle model or road graph) is not their business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import InitVar, dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeAlias, runtime_checkable

import numpy as np

from geodata.errors import EXIT_INPUT, EXIT_INTERNAL, HaiplanError, UsageError
from geodata.travel._geo import as_points, point_keys, row_blocks

if TYPE_CHECKING:  # pragma: no cover - shapely is imported where polygons are built
    from shapely.geometry import MultiPolygon, Polygon

#: A location as ``(lat, lon)`` degrees, WGS84.
LatLon: TypeAlias = tuple[float, float]


class UnreachableError(HaiplanError, LookupError):
    """No route exists between two points (or one lies too far from the road graph); exit 3."""

    exit_code: ClassVar[int] = EXIT_INTERNAL


class NetworkDisabledError(UsageError, RuntimeError):
    """A download was needed but network access is not allowed (SPEC §7); a usage error, exit 2."""

    exit_code: ClassVar[int] = EXIT_INPUT


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
    A provider that hands over freshly built float64 arrays passes ``owned=True``:
    they are made read-only in place instead of copied (half the peak memory).
    """

    minutes: np.ndarray
    km: np.ndarray
    snap_km: tuple[np.ndarray, np.ndarray] | None = None
    owned: InitVar[bool] = False

    def __post_init__(self, owned: bool) -> None:
        take = owned and all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in (self.minutes, self.km))
        minutes = self.minutes if take else np.array(self.minutes, dtype=np.float64, copy=True)
        km = self.km if take else np.array(self.km, dtype=np.float64, copy=True)
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


@dataclass(frozen=True, eq=False)
class TravelPairs:
    """A sparse travel matrix: drive minutes and km for listed (origin, destination) pairs.

    Parameters
    ----------
    origin, destination
        int64 indices into the origins and destinations asked for, sorted by
        ``(origin, destination)``.
    minutes, km
        float64 drive minutes and km of each pair (never nan: unlisted pairs are
        unreachable or beyond the cutoff asked for).
    """

    origin: np.ndarray
    destination: np.ndarray
    minutes: np.ndarray
    km: np.ndarray

    def __post_init__(self) -> None:
        order = np.lexsort((self.destination, self.origin))
        for name in ("origin", "destination"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.int64)[order])
        for name in ("minutes", "km"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float64)[order])
        if len({a.shape for a in (self.origin, self.destination, self.minutes, self.km)}) != 1:
            raise ValueError("origin, destination, minutes and km must be equal 1-D shapes")

    def __len__(self) -> int:
        return int(self.origin.shape[0])

    @classmethod
    def empty(cls) -> TravelPairs:
        """No pair."""
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))

    @classmethod
    def concat(cls, parts: Sequence[TravelPairs]) -> TravelPairs:
        """The pairs of all ``parts`` (same origins and destinations)."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("origin", "destination", "minutes", "km")))


def pairs_within(
    provider: TravelProvider,
    origins: Sequence[LatLon],
    destinations: Sequence[LatLon],
    *,
    max_minutes: float,
) -> TravelPairs:
    """Every (origin, destination) pair a provider reaches within ``max_minutes``, as a sparse list.

    Providers with a sparse face (``pairs_within``, e.g. the great-circle model) answer
    it without the matrix; for the others the matrix is computed a block of origins at
    a time, so memory grows with the pairs kept, not with all pairs.
    """
    own = getattr(provider, "pairs_within", None)
    if callable(own):
        return own(origins, destinations, max_minutes=max_minutes)
    orig = as_points(origins, what="origins")
    dest = as_points(destinations, what="destinations")
    parts = []
    for rows in row_blocks(orig.shape[0], dest.shape[0]):
        tm = provider.matrix(orig[rows], dest, max_minutes=max_minutes)
        i, j = np.nonzero(tm.reachable)
        parts.append(TravelPairs(i + rows.start, j, tm.minutes[i, j], tm.km[i, j]))
    return TravelPairs.concat(parts)


def pairwise(
    provider: TravelProvider, origins: Sequence[LatLon], destinations: Sequence[LatLon]
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes and km from ``origins[k]`` to ``destinations[k]`` for every ``k`` (nan = unreachable).

    Uses the provider's own ``pairwise`` face when it has one; otherwise one matrix
    between the distinct origins and destinations, a block of origins at a time.
    """
    own = getattr(provider, "pairwise", None)
    if callable(own):
        return own(origins, destinations)
    orig = as_points(origins, what="origins")
    dest = as_points(destinations, what="destinations")
    if orig.shape != dest.shape:
        raise ValueError(f"pairwise: {orig.shape[0]} origins but {dest.shape[0]} destinations")
    _, o_first, o_inv = np.unique(point_keys(orig), return_index=True, return_inverse=True)
    _, d_first, d_inv = np.unique(point_keys(dest), return_index=True, return_inverse=True)
    minutes, km = np.full(orig.shape[0], np.nan), np.full(orig.shape[0], np.nan)
    for rows in row_blocks(o_first.shape[0], d_first.shape[0]):
        tm = provider.matrix(orig[o_first[rows]], dest[d_first])
        here = (o_inv >= rows.start) & (o_inv < rows.stop)
        minutes[here] = tm.minutes[o_inv[here] - rows.start, d_inv[here]]
        km[here] = tm.km[o_inv[here] - rows.start, d_inv[here]]
    return minutes, km


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
