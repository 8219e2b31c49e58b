"""Vectorised shortest paths on the CSR road graph with scipy's Dijkstra (private).

Many-to-many matrices run one Dijkstra per *unique* snapped source node, in
blocks that fit a memory budget, and on the reversed graph when there are
fewer unique targets than sources. Never pair-by-pair networkx.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geodata.travel._graph import METRE_SLOTS, RoadGraph
from geodata.travel._stats import EngineStats

_UNREACHED = -9999  # scipy's predecessor value for "none"


def _dijkstra(csr: Any, **options: Any) -> Any:
    """scipy's Dijkstra, imported at the first search (scipy.sparse.csgraph is slow to import)."""
    from scipy.sparse.csgraph import dijkstra

    return dijkstra(csr, **options)


def limit_for_minutes(minutes: float | None) -> float:
    """Composite-weight limit equivalent to a time cutoff (inclusive)."""
    if minutes is None or not np.isfinite(minutes):
        return np.inf
    ms = np.floor(max(float(minutes), 0.0) * 60_000.0)
    return ms * METRE_SLOTS + (METRE_SLOTS - 1.0)


def decode(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Composite distances → (minutes, km); ``nan`` where ``dist`` is inf."""
    finite = np.isfinite(dist)
    d = np.where(finite, dist, 0.0)
    ms = np.floor(d / METRE_SLOTS)
    metres = d - ms * METRE_SLOTS
    minutes = np.where(finite, ms / 60_000.0, np.nan)
    km = np.where(finite, metres / 1000.0, np.nan)
    return minutes, km


def node_matrix(
    graph: RoadGraph,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    max_minutes: float | None = None,
    chunk_megabytes: float = 256.0,
    stats: EngineStats | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fastest-route minutes and km between graph nodes, ``(len(sources), len(targets))``.

    Parameters
    ----------
    graph
        The road graph.
    sources, targets
        Node indices (repeats allowed; each unique node is searched once).
    max_minutes
        Optional cutoff passed to Dijkstra as ``limit``: farther pairs are nan.
    chunk_megabytes
        Memory budget of one block of Dijkstra rows.
    stats
        Counters to update.

    Returns
    -------
    minutes, km
        float64 arrays, nan where unreachable.
    """
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    if sources.size == 0 or targets.size == 0:
        empty = np.full((sources.size, targets.size), np.nan)
        return empty, empty.copy()
    us, s_inv = np.unique(sources, return_inverse=True)
    ut, t_inv = np.unique(targets, return_inverse=True)
    reverse = ut.size < us.size
    csr, starts, ends = (graph.csr_reverse, ut, us) if reverse else (graph.csr, us, ut)
    limit = limit_for_minutes(max_minutes)
    rows_per_chunk = max(1, int(chunk_megabytes * 1e6 // (8 * max(graph.n_nodes, 1))))
    out = np.empty((starts.size, ends.size), dtype=np.float64)
    for lo in range(0, starts.size, rows_per_chunk):
        block = starts[lo : lo + rows_per_chunk]
        dist = _dijkstra(csr, directed=True, indices=block, limit=limit)
        out[lo : lo + block.size] = dist[:, ends]
    if stats is not None:
        stats.dijkstra_sources += int(starts.size)
    if reverse:
        out = out.T
    minutes, km = decode(out)
    return minutes[np.ix_(s_inv, t_inv)], km[np.ix_(s_inv, t_inv)]


def reach(graph: RoadGraph, source: int, max_minutes: float, *, stats: EngineStats | None = None) -> np.ndarray:
    """Minutes from ``source`` to every node, nan beyond ``max_minutes`` (Dijkstra ``limit``)."""
    dist = _dijkstra(graph.csr, directed=True, indices=int(source), limit=limit_for_minutes(max_minutes))
    if stats is not None:
        stats.dijkstra_sources += 1
    return decode(dist)[0]


def path_nodes(graph: RoadGraph, source: int, target: int, *, stats: EngineStats | None = None) -> list[int] | None:
    """Node sequence of the fastest route, or None when ``target`` is unreachable."""
    if source == target:
        return [int(source)]
    _, pred = _dijkstra(graph.csr, directed=True, indices=int(source), return_predecessors=True)
    if stats is not None:
        stats.dijkstra_sources += 1
    if pred[target] == _UNREACHED:
        return None
    path = [int(target)]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    return path[::-1]
