"""The road graph as flat arrays: CSR adjacency, node coordinates, edge geometry (private).

An osmnx ``MultiDiGraph`` is converted once into this form; the disk cache
stores it as an ``.npz`` with a checksum, so the next load takes milliseconds
instead of re-parsing OSM XML.

Edge weights are integers: travel time in milliseconds and length in metres.
Shortest paths run on the composite ``ms × 2**24 + metres`` (exact in float64
below 2**53), which orders paths by time and carries their length along, so
one Dijkstra gives both minutes and kilometres of the fastest route.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from geodata.errors import EXIT_INTERNAL, HaiplanError

if TYPE_CHECKING:  # pragma: no cover - scipy loads with the first adjacency matrix
    import networkx as nx
    import scipy.sparse as sp

log = logging.getLogger(__name__)

#: Composite weight = milliseconds × METRE_SLOTS + metres (paths up to 16,777 km).
METRE_SLOTS: float = float(2**24)
_FORMAT = "haiplan-roadgraph-1"
_ARRAYS = (
    "node_lat", "node_lon", "node_osmid", "indptr", "indices", "edge_ms", "edge_m",
    "geom_offsets", "geom_lat", "geom_lon",
)


class GraphCacheError(HaiplanError, ValueError):
    """A cached graph file is unreadable or fails its checksum (exit 3)."""

    exit_code: ClassVar[int] = EXIT_INTERNAL


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph in CSR form.

    Attributes
    ----------
    node_lat, node_lon
        Node coordinates (degrees).
    node_osmid
        OSM node id of every node.
    indptr, indices
        CSR structure: the edges leaving node ``i`` are ``indptr[i]:indptr[i+1]``,
        heading to ``indices[...]``. At most one edge per ordered node pair
        (the fastest of parallel ways).
    edge_ms, edge_m
        Travel time (ms, at least 1) and length (m) of every edge.
    geom_offsets, geom_lat, geom_lon
        Intermediate vertices of edge ``e`` (end nodes excluded), in driving
        order: ``geom_*[geom_offsets[e]:geom_offsets[e+1]]``.
    meta
        Provenance: source, settings, counts, build time.
    """

    node_lat: np.ndarray
    node_lon: np.ndarray
    node_osmid: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    edge_ms: np.ndarray
    edge_m: np.ndarray
    geom_offsets: np.ndarray
    geom_lat: np.ndarray
    geom_lon: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_lat.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])

    @cached_property
    def edge_source(self) -> np.ndarray:
        """Tail node of every CSR edge."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    @cached_property
    def csr(self) -> sp.csr_array:
        """Composite-weight adjacency matrix (see module docstring)."""
        import scipy.sparse as sp

        w = self.edge_ms.astype(np.float64) * METRE_SLOTS + self.edge_m.astype(np.float64)
        return sp.csr_array((w, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))

    @cached_property
    def csr_reverse(self) -> sp.csr_array:
        """The transposed adjacency: shortest paths *to* a node run on it."""
        return self.csr.T.tocsr()

    @cached_property
    def scc_mask(self) -> np.ndarray:
        """True for the nodes of the largest strongly connected component."""
        if self.n_nodes == 0:
            return np.zeros(0, dtype=bool)
        from scipy.sparse.csgraph import connected_components

        _, labels = connected_components(self.csr, directed=True, connection="strong")
        return labels == np.bincount(labels).argmax()

    def edge_index(self, u: int, v: int) -> int:
        """CSR position of the edge ``u → v``; ``KeyError`` if there is none."""
        lo, hi = int(self.indptr[u]), int(self.indptr[u + 1])
        hits = np.flatnonzero(self.indices[lo:hi] == v)
        if hits.size == 0:
            raise KeyError((u, v))
        return lo + int(hits[0])

    def edge_vertices(self, e: int) -> np.ndarray:
        """Intermediate ``(lat, lon)`` vertices of edge ``e``, shape ``(k, 2)``."""
        a, b = int(self.geom_offsets[e]), int(self.geom_offsets[e + 1])
        return np.column_stack([self.geom_lat[a:b], self.geom_lon[a:b]])

    def checksum(self) -> str:
        """SHA-256 over every array (fixed order) and the format tag."""
        h = hashlib.sha256(_FORMAT.encode())
        for name in _ARRAYS:
            arr = np.ascontiguousarray(getattr(self, name))
            h.update(f"{name}:{arr.dtype.str}:{arr.shape}".encode())
            h.update(arr.tobytes())
        return h.hexdigest()

    # -- persistence ---------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write atomically (temp file + ``os.replace``) with an embedded checksum."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {name: getattr(self, name) for name in _ARRAYS}
        payload["meta_json"] = np.frombuffer(json.dumps(self.meta, sort_keys=True).encode(), dtype=np.uint8)
        payload["checksum"] = np.frombuffer(self.checksum().encode(), dtype=np.uint8)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> RoadGraph:
        """Read a file written by :meth:`save`.

        Raises
        ------
        GraphCacheError
            If the file is unreadable, incomplete or fails its checksum.
        """
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {name: z[name] for name in _ARRAYS}
                meta = json.loads(z["meta_json"].tobytes().decode())
                stored = z["checksum"].tobytes().decode()
        except Exception as exc:
            raise GraphCacheError(f"unreadable graph cache {path}: {exc}") from exc
        graph = cls(**arrays, meta=meta)
        if graph.checksum() != stored:
            raise GraphCacheError(f"graph cache {path} fails its checksum")
        return graph


def from_networkx(G: nx.MultiDiGraph, meta: dict[str, Any] | None = None) -> RoadGraph:
    """Convert an osmnx graph with ``travel_time`` (s) and ``length`` (m) on every edge.

    Parallel edges between the same ordered node pair keep the fastest one.
    """
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    lat = np.fromiter((G.nodes[n]["y"] for n in nodes), dtype=np.float64, count=len(nodes))
    lon = np.fromiter((G.nodes[n]["x"] for n in nodes), dtype=np.float64, count=len(nodes))
    osmid = np.fromiter((int(n) for n in nodes), dtype=np.int64, count=len(nodes))

    m = G.number_of_edges()
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    ms = np.empty(m, dtype=np.int64)
    metres = np.empty(m, dtype=np.int64)
    geoms: list[np.ndarray | None] = []
    for i, (a, b, d) in enumerate(G.edges(data=True)):
        u[i], v[i] = index[a], index[b]
        ms[i] = max(1, int(round(float(d["travel_time"]) * 1000.0)))
        metres[i] = int(round(float(d["length"])))
        g = d.get("geometry")
        geoms.append(None if g is None else np.asarray(g.coords, dtype=np.float64))

    # fastest edge per ordered pair, then CSR order
    composite = ms.astype(np.float64) * METRE_SLOTS + metres
    order = np.lexsort((composite, v, u))
    first = np.ones(m, dtype=bool)
    first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
    chosen = order[first]
    u, v, ms, metres = u[chosen], v[chosen], ms[chosen], metres[chosen]
    indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.add.at(indptr, u + 1, 1)
    indptr = np.cumsum(indptr)

    counts = np.zeros(len(chosen) + 1, dtype=np.int64)
    parts_lat: list[np.ndarray] = []
    parts_lon: list[np.ndarray] = []
    for j, e in enumerate(chosen):
        g = geoms[e]
        if g is None or len(g) <= 2:
            continue
        # orient the geometry from u to v (osmnx stores it in driving order; be safe)
        d_first = (g[0, 0] - lon[u[j]]) ** 2 + (g[0, 1] - lat[u[j]]) ** 2
        d_last = (g[-1, 0] - lon[u[j]]) ** 2 + (g[-1, 1] - lat[u[j]]) ** 2
        if d_last < d_first:
            g = g[::-1]
        inner = g[1:-1]
        counts[j + 1] = len(inner)
        parts_lon.append(inner[:, 0])
        parts_lat.append(inner[:, 1])
    geom_offsets = np.cumsum(counts)
    empty = np.empty(0, dtype=np.float64)
    return RoadGraph(
        node_lat=lat,
        node_lon=lon,
        node_osmid=osmid,
        indptr=indptr,
        indices=v.astype(np.int32),
        edge_ms=ms,
        edge_m=metres,
        geom_offsets=geom_offsets,
        geom_lat=np.concatenate(parts_lat) if parts_lat else empty,
        geom_lon=np.concatenate(parts_lon) if parts_lon else empty,
        meta=dict(meta or {}),
    )
