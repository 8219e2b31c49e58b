"""Matrix cache: identical hits, only new rows/columns computed, corruption rebuilt, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest

from geodata.travel import HaversineProvider, MatrixCache, RoadProvider, default_cache_dir
from geodata.travel import _rowfile
from geodata.travel._geo import as_points, point_keys

from travel_support import pyrosm_extract, requires_osmium, sample_points


@pytest.fixture
def cached_kouvola(kouvola: RoadProvider, tmp_path: Path) -> RoadProvider:
    """The session's Kouvola graph behind a fresh matrix cache."""
    p = RoadProvider(kouvola.osm_file, cache_dir=tmp_path)
    p._graph = kouvola.graph  # share the built graph; the matrix cache is this test's own
    return p


def _eq(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=True)


@pytest.mark.osm
@requires_osmium
def test_cache_hit_is_identical_and_computes_nothing(cached_kouvola: RoadProvider, kouvola: RoadProvider) -> None:
    p = cached_kouvola
    pts = sample_points(p, 40, seed=20)
    first = p.matrix(pts)
    assert p.matrix_cache.last_stats.rows_computed == 40
    sources = p.stats.dijkstra_sources
    second = p.matrix(pts)
    s = p.matrix_cache.last_stats
    assert (s.rows_hit, s.rows_computed, s.rows_extended, s.cols_computed) == (40, 0, 0, 0)
    assert p.stats.dijkstra_sources == sources
    assert _eq(first.minutes, second.minutes) and _eq(first.km, second.km)
    assert _eq(first.snap_km[0], second.snap_km[0]) and _eq(first.snap_km[1], second.snap_km[1])
    uncached = kouvola.matrix(pts)
    assert _eq(uncached.minutes, second.minutes) and _eq(uncached.km, second.km)
    # a fresh provider (new process in real life) reads the same rows without building a graph
    fresh = RoadProvider(p.osm_file, cache_dir=p.cache_dir)
    assert _eq(fresh.matrix(pts).minutes, first.minutes)
    assert fresh._graph is None


@pytest.mark.osm
@requires_osmium
def test_new_origins_compute_only_new_rows(cached_kouvola: RoadProvider, kouvola: RoadProvider) -> None:
    p = cached_kouvola
    pts = sample_points(p, 45, seed=21)
    old, new = pts[:40], pts[40:]
    p.matrix(old)
    before = p.stats.dijkstra_sources
    m = p.matrix(np.vstack([old, new]), old)
    s = p.matrix_cache.last_stats
    assert (s.rows_hit, s.rows_computed, s.rows_extended, s.cols_computed) == (40, 5, 0, 0)
    assert p.stats.dijkstra_sources - before <= 5
    assert _eq(m.minutes, kouvola.matrix(np.vstack([old, new]), old).minutes)


@pytest.mark.osm
@requires_osmium
def test_new_destinations_compute_only_new_columns(cached_kouvola: RoadProvider, kouvola: RoadProvider) -> None:
    p = cached_kouvola
    pts = sample_points(p, 44, seed=22)
    old, new = pts[:40], pts[40:]
    p.matrix(old)
    before = p.stats.dijkstra_sources
    both = np.vstack([old, new])
    m = p.matrix(old, both)
    s = p.matrix_cache.last_stats
    assert (s.rows_hit, s.rows_computed, s.rows_extended, s.cols_computed) == (0, 0, 40, 4)
    assert p.stats.dijkstra_sources - before <= 4  # backwards from the 4 new destinations
    assert _eq(m.minutes, kouvola.matrix(old, both).minutes)
    m2 = p.matrix(both)  # the full square now needs only the 4 new rows
    s = p.matrix_cache.last_stats
    assert (s.rows_hit, s.rows_computed, s.cols_computed) == (40, 4, 0)
    assert _eq(m2.minutes, kouvola.matrix(both).minutes)


@pytest.mark.osm
@requires_osmium
def test_corrupted_row_files_are_detected_and_rebuilt(cached_kouvola: RoadProvider) -> None:
    p = cached_kouvola
    pts = sample_points(p, 10, seed=23)
    first = p.matrix(pts)
    cache, fp = p.matrix_cache, p.fingerprint()
    keys = point_keys(pts)
    flipped, truncated, garbage = (cache.row_path(fp, int(k)) for k in keys[:3])
    data = bytearray(flipped.read_bytes())
    data[-5] ^= 0x01
    flipped.write_bytes(bytes(data))
    truncated.write_bytes(truncated.read_bytes()[:50])
    garbage.write_bytes(b"not a row at all")
    again = p.matrix(pts)
    s = cache.last_stats
    assert s.corrupt_rebuilt == 3 and s.rows_computed == 3 and s.rows_hit == 7
    assert _eq(again.minutes, first.minutes)
    for path in (flipped, truncated, garbage):
        assert _rowfile.read(path) is not None  # rewritten, valid
    p.matrix(pts)
    assert cache.last_stats.rows_hit == 10


def _worker(args: tuple[str, int]) -> int:
    """One planner run: 30 shared origins, its own 25 destinations, written three times."""
    root, seed = args
    rng = np.random.default_rng(seed)
    origins = np.column_stack([np.linspace(40.0, 40.2, 30), np.linspace(-83.0, -82.8, 30)])
    dests = np.column_stack([rng.uniform(39.5, 40.5, 25), rng.uniform(-83.5, -82.5, 25)])
    h = HaversineProvider()
    for _ in range(3):
        MatrixCache(root).matrix(h.fingerprint(), lambda o, d: h.matrix(o, d), origins, dests, with_snap=False)
    return seed


def test_concurrent_runs_merge_their_columns(tmp_path: Path) -> None:
    # four processes extend the same 30 rows with different columns at the same time:
    # the lock + merge must keep every column, and no reader may see a torn file
    seeds = [1, 2, 3, 4]
    with mp.get_context("fork").Pool(4) as pool:
        assert sorted(pool.map(_worker, [(str(tmp_path), s) for s in seeds])) == seeds
    origins = np.column_stack([np.linspace(40.0, 40.2, 30), np.linspace(-83.0, -82.8, 30)])
    dests = []
    for s in seeds:
        rng = np.random.default_rng(s)
        dests.append(np.column_stack([rng.uniform(39.5, 40.5, 25), rng.uniform(-83.5, -82.5, 25)]))
    all_dests = np.vstack(dests)
    h = HaversineProvider()
    cache = MatrixCache(tmp_path)
    got = cache.matrix(h.fingerprint(), lambda o, d: h.matrix(o, d), origins, all_dests, with_snap=False)
    s = cache.last_stats
    assert (s.rows_hit, s.rows_computed, s.rows_extended, s.corrupt_rebuilt) == (30, 0, 0, 0), s
    assert _eq(got.minutes, h.matrix(origins, all_dests).minutes)
    assert got.snap_km is None
    assert not list(tmp_path.rglob("*.tmp"))


def test_duplicate_points_and_same_point_pairs(tmp_path: Path) -> None:
    h = HaversineProvider()
    pts = as_points([(40.0, -83.0), (40.1, -83.1), (40.0, -83.0)])
    cache = MatrixCache(tmp_path)
    m = cache.matrix(h.fingerprint(), lambda o, d: h.matrix(o, d), pts, pts, with_snap=False)
    assert cache.last_stats.origins == 2 and cache.last_stats.rows_computed == 2
    assert m.shape == (3, 3) and m.minutes[0, 2] == 0.0 and _eq(m.minutes[0], m.minutes[2])


def test_cache_dir_from_env_and_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAIPLAN_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    assert MatrixCache().root == tmp_path / "env" / "matrices"
    assert MatrixCache(tmp_path / "arg").root == tmp_path / "arg" / "matrices"
    monkeypatch.delenv("HAIPLAN_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "haiplan"


@pytest.mark.osm
@requires_osmium
def test_road_provider_uses_the_env_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAIPLAN_CACHE_DIR", str(tmp_path))
    p = RoadProvider(pyrosm_extract("test_pbf"))
    assert p.graph_path().parent == tmp_path / "graphs"
    assert p.matrix_cache is not None and p.matrix_cache.root == tmp_path / "matrices"


def test_row_format_roundtrip_and_merge() -> None:
    a = _rowfile.Row(7, 0.5, np.array([1, 3, 5]), np.array([1.0, 3.0, np.nan]), np.array([2.0, 6.0, np.nan]),
                     np.array([0.1, 0.3, 0.5]))
    b = _rowfile.Row(7, 0.5, np.array([2, 3]), np.array([2.0, 3.5]), np.array([4.0, 7.0]), np.array([0.2, 0.3]))
    back = _rowfile.decode(_rowfile.encode(a))
    assert _eq(back.minutes, a.minutes) and list(back.dest_keys) == [1, 3, 5]
    m = a.merged(b)
    assert list(m.dest_keys) == [1, 2, 3, 5] and list(m.minutes[:3]) == [1.0, 2.0, 3.5]
    with pytest.raises(_rowfile.CorruptRowError):
        _rowfile.decode(_rowfile.encode(a)[:-1])


# --- privacy: no coordinates or ids in clear, private modes -----------------------------------

#: Every name the matrix cache may create: fixed names and hex hashes, nothing derived in clear.
_CACHE_NAMES = re.compile(r"^(matrices|r2|\.lock|\.salt|[0-9a-f]{2}|[0-9a-f]{32}|[0-9a-f]{16}\.row)$")


def _clear_forms(points: np.ndarray) -> list[str]:
    """Ways a coordinate or its point key could appear in a name."""
    forms = []
    for (lat, lon), key in zip(points, point_keys(points)):
        forms += [f"{lat:.6f}", f"{lon:.6f}", f"{lat:.4f}", f"{lon:.4f}", f"{lat:g}", f"{lon:g}",
                  str(int(key)), f"{int(key):x}", f"{int(key):016x}"]
    # a short all-hex form ("40" for 40.0) turns up in random hex names by chance: it says nothing
    return [f for f in forms if len(f) >= 6 or not set(f) <= set("0123456789abcdef")]


def _assert_private(root: Path, points: np.ndarray, ids: list[str] = ()) -> None:
    forms = _clear_forms(points) + list(ids)
    entries = list(root.rglob("*"))
    assert entries
    for path in entries:
        rel = path.relative_to(root).as_posix()
        assert not any(f in rel for f in forms), rel
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, (rel, oct(mode))
        else:
            assert mode == 0o600, (rel, oct(mode))


def test_cache_names_hold_no_coordinates_modes_are_private_and_second_run_hits(tmp_path: Path) -> None:
    h = HaversineProvider()
    pts = as_points([(40.123456, -83.654321), (39.987654, -82.012345), (41.5, -81.25), (40.0, -83.0)])
    compute = lambda o, d: h.matrix(o, d)  # noqa: E731
    first = MatrixCache(tmp_path).matrix(h.fingerprint(), compute, pts, pts, with_snap=False)
    matrices = tmp_path / "matrices"
    _assert_private(matrices, pts)
    for path in matrices.rglob("*"):
        assert _CACHE_NAMES.match(path.name), path.name
    # the rows hold keyed hashes, not the point keys (which decode to coordinates)
    raw = [int(k).to_bytes(8, "little", signed=True) for k in point_keys(pts)]
    for row in matrices.rglob("*.row"):
        data = row.read_bytes()
        assert not any(r in data for r in raw)
    # a new run (fresh object, as a new process) hits every row and computes nothing
    again = MatrixCache(tmp_path)
    second = again.matrix(h.fingerprint(), lambda o, d: pytest.fail("recomputed"), pts, pts, with_snap=False)
    assert again.last_stats.rows_hit == 4 and again.last_stats.rows_computed == 0
    assert _eq(first.minutes, second.minutes)
    # another cache folder has its own salt: the same point gets another file name
    other = MatrixCache(tmp_path / "other")
    assert other.salt() != again.salt()
    key = int(point_keys(pts[:1])[0])
    assert other.row_path("fp", key).name != again.row_path("fp", key).name


def test_rows_of_the_old_layout_named_after_coordinates_are_removed(tmp_path: Path) -> None:
    h = HaversineProvider()
    pts = as_points([(40.123456, -83.654321), (39.987654, -82.012345)])
    key = f"{int(point_keys(pts[:1])[0]):016x}"
    old = tmp_path / "matrices" / h.fingerprint() / "rows" / key[-2:] / f"{key}.row"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"HAIROW1\n")
    os.chmod(tmp_path / "matrices", 0o755)
    MatrixCache(tmp_path).matrix(h.fingerprint(), lambda o, d: h.matrix(o, d), pts, pts, with_snap=False)
    assert not (tmp_path / "matrices" / h.fingerprint() / "rows").exists()
    _assert_private(tmp_path / "matrices", pts)


@pytest.mark.osm
@requires_osmium
def test_road_cache_folder_is_private_and_hashed(kouvola: RoadProvider, tmp_path: Path) -> None:
    p = RoadProvider(kouvola.osm_file, cache_dir=tmp_path / "cache")  # builds and caches its own graph
    pts = sample_points(kouvola, 6, seed=30)
    p.matrix(pts)
    fresh = RoadProvider(kouvola.osm_file, cache_dir=tmp_path / "cache")
    fresh.matrix(pts)
    assert fresh.matrix_cache.last_stats.rows_hit == 6 and fresh._graph is None
    _assert_private(tmp_path / "cache", pts)


def test_a_first_run_never_removes_the_salt_a_concurrent_one_just_made(tmp_path: Path, monkeypatch) -> None:
    """The race of two first runs, made deterministic: this run read no salt, then the other linked its
    own into place. This run must take the other's salt (it unlinked it, so the other run's read-back
    failed with 'cannot create the travel-cache salt'), and a damaged salt is still replaced."""
    from geodata.travel import cache as cache_mod

    other = os.urandom(cache_mod.SALT_BYTES)
    real, calls = cache_mod._read_salt, []

    def late(path: Path) -> bytes | None:
        calls.append(path)
        if len(calls) == 1:  # this run's first look: nothing yet; then the other run links its salt
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(other)
            return None
        return real(path)

    monkeypatch.setattr(cache_mod, "_read_salt", late)
    first = MatrixCache(tmp_path / "a")
    assert first.salt() == other == (first.root / ".salt").read_bytes()
    monkeypatch.setattr(cache_mod, "_read_salt", real)
    damaged = MatrixCache(tmp_path / "b")
    damaged.root.mkdir(parents=True)
    (damaged.root / ".salt").write_bytes(b"abc")
    fresh = damaged.salt()
    assert len(fresh) == cache_mod.SALT_BYTES and (damaged.root / ".salt").read_bytes() == fresh
