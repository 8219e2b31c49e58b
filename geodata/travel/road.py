"""Road-network travel times: an osmnx graph from OSM data, many-to-many with scipy Dijkstra.

The graph comes from a local OSM file (PBF via osmium-tool, or XML) or, only
when network access is allowed, from a download by place name or bounding box.
It is built once and cached on disk as flat arrays keyed by the file's hash and
the build settings; it is loaded lazily, so a run fully served by the matrix
cache never touches it.

Points are snapped to the nearest node of the largest strongly connected
component; the straight snap distance is driven as an access leg at
``RoadSettings.access_speed_kmh`` at both ends, and reported in
``TravelMatrix.snap_km``. Times are free-flow (no traffic, no turn or signal
delays), so they are optimistic at rush hour.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geodata.travel import _engine, _osm
from geodata.travel._geo import as_points, drop_beyond, origins_and_destinations, point_keys, same_points
from geodata.travel._graph import GraphCacheError, RoadGraph, from_networkx
from geodata.travel._isochrone import service_polygon
from geodata.travel._rowfile import private_dir
from geodata.travel._snap import Snapper
from geodata.travel._stats import EngineStats
from geodata.travel.base import LatLon, TravelMatrix, UnreachableError
from geodata.travel.cache import MatrixCache, resolve_cache_dir
from geodata.travel.settings import RoadSettings

if TYPE_CHECKING:  # pragma: no cover
    from shapely.geometry import MultiPolygon, Polygon

# scipy.sparse.csgraph, scipy.spatial and shapely are imported where first needed (inside the
# graph, engine, snapping and isochrone modules), so a run served entirely by the matrix cache
# starts fast (they take ~0.3 s to import).

log = logging.getLogger(__name__)

_FINGERPRINT_VERSION = "road-1"


class RoadProvider:
    """Drive times on a real road graph (see module docstring).

    Parameters
    ----------
    osm_file
        Local OSM extract (``.osm.pbf`` needs osmium-tool; ``.osm``/``.xml``[``.bz2``]).
    place
        Place name to download (e.g. ``"Columbus, Ohio, USA"``); needs network access.
    bbox
        ``(west, south, east, north)`` degrees to download; needs network access.
    settings
        Graph and routing parameters.
    network
        Shortcut for ``settings.network`` (``"drive"`` or ``"major"``); a different
        network also resets ``access_speed_kmh`` to that network's default.
    cache_dir
        Root of the graph and matrix caches (default ``$HAIPLAN_CACHE_DIR`` or
        ``~/.cache/haiplan``).
    matrix_cache
        Persist matrices on disk and compute only new rows/columns.
    graph_cache
        Persist the built graph on disk.
    allow_network
        Permit the download for ``place``/``bbox``; None defers to
        ``geodata.travel.settings.ALLOW_NETWORK``.

    Attributes
    ----------
    stats
        Dijkstra work counters.
    """

    name: str = "road"

    def __init__(
        self,
        osm_file: str | os.PathLike[str] | None = None,
        *,
        place: str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        settings: RoadSettings | None = None,
        network: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        matrix_cache: bool = True,
        graph_cache: bool = True,
        allow_network: bool | None = None,
    ) -> None:
        given = [x is not None for x in (osm_file, place, bbox)]
        if sum(given) != 1:
            raise ValueError("give exactly one of osm_file=..., place=... or bbox=...")
        settings = settings if settings is not None else RoadSettings()
        if network is not None and network != settings.network:
            settings = replace(settings, network=network, access_speed_kmh=None)
        self.settings = settings
        self.osm_file = Path(osm_file).expanduser().resolve() if osm_file is not None else None
        if self.osm_file is not None and not self.osm_file.is_file():
            raise FileNotFoundError(f"OSM file not found: {self.osm_file}")
        self.place = place
        self.bbox = tuple(map(float, bbox)) if bbox is not None else None
        if self.bbox is not None and len(self.bbox) != 4:
            raise ValueError("bbox must be (west, south, east, north)")
        self.allow_network = allow_network
        self.cache_dir = resolve_cache_dir(cache_dir)
        self.matrix_cache: MatrixCache | None = MatrixCache(self.cache_dir) if matrix_cache else None
        self.graph_cache = graph_cache
        self.stats = EngineStats()
        self._graph: RoadGraph | None = None
        self._snapper: Snapper | None = None
        self._source_key: str | None = None
        self._fingerprint: str | None = None

    def __repr__(self) -> str:
        src = self.osm_file or (f"place={self.place!r}" if self.place else f"bbox={self.bbox}")
        return f"RoadProvider({src}, network={self.settings.network!r})"

    # -- graph -------------------------------------------------------------------

    def source_key(self) -> str:
        """Identity of the OSM data: the file's SHA-256, or the download query."""
        if self._source_key is None:
            if self.osm_file is not None:
                self._source_key = "file:" + _osm.file_sha256(self.osm_file)
            elif self.place is not None:
                self._source_key = "place:" + self.place
            else:
                self._source_key = "bbox:" + ",".join(f"{v:.6f}" for v in self.bbox or ())
        return self._source_key

    def graph_key(self) -> str:
        """Key of the built graph in the disk cache (data, build settings, osmnx version)."""
        payload = "|".join([_FINGERPRINT_VERSION, self.source_key(), self.settings.graph_json(), version("osmnx")])
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def graph_path(self) -> Path:
        """Where the built graph is cached."""
        return self.cache_dir / "graphs" / f"{self.graph_key()}.npz"

    @property
    def graph(self) -> RoadGraph:
        """The road graph, loaded from the disk cache or built (once per provider)."""
        if self._graph is None:
            self._graph = self._load_or_build()
        return self._graph

    def _load_or_build(self) -> RoadGraph:
        path = self.graph_path()
        if self.graph_cache and path.is_file():
            try:
                graph = RoadGraph.load(path)
                log.info("road graph loaded from cache %s", path)
                return graph
            except GraphCacheError as exc:
                log.warning("%s; rebuilding the graph", exc)
        t0 = time.perf_counter()
        if self.osm_file is not None:
            G = _osm.graph_from_file(self.osm_file, self.settings)
            source = str(self.osm_file)
        else:
            G = _osm.graph_from_download(place=self.place, bbox=self.bbox, settings=self.settings,
                                         allow_network=self.allow_network,
                                         http_cache_dir=private_dir(self.cache_dir / "osmnx-http"))
            source = self.source_key()
        meta = {
            "source": source, "source_key": self.source_key(), "settings": self.settings.graph_json(),
            "osmnx": version("osmnx"), "osmnx_nodes": G.number_of_nodes(), "osmnx_edges": G.number_of_edges(),
        }
        graph = from_networkx(G, meta)
        del G
        graph.meta["build_seconds"] = round(time.perf_counter() - t0, 3)
        log.info("road graph built: %d nodes, %d edges in %.1f s", graph.n_nodes, graph.n_edges,
                 graph.meta["build_seconds"])
        if self.graph_cache:
            try:
                private_dir(path.parent)  # 0700, like every cache folder
                graph.save(path)
                os.chmod(path, 0o600)
            except OSError as exc:  # a read-only cache must not stop planning
                log.warning("could not cache the road graph at %s: %s", path, exc)
        return graph

    def fingerprint(self) -> str:
        """Hash of the data, the graph build and the routing settings (for caches).

        For files this needs only the file's hash (the graph is not loaded);
        downloads are identified by the downloaded graph's content.
        """
        if self._fingerprint is None:
            data = self.graph_key() if self.osm_file is not None else self.graph.checksum()
            payload = "|".join([_FINGERPRINT_VERSION, data, self.settings.routing_json()])
            self._fingerprint = hashlib.sha256(payload.encode()).hexdigest()[:32]
        return self._fingerprint

    # -- snapping ----------------------------------------------------------------

    def snap(self, points: Sequence[LatLon] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest strongly-connected node of every point and the straight access-leg km.

        Returns
        -------
        nodes, km
            Graph node indices (into ``graph.node_lat``) and distances.
        """
        pts = as_points(points)
        if self._snapper is None:
            g = self.graph
            self._snapper = Snapper(g.node_lat, g.node_lon, np.flatnonzero(g.scc_mask))
        return self._snapper.snap(pts)

    def _access_minutes(self, km: np.ndarray) -> np.ndarray:
        return km / float(self.settings.access_speed_kmh) * 60.0  # type: ignore[arg-type]

    # -- matrices ----------------------------------------------------------------

    def _compute(self, orig: np.ndarray, dest: np.ndarray, max_minutes: float | None = None) -> TravelMatrix:
        """Uncached matrix between validated point arrays."""
        self.stats.matrix_calls += 1
        o_node, o_km = self.snap(orig)
        d_node, d_km = self.snap(dest)
        o_ok = o_km <= self.settings.max_snap_km
        d_ok = d_km <= self.settings.max_snap_km
        net_min = np.full((orig.shape[0], dest.shape[0]), np.nan)
        net_km = net_min.copy()
        if o_ok.any() and d_ok.any():
            sub_min, sub_km = _engine.node_matrix(
                self.graph, o_node[o_ok], d_node[d_ok], max_minutes=max_minutes,
                chunk_megabytes=self.settings.chunk_megabytes, stats=self.stats,
            )
            net_min[np.ix_(o_ok, d_ok)] = sub_min
            net_km[np.ix_(o_ok, d_ok)] = sub_km
        minutes = self._access_minutes(o_km)[:, None] + net_min + self._access_minutes(d_km)[None, :]
        km = o_km[:, None] + net_km + d_km[None, :]
        same = same_points(orig, dest)
        minutes[same] = 0.0
        km[same] = 0.0
        drop_beyond(minutes, km, max_minutes)
        return TravelMatrix(minutes=minutes, km=km, snap_km=(o_km, d_km))

    def matrix(
        self,
        origins: Sequence[LatLon],
        destinations: Sequence[LatLon] | None = None,
        *,
        max_minutes: float | None = None,
    ) -> TravelMatrix:
        """Drive minutes and km from every origin to every destination.

        Parameters
        ----------
        origins, destinations
            ``(lat, lon)`` points; ``destinations=None`` means the origins.
        max_minutes
            Optional cutoff: farther pairs are nan (uncached runs pass it to
            Dijkstra as ``limit``; cached runs compute full rows and mask).

        Returns
        -------
        TravelMatrix
            nan (``reachable`` False) for pairs without a route, pairs with a
            point more than ``max_snap_km`` from the graph, and pairs beyond
            the cutoff; ``snap_km`` holds the access-leg lengths.
        """
        orig, dest = origins_and_destinations(origins, destinations)
        if self.matrix_cache is None:
            return self._compute(orig, dest, max_minutes)
        tm = self.matrix_cache.matrix(self.fingerprint(), self._compute, orig, dest, with_snap=True)
        if max_minutes is None:
            return tm
        minutes, km = tm.minutes.copy(), tm.km.copy()
        drop_beyond(minutes, km, max_minutes)
        return TravelMatrix(minutes=minutes, km=km, snap_km=tm.snap_km)

    # -- geometry ----------------------------------------------------------------

    def route(self, a: LatLon, b: LatLon) -> list[LatLon]:
        """Polyline ``(lat, lon)`` of the fastest route, access legs included.

        Raises
        ------
        UnreachableError
            If a point is farther than ``max_snap_km`` from the graph or no route exists.
        """
        pts = as_points([a, b], what="route end points")
        (na, nb), km = self.snap(pts)
        if (km > self.settings.max_snap_km).any():
            raise UnreachableError(f"a route end lies more than {self.settings.max_snap_km} km from the road graph")
        start, end = (float(pts[0, 0]), float(pts[0, 1])), (float(pts[1, 0]), float(pts[1, 1]))
        if point_keys(pts[:1])[0] == point_keys(pts[1:])[0]:
            return [start, end]
        g = self.graph
        path = _engine.path_nodes(g, int(na), int(nb), stats=self.stats)
        if path is None:  # pragma: no cover - both ends are in the largest SCC
            raise UnreachableError(f"no route from ({a[0]:.2f}, {a[1]:.2f}) to ({b[0]:.2f}, {b[1]:.2f})")
        coords: list[LatLon] = [start, (float(g.node_lat[path[0]]), float(g.node_lon[path[0]]))]
        for u, v in zip(path, path[1:]):
            coords.extend(map(tuple, g.edge_vertices(g.edge_index(u, v)).tolist()))
            coords.append((float(g.node_lat[v]), float(g.node_lon[v])))
        coords.append(end)
        out = [coords[0]]
        for c in coords[1:]:
            if c != out[-1]:
                out.append(c)
        return out

    def reached(self, point: LatLon, minutes: float) -> tuple[np.ndarray, float]:
        """Minutes from ``point`` to every node (nan beyond ``minutes``) and its access-leg km."""
        pts = as_points([point], what="service-area point")
        (node,), (km,) = self.snap(pts)
        times = np.full(self.graph.n_nodes, np.nan)
        if km > self.settings.max_snap_km:
            return times, float(km)
        access = float(self._access_minutes(np.array(km)))
        budget = float(minutes) - access
        if budget >= 0:
            times = _engine.reach(self.graph, int(node), budget, stats=self.stats) + access
        return times, float(km)

    def service_area(self, point: LatLon, minutes: float) -> Polygon | MultiPolygon:
        """Area reachable from ``point`` within ``minutes`` (lon/lat, EPSG:4326).

        The polygon contains every graph node reached within the cutoff (access
        leg included) and no node beyond it (see ``RoadSettings``); it is empty
        when the point lies more than ``max_snap_km`` from the graph.
        """
        from shapely.geometry import Polygon

        times, km = self.reached(point, minutes)
        if km > self.settings.max_snap_km:
            return Polygon()
        pts = as_points([point])
        (node,), _ = self.snap(pts)
        radius_m = max(float(minutes), 0.0) / 60.0 * float(self.settings.access_speed_kmh) * 1000.0  # type: ignore[arg-type]
        return service_polygon(self.graph, (float(pts[0, 0]), float(pts[0, 1])), int(node), ~np.isnan(times),
                               self.settings, access_radius_m=radius_m)
