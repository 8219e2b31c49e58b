"""Work counters of the shortest-path engine (private)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EngineStats:
    """How much Dijkstra work a provider did (tests use it to prove caches avoid recomputation)."""

    dijkstra_sources: int = 0
    matrix_calls: int = 0
