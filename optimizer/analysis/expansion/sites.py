"""Candidate hire sites: from a CSV, from population centers near demand, from uncovered clusters.

Sites are public places (towns), never a patient's home.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import geodata
from geodata.travel import get_provider
from optimizer.domain import Roster
from optimizer.analysis.expansion.actions import Site
from optimizer.analysis.expansion.config import ExpansionSettings
from optimizer.analysis.expansion.demand import Demand, demand_points
from optimizer.analysis.expansion.gates import server_access
from optimizer.clusters import kmeans_labels
from optimizer.errors import ProblemCollector
from optimizer.io import _fields as F
from optimizer.io._rows import Row
from optimizer.io._table import read_table

__all__ = ["load_sites", "candidate_sites", "nearest", "default_provider"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "site"


def _not_negative(text: str) -> float:
    value = F.parse_float(text)
    if value < 0:
        raise ValueError(f"need a finite number >= 0, not {F.shown(text)}")
    return value


def load_sites(path: str | Path) -> list[Site]:
    """Candidate sites from a CSV: ``name,state,lat,lon`` (+ optional ``site_id,cost,lead_weeks``).

    Read as every input table is (:func:`optimizer.io._table.read_table`, the cell parsers of
    :mod:`optimizer.io._fields`).

    Raises :class:`optimizer.errors.DataError` naming row and column of every bad cell.
    """
    table = read_table(Path(path), sheet="sites", expected={"name", "state", "lat", "lon"})
    errors = ProblemCollector(table.name)
    for col in ("name", "state", "lat", "lon"):
        if col not in table.columns:
            errors.add(1, col, "required column is missing")
    errors.raise_if_any()
    sites: list[Site] = []
    seen: set[str] = set()
    for row in (Row(table, i, errors) for i, values in enumerate(table.rows) if values):
        name = row.get("name", F.parse_text, required=True)
        state = row.get("state", F.parse_state, required=True)
        lat = row.get("lat", F.ranged("patients", "lat"), required=True)
        lon = row.get("lon", F.ranged("patients", "lon"), required=True)
        cost = row.get("cost", _not_negative)
        lead = row.get("lead_weeks", _not_negative)
        sid = row.get("site_id", F.parse_id) or f"{state}-{_slug(str(name or ''))}"
        if sid in seen:
            row.fail("site_id", f"site {sid!r} listed twice")
        seen.add(sid)  # type: ignore[arg-type]
        if row.ok:
            sites.append(Site(sid, name, state, lat, lon, "file", 0, cost, lead))  # type: ignore[arg-type]
    errors.raise_if_any()
    return sites


def nearest(lat: NDArray[np.float64], lon: NDArray[np.float64], plat: NDArray[np.float64],
             plon: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the nearest of (plat, plon) for every (lat, lon) (equirectangular, fine locally)."""
    k = np.cos(np.radians(np.asarray(lat)))[:, None]
    d = (np.asarray(lat)[:, None] - plat[None, :]) ** 2 + ((np.asarray(lon)[:, None] - plon[None, :]) * k) ** 2
    return np.argmin(d, axis=1)


def _covered_now(roster: Roster, demand: Demand, minutes: NDArray[np.float64], cutoff: float,
                 on: date) -> NDArray[np.bool_]:
    """Demand points some existing nurse may serve today within the cutoff (capacity ignored)."""
    covered = np.zeros(len(demand), dtype=bool)
    for k, n in enumerate(roster.nurses):
        access = server_access(n, demand, minutes[k], cutoff=cutoff, on=on)
        covered[access.reach[access.eligible_now(demand)]] = True
    return covered


def candidate_sites(
    roster: Roster,
    *,
    provider: Any = None,
    settings: ExpansionSettings | None = None,
    demand: Demand | None = None,
    on: date | None = None,
    seed: int = 0,
) -> list[Site]:
    """Candidate hire sites: population centers near demand, and uncovered demand clusters.

    Parameters
    ----------
    roster
        Patients (demand) and the existing nurses.
    provider
        Travel provider (haversine by default).
    settings
        Cutoff and site-generation knobs (:class:`ExpansionSettings`).
    demand
        Precomputed :func:`demand_points`.
    on
        Date licenses are judged on (default today).
    seed
        Seed of the k-means clustering (deterministic).

    Returns
    -------
    list of Site
        Population centers first (by state, then population), then cluster sites;
        no two sites at the same place.
    """
    settings = settings or ExpansionSettings()
    provider = provider or default_provider()
    demand = demand if demand is not None else demand_points(roster)
    on = on or date.today()
    if len(demand) == 0:
        return []
    seen: set[int] = set()
    sites = _population_sites(demand, provider=provider, settings=settings, seen=seen)
    if settings.cluster_sites > 0 and roster.nurses:
        sites += _cluster_sites(roster, demand, provider=provider, settings=settings, on=on, seed=seed, seen=seen)
    if settings.max_sites is not None:
        sites = sites[: settings.max_sites]
    return sites


def _population_sites(demand: Demand, *, provider: Any, settings: ExpansionSettings,
                      seen: set[int]) -> list[Site]:
    """The largest places per state that reach some demand within the cutoff (ids added to ``seen``)."""
    sites: list[Site] = []
    big = geodata.places(min_population=settings.site_min_population)
    if not len(big) or settings.sites_per_state <= 0:
        return sites
    pts = list(zip(demand.lat.tolist(), demand.lon.tolist()))
    reach = provider.matrix(list(zip(big.lat, big.lon)), pts).minutes
    near = np.nan_to_num(reach, nan=np.inf).min(axis=1) <= settings.cutoff_minutes
    big = big[near]
    for state, grp in big.groupby("state", sort=True):
        for row in grp.head(settings.sites_per_state).itertuples():
            seen.add(int(row.geonameid))
            sites.append(Site(f"{state}-{row.geonameid}", str(row.name), str(state), float(row.lat),
                              float(row.lon), "places", int(row.population)))
    return sites


def _cluster_sites(roster: Roster, demand: Demand, *, provider: Any, settings: ExpansionSettings, on: date,
                   seed: int, seen: set[int]) -> list[Site]:
    """Towns nearest the k-means clusters of the demand no existing nurse covers today.

    Each cluster is snapped to the nearest town (≥ 5,000 inhabitants) of its
    majority state; a town already in ``seen`` is skipped (ids added to ``seen``).
    """
    pts = list(zip(demand.lat.tolist(), demand.lon.tolist()))
    m = provider.matrix([(n.lat, n.lon) for n in roster.nurses], pts).minutes
    uncovered = ~_covered_now(roster, demand, np.nan_to_num(m, nan=np.inf), settings.cutoff_minutes, on)
    if not uncovered.any():
        return []
    ulat, ulon = demand.lat[uncovered], demand.lon[uncovered]
    k = min(settings.cluster_sites, int(uncovered.sum()))
    coslat = math.cos(math.radians(float(ulat.mean())))
    labels = kmeans_labels(np.column_stack([ulat, ulon * coslat]), k, seed=seed)
    ustate = demand.state[uncovered]
    small = geodata.places(min_population=5000)
    sites: list[Site] = []
    for c in range(k):
        members = labels == c
        if not members.any():
            continue
        states, counts = np.unique(ustate[members].astype(str), return_counts=True)
        state = str(states[np.argmax(counts)])
        cand = small[small.state == state]
        if not len(cand):
            continue
        lat0 = float(ulat[members].mean())
        lon0 = float(ulon[members].mean())
        j = int(nearest(np.array([lat0]), np.array([lon0]), cand.lat.to_numpy(), cand.lon.to_numpy())[0])
        row = cand.iloc[j]
        gid = int(row.geonameid)
        if gid in seen:
            continue
        seen.add(gid)
        sites.append(Site(f"{state}-{gid}", str(row["name"]), state, float(row.lat), float(row.lon),
                          "cluster", int(row.population)))
    return sites


def default_provider() -> Any:
    """The haversine travel provider (the default of every study)."""
    return get_provider("haversine")
