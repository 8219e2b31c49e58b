"""The lazy tiled travel table reads like the dense matrix and holds only the tiles read (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.travel import HaversineProvider, TravelMatrix
from geodata.travel.table import TravelTable, morton_order


def _points(n: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(25.0, 49.0, n), rng.uniform(-124.0, -67.0, n)])


class _MatrixOnly:
    """A provider without a pairwise face (like the road provider): the table is dense."""

    name = "matrix-only"

    def __init__(self) -> None:
        self.inner, self.calls = HaversineProvider(), 0

    def matrix(self, origins, destinations=None, *, max_minutes=None) -> TravelMatrix:
        self.calls += 1
        return self.inner.matrix(origins, destinations, max_minutes=max_minutes)


def test_lazy_table_equals_the_dense_matrix_and_computes_only_tiles_read():
    pts = _points(300)
    h = HaversineProvider()
    dense = h.matrix(pts, pts)
    table = TravelTable(h, pts, tile=32)
    assert table.lazy and table.tiles_computed == 0
    assert table.minutes[4, 250] == pytest.approx(dense.minutes[4, 250], rel=1e-12)
    assert table.travel(250, 4) == (table.minutes[250, 4], table.km[250, 4])
    assert table.tiles_computed == 2  # (a, b) and (b, a) tiles only
    rows, cols = np.array([3, 77, 150, 299]), np.array([0, 5, 77, 200, 201])
    np.testing.assert_allclose(table.minutes[np.ix_(rows, cols)], dense.minutes[np.ix_(rows, cols)], rtol=1e-12)
    np.testing.assert_allclose(table.km[np.ix_(rows, cols)], dense.km[np.ix_(rows, cols)], rtol=1e-12)
    assert table.tiles_computed < 10 * 10
    np.testing.assert_allclose(np.asarray(table.minutes), dense.minutes, rtol=1e-12, atol=1e-12)
    assert table.tiles_computed == 10 * 10 and table.nbytes == 2 * 300 * 300 * 8  # all read: the dense size


def test_neighbours_share_tiles_along_the_z_curve():
    pts = _points(4096, seed=4)
    order = morton_order(pts)
    assert sorted(order.tolist()) == list(range(4096))
    table = TravelTable(HaversineProvider(), pts, tile=64)
    # read each point's 5 nearest neighbours, as routes do: a small share of the tiles
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    near = np.argsort(d, axis=1)[:, 1:6]
    for a in range(4096):
        for b in near[a]:
            table.travel(a, int(b))
    assert table.tiles_computed < 0.25 * 64 * 64


def test_provider_without_pairwise_face_gets_one_dense_matrix():
    pts = _points(50)
    prov = _MatrixOnly()
    table = TravelTable(prov, pts)
    assert not table.lazy and prov.calls == 1
    dense = prov.inner.matrix(pts, pts)
    np.testing.assert_allclose(table.minutes[np.ix_(np.arange(50), np.arange(50))], dense.minutes, rtol=1e-12)
    assert table.travel(7, 3)[1] == pytest.approx(dense.km[7, 3], rel=1e-12)
    assert prov.calls == 1


def test_tile_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        TravelTable(HaversineProvider(), _points(3), tile=48)
