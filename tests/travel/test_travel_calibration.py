"""Fitting the haversine bands recovers known parameters; uncovered bands keep their priors."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.travel import HaversineSettings
from geodata.travel.calibration import RatioSummary, band_is_covered, evaluate, fit_haversine
from geodata.travel.haversine import minutes_for_gc, road_km_for_gc

TRUTH = HaversineSettings(band_limits_km=(2.0, 10.0, 50.0), band_circuity=(1.5, 1.3, 1.1, 1.05),
                          band_speeds_kmh=(30.0, 50.0, 80.0, 100.0), fitted_bands=(False,) * 4, source="truth")
PRIOR = HaversineSettings(band_limits_km=(2.0, 10.0, 50.0), band_circuity=(1.2, 1.2, 1.2, 1.2),
                          band_speeds_kmh=(40.0, 40.0, 40.0, 77.0), fitted_bands=(False,) * 4, source="prior")


def test_fit_recovers_covered_bands_and_keeps_priors_elsewhere() -> None:
    gc = np.random.default_rng(0).uniform(0.05, 40.0, 5000)  # no pair reaches a quarter into the open band
    fitted = fit_haversine(gc, road_km_for_gc(gc, TRUTH), minutes_for_gc(gc, TRUTH), prior=PRIOR, min_pairs=100)
    assert fitted.fitted_bands == (True, True, True, False)
    np.testing.assert_allclose(fitted.band_circuity[:3], TRUTH.band_circuity[:3], rtol=1e-3)
    np.testing.assert_allclose(fitted.band_speeds_kmh[:3], TRUTH.band_speeds_kmh[:3], rtol=1e-3)
    assert fitted.band_circuity[3] == PRIOR.band_circuity[3] and fitted.band_speeds_kmh[3] == PRIOR.band_speeds_kmh[3]
    mins, km = evaluate(fitted, gc, road_km_for_gc(gc, TRUTH), minutes_for_gc(gc, TRUTH))
    assert mins.median == pytest.approx(1.0, abs=1e-3) and km.p90_abs_error < 1e-3


def test_circuity_never_below_one_and_noise_tolerated() -> None:
    rng = np.random.default_rng(1)
    gc = rng.uniform(0.05, 40.0, 5000)
    noise = rng.lognormal(0.0, 0.2, gc.size)
    fitted = fit_haversine(gc, gc * 0.99, minutes_for_gc(gc, TRUTH) * noise, prior=PRIOR, min_pairs=100)
    assert min(fitted.band_circuity) >= 1.0
    assert all(v > 0 for v in fitted.band_speeds_kmh)


def test_band_coverage_rule() -> None:
    gc = np.array([0.6] * 10 + [4.1] * 10)
    assert band_is_covered(gc, PRIOR, min_pairs=10).tolist() == [True, True, False, False]


def test_ratio_summary() -> None:
    s = RatioSummary.of(np.array([1.0, 2.0, 3.0, 5.0]), np.array([1.0, 2.0, 2.0, 0.0]))
    assert s.pairs == 3 and s.median == 1.0 and s.p90 == pytest.approx(1.4)
