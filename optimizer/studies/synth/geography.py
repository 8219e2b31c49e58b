"""Places and centers (the world), jittered points, ZIP centroids, nurse homes (patients: ``population``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import geodata
from geodata import states_of
from geodata.travel import haversine_km
from optimizer.studies.synth.assumptions import (KM_PER_DEG, NURSE_DECAY_KM, NURSE_JITTER_KM,
                                                 NURSE_MIN_PLACE_POPULATION, NURSE_NEAR_KM)


def pairwise_km(
    lat_a: npt.NDArray[np.float64], lon_a: npt.NDArray[np.float64],
    lat_b: npt.NDArray[np.float64], lon_b: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Distance matrix ``len(a) × len(b)`` in km."""
    return haversine_km(lat_a[:, None], lon_a[:, None], lat_b[None, :], lon_b[None, :])


def _choice(rng: np.random.Generator, weights: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.int64]:
    """``size`` indices drawn with replacement, probability ∝ ``weights``."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    if not total > 0:
        raise ValueError("no candidates with positive weight")
    return rng.choice(w.size, size=size, p=w / total)


def jitter_in_state(
    rng: np.random.Generator,
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    state: npt.NDArray[np.object_],
    sigma_km: npt.NDArray[np.float64],
    *,
    rounds: int = 8,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Points moved a few km (normal, ``sigma_km``) and kept strictly inside ``state``.

    A point that leaves its state is redrawn with a smaller spread; after
    ``rounds`` tries it stays at its origin (which lies in the state).
    Coordinates are rounded to 5 decimals before the check, as written.
    """
    return jitter_inside(rng, lat, lon, state, sigma_km,
                         region_of=lambda a, b: states_of(a, b, tolerance_km=0), rounds=rounds, shrink=0.6)


def jitter_inside(
    rng: np.random.Generator,
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    region: npt.NDArray[np.object_],
    sigma_km: npt.NDArray[np.float64],
    *,
    region_of: Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.object_]],
    rounds: int,
    shrink: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Points moved a few km (normal, ``sigma_km``) and kept inside their ``region`` (a state, a
    county: ``region_of`` labels points); a point that leaves it is redrawn with its spread times
    ``shrink``, and after ``rounds`` tries stays at its origin. Rounded to 5 decimals, as written."""
    out_lat, out_lon = np.round(lat, 5), np.round(lon, 5)
    todo = np.arange(lat.size)
    sigma = np.asarray(sigma_km, dtype=float).copy()
    for _ in range(rounds):
        if todo.size == 0:
            break
        dn = rng.normal(0.0, 1.0, todo.size) * sigma[todo]
        de = rng.normal(0.0, 1.0, todo.size) * sigma[todo]
        cand_lat = np.round(lat[todo] + dn / KM_PER_DEG, 5)
        cand_lon = np.round(lon[todo] + de / (KM_PER_DEG * np.cos(np.radians(lat[todo]))), 5)
        ok = region_of(cand_lat, cand_lon) == region[todo]
        out_lat[todo[ok]], out_lon[todo[ok]] = cand_lat[ok], cand_lon[ok]
        todo = todo[~ok]
        sigma[todo] *= shrink
    return out_lat, out_lon


@dataclass(frozen=True)
class World:
    """Places of the footprint (checked to lie in their state) and the centers."""

    p_lat: npt.NDArray[np.float64]
    p_lon: npt.NDArray[np.float64]
    p_pop: npt.NDArray[np.float64]
    p_state: npt.NDArray[np.object_]
    p_name: npt.NDArray[np.object_]
    c_id: npt.NDArray[np.object_]
    c_lat: npt.NDArray[np.float64]
    c_lon: npt.NDArray[np.float64]
    dist: npt.NDArray[np.float64]  # centers × places, km


def build_world(footprint: tuple[str, ...]) -> World:
    pl = geodata.places(footprint)
    lat, lon = pl["lat"].to_numpy(float), pl["lon"].to_numpy(float)
    state = pl["state"].to_numpy(object)
    inside = geodata.states_of(lat, lon, tolerance_km=0) == state
    pl = pl.loc[inside]
    if pl.empty:
        raise ValueError(f"no places found in the footprint {', '.join(footprint)}")
    centers = geodata.hai_centers()
    p_lat, p_lon = pl["lat"].to_numpy(float), pl["lon"].to_numpy(float)
    c_lat, c_lon = centers["lat"].to_numpy(float), centers["lon"].to_numpy(float)
    return World(
        p_lat=p_lat,
        p_lon=p_lon,
        p_pop=pl["population"].to_numpy(float),
        p_state=pl["state"].to_numpy(object),
        p_name=pl["name"].to_numpy(object),
        c_id=centers["center_id"].to_numpy(object),
        c_lat=c_lat,
        c_lon=c_lon,
        dist=pairwise_km(c_lat, c_lon, p_lat, p_lon),
    )


@dataclass(frozen=True)
class _ZipIndex:
    zip: npt.NDArray[np.object_]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    state: npt.NDArray[np.object_]


def zip_index(footprint: tuple[str, ...]) -> _ZipIndex:
    """Residential ZIPs of the footprint whose centroid lies in their own state."""
    z = geodata.zips_table()
    z = z[(z["type"] == "STANDARD") & z["active"] & z["state"].isin(list(footprint))]
    lat, lon = z["lat"].to_numpy(float), z["lon"].to_numpy(float)
    state = z["state"].to_numpy(object)
    # Strictly inside: then the loaders' (tolerant) lookup gives the same state.
    ok = geodata.states_of(lat, lon, tolerance_km=0) == state
    return _ZipIndex(z["zip"].to_numpy(object)[ok], lat[ok], lon[ok], state[ok])


def nearest_zips(
    zi: _ZipIndex, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], state: npt.NDArray[np.object_]
) -> npt.NDArray[np.int64]:
    """Index (into ``zi``) of the nearest ZIP of the same state; -1 if the state has none."""
    out = np.full(lat.size, -1, dtype=np.int64)
    for s in sorted(set(state.tolist())):
        rows = np.flatnonzero(state == s)
        cand = np.flatnonzero(zi.state == s)
        if cand.size == 0:
            continue
        d = pairwise_km(lat[rows], lon[rows], zi.lat[cand], zi.lon[cand])
        out[rows] = cand[np.argmin(d, axis=1)]
    return out


def nurse_homes(
    rng: np.random.Generator, world: World, n: int, pat_lat: npt.NDArray[np.float64],
    pat_lon: npt.NDArray[np.float64],
) -> dict[str, npt.NDArray]:
    """Nurse homes in population centers, in proportion to patient demand.

    Each nurse follows a random patient and lives in a population center near
    them (weight ``population^0.5 × exp(−km / 30)`` within 80 km; the nearest
    center when none is that close), so regions get nurses in proportion to
    their patients, not to how many towns a metro area counts.
    """
    big = world.p_pop >= NURSE_MIN_PLACE_POPULATION
    if not big.any():
        big = np.ones_like(big)
    cand = np.flatnonzero(big)
    if pat_lat.size:
        follow = rng.integers(0, pat_lat.size, size=n)
        d = pairwise_km(pat_lat[follow], pat_lon[follow], world.p_lat[cand], world.p_lon[cand])
        w = np.where(d <= NURSE_NEAR_KM, np.sqrt(world.p_pop[cand])[None, :] * np.exp(-d / NURSE_DECAY_KM), 0.0)
        none = w.sum(axis=1) == 0
        w[none, np.argmin(d[none], axis=1)] = 1.0
        cum = np.cumsum(w, axis=1)
        u = rng.random(n)[:, None] * cum[:, -1:]
        place = cand[np.minimum((cum < u).sum(axis=1), cand.size - 1)]
    else:
        place = cand[_choice(rng, np.sqrt(world.p_pop[cand]), n)]
    lat, lon = jitter_in_state(rng, world.p_lat[place], world.p_lon[place], world.p_state[place],
                                np.full(n, NURSE_JITTER_KM))
    return {"place": place, "lat": lat, "lon": lon, "state": world.p_state[place]}
