"""US state and county polygons, and fast point-in-polygon lookups.

The polygons come from ``bokeh-sampledata`` (simplified Census TIGER/Line
geometry, NAD83 degrees, which we label EPSG:4326: the two differ by about a
metre, far below the generalisation of the data).

Why states are built from counties
----------------------------------
``bokeh_sampledata.us_states`` is heavily simplified (New York has 335
vertices): it places Vancouver WA in Oregon and Kansas City KS in Missouri.
``bokeh_sampledata.us_counties`` is about 35 times more detailed, so every
lookup here runs on the county polygons and a point's state is the state of
its county. :func:`states_gdf` dissolves the counties of each state (about a
second, once); ``simplified=True`` returns the light ``us_states`` shapes for
maps.

Coast tolerance
---------------
A home on a bay shore can fall just outside the generalised coastline. A point
inside no polygon is given the nearest polygon when that is at most
``tolerance_km`` away (:data:`COAST_TOLERANCE_KM` by default); beyond it, the
point is outside the US and the lookup returns ``None``.

The tolerance must not pull Windsor ON into Michigan or Tijuana into
California, so it applies only where the nearest boundary is a coast, not the
border with Canada or Mexico. The county polygons hold the inland water up to
those borders (Great Lakes, Detroit and St. Lawrence rivers, Rio Grande), so a
point just across them is foreign. The borders are taken from the national
outline itself: the stretch of the outline between the border's two ends
(typed in below as facts), on the side away from a coast point.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from geodata.states import STATE_CODES, STATE_FIPS, STATE_NAMES
from geodata.travel._geo import haversine_km

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas as gpd
    import shapely

__all__ = [
    "COAST_TOLERANCE_KM",
    "counties_gdf",
    "counties_of",
    "county_of",
    "state_of",
    "states_gdf",
    "states_of",
]

#: Largest distance (km) from a polygon at which a point outside every polygon
#: is still given that polygon (homes on a shore the generalised coastline cuts).
COAST_TOLERANCE_KM: float = 5.0

_KM_PER_DEGREE_LAT = 111.19

# International land/water borders as stretches of the national outline:
# (states whose counties form the outline, first end, last end, a coast point
# that is not on the border), all (lat, lon). The ends are where each border
# meets the sea.
_BORDERS: tuple[tuple[str, tuple[float, float], tuple[float, float], tuple[float, float]], ...] = (
    # US–Canada, contiguous states: Strait of Juan de Fuca → Passamaquoddy Bay.
    ("contiguous", (48.49, -124.73), (44.81, -66.98), (25.0, -80.4)),
    # US–Mexico: Pacific at Tijuana/San Ysidro → mouth of the Rio Grande.
    ("contiguous", (32.5343, -117.1241), (25.9565, -97.1460), (25.0, -80.4)),
    # Alaska–Canada: Beaufort Sea at 141° W → Dixon Entrance (Portland Canal).
    ("AK", (69.646, -141.0), (54.72, -130.62), (65.6, -168.1)),
)
# A fallback is refused when the point is no farther from a border than from
# the polygon it would be given plus this margin (km).
_BORDER_MARGIN_KM = 0.5


@dataclass(frozen=True)
class _Counties:
    """County polygons of the 50 states and DC, with a spatial index."""

    fips: npt.NDArray[np.object_]
    state: npt.NDArray[np.object_]
    name: npt.NDArray[np.object_]
    geoms: npt.NDArray[np.object_]
    tree: "shapely.STRtree"


@lru_cache(maxsize=1)
def _counties() -> _Counties:
    """Load and index the county polygons once (about 0.1 s)."""
    import shapely
    from bokeh_sampledata.us_counties import records

    recs = sorted((r for r in records() if r["state"] in STATE_CODES), key=lambda r: r["fips"])
    geoms = np.array([r["geometry"] for r in recs], dtype=object)
    shapely.prepare(geoms)
    return _Counties(
        fips=np.array([r["fips"] for r in recs], dtype=object),
        state=np.array([r["state"] for r in recs], dtype=object),
        name=np.array([r["name"] for r in recs], dtype=object),
        geoms=geoms,
        tree=shapely.STRtree(geoms),
    )


@lru_cache(maxsize=1)
def _international_borders() -> "shapely.Geometry":
    """The Canada and Mexico borders as lines taken from the national outline.

    Built on first need (about 1 s: the union of the contiguous counties).
    """
    import shapely

    c = _counties()
    outlines: dict[str, npt.NDArray[np.float64]] = {}
    for key in sorted({b[0] for b in _BORDERS}):
        mask = np.isin(c.state, ["AK", "HI"], invert=True) if key == "contiguous" else c.state == key
        union = shapely.union_all(c.geoms[mask])
        parts = list(getattr(union, "geoms", [union]))
        main = max(parts, key=lambda g: g.area)
        outlines[key] = np.asarray(main.exterior.coords)  # closed ring, (lon, lat)

    def nearest_vertex(ring: npt.NDArray[np.float64], lat: float, lon: float) -> int:
        d = (ring[:, 1] - lat) ** 2 + ((ring[:, 0] - lon) * np.cos(np.radians(lat))) ** 2
        return int(np.argmin(d))

    lines = []
    for key, start, end, elsewhere in _BORDERS:
        ring = outlines[key]
        i, j = sorted((nearest_vertex(ring, *start), nearest_vertex(ring, *end)))
        k = nearest_vertex(ring, *elsewhere)
        arc = ring[i : j + 1] if not i <= k <= j else np.vstack([ring[j:-1], ring[: i + 1]])
        lines.append(shapely.linestrings(arc))
    borders = shapely.multilinestrings(lines)
    shapely.prepare(borders)
    return borders


def _per_point(values: npt.NDArray[np.object_], idx: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """``values`` of each point's county (from :func:`_county_index`), ``None`` where it has none."""
    out = np.empty(idx.size, dtype=object)
    found = idx >= 0
    out[found] = values[idx[found]]
    return out


def _county_index(
    lats: npt.ArrayLike, lons: npt.ArrayLike, tolerance_km: float | None
) -> npt.NDArray[np.int64]:
    """Index (into :func:`_counties`) of the county holding each point; -1 for none.

    Points on a shared border belong to the county with the lowest FIPS code.
    Points inside no county take the nearest one within ``tolerance_km``.
    """
    import shapely

    lat = np.atleast_1d(np.asarray(lats, dtype=float)).ravel()
    lon = np.atleast_1d(np.asarray(lons, dtype=float)).ravel()
    if lat.shape != lon.shape:
        raise ValueError(f"lats and lons differ in length ({lat.size} vs {lon.size})")
    out = np.full(lat.size, -1, dtype=np.int64)
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not ok.any():
        return out
    c = _counties()
    where = np.flatnonzero(ok)
    pts = shapely.points(lon[where], lat[where])
    hit_pt, hit_county = c.tree.query(pts, predicate="intersects")
    if hit_pt.size:
        order = np.lexsort((hit_county, hit_pt))  # by point, then lowest county index
        hit_pt, hit_county = hit_pt[order], hit_county[order]
        first = np.r_[True, hit_pt[1:] != hit_pt[:-1]]
        out[where[hit_pt[first]]] = hit_county[first]

    tol = COAST_TOLERANCE_KM if tolerance_km is None else float(tolerance_km)
    miss = where[out[where] < 0]
    if tol > 0 and miss.size:
        # Degree bound generous enough for the highest latitude in the batch.
        cos_min = max(float(np.cos(np.radians(np.abs(lat[miss]).max()))), 0.05)
        bound = tol / (_KM_PER_DEGREE_LAT * cos_min)
        miss_pts = shapely.points(lon[miss], lat[miss])
        near_pt, near_county = c.tree.query_nearest(
            miss_pts, max_distance=bound, all_matches=False
        )
        if near_pt.size:
            line = shapely.shortest_line(miss_pts[near_pt], c.geoms[near_county])
            xy = shapely.get_coordinates(line).reshape(-1, 2, 2)
            km = haversine_km(xy[:, 0, 1], xy[:, 0, 0], xy[:, 1, 1], xy[:, 1, 0])
            keep = km <= tol
            if keep.any():
                # Refuse points across the Canada/Mexico border (foreign land).
                cand = np.flatnonzero(keep)
                bline = shapely.shortest_line(miss_pts[near_pt[cand]], _international_borders())
                bxy = shapely.get_coordinates(bline).reshape(-1, 2, 2)
                bkm = haversine_km(bxy[:, 0, 1], bxy[:, 0, 0], bxy[:, 1, 1], bxy[:, 1, 0])
                keep[cand[bkm <= km[cand] + _BORDER_MARGIN_KM]] = False
            out[miss[near_pt[keep]]] = near_county[keep]
    return out


def states_of(
    lats: npt.ArrayLike, lons: npt.ArrayLike, *, tolerance_km: float | None = None
) -> npt.NDArray[np.object_]:
    """State code of each point (vectorised point-in-polygon).

    Parameters
    ----------
    lats, lons : array_like of float
        WGS84 degrees, same length. Non-finite or out-of-range values give ``None``.
    tolerance_km : float, optional
        A point inside no polygon takes the nearest one within this distance
        (default :data:`COAST_TOLERANCE_KM`); ``0`` asks for strict containment.

    Returns
    -------
    numpy.ndarray of object
        Two-letter code (50 states and ``"DC"``) or ``None`` outside the US.

    Examples
    --------
    >>> states_of([40.7128, 45.6387], [-74.0060, -122.6615]).tolist()
    ['NY', 'WA']
    """
    idx = _county_index(lats, lons, tolerance_km)
    return _per_point(_counties().state, idx)


def state_of(lat: float, lon: float, *, tolerance_km: float | None = None) -> str | None:
    """State code of one point, or ``None`` outside the US (see :func:`states_of`).

    Parameters
    ----------
    lat, lon : float
        WGS84 degrees.
    tolerance_km : float, optional
        Coast tolerance, as in :func:`states_of`.

    Returns
    -------
    str or None
    """
    value = states_of([lat], [lon], tolerance_km=tolerance_km)[0]
    return None if value is None else str(value)


def counties_of(
    lats: npt.ArrayLike, lons: npt.ArrayLike, *, tolerance_km: float | None = None
) -> npt.NDArray[np.object_]:
    """County FIPS code (``"SSCCC"``) of each point, ``None`` outside the US.

    Parameters
    ----------
    lats, lons : array_like of float
        WGS84 degrees, same length.
    tolerance_km : float, optional
        Coast tolerance, as in :func:`states_of`.

    Returns
    -------
    numpy.ndarray of object
    """
    idx = _county_index(lats, lons, tolerance_km)
    return _per_point(_counties().fips, idx)


def county_of(lat: float, lon: float, *, tolerance_km: float | None = None) -> str | None:
    """County FIPS code of one point, or ``None`` (see :func:`counties_of`)."""
    value = counties_of([lat], [lon], tolerance_km=tolerance_km)[0]
    return None if value is None else str(value)


def counties_gdf() -> "gpd.GeoDataFrame":
    """County polygons of the 50 states and DC.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``state`` (code), ``county`` (name), ``fips`` (``"SSCCC"``),
        ``geometry``; EPSG:4326; sorted by FIPS. A fresh copy on every call.
    """
    return _counties_gdf().copy()


@lru_cache(maxsize=1)
def _counties_gdf() -> "gpd.GeoDataFrame":
    import geopandas as gpd

    c = _counties()
    return gpd.GeoDataFrame(
        {"state": c.state.astype(str), "county": c.name.astype(str), "fips": c.fips.astype(str)},
        geometry=list(c.geoms),
        crs="EPSG:4326",
    )


def states_gdf(*, simplified: bool = False) -> "gpd.GeoDataFrame":
    """State polygons of the 50 states and DC.

    Parameters
    ----------
    simplified : bool, default False
        ``False``: each state is the union of its county polygons (the same
        geometry the lookups use). ``True``: the light ``us_states`` shapes of
        bokeh-sampledata, fine for maps, too coarse for lookups near borders.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``state`` (code), ``name``, ``fips`` (two digits),
        ``geometry``; EPSG:4326; sorted by code. A fresh copy on every call.
    """
    return _states_gdf(simplified).copy()


@lru_cache(maxsize=2)
def _states_gdf(simplified: bool) -> "gpd.GeoDataFrame":
    import geopandas as gpd
    import shapely

    geoms: dict[str, Any]
    if simplified:
        from bokeh_sampledata.us_states import records

        geoms = {r["code"]: r["geometry"] for r in records() if r["code"] in STATE_NAMES}
    else:
        c = _counties()
        geoms = {
            code: shapely.union_all(c.geoms[c.state == code])
            for code in sorted(set(c.state.tolist()))
        }
    codes = sorted(geoms)
    return gpd.GeoDataFrame(
        {
            "state": codes,
            "name": [STATE_NAMES[s] for s in codes],
            "fips": [STATE_FIPS[s] for s in codes],
        },
        geometry=[geoms[s] for s in codes],
        crs="EPSG:4326",
    )
