"""Draw a synthetic national roster (:func:`generate`), step by step, on real geography."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from geodata import nlc_members
from geodata.states import STATE_CODES
from optimizer import settings
from optimizer.errors import ArgumentError
from optimizer.studies.synth.assumptions import (DEFAULT_FOOTPRINT, DEFAULT_INFUSATE_MIX, INACTIVE_SHARE,
                                         LONG_VISIT_SHARE, NARROW_WINDOWS, NURSE_COLUMNS, PATIENT_COLUMNS,
                                         PREFERRED_MAX_KM, SHIFT_PATTERNS, TIME_OFF_COLUMNS, WAGE_FACTOR,
                                         WEEKDAYS)
from optimizer.studies.synth.draws import draw_licenses, draw_time_off, fill_history
from optimizer.studies.synth.geography import World, build_world, nearest_zips, nurse_homes, pairwise_km, zip_index
from optimizer.studies.synth.population import draw_homes

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd


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
    history : pandas.DataFrame or None
        Not written: the fills of a simulated program history
        (:func:`optimizer.studies.synth.presets.program_history`), when the
        roster comes from one.
    """

    patients: "pd.DataFrame"
    nurses: "pd.DataFrame"
    time_off: "pd.DataFrame"
    origins: "pd.DataFrame"
    as_of: date
    plan_start: date
    seed: int
    states: tuple[str, ...] = field(default_factory=tuple)
    history: "pd.DataFrame | None" = None


def generate(
    n_patients: int,
    n_nurses: int,
    *,
    seed: int = 0,
    states: Iterable[str] | None = None,
    as_of: date,
    plan_start: date | None = None,
    chemo_share: float = 0.6,
    rural_share: float | None = None,
    zip_only_share: float = 0.05,
    overdue_share: float = 0.0,
    preferred_share: float = 0.2,
    narrow_window_share: float = 0.15,
    multistate_share: float = 0.92,
    infusate_mix: Mapping[str, float] | None = None,
    centers: Sequence[str] | None = None,
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
    rural_share : float, optional
        Share of rural patients (small places and countryside of sparse
        counties, :mod:`optimizer.studies.synth.population`); by default as
        the population model draws them.
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
    centers : sequence of str, optional
        Only patients referred to these HAI centers (``center_id`` of
        :func:`geodata.hai_centers`); default: every center.

    Returns
    -------
    Synthetic

    Raises
    ------
    ArgumentError
        (a ``ValueError``) For a negative size or seed, a share outside [0, 1], an unknown state or
        infusate, or a ``plan_start`` outside ``[as_of, as_of + 7]``.
    """
    if seed < 0:
        raise ArgumentError(f"seed must be ≥ 0, not {seed}")
    footprint, mix, plan_start = _checked_arguments(
        n_patients, n_nurses, states=states, as_of=as_of, plan_start=plan_start, infusate_mix=infusate_mix,
        shares={"chemo_share": chemo_share, "rural_share": 0.0 if rural_share is None else rural_share,
                "zip_only_share": zip_only_share,
                "overdue_share": overdue_share, "preferred_share": preferred_share,
                "narrow_window_share": narrow_window_share, "multistate_share": multistate_share})
    r_home, r_fill, r_care, r_nurse, r_lic, r_shift, r_off, r_pref, r_zip = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)
    )
    world = build_world(footprint)
    compact = frozenset(nlc_members(on=as_of))
    pat = _draw_patients(
        _Streams(home=r_home, fill=r_fill, care=r_care, zip=r_zip), world, n_patients, footprint=footprint,
        as_of=as_of, plan_start=plan_start, mix=mix, rural_share=rural_share, zip_only_share=zip_only_share,
        overdue_share=overdue_share, narrow_window_share=narrow_window_share, centers=centers)
    nur = _draw_nurses(r_nurse, r_lic, r_shift, world, n_nurses, pat, footprint=footprint, compact=compact,
                       multistate_share=multistate_share, chemo_share=chemo_share)
    preferred = _preferred_nurses(r_pref, pat, nur, compact=compact, preferred_share=preferred_share)
    return Synthetic(patients=_patient_table(pat, preferred, as_of=as_of), nurses=_nurse_table(nur),
                     time_off=_time_off_table(r_off, nur.ids, nur.workdays, plan_start),
                     origins=_origins(pat, world), as_of=as_of, plan_start=plan_start, seed=seed,
                     states=footprint)


def _checked_arguments(
    n_patients: int, n_nurses: int, *, states: Iterable[str] | None, as_of: date, plan_start: date | None,
    infusate_mix: Mapping[str, float] | None, shares: Mapping[str, float],
) -> tuple[tuple[str, ...], dict[str, float], date]:
    """The footprint, the infusate mix and the first planned day, or :class:`~optimizer.errors.ArgumentError`
    (a ``ValueError``; see :func:`generate`)."""
    if n_patients < 0 or n_nurses < 0:
        raise ArgumentError("n_patients and n_nurses must be ≥ 0")
    for key, value in shares.items():
        if not 0.0 <= value <= 1.0:
            raise ArgumentError(f"{key} must be in [0, 1], not {value}")
    if states is None:
        states = DEFAULT_FOOTPRINT
    elif isinstance(states, str):
        states = states.replace(",", ";").split(";")
    footprint = tuple(sorted({str(s).strip().upper() for s in states} - {""}))
    unknown = [s for s in footprint if s not in STATE_CODES]
    if unknown or not footprint:
        raise ArgumentError(f"unknown state code(s): {', '.join(unknown) or '(none given)'}")
    mix = dict(DEFAULT_INFUSATE_MIX if infusate_mix is None else infusate_mix)
    bad = sorted(set(mix) - set(settings.PRESCRIBED_INTERVAL_DAYS))
    if bad or not mix or any(v < 0 for v in mix.values()) or not sum(mix.values()) > 0:
        raise ArgumentError(f"bad infusate_mix {mix!r}")
    plan_start = as_of if plan_start is None else plan_start
    if not 0 <= (plan_start - as_of).days <= settings.MAX_START_AFTER_AS_OF_DAYS:
        raise ArgumentError(f"the first planned day (plan_start, a scenario's horizon.start) {plan_start} must be "
                            f"between as_of {as_of} and as_of + {settings.MAX_START_AFTER_AS_OF_DAYS} days")
    return footprint, mix, plan_start


@dataclass(frozen=True)
class _Streams:
    """The patients' random streams (one per concern, so a change in one leaves the others' draws alone)."""

    home: np.random.Generator
    fill: np.random.Generator
    care: np.random.Generator
    zip: np.random.Generator


@dataclass
class _Patients:
    """The patients' draws, before they become a table."""

    ids: list[str]
    homes: dict[str, npt.NDArray]
    fills: dict[str, npt.NDArray]
    lat: npt.NDArray[np.float64]  # where the loaders will place them (ZIP centroid for ZIP-only rows)
    lon: npt.NDArray[np.float64]
    state: npt.NDArray[np.object_]
    zip: npt.NDArray[np.object_]
    narrow: npt.NDArray[np.bool_]
    window: npt.NDArray[np.int64]
    long_visit: npt.NDArray[np.bool_]
    inactive: npt.NDArray[np.bool_]


def _draw_patients(
    rng: _Streams, world: World, n: int, *, footprint: tuple[str, ...], as_of: date, plan_start: date,
    mix: Mapping[str, float], rural_share: float | None, zip_only_share: float, overdue_share: float,
    narrow_window_share: float, centers: Sequence[str] | None = None,
) -> _Patients:
    """Homes, fills, ZIP-only rows and care details of ``n`` patients."""
    homes = draw_homes(rng.home, n, states=footprint, rural_share=rural_share, centers=centers)
    fills = fill_history(rng.fill, n, as_of=as_of, plan_start=plan_start, infusate_mix=mix,
                         overdue_share=overdue_share)
    p_lat, p_lon = homes["lat"].astype(float), homes["lon"].astype(float)
    p_state = homes["state"].astype(object)
    zip_col = np.full(n, None, dtype=object)
    n_zip = int(round(zip_only_share * n))
    if n_zip:
        zi = zip_index(footprint)
        rows = np.sort(rng.zip.choice(n, size=n_zip, replace=False))
        hit = nearest_zips(zi, p_lat[rows], p_lon[rows], p_state[rows])
        rows, hit = rows[hit >= 0], hit[hit >= 0]
        zip_col[rows] = zi.zip[hit]
        p_lat[rows], p_lon[rows] = zi.lat[hit], zi.lon[hit]  # where the loaders will place them
    narrow = rng.care.random(n) < narrow_window_share
    window = rng.care.integers(0, len(NARROW_WINDOWS), size=n)
    long_visit = rng.care.random(n) < LONG_VISIT_SHARE
    inactive = rng.care.random(n) < INACTIVE_SHARE
    width = max(len(str(max(n, 1))), 4)
    return _Patients(ids=[f"P{i + 1:0{width}d}" for i in range(n)], homes=homes, fills=fills, lat=p_lat,
                     lon=p_lon, state=p_state, zip=zip_col, narrow=narrow, window=window, long_visit=long_visit,
                     inactive=inactive)


@dataclass
class _Nurses:
    """The nurses' draws and rows, before they become a table."""

    ids: list[str]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    state: npt.NDArray[np.object_]
    multistate: npt.NDArray[np.bool_]
    singles: list[list[str]]
    chemo: npt.NDArray[np.bool_]
    workdays: list[frozenset[int]]
    rows: list[dict[str, object]]


def _draw_nurses(
    r_home: np.random.Generator, r_lic: np.random.Generator, r_shift: np.random.Generator, world: World,
    m: int, pat: _Patients, *, footprint: tuple[str, ...], compact: frozenset[str], multistate_share: float,
    chemo_share: float,
) -> _Nurses:
    """Homes, licenses, certification, shifts, limits and pay of ``m`` nurses."""
    nh = nurse_homes(r_home, world, m, pat.lat, pat.lon)
    n_state = nh["state"].astype(object)
    multi, singles = draw_licenses(
        r_lic, n_state, nh["lat"], nh["lon"], footprint=footprint, compact=compact,
        multistate_share=multistate_share, pat_lat=pat.lat, pat_lon=pat.lon, pat_state=pat.state,
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
        workdays_set.append(frozenset(WEEKDAYS.index(d) for d in days.split(";")))
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
    return _Nurses(ids=nurse_ids, lat=nh["lat"], lon=nh["lon"], state=n_state, multistate=multi, singles=singles,
                   chemo=chemo, workdays=workdays_set, rows=rows_n)


def _nurse_table(nur: _Nurses) -> "pd.DataFrame":
    """``nurses.csv`` as a frame (nullable integers, object text columns)."""
    import pandas as pd

    nurses = pd.DataFrame(nur.rows, columns=list(NURSE_COLUMNS))
    for col in ("max_visits_per_day", "max_drive_minutes_one_way", "max_overtime_minutes"):
        nurses[col] = nurses[col].astype("Int64")
    for col in ("state_licenses", "hai_certified", "workdays", "shift_start", "shift_end"):
        nurses[col] = nurses[col].astype(object)
    return nurses


def _preferred_nurses(rng: np.random.Generator, pat: _Patients, nur: _Nurses, *, compact: frozenset[str],
                      preferred_share: float) -> npt.NDArray[np.object_]:
    """Preferred nurse per patient (or ``None``): nearby, licensed for the state, chemo if on a cycle."""
    n, m = len(pat.ids), len(nur.ids)
    fills, p_state = pat.fills, pat.state
    practise = [set(nur.singles[i]) | (set(compact) if nur.multistate[i] and nur.state[i] in compact else set())
                for i in range(m)]
    chemo_cycle = np.isin(fills["now"], ["floxuridine", "heparinized_saline"]) | (fills["next"] == "floxuridine")
    wants = (rng.random(n) < preferred_share) & ~pat.inactive
    preferred = np.full(n, None, dtype=object)
    if m and wants.any():
        for s in sorted(set(p_state[wants].tolist())):
            able = np.array([s in practise[i] for i in range(m)], dtype=bool)
            for needs_chemo in (False, True):
                rows = np.flatnonzero(wants & (p_state == s) & (chemo_cycle == needs_chemo))
                ok = able & nur.chemo if needs_chemo else able
                if rows.size == 0 or not ok.any():
                    continue
                cand = np.flatnonzero(ok)
                d = pairwise_km(pat.lat[rows], pat.lon[rows], nur.lat[cand], nur.lon[cand])
                best = np.argmin(d, axis=1)
                close = d[np.arange(rows.size), best] <= PREFERRED_MAX_KM
                preferred[rows[close]] = np.array(nur.ids, dtype=object)[cand[best[close]]]
    return preferred


def _patient_table(pat: _Patients, preferred: npt.NDArray[np.object_], *, as_of: date) -> "pd.DataFrame":
    """``patients.csv`` as a frame; a ``None``/NaN cell is the contract's default."""
    import pandas as pd

    n = len(pat.ids)
    fills = pat.fills
    zip_only = np.array([z is not None for z in pat.zip], dtype=bool)
    last_fill = [as_of + timedelta(days=int(k)) for k in fills["last_offset"]]
    patients = pd.DataFrame({
        "patient_id": pat.ids,
        "lat": np.where(zip_only, np.nan, pat.lat),
        "lon": np.where(zip_only, np.nan, pat.lon),
        "zip": pat.zip,
        "state": pat.state,
        "reservoir_ml": np.where(fills["older"], fills["reservoir"], np.nan),
        "flow_ml_per_day": fills["flow"],
        "last_fill_date": pd.Series(last_fill, dtype=object),
        "last_fill_infusate": fills["now"],
        "last_fill_volume_ml": np.full(n, np.nan),
        "next_infusate": fills["next"],
        "prescribed_interval_days": pd.array(
            [None if k < 0 else int(k) for k in fills["interval_given"]], dtype="Int64"),
        "visit_minutes": pd.array([90 if x else None for x in pat.long_visit], dtype="Int64"),
        "earliest_arrival": np.array([NARROW_WINDOWS[w][0] if x else None for x, w in zip(pat.narrow, pat.window)],
                                     dtype=object),
        "latest_arrival": np.array([NARROW_WINDOWS[w][1] if x else None for x, w in zip(pat.narrow, pat.window)],
                                   dtype=object),
        "preferred_nurse_id": preferred,
        "active": np.array([False if x else None for x in pat.inactive], dtype=object),
    }, columns=list(PATIENT_COLUMNS))
    for col in ("zip", "state", "next_infusate", "last_fill_infusate"):
        patients[col] = patients[col].astype(object)
    return patients


def _time_off_table(rng: np.random.Generator, nurse_ids: list[str], workdays: list[frozenset[int]],
                    plan_start: date) -> "pd.DataFrame":
    """``time_off.csv`` as a frame: single days and week-long blocks over four weeks from ``plan_start``."""
    import pandas as pd

    off = draw_time_off(rng, nurse_ids, workdays, plan_start)
    return pd.DataFrame({"nurse_id": pd.Series([o[0] for o in off], dtype=object),
                         "date": pd.Series([o[1] for o in off], dtype=object)},
                        columns=list(TIME_OFF_COLUMNS))


def _origins(pat: _Patients, world: World) -> "pd.DataFrame":
    """How each patient was drawn (never written): center, rural flag, place, home."""
    import pandas as pd

    return pd.DataFrame({
        "patient_id": pat.ids,
        "center_id": pat.homes["center_id"],
        "rural": pat.homes["rural"],
        "place": pat.homes["place"],
        "place_state": pat.state,
        "home_lat": pat.lat,
        "home_lon": pat.lon,
        "overdue": pat.fills["overdue"],
    })
