"""Blocked and sparse faces of the travel providers agree with the dense computation (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.travel import HaversineProvider, TravelMatrix
from geodata.travel._geo import pairwise_km, same_points
from geodata.travel.base import pairs_within, pairwise
from geodata.travel.haversine import band_overlaps, _paces


def _dense_reference(h: HaversineProvider, orig: np.ndarray, dest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The computation of the matrix before issue 9: one all-pairs (n, m, bands) design array."""
    gc = pairwise_km(orig, dest)
    gc[same_points(orig, dest)] = 0.0
    overlaps = band_overlaps(gc, h.settings)
    return overlaps @ _paces(h.settings), overlaps @ np.array(h.settings.band_circuity)


def _points(rng: np.random.Generator, n: int) -> np.ndarray:
    pts = np.column_stack([rng.uniform(25.0, 49.0, n), rng.uniform(-124.0, -67.0, n)])
    pts[: n // 10] = pts[n // 10: 2 * (n // 10)]  # some shared homes: same point, zero minutes
    return pts


def test_blocked_matrix_equals_dense_reference_on_random_points(monkeypatch):
    import geodata.travel._geo as geo

    monkeypatch.setattr(geo, "BLOCK_ENTRIES", 997)  # many uneven blocks on a small instance
    rng = np.random.default_rng(3)
    orig, dest = _points(rng, 230), _points(rng, 170)
    dest[:5] = orig[:5]  # homes shared between origins and destinations
    h = HaversineProvider()
    tm = h.matrix(orig, dest)
    ref_min, ref_km = _dense_reference(h, orig, dest)
    np.testing.assert_allclose(tm.minutes, ref_min, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(tm.km, ref_km, rtol=1e-12, atol=1e-9)
    # the schedule's whole-minute legs are unchanged
    assert np.array_equal(np.ceil(tm.minutes - 1e-6), np.ceil(ref_min - 1e-6))
    assert (tm.minutes[np.arange(5), np.arange(5)] == 0).all()
    assert not tm.minutes.flags.writeable


def test_cutoff_and_pairs_within_equal_the_dense_matrix():
    rng = np.random.default_rng(5)
    orig, dest = _points(rng, 120), _points(rng, 400)
    h = HaversineProvider()
    full = h.matrix(orig, dest)
    cut = 240.0
    sparse = h.pairs_within(orig, dest, max_minutes=cut, block=37)
    expect_i, expect_j = np.nonzero(full.minutes <= cut)
    assert 0 < len(sparse) < full.minutes.size  # the cutoff binds
    assert np.array_equal(sparse.origin, expect_i) and np.array_equal(sparse.destination, expect_j)
    np.testing.assert_allclose(sparse.minutes, full.minutes[expect_i, expect_j], rtol=1e-12)
    np.testing.assert_allclose(sparse.km, full.km[expect_i, expect_j], rtol=1e-12)
    masked = h.matrix(orig, dest, max_minutes=cut)
    assert np.array_equal(masked.reachable, full.minutes <= cut)


class _MatrixOnly:
    """A provider with only the matrix face (like the road provider)."""

    name = "matrix-only"

    def __init__(self) -> None:
        self.inner = HaversineProvider()
        self.calls = 0

    def matrix(self, origins, destinations=None, *, max_minutes=None) -> TravelMatrix:
        self.calls += 1
        return self.inner.matrix(origins, destinations, max_minutes=max_minutes)


def test_generic_faces_fall_back_to_blocked_matrices(monkeypatch):
    import geodata.travel._geo as geo

    monkeypatch.setattr(geo, "BLOCK_ENTRIES", 1000)
    rng = np.random.default_rng(8)
    orig, dest = _points(rng, 90), _points(rng, 60)
    prov = _MatrixOnly()
    sparse = pairs_within(prov, orig, dest, max_minutes=300.0)
    assert prov.calls > 1  # computed in blocks
    direct = HaversineProvider().pairs_within(orig, dest, max_minutes=300.0)
    assert np.array_equal(sparse.origin, direct.origin) and np.array_equal(sparse.destination, direct.destination)
    np.testing.assert_allclose(sparse.minutes, direct.minutes, rtol=1e-12)
    k = rng.integers(0, 60, size=90)
    m, km = pairwise(prov, orig, dest[k])
    full = HaversineProvider().matrix(orig, dest)
    np.testing.assert_allclose(m, full.minutes[np.arange(90), k], rtol=1e-12)
    np.testing.assert_allclose(km, full.km[np.arange(90), k], rtol=1e-12)


def test_pairwise_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="pairwise"):
        HaversineProvider().pairwise([(40.0, -75.0)], [(40.0, -75.0), (41.0, -75.0)])
