"""Travel times between a fixed list of points, computed a tile at a time when first asked for.

A planner indexes its locations ``0 .. n-1`` and reads ``minutes[a, b]`` and
``km[a, b]`` as if from dense ``(n, n)`` matrices, but a route only ever joins
points near each other. :class:`TravelTable` keeps that indexing while holding
only the tiles that were read: points are ordered along a Morton (Z-order) curve
so a tile covers two small areas, and a ``tile × tile`` block of the provider's
matrix is computed the first time one of its pairs is needed. Memory then grows
with the pairs a plan touches (nearby points), not with all pairs. Providers
without a cheap pairwise face (road graphs) get one dense matrix, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geodata.travel._geo import as_points
from geodata.travel.base import LatLon, TravelProvider

__all__ = ["TravelTable", "TravelView"]


def _spread16(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Spread the low 16 bits of ``v`` to the even bit positions (for Morton codes)."""
    v = v & np.uint64(0xFFFF)
    for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def morton_order(points: NDArray[np.float64]) -> NDArray[np.int64]:
    """Indices that sort ``(lat, lon)`` points along a Z-order curve (nearby points end up close)."""
    if points.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    q = np.empty_like(points)
    q[:, 0] = (points[:, 0] + 90.0) / 180.0
    q[:, 1] = (points[:, 1] + 180.0) / 360.0
    cells = np.clip(np.floor(q * 65535.0), 0, 65535).astype(np.uint64)
    code = _spread16(cells[:, 0]) | (_spread16(cells[:, 1]) << np.uint64(1))
    return np.argsort(code, kind="stable")


class TravelView:
    """``minutes`` or ``km`` of a :class:`TravelTable`, indexed like a dense ``(n, n)`` array.

    ``view[a, b]`` with two integers gives a float; with integer arrays (e.g.
    ``view[np.ix_(rows, cols)]``) the broadcast result as a float64 array.
    """

    def __init__(self, table: TravelTable, which: int) -> None:
        self._table = table
        self._which = which

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n)``."""
        return (self._table.n, self._table.n)

    def __getitem__(self, key: tuple[Any, Any]) -> Any:
        a, b = key
        if isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)):
            return self._table.travel(int(a), int(b))[self._which]
        return self._table.gather(np.asarray(a), np.asarray(b))[self._which]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        idx = np.arange(self._table.n)
        out = self._table.gather(idx[:, None], idx[None, :])[self._which]
        return out if dtype is None else out.astype(dtype)


class TravelTable:
    """Minutes and km between ``points`` (indices ``0 .. n-1``), computed by tiles on first use.

    Parameters
    ----------
    provider
        The travel provider. With a ``pairwise`` face (cheap pair-by-pair numbers,
        e.g. the great-circle model) the table is lazy; otherwise one dense matrix
        is computed up front.
    points
        ``(lat, lon)`` of every location.
    tile
        Points per tile side (a power of two).
    """

    def __init__(self, provider: TravelProvider, points: Sequence[LatLon] | np.ndarray, *, tile: int = 128) -> None:
        if tile <= 0 or tile & (tile - 1):
            raise ValueError(f"tile must be a power of two, got {tile}")
        self._provider = provider
        self._points = as_points(points, what="travel table points")
        self.n = int(self._points.shape[0])
        self._shift = tile.bit_length() - 1
        self._mask = tile - 1
        self._order = morton_order(self._points)
        pos = np.empty(self.n, dtype=np.int64)
        pos[self._order] = np.arange(self.n)
        self._pos = pos
        self._pos_list: list[int] = pos.tolist()
        self._n_tiles = max(1, -(-self.n // tile))
        self._tiles: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.lazy = callable(getattr(provider, "pairwise", None))
        if not self.lazy and self.n:  # one dense matrix, indexed through a single tile
            tm = provider.matrix(self._points[self._order], self._points[self._order])
            self._shift, self._mask, self._n_tiles = 62, (1 << 62) - 1, 1
            self._tiles[0] = (np.asarray(tm.minutes), np.asarray(tm.km))
        self.minutes = TravelView(self, 0)
        self.km = TravelView(self, 1)

    @property
    def tiles_computed(self) -> int:
        """Tiles held (a lazy table's memory is this × tile² × 16 bytes)."""
        return len(self._tiles)

    @property
    def nbytes(self) -> int:
        """Bytes held by the computed tiles."""
        return sum(m.nbytes + k.nbytes for m, k in self._tiles.values())

    def _fill(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        ta, tb = divmod(key, self._n_tiles)
        size = self._mask + 1
        rows = self._points[self._order[ta * size:(ta + 1) * size]]
        cols = self._points[self._order[tb * size:(tb + 1) * size]]
        tm = self._provider.matrix(rows, cols)
        tile = (np.asarray(tm.minutes), np.asarray(tm.km))
        self._tiles[key] = tile
        return tile

    def travel(self, a: int, b: int) -> tuple[float, float]:
        """``(minutes, km)`` from location ``a`` to ``b`` (nan = unreachable)."""
        pa, pb = self._pos_list[a], self._pos_list[b]
        key = (pa >> self._shift) * self._n_tiles + (pb >> self._shift)
        tile = self._tiles.get(key)
        if tile is None:
            tile = self._fill(key)
        i, j = pa & self._mask, pb & self._mask
        return tile[0].item(i, j), tile[1].item(i, j)

    def gather(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and km for index arrays ``a`` and ``b`` broadcast together (same values as :meth:`travel`)."""
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
        pa, pb = self._pos[a.ravel()], self._pos[b.ravel()]
        keys = (pa >> self._shift) * self._n_tiles + (pb >> self._shift)
        minutes, km = np.empty(keys.shape[0]), np.empty(keys.shape[0])
        order = np.argsort(keys, kind="stable")
        bounds = np.flatnonzero(np.diff(keys[order])) + 1
        for group in np.split(order, bounds) if order.size else ():
            key = int(keys[group[0]])
            tile = self._tiles.get(key) or self._fill(key)
            i, j = pa[group] & self._mask, pb[group] & self._mask
            minutes[group], km[group] = tile[0][i, j], tile[1][i, j]
        return minutes.reshape(a.shape), km.reshape(a.shape)
