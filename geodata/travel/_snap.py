"""Snapping points to the nearest node of the largest strongly connected component (private).

Snapping only to that component guarantees every snapped pair has a route both
ways; the straight distance to the node becomes the point's access leg.
"""

from __future__ import annotations

import numpy as np

from geodata.travel._geo import chord_to_km, unit_vectors


class Snapper:
    """Nearest-node lookup on the unit sphere (exact great-circle nearest).

    Parameters
    ----------
    lat, lon
        Coordinates of all graph nodes.
    candidates
        Indices of the nodes points may snap to.
    """

    def __init__(self, lat: np.ndarray, lon: np.ndarray, candidates: np.ndarray) -> None:
        self.candidates = np.asarray(candidates, dtype=np.int64)
        if self.candidates.size == 0:
            raise ValueError("the road graph has no nodes to snap to")
        from scipy.spatial import cKDTree  # heavy: loaded with the first road graph

        self._tree = cKDTree(unit_vectors(lat[self.candidates], lon[self.candidates]))

    def snap(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest candidate node of every ``(lat, lon)`` point and its great-circle distance (km)."""
        if len(points) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        chord, idx = self._tree.query(unit_vectors(points[:, 0], points[:, 1]), k=1)
        return self.candidates[idx], chord_to_km(chord)
