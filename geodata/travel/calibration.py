"""Fitting the haversine model to road-graph times, and measuring its error.

``bench/travel_calibrate.py`` samples node pairs on real extracts, runs the
road provider, and calls :func:`fit_haversine`; the result becomes the default
:class:`~geodata.travel.settings.HaversineSettings` (generated ``_calibration``
module). Circuity and pace are linear in the per-band parameters, so each is a
non-negative least-squares fit of *relative* error (rows weighted by 1/y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from geodata.travel.haversine import band_overlaps, minutes_for_gc, road_km_for_gc
from geodata.travel.settings import HaversineSettings


@dataclass(frozen=True)
class RatioSummary:
    """Distribution of model / road ratios over pairs."""

    pairs: int
    median: float
    p10: float
    p90: float
    p90_abs_error: float  # 90th percentile of |ratio - 1|

    @classmethod
    def of(cls, model: np.ndarray, road: np.ndarray) -> RatioSummary:
        """Summarise ``model / road`` (pairs with road > 0)."""
        ok = road > 0
        r = model[ok] / road[ok]
        if r.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        return cls(int(r.size), float(np.median(r)), float(np.percentile(r, 10)), float(np.percentile(r, 90)),
                   float(np.percentile(np.abs(r - 1.0), 90)))


def band_is_covered(gc_km: np.ndarray, settings: HaversineSettings, *, min_pairs: int) -> np.ndarray:
    """Bands with at least ``min_pairs`` pairs reaching a quarter into the band.

    Bands the data barely enter are left at their priors rather than fitted on
    a handful of pairs (the open last band counts as twice its lower limit wide).
    """
    lows = np.array((0.0,) + settings.band_limits_km)
    highs = np.array(settings.band_limits_km + (lows[-1] * 2.0,))
    marks = lows + 0.25 * (highs - lows)
    return np.array([(gc_km >= m).sum() >= min_pairs for m in marks])


def fit_haversine(
    gc_km: np.ndarray,
    road_km: np.ndarray,
    road_minutes: np.ndarray,
    *,
    prior: HaversineSettings,
    min_pairs: int = 500,
    source: str = "",
) -> HaversineSettings:
    """Fit per-band circuity and speed to road-graph pairs; uncovered bands keep ``prior``.

    Parameters
    ----------
    gc_km, road_km, road_minutes
        One value per sampled pair (great-circle km, road km, road minutes).
    prior
        Band limits, and the values of the bands the data do not cover.
    min_pairs
        Pairs needed a quarter into a band to fit it.
    source
        Text stored in the result's ``source``.

    Returns
    -------
    HaversineSettings
        Fitted bands flagged in ``fitted_bands``; circuity clipped at 1.
    """
    gc_km, road_km, road_minutes = (np.asarray(a, dtype=np.float64) for a in (gc_km, road_km, road_minutes))
    ok = (gc_km > 0) & (road_km > 0) & (road_minutes > 0) & np.isfinite(road_minutes)
    gc_km, road_km, road_minutes = gc_km[ok], road_km[ok], road_minutes[ok]
    X = band_overlaps(gc_km, prior)
    fit = band_is_covered(gc_km, prior, min_pairs=min_pairs)
    circuity = np.array(prior.band_circuity)
    pace = 60.0 * circuity / np.array(prior.band_speeds_kmh)
    if fit.any():
        for target, values in ((road_km, circuity), (road_minutes, pace)):
            w = 1.0 / target
            rest = target - X[:, ~fit] @ values[~fit]
            coef, _ = nnls(X[:, fit] * w[:, None], rest * w)
            values[fit] = coef
        circuity = np.maximum(circuity, 1.0)
        pace = np.maximum(pace, 1e-6)
    speeds = 60.0 * circuity / pace
    return HaversineSettings(
        band_limits_km=prior.band_limits_km,
        band_circuity=tuple(np.round(circuity, 4)),
        band_speeds_kmh=tuple(np.round(speeds, 2)),
        fitted_bands=tuple(bool(f) for f in fit),
        source=source or prior.source,
    )


def evaluate(settings: HaversineSettings, gc_km: np.ndarray, road_km: np.ndarray,
             road_minutes: np.ndarray) -> tuple[RatioSummary, RatioSummary]:
    """Ratio summaries (minutes, km) of the model against road pairs."""
    return (RatioSummary.of(minutes_for_gc(gc_km, settings), road_minutes),
            RatioSummary.of(road_km_for_gc(gc_km, settings), road_km))
