"""Pumps and fills, licenses, and time off: the per-person draws of the synthetic roster."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from optimizer import settings
from optimizer.studies.synth.assumptions import (FULL_RESERVOIR_DAYS, GLYCERIN_SHORT_INTERVAL_SHARE,
                                         MAX_NEIGHBOUR_LICENSES, NEIGHBOUR_LICENSE_P, OLDER_PUMP_RESERVOIR_ML,
                                         OLDER_PUMP_SHARE, PAUSE_SHARE, RESTART_SHARE, SATURDAY_ACCEPT,
                                         SINGLE_DAYS_OFF_MEAN, TRAVEL_LICENSE_SHARE, VACATION_SHARE)
from optimizer.studies.synth.geography import pairwise_km


def fill_history(
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


def draw_licenses(
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
            near[:, k] = pairwise_km(lat, lon, pat_lat[rows], pat_lon[rows]).min(axis=1)
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


def draw_time_off(
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
